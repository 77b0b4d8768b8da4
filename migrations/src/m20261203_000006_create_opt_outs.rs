//! `opt_outs`: recipients who texted STOP, as a keyed hash of (Twilio account, recipient).

use sea_orm_migration::{prelude::*, schema::*};

use crate::owned_by_account::{drop_table, owned_by_account};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = owned_by_account(Table::create().table("opt_outs").if_not_exists(), "opt_outs")
            .col(string_len("opt_out_hash", 64))
            .col(string("source"))
            .col(timestamp_with_time_zone("created_at"))
            .primary_key(Index::create().col("account_id").col("opt_out_hash"))
            .to_owned();
        manager.create_table(table).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "opt_outs").await
    }
}
