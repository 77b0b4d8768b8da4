//! The embedded [`Kv`]: one redb file (under `./data` by default), for running with no
//! services. It survives a restart: reopening the same path sees every key and queue
//! member that was committed.
//!
//! redb is synchronous, so every operation runs one transaction on tokio's blocking pool.
//! Each operation is a single transaction: a check-then-write (`put_if_absent`) or a
//! read-then-remove (`take_due`) cannot interleave with another writer, because redb runs
//! one write transaction at a time.
//!
//! Expiry follows the injected clock. An expired value reads as absent and is deleted
//! lazily: when it is read, when `purge_account` runs, and in small batches on every write
//! (so values nobody reads again, such as idempotency keys, do not pile up on disk).
//!
//! On failure (I/O, a corrupt file, a panicked blocking task) an operation returns a
//! [`KvError`](super::KvError) and commits nothing; the store stays usable for the next call.

mod account;
mod tables;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use drip_domain::AccountId;
use drip_domain::clock::SharedClock;
use redb::{Database, ReadTransaction, ReadableDatabase, WriteTransaction};

use self::tables::{QueuedMember, StoredValue, TxResult};
use super::{DueEntry, Kv, KvResult, queue_member_line};

/// How many expired values a write reclaims on the side. Small, so no single write pays
/// for a large backlog; yet each write adds at most one value and reclaims up to this many,
/// so the backlog only shrinks while writes continue.
const SWEEP_BATCH: usize = 16;

/// A [`Kv`] in a redb file. Cheap to clone; clones share the open file.
#[derive(Clone)]
pub struct EmbeddedKv {
    db: Arc<Database>,
    clock: SharedClock,
    path: PathBuf,
}

impl std::fmt::Debug for EmbeddedKv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedKv").field("path", &self.path).finish_non_exhaustive()
    }
}

impl EmbeddedKv {
    /// Opens the store at `path`, creating the file (and its directory) if missing.
    ///
    /// Blocks while redb opens the file (and, after an unclean shutdown, repairs it): call
    /// it at startup, not on a request path. One process may hold a path open at a time;
    /// a second `open` of the same path fails until the first store is dropped.
    pub fn open(path: &Path, clock: SharedClock) -> KvResult<EmbeddedKv> {
        let db = open_database(path).with_context(|| format!("opening embedded kv at {}", path.display()))?;
        Ok(EmbeddedKv { db: Arc::new(db), clock, path: path.to_owned() })
    }

    /// Runs `step` in one write transaction on the blocking pool and commits it.
    async fn write<T, F>(&self, operation: &'static str, step: F) -> KvResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&WriteTransaction) -> TxResult<T> + Send + 'static,
    {
        let db = Arc::clone(&self.db);
        let committed = tokio::task::spawn_blocking(move || {
            let txn = db.begin_write()?;
            let result = step(&txn)?;
            txn.commit()?;
            Ok(result)
        });
        join(operation, committed.await)
    }

    /// Runs `step` in one read transaction (a consistent snapshot) on the blocking pool.
    async fn read<T, F>(&self, operation: &'static str, step: F) -> KvResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&ReadTransaction) -> TxResult<T> + Send + 'static,
    {
        let db = Arc::clone(&self.db);
        let snapshot = tokio::task::spawn_blocking(move || step(&db.begin_read()?));
        join(operation, snapshot.await)
    }

    fn now_millis(&self) -> i64 {
        self.clock.now_millis()
    }

    /// Deletes `key` if it is still expired: it may have been written again since the
    /// caller read it.
    async fn delete_if_expired(&self, key: String, now_millis: i64) -> KvResult<()> {
        self.write("purging an expired key", move |txn| {
            if tables::read_value(txn, &key)?.is_some_and(|value| !value.is_live(now_millis)) {
                tables::remove_value(txn, &key)?;
            }
            Ok(())
        })
        .await
    }
}

fn open_database(path: &Path) -> anyhow::Result<Database> {
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).context("creating the data directory")?;
    }
    let db = Database::create(path)?;
    let txn = db.begin_write()?;
    tables::create_tables(&txn)?;
    txn.commit()?;
    Ok(db)
}

