//! The key-value store: one interface, two implementations.
//!
//! - [`redis::RedisKv`]: Valkey/Redis through a bb8 pool, for the services mode.
//! - [`embedded::EmbeddedKv`]: a redb file under `./data`, for the embedded default. It
//!   survives a restart.
//!
//! Every value belongs to one monday account (its *owner*). Each implementation keeps a
//! per-account index so that [`Kv::purge_account`] can delete every key of an account at
//! once on uninstall, without scanning the whole keyspace.
//!
//! Expiry is decided against the injected [`Clock`](drip_domain::Clock), not the store's own
//! wall clock, so TTLs can be tested with a manual clock and behave the same in both
//! implementations. (Redis additionally gets a native expiry a little later than the
//! logical one, purely to reclaim memory.)
//!
//! Timer queues: a queue holds members ordered by a due time in epoch milliseconds.
//! Members are unique per queue; scheduling an existing member moves it. Queue entries are
//! owned by an account too and go with [`Kv::purge_account`].

pub mod embedded;
pub mod redis;

pub use self::embedded::EmbeddedKv;
pub use self::redis::RedisKv;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use drip_domain::AccountId;

/// A failure of the store itself (I/O, connection, corruption), never "key not found".
#[derive(Debug, thiserror::Error)]
#[error("key-value store: {0}")]
pub struct KvError(#[from] pub anyhow::Error);

pub type KvResult<T> = Result<T, KvError>;

/// One due queue member, as returned by [`Kv::take_due`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueEntry {
    pub owner: AccountId,
    pub member: String,
    pub due_millis: i64,
}

/// The key-value store used by the edge and the actors.
///
/// Keys, queue names and queue members are plain strings chosen by callers (they must
/// never contain a phone number, SID, token or body: callers put keyed hashes there). Implementations namespace every key
/// under their configured prefix, so tests can share one Redis.
#[async_trait]
pub trait Kv: Send + Sync + std::fmt::Debug + 'static {
    /// Reads a live value. An expired value reads as `None`.
    async fn get(&self, key: &str) -> KvResult<Option<Vec<u8>>>;

    /// Writes `value` under `key` for `owner`, replacing any earlier value (and its owner),
    /// expiring after `ttl` (`None`: never). A zero `ttl` writes a value that is already
    /// expired.
    async fn put(&self, owner: AccountId, key: &str, value: &[u8], ttl: Option<Duration>) -> KvResult<()>;

    /// Writes only if no live value exists. Returns `true` if this call wrote it. Atomic:
    /// of two concurrent calls for one key, exactly one gets `true`.
    async fn put_if_absent(&self, owner: AccountId, key: &str, value: &[u8], ttl: Option<Duration>) -> KvResult<bool>;

    /// Deletes `key`. Returns `true` if a live value was deleted.
    async fn delete(&self, key: &str) -> KvResult<bool>;

    /// Adds `member` to `queue` due at `due_millis`, or moves it there (and to `owner`) if
    /// present. Queue members never expire: they leave through `take_due`, `unschedule` or
    /// `purge_account`.
    async fn schedule(&self, owner: AccountId, queue: &str, member: &str, due_millis: i64) -> KvResult<()>;

    /// Removes `member` from `queue`. Returns `true` if it was there.
    async fn unschedule(&self, queue: &str, member: &str) -> KvResult<bool>;

    /// Removes and returns up to `limit` members of `queue` due at or before `now_millis`,
    /// earliest first. Atomic: two concurrent callers never receive the same member.
    async fn take_due(&self, queue: &str, now_millis: i64, limit: usize) -> KvResult<Vec<DueEntry>>;

    /// The earliest due time in `queue`, if any member is queued.
    async fn next_due(&self, queue: &str) -> KvResult<Option<i64>>;

    /// Deletes every key and queue member owned by `owner`, in one atomic step. Returns how
    /// many live keys and queue members were deleted (expired leftovers go too, uncounted).
    async fn purge_account(&self, owner: AccountId) -> KvResult<u64>;

    /// Every live key and value under this store's prefix, for privacy tests. Queue members
    /// are listed as `queue:<queue>:<member>` with the due time (decimal epoch millis, as
    /// ASCII) as the value. In no particular order. Reads the whole store: not for request
    /// paths.
    async fn dump(&self) -> KvResult<Vec<(String, Vec<u8>)>>;

    /// What [`Kv::dump`] lists, restricted to the keys and queue members owned by `owner`:
    /// the operator's per-account export. Reads only that account's index.
    async fn dump_account(&self, owner: AccountId) -> KvResult<Vec<(String, Vec<u8>)>>;

    /// Checks the store answers (readiness probe).
    async fn ping(&self) -> KvResult<()>;
}

pub type SharedKv = Arc<dyn Kv>;

/// A queue member as [`Kv::dump`] lists it: `queue:<queue>:<member>` → due time in decimal.
fn queue_member_line(queue: &str, member: &str, due_millis: i64) -> (String, Vec<u8>) {
    (format!("queue:{queue}:{member}"), due_millis.to_string().into_bytes())
}
