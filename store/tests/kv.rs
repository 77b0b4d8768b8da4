//! Conformance suite for the key-value store: every behaviour of the `Kv` contract, written
//! once and run against both implementations.
//!
//! The embedded store always runs, each test in its own temporary directory. The Redis store
//! runs when `REDIS_URL` is set (CI sets it), each test under its own random key prefix,
//! which it removes afterwards; without `REDIS_URL` the Redis variants print a note and pass.
//!
//! Time is a `ManualClock`: TTLs are tested by moving the clock, never by sleeping.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use drip_domain::{AccountId, ManualClock};
use drip_store::kv::{DueEntry, EmbeddedKv, Kv, RedisKv, SharedKv};
use tempfile::TempDir;

const ALICE: AccountId = AccountId(1001);
const BOB: AccountId = AccountId(2002);

/// One store under test, with the clock it reads and whatever keeps it isolated.
struct Store {
    kv: SharedKv,
    clock: ManualClock,
    isolation: Isolation,
}

enum Isolation {
    /// Held only so the directory outlives the store.
    Directory {
        _dir: TempDir,
    },
    RedisPrefix {
        url: String,
        prefix: String,
    },
}

fn start_clock() -> ManualClock {
    let start = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").expect("valid date");
    ManualClock::new(start.with_timezone(&Utc))
}

impl Store {
    fn embedded() -> Store {
        let dir = tempfile::tempdir().expect("temporary directory");
        let clock = start_clock();
        let kv = EmbeddedKv::open(&dir.path().join("kv.redb"), Arc::new(clock.clone())).expect("embedded kv opens");
        Store { kv: Arc::new(kv), clock, isolation: Isolation::Directory { _dir: dir } }
    }

    /// `None` (after a note) when `REDIS_URL` is unset.
    async fn redis() -> Option<Store> {
        let Ok(url) = std::env::var("REDIS_URL") else {
            eprintln!("REDIS_URL is unset: skipping the Redis variant of this test");
            return None;
        };
        let prefix = format!("drip-test:{}", uuid::Uuid::new_v4());
        let clock = start_clock();
        let kv = RedisKv::connect(&url, &prefix, 4, Arc::new(clock.clone())).await.expect("redis kv connects");
        Some(Store { kv: Arc::new(kv), clock, isolation: Isolation::RedisPrefix { url, prefix } })
    }

    /// Deletes whatever the test left under its Redis prefix (the embedded directory goes
    /// with its `TempDir`).
    async fn clean_up(self) {
        let Isolation::RedisPrefix { url, prefix } = &self.isolation else {
            return;
        };
        let mut connection = redis_connection(url).await;
        let mut cursor = 0_u64;
        loop {
            let scan = ::redis::cmd("SCAN").cursor_arg(cursor).arg("MATCH").arg(format!("{prefix}:*")).clone();
            let (next, keys): (u64, Vec<String>) = scan.query_async(&mut connection).await.unwrap();
            for key in keys {
                let _: i64 = ::redis::cmd("DEL").arg(key).query_async(&mut connection).await.unwrap();
            }
            if next == 0 {
                return;
            }
            cursor = next;
        }
    }

    fn advance(&self, step: Duration) {
        self.clock.advance(step);
    }
}

async fn redis_connection(url: &str) -> ::redis::aio::MultiplexedConnection {
    let client = ::redis::Client::open(url).expect("valid REDIS_URL");
    client.get_multiplexed_async_connection().await.expect("redis answers")
}

/// Runs each named test function against the embedded store and, with `REDIS_URL`, Redis.
macro_rules! conformance {
    ($($test:ident),+ $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let store = super::Store::embedded();
                    super::$test(&store).await;
                }
            )+
        }

        mod redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let Some(store) = super::Store::redis().await else { return };
                    super::$test(&store).await;
                    store.clean_up().await;
                }
            )+
        }
    };
}

