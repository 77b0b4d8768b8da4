//! The account's monday OAuth tokens, stored as AES-256-SIV ciphertext only.
//!
//! Encryption happens before these functions are called (the account actor seals with the
//! key ring); this module never sees a plain token.

use anyhow::Context;
use chrono::{DateTime, Utc};
use drip_domain::AccountId;
use sea_orm::sea_query::OnConflict;
use sea_orm::{EntityTrait, Set};

use super::Db;
use super::entities::oauth_token;

/// Sealed tokens ready to store.
#[derive(Debug, Clone)]
pub struct SealedTokens {
    pub access_token_ciphertext: String,
    pub refresh_token_ciphertext: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub scope: Option<String>,
    pub user_id: Option<i64>,
}

impl Db {
    /// Stores (or replaces) the account's tokens.
    pub async fn store_tokens(
        &self,
        account: AccountId,
        tokens: SealedTokens,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let row = oauth_token::ActiveModel {
            account_id: Set(account.get()),
            access_token_ciphertext: Set(tokens.access_token_ciphertext),
            refresh_token_ciphertext: Set(tokens.refresh_token_ciphertext),
            expires_at: Set(tokens.expires_at),
            scope: Set(tokens.scope),
            user_id: Set(tokens.user_id),
            updated_at: Set(now),
        };
        let on_conflict = OnConflict::column(oauth_token::Column::AccountId)
            .update_columns([
                oauth_token::Column::AccessTokenCiphertext,
                oauth_token::Column::RefreshTokenCiphertext,
                oauth_token::Column::ExpiresAt,
                oauth_token::Column::Scope,
                oauth_token::Column::UserId,
                oauth_token::Column::UpdatedAt,
            ])
            .to_owned();
        oauth_token::Entity::insert(row)
            .on_conflict(on_conflict)
            .exec_without_returning(self.conn())
            .await
            .context("storing OAuth tokens")?;
        Ok(())
    }

    pub async fn load_tokens(&self, account: AccountId) -> anyhow::Result<Option<oauth_token::Model>> {
        oauth_token::Entity::find_by_id(account.get()).one(self.conn()).await.context("reading OAuth tokens")
    }
}
