//! A monday subscription to the "When an SMS reply arrives" trigger.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "trigger_subscriptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub subscription_id: i64,
    pub account_id: i64,
    #[sea_orm(column_type = "Text")]
    pub webhook_url: String,
    pub board_id: Option<i64>,
    pub input_fields: Json,
    pub recipe_id: Option<i64>,
    pub integration_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
