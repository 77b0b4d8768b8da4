//! `enrolments`: one board item in one campaign, with the due time of its next step.
//!
//! The recipient appears only as a keyed hash; the number itself lives in an encrypted Kv
//! envelope for as long as the enrolment runs. A partial unique index allows one *active*
//! enrolment per item and campaign (the same SQL works on SQLite and PostgreSQL).

use sea_orm_migration::{prelude::*, schema::*};

use crate::owned_by_account::{drop_table, owned_by_account};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = owned_by_account(Table::create().table("enrolments").if_not_exists(), "enrolments")
            .col(string_len("id", 36).primary_key())
            .col(string_len("campaign_id", 36))
            .col(big_integer("board_id"))
            .col(big_integer("item_id"))
            .col(string_len("recipient_hash", 64))
            .col(integer("next_step"))
            .col(timestamp_with_time_zone_null("next_due_at"))
            .col(string("state"))
            .col(string_null("end_reason"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone("updated_at"))
            .foreign_key(
                ForeignKey::create()
                    .name("fk_enrolments_campaign")
                    .from("enrolments", "campaign_id")
                    .to("campaigns", "id")
                    .on_delete(ForeignKeyAction::Cascade),
            )
            .to_owned();
        manager.create_table(table).await?;
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX idx_enrolments_one_active \
                 ON enrolments (campaign_id, item_id) WHERE state = 'active'",
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_enrolments_due")
                    .table("enrolments")
                    .col("state")
                    .col("next_due_at")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "enrolments").await
    }
}
