//! The account's monday OAuth token: sealed before it reaches the Db, opened only in
//! memory, and refreshed ahead of its expiry with refresh-token rotation.
//!
//! Legacy (OAuth 2.0) tokens carry no expiry and are never refreshed. OAuth 2.1 access
//! tokens expire; monday sends no `expires_in`, so the expiry comes from the token's own
//! `exp` claim (see the monday client) and a refresh happens once it is within the
//! configured margin. Every refresh returns a new refresh token, stored at once, because
//! the old one stops working.

use drip_clients::monday::TokenSet;
use drip_domain::crypto::Purpose;
use drip_domain::{AccountId, UserId};
use drip_store::db::tokens::SealedTokens;
use secrecy::{ExposeSecret, SecretString};

use crate::account::AccountError;
use crate::services::AccountServices;

/// Seals `tokens` and stores them as the account's current tokens.
pub async fn store(
    services: &AccountServices,
    account: AccountId,
    tokens: &TokenSet,
    user: Option<UserId>,
) -> anyhow::Result<()> {
    let keyring = &services.crypto.keyring;
    let sealed = SealedTokens {
        access_token_ciphertext: keyring.seal_to_string(
            Purpose::OAuthAccessToken,
            account,
            tokens.access_token.expose_secret().as_bytes(),
        ),
        refresh_token_ciphertext: tokens.refresh_token.as_ref().map(|refresh| {
            keyring.seal_to_string(Purpose::OAuthRefreshToken, account, refresh.expose_secret().as_bytes())
        }),
        expires_at: tokens.expires_at,
        scope: tokens.scope.clone(),
        user_id: user.map(UserId::get),
    };
    let now = services.clock.now();
    services.db.ensure_account(account, now).await?;
    services.db.store_tokens(account, sealed, now).await
}

/// A usable access token: the stored one, or a fresh one when it expires within the margin.
pub async fn access_token(services: &AccountServices, account: AccountId) -> Result<SecretString, AccountError> {
    let row = services.db.load_tokens(account).await?.ok_or(AccountError::NotConnected)?;
    let margin = chrono::Duration::from_std(services.settings.token_refresh_margin).unwrap_or_default();
    let fresh_enough = row.expires_at.is_none_or(|expires_at| expires_at - margin > services.clock.now());
    if fresh_enough {
        return open(services, account, Purpose::OAuthAccessToken, &row.access_token_ciphertext);
    }
    let Some(refresh_ciphertext) = row.refresh_token_ciphertext else {
        // An expiring token without a refresh token cannot be renewed by us.
        return Err(AccountError::Reconnect);
    };
    let refresh_token = open(services, account, Purpose::OAuthRefreshToken, &refresh_ciphertext)?;
    let tokens = services.monday.refresh(&refresh_token).await.map_err(|error| {
        if error.requires_reauthorization() {
            AccountError::Reconnect
        } else {
            AccountError::MondayUnavailable(error.to_string())
        }
    })?;
    store(services, account, &tokens, row.user_id.map(UserId)).await?;
    tracing::info!(account = %account, "refreshed the monday OAuth token");
    Ok(tokens.access_token)
}

fn open(
    services: &AccountServices,
    account: AccountId,
    purpose: Purpose,
    ciphertext: &str,
) -> Result<SecretString, AccountError> {
    let plain = services
        .crypto
        .keyring
        .open_str(purpose, account, ciphertext)
        .map_err(|error| anyhow::anyhow!("stored token does not decrypt: {error}"))?;
    let text = String::from_utf8(plain.to_vec()).map_err(|_| anyhow::anyhow!("stored token is not UTF-8"))?;
    Ok(SecretString::from(text))
}
