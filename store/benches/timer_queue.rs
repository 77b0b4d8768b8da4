//! How the durable timer queue behaves with many pending timers: the figures behind the
//! claim that pending drip steps cost storage, not tasks or memory.
//!
//! `cargo bench -p drip-store --bench timer_queue` (add `REDIS_URL=redis://127.0.0.1:6379` to
//! measure Redis too; `TIMERS=100000` to change the count). It prints figures; it asserts
//! nothing.

use std::sync::Arc;
use std::time::Instant;

use drip_domain::{AccountId, SystemClock};
use drip_store::kv::SharedKv;
use drip_store::kv::embedded::EmbeddedKv;
use drip_store::kv::redis::RedisKv;

const QUEUE: &str = "bench-timers";
const BATCH: usize = 500;

#[tokio::main]
async fn main() {
    let timers: usize = std::env::var("TIMERS").ok().and_then(|n| n.parse().ok()).unwrap_or(20_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let embedded: SharedKv =
        Arc::new(EmbeddedKv::open(&dir.path().join("bench.redb"), Arc::new(SystemClock)).expect("open"));
    measure("embedded (redb)", &embedded, timers).await;
    if let Ok(url) = std::env::var("REDIS_URL") {
        let prefix = format!("bench-{}", uuid::Uuid::new_v4().simple());
        let redis: SharedKv = Arc::new(RedisKv::connect(&url, &prefix, 8, Arc::new(SystemClock)).await.expect("redis"));
        measure("redis", &redis, timers).await;
        redis.purge_account(AccountId(1)).await.expect("clean up");
    }
}

async fn measure(name: &str, kv: &SharedKv, timers: usize) {
    let rss_before = resident_kib();
    let started = Instant::now();
    for n in 0..timers {
        // Spread over a day, in no particular order, as enrolments are.
        let due = ((n * 7919) % 86_400_000) as i64;
        kv.schedule(AccountId(1), QUEUE, &format!("1/step/{n}"), due).await.expect("schedule");
    }
    let scheduled = started.elapsed();
    let rss_after = resident_kib();
    let started = Instant::now();
    let mut taken = 0;
    let mut batches = 0;
    loop {
        let due = kv.take_due(QUEUE, i64::MAX, BATCH).await.expect("take");
        if due.is_empty() {
            break;
        }
        taken += due.len();
        batches += 1;
    }
    let drained = started.elapsed();
    println!("{name}: {timers} pending timers");
    println!("  schedule: {:.1} s ({:.0} timers/s)", scheduled.as_secs_f64(), timers as f64 / scheduled.as_secs_f64());
    println!(
        "  take_due: {taken} in {batches} batches of {BATCH}, {:.2} s ({:.0} timers/s)",
        drained.as_secs_f64(),
        taken as f64 / drained.as_secs_f64()
    );
    println!("  process memory while they were pending: {} KiB more (RSS)", rss_after.saturating_sub(rss_before));
}

/// Resident set size of this process in KiB (Linux), 0 elsewhere.
fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| status.lines().find(|line| line.starts_with("VmRSS:")).map(str::to_owned))
        .and_then(|line| line.split_whitespace().nth(1).and_then(|kib| kib.parse().ok()))
        .unwrap_or(0)
}
