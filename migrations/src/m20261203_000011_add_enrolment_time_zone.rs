//! `enrolments.time_zone`: the item's own time zone (from a time-zone column chosen in the
//! Sequence Starter), which overrides the campaign's for that item's send windows and
//! calendar-day delays. Nullable: most enrolments use the campaign's zone.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table("enrolments").add_column(string_len_null("time_zone", 64)).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("enrolments").drop_column("time_zone").to_owned()).await
    }
}