conformance!(
    a_written_value_reads_back_and_a_second_write_replaces_it,
    a_value_with_a_ttl_reads_until_the_clock_reaches_its_expiry,
    a_value_without_a_ttl_never_expires,
    a_value_with_the_longest_possible_ttl_is_stored_like_one_without,
    put_if_absent_writes_only_when_no_live_value_exists,
    put_if_absent_succeeds_again_once_the_earlier_value_expired,
    of_twenty_concurrent_put_if_absent_calls_for_one_key_exactly_one_wins,
    delete_removes_a_live_value_and_reports_whether_one_was_there,
    scheduling_an_existing_member_moves_it_and_unscheduling_removes_it,
    take_due_returns_due_members_earliest_first_up_to_the_limit,
    take_due_leaves_members_of_other_queues_and_later_members_alone,
    concurrent_takers_never_receive_the_same_member_twice,
    next_due_is_the_earliest_due_time_or_none_for_an_empty_queue,
    purging_an_account_removes_all_its_keys_and_queue_members_and_nothing_of_another,
    a_key_or_member_taken_over_by_another_account_is_purged_with_the_new_owner,
    dump_lists_every_live_value_and_queue_member,
    dump_account_lists_only_the_live_entries_of_one_account,
    a_reachable_store_answers_ping,
);

async fn a_written_value_reads_back_and_a_second_write_replaces_it(store: &Store) {
    let kv = &store.kv;
    assert_eq!(kv.get("session").await.unwrap(), None);

    kv.put(ALICE, "session", b"first", None).await.unwrap();
    assert_eq!(kv.get("session").await.unwrap().as_deref(), Some(&b"first"[..]));

    kv.put(ALICE, "session", b"second", None).await.unwrap();
    assert_eq!(kv.get("session").await.unwrap().as_deref(), Some(&b"second"[..]));
}

async fn a_value_with_a_ttl_reads_until_the_clock_reaches_its_expiry(store: &Store) {
    let kv = &store.kv;
    kv.put(ALICE, "envelope", b"sealed", Some(Duration::from_secs(30))).await.unwrap();

    store.advance(Duration::from_millis(29_999));
    assert_eq!(kv.get("envelope").await.unwrap().as_deref(), Some(&b"sealed"[..]));

    store.advance(Duration::from_millis(1));
    assert_eq!(kv.get("envelope").await.unwrap(), None);
    assert!(kv.dump().await.unwrap().is_empty(), "an expired value is not listed either");
}

async fn a_value_without_a_ttl_never_expires(store: &Store) {
    let kv = &store.kv;
    kv.put(ALICE, "config", b"kept", None).await.unwrap();

    store.advance(Duration::from_secs(10 * 365 * 24 * 3600));

    assert_eq!(kv.get("config").await.unwrap().as_deref(), Some(&b"kept"[..]));
}

async fn a_value_with_the_longest_possible_ttl_is_stored_like_one_without(store: &Store) {
    let kv = &store.kv;
    kv.put(ALICE, "config", b"kept", Some(Duration::MAX)).await.unwrap();

    store.advance(Duration::from_secs(10 * 365 * 24 * 3600));

    assert_eq!(kv.get("config").await.unwrap().as_deref(), Some(&b"kept"[..]));
}

async fn put_if_absent_writes_only_when_no_live_value_exists(store: &Store) {
    let kv = &store.kv;
    let ttl = Some(Duration::from_secs(60));

    assert!(kv.put_if_absent(ALICE, "action:1", b"first", ttl).await.unwrap());
    assert!(!kv.put_if_absent(ALICE, "action:1", b"second", ttl).await.unwrap());

    assert_eq!(kv.get("action:1").await.unwrap().as_deref(), Some(&b"first"[..]));
}

async fn put_if_absent_succeeds_again_once_the_earlier_value_expired(store: &Store) {
    let kv = &store.kv;
    let ttl = Some(Duration::from_secs(60));
    assert!(kv.put_if_absent(ALICE, "action:1", b"first", ttl).await.unwrap());

    store.advance(Duration::from_secs(60));

    assert!(kv.put_if_absent(ALICE, "action:1", b"second", ttl).await.unwrap());
    assert_eq!(kv.get("action:1").await.unwrap().as_deref(), Some(&b"second"[..]));
}

