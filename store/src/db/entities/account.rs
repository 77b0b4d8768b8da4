//! An installed monday account and its plan facts.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: i64,
    pub subscription_status: String,
    pub plan_id: Option<String>,
    pub account_tier: Option<String>,
    pub max_units: Option<i64>,
    pub is_trial: bool,
    pub billing_period: Option<String>,
    pub renewal_date: Option<DateTimeUtc>,
    pub pricing_version: Option<i32>,
    pub installed_at: DateTimeUtc,
    pub last_event_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
