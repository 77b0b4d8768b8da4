//! `campaign_steps`: the ordered SMS steps of a campaign.
//!
//! `template` is the campaign author's text with placeholders: configuration, not a
//! rendered message body (rendered bodies are never stored).

use sea_orm_migration::{prelude::*, schema::*};

use crate::owned_by_account::{drop_table, owned_by_account};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = owned_by_account(Table::create().table("campaign_steps").if_not_exists(), "campaign_steps")
            .col(string_len("id", 36).primary_key())
            .col(string_len("campaign_id", 36))
            .col(integer("position"))
            .col(text("template"))
            .col(big_integer("delay_seconds"))
            .col(json_null("send_window"))
            .foreign_key(
                ForeignKey::create()
                    .name("fk_campaign_steps_campaign")
                    .from("campaign_steps", "campaign_id")
                    .to("campaigns", "id")
                    .on_delete(ForeignKeyAction::Cascade),
            )
            .to_owned();
        manager.create_table(table).await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_campaign_steps_position")
                    .table("campaign_steps")
                    .col("campaign_id")
                    .col("position")
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "campaign_steps").await
    }
}