fn join<T>(operation: &'static str, joined: Result<TxResult<T>, tokio::task::JoinError>) -> KvResult<T> {
    let result = joined.map_err(anyhow::Error::from).and_then(|result| result);
    Ok(result.with_context(|| format!("embedded kv: {operation}"))?)
}

fn expiry_millis(now_millis: i64, ttl: Option<Duration>) -> Option<i64> {
    ttl.map(|ttl| now_millis.saturating_add(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX)))
}

fn stored(owner: AccountId, value: &[u8], now_millis: i64, ttl: Option<Duration>) -> StoredValue {
    StoredValue { owner: owner.get(), expires_at_millis: expiry_millis(now_millis, ttl), bytes: value.to_vec() }
}

fn due_entry(member: QueuedMember) -> DueEntry {
    DueEntry { owner: AccountId(member.owner), member: member.member, due_millis: member.due_millis }
}

#[async_trait]
impl Kv for EmbeddedKv {
    async fn get(&self, key: &str) -> KvResult<Option<Vec<u8>>> {
        let now_millis = self.now_millis();
        let owned_key = key.to_owned();
        let found = self.read("reading a key", move |txn| tables::read_value(txn, &owned_key)).await?;
        match found {
            Some(value) if value.is_live(now_millis) => Ok(Some(value.bytes)),
            Some(_) => self.delete_if_expired(key.to_owned(), now_millis).await.map(|()| None),
            None => Ok(None),
        }
    }

    async fn put(&self, owner: AccountId, key: &str, value: &[u8], ttl: Option<Duration>) -> KvResult<()> {
        let now_millis = self.now_millis();
        let (key, value) = (key.to_owned(), stored(owner, value, now_millis, ttl));
        self.write("writing a key", move |txn| {
            tables::sweep_expired(txn, now_millis, SWEEP_BATCH)?;
            tables::write_value(txn, &key, &value)
        })
        .await
    }

    async fn put_if_absent(&self, owner: AccountId, key: &str, value: &[u8], ttl: Option<Duration>) -> KvResult<bool> {
        let now_millis = self.now_millis();
        let (key, value) = (key.to_owned(), stored(owner, value, now_millis, ttl));
        self.write("writing an absent key", move |txn| {
            tables::sweep_expired(txn, now_millis, SWEEP_BATCH)?;
            if tables::read_value(txn, &key)?.is_some_and(|old| old.is_live(now_millis)) {
                return Ok(false);
            }
            tables::write_value(txn, &key, &value)?;
            Ok(true)
        })
        .await
    }

    async fn delete(&self, key: &str) -> KvResult<bool> {
        let now_millis = self.now_millis();
        let key = key.to_owned();
        self.write("deleting a key", move |txn| {
            Ok(tables::remove_value(txn, &key)?.is_some_and(|old| old.is_live(now_millis)))
        })
        .await
    }

    async fn schedule(&self, owner: AccountId, queue: &str, member: &str, due_millis: i64) -> KvResult<()> {
        let entry = QueuedMember { queue: queue.to_owned(), member: member.to_owned(), due_millis, owner: owner.get() };
        self.write("scheduling a queue member", move |txn| tables::insert_member(txn, &entry)).await
    }

    async fn unschedule(&self, queue: &str, member: &str) -> KvResult<bool> {
        let (queue, member) = (queue.to_owned(), member.to_owned());
        self.write("unscheduling a queue member", move |txn| Ok(tables::remove_member(txn, &queue, &member)?.is_some()))
            .await
    }

