//! `oauth_tokens`: the account's monday OAuth tokens, AES-256-SIV ciphertext only.
//!
//! The key id travels inside the ciphertext; the associated data binds each ciphertext to
//! its account and purpose, so a row copied to another account does not decrypt.

use sea_orm_migration::{prelude::*, schema::*};

use crate::owned_by_account::{drop_table, owned_by_account};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = owned_by_account(Table::create().table("oauth_tokens").if_not_exists(), "oauth_tokens")
            .primary_key(Index::create().col("account_id"))
            .col(text("access_token_ciphertext"))
            .col(text_null("refresh_token_ciphertext"))
            .col(timestamp_with_time_zone_null("expires_at"))
            .col(string_null("scope"))
            .col(big_integer_null("user_id"))
            .col(timestamp_with_time_zone("updated_at"))
            .to_owned();
        manager.create_table(table).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "oauth_tokens").await
    }
}
