//! The relational store: PostgreSQL in production, SQLite as the embedded default.
//!
//! Queries live here, not in handlers or actors: `accounts` (install facts, lifecycle
//! events, whole-account deletion and export), `tokens` (encrypted OAuth tokens) and
//! `idempotency` (deliveries already handled).

pub mod accounts;
pub mod campaigns;
pub mod enrolments;
pub mod entities;
pub mod idempotency;
pub mod messages;
pub mod tokens;
pub mod triggers;

use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};

/// A handle on the Db. Cheap to clone (a pool inside).
#[derive(Debug, Clone)]
pub struct Db {
    conn: DatabaseConnection,
}

impl Db {
    /// Connects to `url` (`sqlite://…?mode=rwc` or `postgres://…`) with a pool of at most
    /// `max_connections`.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .max_connections(max_connections)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(10))
            // SQL statements can contain hashes but never secrets; still, keep them out of
            // the default log level.
            .sqlx_logging(false);
        let conn = sea_orm::Database::connect(options).await.context("connecting to the Db")?;
        if conn.get_database_backend() == DbBackend::Sqlite {
            // WAL lets readers proceed during a write; foreign keys make the per-account
            // ON DELETE CASCADE hold on SQLite as it does on PostgreSQL.
            conn.execute_unprepared("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;")
                .await
                .context("configuring SQLite")?;
        }
        Ok(Self { conn })
    }

    /// Applies every pending migration.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        Migrator::up(&self.conn, None).await.context("running Db migrations")
    }

    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`): a deferred transaction that read first and then tries to write
    /// while another connection writes gets `SQLITE_BUSY` at once, without waiting out the
    /// busy timeout, so every read-then-write transaction would fail under concurrent
    /// writes. PostgreSQL ignores the option.
    pub async fn begin_write(&self) -> Result<DatabaseTransaction, sea_orm::DbErr> {
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        self.conn.begin_with_options(options).await
    }

    /// Checks the Db answers (readiness probe).
    pub async fn ping(&self) -> anyhow::Result<()> {
        self.conn.ping().await.context("pinging the Db")
    }

    /// Every row of every table, as JSON, for privacy tests and audits: the tests search
    /// this text for phone numbers, SIDs, tokens and bodies.
    pub async fn dump(&self) -> anyhow::Result<serde_json::Value> {
        let mut tables = serde_json::Map::new();
        for table in accounts::ACCOUNT_TABLES.iter().chain(std::iter::once(&"accounts")) {
            let rows = self
                .conn
                .query_all_raw(sea_orm::Statement::from_string(
                    self.conn.get_database_backend(),
                    format!("SELECT * FROM {table}"),
                ))
                .await
                .with_context(|| format!("dumping {table}"))?;
            let rows = rows.iter().map(row_to_json).collect::<anyhow::Result<Vec<_>>>()?;
            tables.insert((*table).to_owned(), serde_json::Value::Array(rows));
        }
        Ok(serde_json::Value::Object(tables))
    }
}

/// Renders one untyped row as a JSON object, trying the column types our schema uses.
fn row_to_json(row: &sea_orm::QueryResult) -> anyhow::Result<serde_json::Value> {
    let mut object = serde_json::Map::new();
    for column in row.column_names() {
        let value = if let Ok(v) = row.try_get::<Option<i64>>("", &column) {
            serde_json::json!(v)
        } else if let Ok(v) = row.try_get::<Option<bool>>("", &column) {
            serde_json::json!(v)
        } else if let Ok(v) = row.try_get::<Option<String>>("", &column) {
            serde_json::json!(v)
        } else if let Ok(v) = row.try_get::<Option<chrono::DateTime<chrono::Utc>>>("", &column) {
            serde_json::json!(v)
        } else if let Ok(v) = row.try_get::<Option<serde_json::Value>>("", &column) {
            v.unwrap_or(serde_json::Value::Null)
        } else if let Ok(v) = row.try_get::<Option<i32>>("", &column) {
            serde_json::json!(v)
        } else {
            anyhow::bail!("column {column} has a type the dump does not read");
        };
        object.insert(column, value);
    }
    Ok(serde_json::Value::Object(object))
}