    async fn take_due(&self, queue: &str, now_millis: i64, limit: usize) -> KvResult<Vec<DueEntry>> {
        // The scheduler polls this; a snapshot read first spares a durable (fsynced) commit
        // on every tick that finds nothing due. The write below checks again.
        let nothing_due = self.next_due(queue).await?.is_none_or(|due| due > now_millis);
        if nothing_due || limit == 0 {
            return Ok(Vec::new());
        }
        let queue = queue.to_owned();
        self.write("taking due queue members", move |txn| {
            let due = tables::due_members(txn, &queue, now_millis, limit)?;
            for member in &due {
                tables::remove_member(txn, &member.queue, &member.member)?;
            }
            Ok(due.into_iter().map(due_entry).collect())
        })
        .await
    }

    async fn next_due(&self, queue: &str) -> KvResult<Option<i64>> {
        let queue = queue.to_owned();
        self.read("reading the next due time", move |txn| tables::earliest_due(txn, &queue)).await
    }

    async fn purge_account(&self, owner: AccountId) -> KvResult<u64> {
        let now_millis = self.now_millis();
        self.write("purging an account", move |txn| account::purge_owner(txn, owner.get(), now_millis)).await
    }

    async fn dump(&self) -> KvResult<Vec<(String, Vec<u8>)>> {
        let now_millis = self.now_millis();
        self.read("dumping the store", move |txn| {
            let mut lines = tables::live_values(txn, now_millis)?;
            let members = tables::all_members(txn)?;
            lines.extend(members.iter().map(|m| queue_member_line(&m.queue, &m.member, m.due_millis)));
            Ok(lines)
        })
        .await
    }

    async fn dump_account(&self, owner: AccountId) -> KvResult<Vec<(String, Vec<u8>)>> {
        let now_millis = self.now_millis();
        self.read("dumping an account", move |txn| account::dump_owner(txn, owner.get(), now_millis)).await
    }

    async fn ping(&self) -> KvResult<()> {
        self.read("ping", |txn| tables::earliest_due(txn, "").map(drop)).await
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use drip_domain::ManualClock;

    use super::*;

    fn open_with_clock() -> (tempfile::TempDir, EmbeddedKv, ManualClock) {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new(DateTime::<Utc>::UNIX_EPOCH);
        let kv = EmbeddedKv::open(&dir.path().join("kv.redb"), Arc::new(clock.clone())).unwrap();
        (dir, kv, clock)
    }

    async fn stored_on_disk(kv: &EmbeddedKv, key: &'static str) -> bool {
        kv.read("test", move |txn| tables::read_value(txn, key)).await.unwrap().is_some()
    }

    #[tokio::test]
    async fn a_write_reclaims_expired_values_that_nobody_reads_again() {
        let (_dir, kv, clock) = open_with_clock();
        kv.put(AccountId(1), "idempotency:1", b"seen", Some(Duration::from_secs(60))).await.unwrap();
        clock.advance(Duration::from_secs(60));

        kv.put(AccountId(2), "other", b"value", None).await.unwrap();

        assert!(!stored_on_disk(&kv, "idempotency:1").await);
        assert!(stored_on_disk(&kv, "other").await);
    }

    #[tokio::test]
    async fn purging_an_account_also_removes_its_expired_leftovers_without_counting_them() {
        let (_dir, kv, clock) = open_with_clock();
        kv.put(AccountId(1), "envelope", b"sealed", Some(Duration::from_secs(60))).await.unwrap();
        clock.advance(Duration::from_secs(60));

        assert_eq!(kv.purge_account(AccountId(1)).await.unwrap(), 0);
        assert!(!stored_on_disk(&kv, "envelope").await);
    }

    #[tokio::test]
    async fn reading_an_expired_value_deletes_it() {
        let (_dir, kv, clock) = open_with_clock();
        kv.put(AccountId(1), "session", b"value", Some(Duration::from_secs(1))).await.unwrap();
        clock.advance(Duration::from_secs(1));

        assert_eq!(kv.get("session").await.unwrap(), None);
        assert!(!stored_on_disk(&kv, "session").await);
    }
}
