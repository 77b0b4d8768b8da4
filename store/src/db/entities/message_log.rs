//! One outbound SMS: hashed SID and numbers, delivery status; never the body.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "message_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub account_id: i64,
    pub enrolment_id: Option<String>,
    pub step_position: Option<i32>,
    pub sid_hash: Option<String>,
    pub recipient_hash: String,
    pub sender_hash: String,
    pub status: String,
    pub error_code: Option<i32>,
    pub segments: Option<i32>,
    pub encoding: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
