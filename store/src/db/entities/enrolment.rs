//! One board item enrolled in one campaign.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enrolments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub account_id: i64,
    pub campaign_id: String,
    pub board_id: i64,
    pub item_id: i64,
    pub recipient_hash: String,
    pub next_step: i32,
    pub next_due_at: Option<DateTimeUtc>,
    pub state: String,
    pub end_reason: Option<String>,
    /// The item's own IANA zone, overriding the campaign's.
    pub time_zone: Option<String>,
    /// Keyed hash of (Twilio AccountSid, recipient): what an opt-out of this enrolment's
    /// recipient under its Twilio account is stored as. `None` on rows from before it.
    pub opt_out_hash: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