async fn of_twenty_concurrent_put_if_absent_calls_for_one_key_exactly_one_wins(store: &Store) {
    let mut calls = tokio::task::JoinSet::new();
    for caller in 0..20_u8 {
        let kv = Arc::clone(&store.kv);
        calls.spawn(async move { (caller, kv.put_if_absent(ALICE, "claim", &[caller], None).await.unwrap()) });
    }

    let winners: Vec<u8> =
        calls.join_all().await.into_iter().filter(|(_, won)| *won).map(|(caller, _)| caller).collect();

    assert_eq!(winners.len(), 1, "exactly one caller wins: {winners:?}");
    assert_eq!(store.kv.get("claim").await.unwrap(), Some(vec![winners[0]]));
}

async fn delete_removes_a_live_value_and_reports_whether_one_was_there(store: &Store) {
    let kv = &store.kv;
    assert!(!kv.delete("missing").await.unwrap());

    kv.put(ALICE, "session", b"value", None).await.unwrap();
    assert!(kv.delete("session").await.unwrap());
    assert_eq!(kv.get("session").await.unwrap(), None);
    assert!(!kv.delete("session").await.unwrap());

    kv.put(ALICE, "short", b"value", Some(Duration::from_secs(1))).await.unwrap();
    store.advance(Duration::from_secs(1));
    assert!(!kv.delete("short").await.unwrap(), "an expired value is not a live one");
}

async fn scheduling_an_existing_member_moves_it_and_unscheduling_removes_it(store: &Store) {
    let kv = &store.kv;
    kv.schedule(ALICE, "steps", "a", 100).await.unwrap();
    kv.schedule(ALICE, "steps", "b", 200).await.unwrap();

    kv.schedule(ALICE, "steps", "a", 300).await.unwrap();
    assert_eq!(kv.next_due("steps").await.unwrap(), Some(200));

    assert!(kv.unschedule("steps", "b").await.unwrap());
    assert!(!kv.unschedule("steps", "b").await.unwrap());
    assert_eq!(kv.take_due("steps", 1_000, 10).await.unwrap(), vec![due(ALICE, "a", 300)]);
}

async fn take_due_returns_due_members_earliest_first_up_to_the_limit(store: &Store) {
    let kv = &store.kv;
    for (member, due_millis) in [("e", 50), ("a", 10), ("d", 40), ("b", 20), ("c", 30)] {
        kv.schedule(BOB, "steps", member, due_millis).await.unwrap();
    }

    let first = kv.take_due("steps", 50, 3).await.unwrap();
    let rest = kv.take_due("steps", 50, usize::MAX).await.unwrap();

    assert_eq!(first, vec![due(BOB, "a", 10), due(BOB, "b", 20), due(BOB, "c", 30)]);
    assert_eq!(rest, vec![due(BOB, "d", 40), due(BOB, "e", 50)], "a member due exactly now is due");
    assert!(kv.take_due("steps", 50, 10).await.unwrap().is_empty());
}

async fn take_due_leaves_members_of_other_queues_and_later_members_alone(store: &Store) {
    let kv = &store.kv;
    kv.schedule(ALICE, "steps", "now", 100).await.unwrap();
    kv.schedule(ALICE, "steps", "later", 101).await.unwrap();
    kv.schedule(ALICE, "steps-2", "other", 1).await.unwrap();

    assert_eq!(kv.take_due("steps", 100, 10).await.unwrap(), vec![due(ALICE, "now", 100)]);
    assert!(kv.take_due("steps", 100, 0).await.unwrap().is_empty(), "a zero limit takes nothing");

    assert_eq!(kv.next_due("steps").await.unwrap(), Some(101));
    assert_eq!(kv.next_due("steps-2").await.unwrap(), Some(1));
}

async fn concurrent_takers_never_receive_the_same_member_twice(store: &Store) {
    for n in 0..100 {
        store.kv.schedule(ALICE, "steps", &format!("member-{n}"), n).await.unwrap();
    }

    let mut takers = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let kv = Arc::clone(&store.kv);
        takers.spawn(async move { take_until_empty(&kv).await });
    }
    let taken: Vec<String> = takers.join_all().await.into_iter().flatten().collect();

    let distinct: HashSet<&String> = taken.iter().collect();
    assert_eq!(taken.len(), 100, "every member is taken once");
    assert_eq!(distinct.len(), 100, "no member is taken twice");
}

