//! The column and foreign key every account-owned table shares.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::big_integer;

/// Adds `account_id BIGINT NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE`.
pub fn owned_by_account(table: &mut TableCreateStatement, name: &'static str) -> TableCreateStatement {
    table
        .col(big_integer("account_id"))
        .foreign_key(
            ForeignKey::create()
                .name(format!("fk_{name}_account"))
                .from(name, "account_id")
                .to("accounts", "account_id")
                .on_delete(ForeignKeyAction::Cascade),
        )
        .take()
}

/// Drops `table`, for a migration's `down`.
pub async fn drop_table(manager: &SchemaManager<'_>, table: &'static str) -> Result<(), DbErr> {
    manager.drop_table(Table::drop().table(table).to_owned()).await
}
