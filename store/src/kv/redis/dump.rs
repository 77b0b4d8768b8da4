//! The whole-store and per-account dumps of [`RedisKv`]: privacy tests and the operator's
//! export read everything through here, never on a request path.
//!
//! The whole-store dump walks the prefix with `SCAN` (never `KEYS`, which would block the
//! server) and reads each key after the walk, so it is not a snapshot: a key written during
//! the dump may or may not appear. The per-account dump is one script, so it is.

use anyhow::Context;

use super::{RedisKv, is_live, score_millis};
use crate::kv::{KvResult, queue_member_line};

/// How many keys one `SCAN` step asks for.
const SCAN_BATCH: usize = 500;

impl RedisKv {
    /// Every key matching `pattern` (a glob under the prefix), in `SCAN` steps, so a large
    /// keyspace never blocks the server the way `KEYS` would.
    async fn scan(&self, pattern: &str) -> KvResult<Vec<String>> {
        let mut connection = self.connection().await?;
        let (mut cursor, mut keys) = (0_u64, Vec::new());
        loop {
            let step =
                ::redis::cmd("SCAN").cursor_arg(cursor).arg("MATCH").arg(pattern).arg("COUNT").arg(SCAN_BATCH).clone();
            let (next, batch): (u64, Vec<String>) =
                step.query_async(&mut *connection).await.context("redis kv: scanning keys")?;
            keys.extend(batch);
            if next == 0 {
                return Ok(keys);
            }
            cursor = next;
        }
    }

    /// The live values under the prefix, read one by one after the scan: not a snapshot.
    pub(super) async fn dump_values(&self, now_millis: i64) -> KvResult<Vec<(String, Vec<u8>)>> {
        let start = self.value_key("").len();
        let mut lines = Vec::new();
        for full_key in self.scan(&format!("{}:v:*", escape_glob(&self.prefix))).await? {
            let command = ::redis::cmd("HMGET").arg(&full_key).arg("e").arg("v").clone();
            let (expiry, value): (Option<i64>, Option<Vec<u8>>) = self.query("dumping a value", &command).await?;
            if let Some(value) = value.filter(|_| is_live(expiry, now_millis)) {
                lines.push((full_key[start..].to_owned(), value));
            }
        }
        Ok(lines)
    }

    /// Every queue member under the prefix, queue by queue.
    pub(super) async fn dump_queues(&self) -> KvResult<Vec<(String, Vec<u8>)>> {
        let start = self.queue_key("").len();
        let mut lines = Vec::new();
        for full_key in self.scan(&format!("{}:q:*", escape_glob(&self.prefix))).await? {
            let command = ::redis::cmd("ZRANGE").arg(&full_key).arg(0).arg(-1).arg("WITHSCORES").clone();
            let members: Vec<(String, f64)> = self.query("dumping a queue", &command).await?;
            let queue = &full_key[start..];
            lines.extend(members.into_iter().map(|(member, due)| queue_member_line(queue, &member, score_millis(due))));
        }
        Ok(lines)
    }
}

fn escape_glob(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// Reads `dump_account`'s reply: {key, value, ...} and {queue, member, due, ...}.
pub(super) fn parse_account_dump((values, members): (Vec<Vec<u8>>, Vec<String>)) -> KvResult<Vec<(String, Vec<u8>)>> {
    let mut lines = Vec::with_capacity(values.len() / 2 + members.len() / 3);
    for pair in values.chunks_exact(2) {
        let key = String::from_utf8(pair[0].clone()).context("redis kv: a key is not UTF-8")?;
        lines.push((key, pair[1].clone()));
    }
    for triple in members.chunks_exact(3) {
        let due: f64 = triple[2].parse().context("redis kv: a due time is not a number")?;
        lines.push(queue_member_line(&triple[0], &triple[1], score_millis(due)));
    }
    Ok(lines)
}
