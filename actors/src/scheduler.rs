//! The durable-timer loop: wakes an account's actor when one of its timers falls due.
//!
//! Timers live in the Kv's due-time ordered queue, so they survive a restart, and the loop
//! loads only what is due, in batches, so a million pending timers cost neither a million
//! tokio tasks nor a million resident actors. The owning actor decides what a timer means;
//! work that must never be lost (drip steps) also keeps its due time in the Db, which stays
//! the source of truth when a timer is taken but its account fails before handling it.

use std::time::Duration;

use chrono::{DateTime, Utc};
use drip_domain::AccountId;
use drip_domain::clock::SharedClock;
use drip_store::SharedKv;
use drip_store::db::Db;
use tokio_util::sync::CancellationToken;

use crate::account::AccountMessage;
use crate::router::AccountRouter;

/// The Kv queue that holds every account's timers.
pub const TIMER_QUEUE: &str = "timers";

/// How long a timer that could not be handed to its account waits before another try.
const REDELIVERY_DELAY_MILLISECONDS: i64 = 30_000;

/// Setting and cancelling timers: what accounts need, without the loop that fires them.
#[derive(Debug, Clone)]
pub struct Timers {
    kv: SharedKv,
}

impl Timers {
    pub fn new(kv: SharedKv) -> Self {
        Self { kv }
    }

    /// Sets (or moves) the account's timer `timer` to fire at `due`.
    pub async fn schedule(&self, account: AccountId, timer: &str, due: DateTime<Utc>) -> anyhow::Result<()> {
        let member = format!("{account}/{timer}");
        self.kv.schedule(account, TIMER_QUEUE, &member, due.timestamp_millis()).await?;
        Ok(())
    }

    /// Cancels the account's timer `timer`. Returns `true` if it was pending.
    pub async fn cancel(&self, account: AccountId, timer: &str) -> anyhow::Result<bool> {
        Ok(self.kv.unschedule(TIMER_QUEUE, &format!("{account}/{timer}")).await?)
    }
}

/// The loop that hands due timers to their accounts.
#[derive(Debug, Clone)]
pub struct Scheduler {
    kv: SharedKv,
    clock: SharedClock,
    router: AccountRouter,
    batch_size: usize,
}

impl Scheduler {
    pub fn new(kv: SharedKv, clock: SharedClock, router: AccountRouter, batch_size: usize) -> Self {
        Self { kv, clock, router, batch_size }
    }

    pub fn timers(&self) -> Timers {
        Timers::new(self.kv.clone())
    }

    /// Hands every timer due now to its account, one batch at a time. Returns how many.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let mut fired = 0;
        loop {
            let due = self.kv.take_due(TIMER_QUEUE, self.clock.now_millis(), self.batch_size).await?;
            let batch = due.len();
            for entry in due {
                let timer = entry.member.split_once('/').map(|(_, timer)| timer.to_owned()).unwrap_or_default();
                if self.router.cast(entry.owner, AccountMessage::TimerFired(timer)).is_err() {
                    // Taken but not delivered: put it back a little later rather than lose it.
                    tracing::warn!(account = %entry.owner, "could not hand a due timer to its account: retrying");
                    let retry = self.clock.now_millis() + REDELIVERY_DELAY_MILLISECONDS;
                    self.kv.schedule(entry.owner, TIMER_QUEUE, &entry.member, retry).await?;
                }
            }
            fired += batch;
            if batch < self.batch_size {
                return Ok(fired);
            }
        }
    }

    /// Wakes the accounts of drip steps overdue by more than `grace`: their timers were
    /// lost (a Valkey restart without persistence) or never set (a crash between the Db
    /// write and the timer). The Db is the source of truth for what is due; the pass reads
    /// it in due-time order, in batches, and firing a step twice is harmless (the account
    /// checks what was already sent). Returns how many steps it woke.
    pub async fn sweep_overdue_steps(&self, db: &Db, grace: chrono::Duration) -> anyhow::Result<usize> {
        let before = self.clock.now() - grace;
        let mut after = None;
        let mut woken = 0;
        loop {
            let rows = db.due_enrolments(before, after.take(), self.batch_size as u64).await?;
            for row in &rows {
                let timer = crate::drip::step_timer(&row.id);
                if self.router.cast(AccountId(row.account_id), AccountMessage::TimerFired(timer)).is_err() {
                    tracing::warn!(account = row.account_id, "could not wake an account for an overdue step");
                }
            }
            woken += rows.len();
            match rows.last() {
                Some(last) if rows.len() == self.batch_size => {
                    after = last.next_due_at.map(|due| (due, last.id.clone()))
                }
                _ => return Ok(woken),
            }
        }
    }

    /// Runs [`Self::run_once`] every `poll_interval` until `shutdown` is cancelled.
    pub async fn run_until_stopped(self, poll_interval: Duration, shutdown: CancellationToken) {
        let mut ticks = ticks_after(poll_interval);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = ticks.tick() => {
                    if let Err(error) = self.run_once().await {
                        tracing::error!(error = %format!("{error:#}"), "timer scheduler pass failed");
                    }
                }
            }
        }
    }
}

/// A ticker whose first tick comes one `period` from now (tokio's `interval` ticks at once;
/// the start-up pass has done that round), and which does not burst after a stall.
pub fn ticks_after(period: Duration) -> tokio::time::Interval {
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks
}
