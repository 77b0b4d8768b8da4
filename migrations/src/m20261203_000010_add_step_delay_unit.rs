//! `campaign_steps.delay_unit`: the unit the campaign author chose for a step's delay
//! (`minutes`, `hours` or `days`), so a delay of "2 days" reads back as 2 days and not as
//! 48 hours. `delay_seconds` stays the value the scheduler uses.
//!
//! Nullable, so rows written before it existed need no default: for them the largest unit
//! that divides `delay_seconds` is shown.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table("campaign_steps").add_column(string_len_null("delay_unit", 16)).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("campaign_steps").drop_column("delay_unit").to_owned()).await
    }
}
