//! Deliveries already handled, so a retried webhook or action changes nothing.
//!
//! A claim is an insert that does nothing on conflict: of two concurrent deliveries of one
//! key, exactly one inserts the row and goes on; the other sees `AlreadyClaimed`.

use anyhow::Context;
use chrono::{DateTime, Utc};
use drip_domain::AccountId;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::entities::idempotency_key;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimOutcome {
    Claimed,
    AlreadyClaimed,
}

/// Claims `(account, scope, key_hash)` inside the caller's transaction or connection.
pub async fn claim_in<C: ConnectionTrait>(
    conn: &C,
    account: AccountId,
    scope: &str,
    key_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> anyhow::Result<ClaimOutcome> {
    let row = idempotency_key::ActiveModel {
        account_id: Set(account.get()),
        scope: Set(scope.to_owned()),
        key_hash: Set(key_hash.to_owned()),
        response_status: Set(None),
        response_body: Set(None),
        created_at: Set(now),
        expires_at: Set(expires_at),
    };
    let on_conflict = OnConflict::columns([
        idempotency_key::Column::AccountId,
        idempotency_key::Column::Scope,
        idempotency_key::Column::KeyHash,
    ])
    .do_nothing()
    .to_owned();
    let inserted = idempotency_key::Entity::insert(row)
        .on_conflict(on_conflict)
        .exec_without_returning(conn)
        .await
        .context("claiming idempotency key")?;
    Ok(if inserted == 1 { ClaimOutcome::Claimed } else { ClaimOutcome::AlreadyClaimed })
}

/// A stored claim: `response` is `None` while the first delivery is still being handled.
#[derive(Debug, Clone)]
pub struct StoredClaim {
    pub response: Option<serde_json::Value>,
}

impl super::Db {
    pub async fn claim(
        &self,
        account: AccountId,
        scope: &str,
        key_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> anyhow::Result<ClaimOutcome> {
        claim_in(self.conn(), account, scope, key_hash, now, expires_at).await
    }

    /// Deletes every claim past its expiry (all accounts). Returns how many went.
    pub async fn purge_expired_claims(&self, now: DateTime<Utc>) -> anyhow::Result<u64> {
        let result = idempotency_key::Entity::delete_many()
            .filter(idempotency_key::Column::ExpiresAt.lt(now))
            .exec(self.conn())
            .await
            .context("purging expired idempotency claims")?;
        Ok(result.rows_affected)
    }

    pub async fn find_claim(
        &self,
        account: AccountId,
        scope: &str,
        key_hash: &str,
    ) -> anyhow::Result<Option<StoredClaim>> {
        let row = idempotency_key::Entity::find_by_id((account.get(), scope.to_owned(), key_hash.to_owned()))
            .one(self.conn())
            .await
            .context("reading an idempotency claim")?;
        Ok(row.map(|row| StoredClaim { response: row.response_body }))
    }

    /// Stores the answer given to the first delivery, for every repeat.
    pub async fn save_claim_response(
        &self,
        account: AccountId,
        scope: &str,
        key_hash: &str,
        status: u16,
        body: serde_json::Value,
    ) -> anyhow::Result<()> {
        let row = idempotency_key::ActiveModel {
            account_id: sea_orm::Unchanged(account.get()),
            scope: sea_orm::Unchanged(scope.to_owned()),
            key_hash: sea_orm::Unchanged(key_hash.to_owned()),
            response_status: Set(Some(i32::from(status))),
            response_body: Set(Some(body)),
            ..Default::default()
        };
        row.update(self.conn()).await.context("saving an idempotent response")?;
        Ok(())
    }

    /// Forgets a claim whose delivery failed in a way a retry may fix.
    pub async fn release_claim(&self, account: AccountId, scope: &str, key_hash: &str) -> anyhow::Result<()> {
        idempotency_key::Entity::delete_by_id((account.get(), scope.to_owned(), key_hash.to_owned()))
            .exec(self.conn())
            .await
            .context("releasing an idempotency claim")?;
        Ok(())
    }
}
