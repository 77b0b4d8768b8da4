//! The operator's commands for privacy requests: export or delete one account's data.
//!
//! Export prints every Db row and Kv entry the account owns (ciphertexts stay ciphertext:
//! the export is for an access request about what we keep, not a way to read tokens).
//! Delete removes every row and key of the account, exactly as an uninstall does.

use drip_domain::AccountId;
use serde_json::json;

use crate::startup::Application;

/// Every row and key the account owns, as JSON.
pub async fn export_account(app: &Application, account: AccountId) -> anyhow::Result<serde_json::Value> {
    let state = app.state();
    let rows = state.db.export_account(account).await?;
    let keys: Vec<_> = state
        .kv
        .dump_account(account)
        .await?
        .into_iter()
        .map(|(key, value)| json!({ "key": key, "value_bytes": value.len() }))
        .collect();
    Ok(json!({ "account_id": account, "db": rows, "kv": keys }))
}

/// Deletes everything of the account from both stores. Returns how many rows and keys.
pub async fn delete_account(app: &Application, account: AccountId) -> anyhow::Result<u64> {
    app.state().accounts.uninstall(account).await?.map_err(|error| anyhow::anyhow!(error))
}
