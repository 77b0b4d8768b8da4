//! `idempotency_keys`: deliveries already handled (lifecycle events, monday action runs,
//! Twilio callbacks), with the answer given the first time, so a retry changes nothing.
//!
//! `key_hash` is a keyed hash of the caller's key, scoped by `scope`.

use sea_orm_migration::{prelude::*, schema::*};

use crate::owned_by_account::{drop_table, owned_by_account};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = owned_by_account(Table::create().table("idempotency_keys").if_not_exists(), "idempotency_keys")
            .col(string("scope"))
            .col(string_len("key_hash", 64))
            .col(integer_null("response_status"))
            .col(json_null("response_body"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone("expires_at"))
            .primary_key(Index::create().col("account_id").col("scope").col("key_hash"))
            .to_owned();
        manager.create_table(table).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "idempotency_keys").await
    }
}
