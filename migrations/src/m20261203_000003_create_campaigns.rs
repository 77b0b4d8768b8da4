//! `campaigns`: drip campaigns (configuration, kept plain).

use sea_orm_migration::{prelude::*, schema::*};

use crate::owned_by_account::{drop_table, owned_by_account};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = owned_by_account(Table::create().table("campaigns").if_not_exists(), "campaigns")
            .col(string_len("id", 36).primary_key())
            .col(string("name"))
            .col(string("status"))
            .col(string("time_zone"))
            .col(boolean("stop_on_reply"))
            .col(string("on_reenrol"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone("updated_at"))
            .to_owned();
        manager.create_table(table).await?;
        manager
            .create_index(Index::create().name("idx_campaigns_account").table("campaigns").col("account_id").to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "campaigns").await
    }
}
