//! The services-mode [`Kv`]: Valkey/Redis through a bb8 pool, every key under one prefix
//! (so tests, and several deployments, can share a server).
//!
//! Every change that touches more than one Redis key (a value and its owner index, a queue
//! member and its owner entries, a whole account) runs as one Lua script, so it is atomic
//! and a concurrent caller sees it whole or not at all. The scripts live beside this file;
//! `redis/common.lua` describes the key layout.
//!
//! Expiry follows the injected clock, like the embedded store: the logical expiry is stored
//! in the value and checked on every read. Redis also gets a native `PEXPIRE` a minute after
//! the TTL, measured in real time, purely to reclaim memory from values nobody reads again.
//!
//! The scripts derive keys from the prefix instead of declaring them, so this needs a
//! standalone (or replicated) server, not Redis Cluster.
//!
//! On failure (connection, timeout, an unexpected reply) an operation returns a [`KvError`](super::KvError);
//! a script either ran whole or not at all, so there is nothing to repair.

mod dump;
mod scripts;

use std::time::Duration;

use ::redis::{FromRedisValue, Script, ToRedisArgs};
use anyhow::{Context, anyhow};
use async_trait::async_trait;
use bb8_redis::RedisConnectionManager;
use drip_domain::AccountId;
use drip_domain::clock::SharedClock;

use super::{DueEntry, Kv, KvResult};

/// How long after its logical expiry Redis keeps a value: enough for any clock skew
/// between nodes, short enough to reclaim memory soon.
const NATIVE_EXPIRY_GRACE: Duration = Duration::from_secs(60);

/// The longest native expiry set: Redis rejects one that overflows its clock, and a TTL
/// this long means "keep" anyway.
const MAX_NATIVE_TTL: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// How long a caller waits for a pooled connection before the operation fails.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(5);

type Pool = bb8::Pool<RedisConnectionManager>;

/// A [`Kv`] on Valkey/Redis. Cheap to clone; clones share the pool.
#[derive(Clone)]
pub struct RedisKv {
    pool: Pool,
    prefix: String,
    clock: SharedClock,
}

/// Shows the prefix only: the pool's connection info may hold a password.
impl std::fmt::Debug for RedisKv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisKv").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

impl RedisKv {
    /// Connects a pool of up to `pool_size` connections to `url` and pings the server, so
    /// a wrong URL fails at startup rather than on the first request. Every key this store
    /// touches starts with `{prefix}:`.
    pub async fn connect(url: &str, prefix: &str, pool_size: u32, clock: SharedClock) -> KvResult<RedisKv> {
        if pool_size == 0 || prefix.is_empty() {
            return Err(anyhow!("redis kv needs a pool size above zero and a non-empty prefix").into());
        }
        let pool = connect_pool(url, pool_size).await?;
        let kv = RedisKv { pool, prefix: prefix.to_owned(), clock };
        kv.ping().await?;
        Ok(kv)
    }

    async fn connection(&self) -> anyhow::Result<bb8::PooledConnection<'_, RedisConnectionManager>> {
        self.pool.get().await.context("taking a redis connection from the pool")
    }

    /// Runs a script with the prefix as its first argument, then `args`.
    async fn run<T: FromRedisValue>(&self, operation: &str, script: &Script, args: &[&dyn Arg]) -> KvResult<T> {
        let mut invocation = script.arg(&self.prefix);
        for arg in args {
            arg.push_onto(&mut invocation);
        }
        let mut connection = self.connection().await?;
        let result = invocation.invoke_async(&mut *connection).await;
        Ok(result.with_context(|| format!("redis kv: {operation}"))?)
    }

    /// Runs one plain command.
    async fn query<T: FromRedisValue>(&self, operation: &str, command: &::redis::Cmd) -> KvResult<T> {
        let mut connection = self.connection().await?;
        let result = command.query_async(&mut *connection).await;
        Ok(result.with_context(|| format!("redis kv: {operation}"))?)
    }

    fn value_key(&self, key: &str) -> String {
        format!("{}:v:{key}", self.prefix)
    }

    fn queue_key(&self, queue: &str) -> String {
        format!("{}:q:{queue}", self.prefix)
    }

    /// Writes a value; with `only_if_absent`, only when no live value exists.
    async fn write_value(
        &self,
        owner: AccountId,
        key: &str,
        value: &[u8],
        ttl: Option<Duration>,
        only_if_absent: bool,
    ) -> KvResult<bool> {
        let now_millis = self.clock.now_millis();
        let expiry = ttl.map(|ttl| now_millis.saturating_add(millis(ttl)).to_string()).unwrap_or_default();
        let native_ttl = ttl.map(native_ttl_millis).unwrap_or_default();
        let flag = if only_if_absent { "1" } else { "0" };
        let args: [&dyn Arg; 7] = [&key, &owner.get(), &value, &expiry, &now_millis, &native_ttl, &flag];
        let written: i64 = self.run("writing a key", &scripts::PUT, &args).await?;
        Ok(written == 1)
    }

    /// Deletes a value; with `only_if_expired`, only if it is (still) expired.
    async fn delete_value(&self, key: &str, only_if_expired: bool) -> KvResult<bool> {
        let now_millis = self.clock.now_millis();
        let flag = if only_if_expired { "1" } else { "0" };
        let deleted: i64 = self.run("deleting a key", &scripts::DELETE, &[&key, &now_millis, &flag]).await?;
        Ok(deleted == 1)
    }
}

