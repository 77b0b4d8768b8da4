//! `trigger_subscriptions`: monday's subscriptions to the "When an SMS reply arrives"
//! trigger (webhook URL, ids and input fields: configuration, kept plain).

use sea_orm_migration::{prelude::*, schema::*};

use crate::owned_by_account::{drop_table, owned_by_account};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table =
            owned_by_account(Table::create().table("trigger_subscriptions").if_not_exists(), "trigger_subscriptions")
                .col(big_integer("subscription_id").primary_key())
                .col(text("webhook_url"))
                .col(big_integer_null("board_id"))
                .col(json("input_fields"))
                .col(big_integer_null("recipe_id"))
                .col(big_integer_null("integration_id"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned();
        manager.create_table(table).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "trigger_subscriptions").await
    }
}
