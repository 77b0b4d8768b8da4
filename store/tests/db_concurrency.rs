//! Concurrent writers on the embedded SQLite Db.
//!
//! Each lifecycle event is a read-then-write transaction. On SQLite a deferred transaction
//! that has read cannot wait for the write lock: it fails at once with `SQLITE_BUSY` when
//! another connection is writing. Write transactions therefore take the lock up front; this
//! test runs many of them at once, next to unrelated writes, and expects every one to apply.

use chrono::{DateTime, TimeZone, Utc};
use drip_domain::AccountId;
use drip_domain::plan::LifecycleKind;
use drip_store::db::Db;
use drip_store::db::accounts::{LifecycleEvent, LifecycleOutcome};
use tokio::task::JoinSet;

fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 0, minute, 0).unwrap()
}

fn install(account: i64) -> LifecycleEvent {
    LifecycleEvent {
        kind: LifecycleKind::Install,
        account_id: AccountId(account),
        account_tier: None,
        subscription: None,
        timestamp: at(0),
        dedupe_key: format!("install-{account}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_read_then_write_transactions_all_apply_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("db.sqlite").display());
    let db = Db::connect(&url, 8).await.unwrap();
    db.migrate().await.unwrap();

    let mut writers = JoinSet::new();
    for account in 1..=40 {
        let installer = db.clone();
        writers.spawn(async move { installer.apply_lifecycle_event(&install(account), at(1)).await });
        let purger = db.clone();
        writers.spawn(async move { purger.purge_expired_claims(at(1)).await.map(|_| LifecycleOutcome::Applied) });
    }
    let mut failures = Vec::new();
    while let Some(result) = writers.join_next().await {
        if let Err(error) = result.unwrap() {
            failures.push(format!("{error:#}"));
        }
    }
    assert!(failures.is_empty(), "writes failed under concurrency: {failures:?}");
    for account in 1..=40 {
        assert!(db.find_account(AccountId(account)).await.unwrap().is_some(), "account {account} installed");
    }
}