/// Builds the pool after one direct connection: bb8 retries a failing connect until its
/// timeout and then reports only the timeout, while this surfaces the cause (refused,
/// unknown host, bad password) at once. The URL stays out of error messages: it may carry a
/// password.
async fn connect_pool(url: &str, pool_size: u32) -> anyhow::Result<Pool> {
    let manager = RedisConnectionManager::new(url).context("parsing the redis url")?;
    bb8::ManageConnection::connect(&manager).await.context("connecting to redis")?;
    let pool = bb8::Pool::builder()
        .max_size(pool_size)
        .connection_timeout(CONNECTION_TIMEOUT)
        .build(manager)
        .await
        .context("connecting to redis")?;
    Ok(pool)
}

/// One script argument of any type `redis` can encode, so `run` takes a mixed list.
trait Arg: Sync {
    fn push_onto(&self, invocation: &mut ::redis::ScriptInvocation<'_>);
}

impl<T: ToRedisArgs + Sync> Arg for T {
    fn push_onto(&self, invocation: &mut ::redis::ScriptInvocation<'_>) {
        invocation.arg(self);
    }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

fn native_ttl_millis(ttl: Duration) -> String {
    millis(ttl.saturating_add(NATIVE_EXPIRY_GRACE).min(MAX_NATIVE_TTL)).to_string()
}

fn is_live(expiry_millis: Option<i64>, now_millis: i64) -> bool {
    expiry_millis.is_none_or(|expiry| expiry > now_millis)
}

/// Due times are stored as sorted-set scores (doubles): exact for any realistic epoch
/// millisecond, which is all a queue holds.
fn score_millis(score: f64) -> i64 {
    score as i64
}

fn parse_owner(owner: &str) -> anyhow::Result<AccountId> {
    owner.parse().with_context(|| "redis kv: a queue member has no valid owner entry")
}

/// Reads `take_due`'s flat reply: member, due, owner, member, due, owner...
fn parse_taken(flat: Vec<String>) -> KvResult<Vec<DueEntry>> {
    let mut taken = Vec::with_capacity(flat.len() / 3);
    for triple in flat.chunks_exact(3) {
        let due: f64 = triple[1].parse().context("redis kv: a due time is not a number")?;
        let owner = parse_owner(&triple[2])?;
        taken.push(DueEntry { owner, member: triple[0].clone(), due_millis: score_millis(due) });
    }
    Ok(taken)
}

#[async_trait]
impl Kv for RedisKv {
    async fn get(&self, key: &str) -> KvResult<Option<Vec<u8>>> {
        let command = ::redis::cmd("HMGET").arg(self.value_key(key)).arg("e").arg("v").clone();
        let (expiry, value): (Option<i64>, Option<Vec<u8>>) = self.query("reading a key", &command).await?;
        match value {
            Some(value) if is_live(expiry, self.clock.now_millis()) => Ok(Some(value)),
            Some(_) => self.delete_value(key, true).await.map(|_| None),
            None => Ok(None),
        }
    }

    async fn put(&self, owner: AccountId, key: &str, value: &[u8], ttl: Option<Duration>) -> KvResult<()> {
        self.write_value(owner, key, value, ttl, false).await.map(drop)
    }

    async fn put_if_absent(&self, owner: AccountId, key: &str, value: &[u8], ttl: Option<Duration>) -> KvResult<bool> {
        self.write_value(owner, key, value, ttl, true).await
    }

    async fn delete(&self, key: &str) -> KvResult<bool> {
        self.delete_value(key, false).await
    }

    async fn schedule(&self, owner: AccountId, queue: &str, member: &str, due_millis: i64) -> KvResult<()> {
        let args: [&dyn Arg; 4] = [&owner.get(), &queue, &member, &due_millis];
        self.run::<i64>("scheduling a queue member", &scripts::SCHEDULE, &args).await.map(drop)
    }

    async fn unschedule(&self, queue: &str, member: &str) -> KvResult<bool> {
        let removed: i64 = self.run("unscheduling a queue member", &scripts::UNSCHEDULE, &[&queue, &member]).await?;
        Ok(removed == 1)
    }

    async fn take_due(&self, queue: &str, now_millis: i64, limit: usize) -> KvResult<Vec<DueEntry>> {
        // Redis reads LIMIT as a signed 64-bit count; "take everything" must not overflow it.
        let limit = limit.min(i64::MAX as usize);
        let args: [&dyn Arg; 3] = [&queue, &now_millis, &limit];
        parse_taken(self.run("taking due queue members", &scripts::TAKE_DUE, &args).await?)
    }

    async fn next_due(&self, queue: &str) -> KvResult<Option<i64>> {
        let command = ::redis::cmd("ZRANGE").arg(self.queue_key(queue)).arg(0).arg(0).arg("WITHSCORES").clone();
        let first: Vec<(String, f64)> = self.query("reading the next due time", &command).await?;
        Ok(first.first().map(|(_, due)| score_millis(*due)))
    }

    async fn purge_account(&self, owner: AccountId) -> KvResult<u64> {
        let args: [&dyn Arg; 2] = [&owner.get(), &self.clock.now_millis()];
        self.run("purging an account", &scripts::PURGE_ACCOUNT, &args).await
    }

    async fn dump(&self) -> KvResult<Vec<(String, Vec<u8>)>> {
        let mut lines = self.dump_values(self.clock.now_millis()).await?;
        lines.extend(self.dump_queues().await?);
        Ok(lines)
    }

    async fn dump_account(&self, owner: AccountId) -> KvResult<Vec<(String, Vec<u8>)>> {
        let args: [&dyn Arg; 2] = [&owner.get(), &self.clock.now_millis()];
        dump::parse_account_dump(self.run("dumping an account", &scripts::DUMP_ACCOUNT, &args).await?)
    }

    async fn ping(&self) -> KvResult<()> {
        let pong: String = self.query("ping", &::redis::cmd("PING")).await?;
        if pong == "PONG" { Ok(()) } else { Err(anyhow!("redis kv: ping answered {pong:?}").into()) }
    }
}
