//! `enrolments.opt_out_hash`: the keyed hash of (Twilio AccountSid, recipient) the
//! enrolment sends under, the same value an opt-out is stored as. A STOP then ends exactly
//! the enrolments under that Twilio account, not those the same contact has under another
//! Twilio account of the customer. Nullable for rows made before it; those are matched by
//! the recipient alone.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX: &str = "idx_enrolments_account_opt_out";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table("enrolments").add_column(string_len_null("opt_out_hash", 64)).to_owned())
            .await?;
        manager
            .create_index(
                Index::create().name(INDEX).table("enrolments").col("account_id").col("opt_out_hash").to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(INDEX).table("enrolments").to_owned()).await?;
        manager.alter_table(Table::alter().table("enrolments").drop_column("opt_out_hash").to_owned()).await
    }
}