async fn take_until_empty(kv: &SharedKv) -> Vec<String> {
    let mut taken = Vec::new();
    loop {
        let batch = kv.take_due("steps", 1_000, 7).await.unwrap();
        if batch.is_empty() {
            return taken;
        }
        taken.extend(batch.into_iter().map(|entry| entry.member));
    }
}

async fn next_due_is_the_earliest_due_time_or_none_for_an_empty_queue(store: &Store) {
    let kv = &store.kv;
    assert_eq!(kv.next_due("steps").await.unwrap(), None);

    kv.schedule(ALICE, "steps", "late", 1_767_225_600_500).await.unwrap();
    kv.schedule(BOB, "steps", "early", 1_767_225_600_001).await.unwrap();

    assert_eq!(kv.next_due("steps").await.unwrap(), Some(1_767_225_600_001));
}

async fn purging_an_account_removes_all_its_keys_and_queue_members_and_nothing_of_another(store: &Store) {
    let kv = &store.kv;
    kv.put(ALICE, "alice:session", b"a1", None).await.unwrap();
    kv.put(ALICE, "alice:envelope", b"a2", Some(Duration::from_secs(600))).await.unwrap();
    kv.schedule(ALICE, "steps", "alice:step", 10).await.unwrap();
    kv.schedule(ALICE, "retries", "alice:retry", 20).await.unwrap();
    kv.put(BOB, "bob:session", b"b1", None).await.unwrap();
    kv.schedule(BOB, "steps", "bob:step", 15).await.unwrap();

    assert_eq!(kv.purge_account(ALICE).await.unwrap(), 4);

    assert_eq!(kv.get("alice:session").await.unwrap(), None);
    assert_eq!(kv.get("alice:envelope").await.unwrap(), None);
    assert_eq!(kv.take_due("steps", 100, 10).await.unwrap(), vec![due(BOB, "bob:step", 15)]);
    assert_eq!(kv.next_due("retries").await.unwrap(), None);
    assert_eq!(kv.get("bob:session").await.unwrap().as_deref(), Some(&b"b1"[..]));
    assert!(kv.dump_account(ALICE).await.unwrap().is_empty());
    assert_eq!(kv.purge_account(ALICE).await.unwrap(), 0, "a second purge finds nothing");
}

async fn a_key_or_member_taken_over_by_another_account_is_purged_with_the_new_owner(store: &Store) {
    let kv = &store.kv;
    kv.put(ALICE, "shared", b"alice's", None).await.unwrap();
    kv.schedule(ALICE, "steps", "shared", 10).await.unwrap();
    kv.put(BOB, "shared", b"bob's", None).await.unwrap();
    kv.schedule(BOB, "steps", "shared", 20).await.unwrap();

    assert_eq!(kv.purge_account(ALICE).await.unwrap(), 0);
    assert_eq!(kv.get("shared").await.unwrap().as_deref(), Some(&b"bob's"[..]));
    assert_eq!(kv.next_due("steps").await.unwrap(), Some(20));

    assert_eq!(kv.purge_account(BOB).await.unwrap(), 2);
    assert!(kv.dump().await.unwrap().is_empty());
}

async fn dump_lists_every_live_value_and_queue_member(store: &Store) {
    let kv = &store.kv;
    kv.put(ALICE, "alice:session", b"a1", None).await.unwrap();
    kv.put(ALICE, "alice:expired", b"gone", Some(Duration::from_secs(1))).await.unwrap();
    kv.put(BOB, "bob:session", b"b1", Some(Duration::from_secs(600))).await.unwrap();
    kv.schedule(ALICE, "steps", "alice:step", 1_767_225_600_000).await.unwrap();
    store.advance(Duration::from_secs(1));

    let dump = sorted(kv.dump().await.unwrap());

    assert_eq!(
        dump,
        vec![
            line("alice:session", b"a1"),
            line("bob:session", b"b1"),
            line("queue:steps:alice:step", b"1767225600000"),
        ]
    );
}

