//! An account's monday OAuth tokens, as AES-256-SIV ciphertext.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: i64,
    #[sea_orm(column_type = "Text")]
    pub access_token_ciphertext: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub refresh_token_ciphertext: Option<String>,
    pub expires_at: Option<DateTimeUtc>,
    pub scope: Option<String>,
    pub user_id: Option<i64>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
