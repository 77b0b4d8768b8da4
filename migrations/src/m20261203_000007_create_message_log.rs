//! `message_log`: one row per outbound SMS: hashed SID and numbers, status, error code,
//! segments and times. Never the body.
//!
//! A drip step is *claimed* here (state `claimed`, no SID yet) before Twilio is called and
//! recorded after, so a crash in between can be reconciled instead of sending twice.

use sea_orm_migration::{prelude::*, schema::*};

use crate::owned_by_account::{drop_table, owned_by_account};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = owned_by_account(Table::create().table("message_log").if_not_exists(), "message_log")
            .col(string_len("id", 36).primary_key())
            .col(string_len_null("enrolment_id", 36))
            .col(integer_null("step_position"))
            .col(string_len_null("sid_hash", 64).unique_key())
            .col(string_len("recipient_hash", 64))
            .col(string_len("sender_hash", 64))
            .col(string("status"))
            .col(integer_null("error_code"))
            .col(integer_null("segments"))
            .col(string_null("encoding"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone("updated_at"))
            .to_owned();
        manager.create_table(table).await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_message_log_enrolment_step")
                    .table("message_log")
                    .col("enrolment_id")
                    .col("step_position")
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "message_log").await
    }
}
