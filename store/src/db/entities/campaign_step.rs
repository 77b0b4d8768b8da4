//! One SMS step of a campaign.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaign_steps")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub account_id: i64,
    pub campaign_id: String,
    pub position: i32,
    #[sea_orm(column_type = "Text")]
    pub template: String,
    pub delay_seconds: i64,
    /// `minutes`, `hours` or `days`, as the author wrote the delay; `None` on rows older
    /// than the column.
    pub delay_unit: Option<String>,
    pub send_window: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