async fn dump_account_lists_only_the_live_entries_of_one_account(store: &Store) {
    let kv = &store.kv;
    kv.put(ALICE, "alice:session", b"a1", None).await.unwrap();
    kv.put(ALICE, "alice:expired", b"gone", Some(Duration::from_secs(1))).await.unwrap();
    kv.schedule(ALICE, "steps", "alice:step", 42).await.unwrap();
    kv.put(BOB, "bob:session", b"b1", None).await.unwrap();
    kv.schedule(BOB, "steps", "bob:step", 43).await.unwrap();
    store.advance(Duration::from_secs(1));

    let alice = sorted(kv.dump_account(ALICE).await.unwrap());

    assert_eq!(alice, vec![line("alice:session", b"a1"), line("queue:steps:alice:step", b"42")]);
    assert!(kv.dump_account(AccountId(3003)).await.unwrap().is_empty());
}

async fn a_reachable_store_answers_ping(store: &Store) {
    store.kv.ping().await.unwrap();
}

fn due(owner: AccountId, member: &str, due_millis: i64) -> DueEntry {
    DueEntry { owner, member: member.to_owned(), due_millis }
}

fn line(key: &str, value: &[u8]) -> (String, Vec<u8>) {
    (key.to_owned(), value.to_vec())
}

fn sorted(mut lines: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    lines.sort();
    lines
}

// Behaviour of one implementation only.

#[tokio::test]
async fn the_embedded_store_keeps_values_and_queue_members_across_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data").join("kv.redb");
    let clock = start_clock();
    let kv = EmbeddedKv::open(&path, Arc::new(clock.clone())).unwrap();
    kv.put(ALICE, "session", b"kept", None).await.unwrap();
    kv.put(ALICE, "envelope", b"sealed", Some(Duration::from_secs(60))).await.unwrap();
    kv.schedule(ALICE, "steps", "step-1", 500).await.unwrap();
    drop(kv);

    let reopened = EmbeddedKv::open(&path, Arc::new(clock.clone())).unwrap();

    assert_eq!(reopened.get("session").await.unwrap().as_deref(), Some(&b"kept"[..]));
    assert_eq!(reopened.get("envelope").await.unwrap().as_deref(), Some(&b"sealed"[..]));
    assert_eq!(reopened.take_due("steps", 500, 10).await.unwrap(), vec![due(ALICE, "step-1", 500)]);
    clock.advance(Duration::from_secs(60));
    assert_eq!(reopened.get("envelope").await.unwrap(), None, "a TTL still counts after a reopen");
}

#[tokio::test]
async fn the_embedded_store_refuses_a_second_open_of_a_file_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kv.redb");
    let _first = EmbeddedKv::open(&path, Arc::new(start_clock())).unwrap();

    assert!(EmbeddedKv::open(&path, Arc::new(start_clock())).is_err());
}

#[tokio::test]
async fn redis_values_with_a_ttl_also_get_a_native_expiry_to_reclaim_memory() {
    let Some(store) = Store::redis().await else {
        return;
    };
    store.kv.put(ALICE, "envelope", b"sealed", Some(Duration::from_secs(30))).await.unwrap();
    store.kv.put(ALICE, "config", b"kept", None).await.unwrap();
    let Isolation::RedisPrefix { url, prefix } = &store.isolation else { unreachable!() };

    let mut connection = redis_connection(url).await;
    let pttl = |key: &str| ::redis::cmd("PTTL").arg(format!("{prefix}:v:{key}")).clone();
    let envelope: i64 = pttl("envelope").query_async(&mut connection).await.unwrap();
    let config: i64 = pttl("config").query_async(&mut connection).await.unwrap();

    assert!((30_000..=90_000).contains(&envelope), "native expiry after the logical one: {envelope} ms");
    assert_eq!(config, -1, "a value without a TTL has no native expiry");
    store.clean_up().await;
}

#[tokio::test]
async fn connecting_to_a_redis_that_refuses_fails_at_once_without_echoing_the_password() {
    let clock = Arc::new(start_clock());

    let refused = RedisKv::connect("redis://:hunter2@127.0.0.1:1", "drip-test", 2, clock).await;

    let message = format!("{:#}", refused.expect_err("nothing listens on port 1").0);
    assert!(message.contains("connecting to redis"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
}
