//! `accounts`: one row per installed monday account, with its plan facts.
//!
//! Only the account id and plan facts: no names, e-mails or slugs (privacy policy:
//! "only the monday account id and encrypted OAuth tokens are kept about the account").

use sea_orm_migration::{prelude::*, schema::*};

use crate::owned_by_account::drop_table;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = Table::create()
            .table("accounts")
            .if_not_exists()
            .col(big_integer("account_id").primary_key())
            .col(string("subscription_status"))
            .col(string_null("plan_id"))
            .col(string_null("account_tier"))
            .col(big_integer_null("max_units"))
            .col(boolean("is_trial"))
            .col(string_null("billing_period"))
            .col(timestamp_with_time_zone_null("renewal_date"))
            .col(integer_null("pricing_version"))
            .col(timestamp_with_time_zone("installed_at"))
            .col(timestamp_with_time_zone("last_event_at"))
            .col(timestamp_with_time_zone("updated_at"))
            .to_owned();
        manager.create_table(table).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "accounts").await
    }
}
