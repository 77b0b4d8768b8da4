//! Durable monday deliveries: outbound monday work that must not be lost when monday is
//! slow, rate-limited or down. Two kinds: firing a trigger subscription (spec/monday.md
//! §4.2) and posting an update on an item (`create_update`, §8.3).
//!
//! Mirrors the send queue (`outbox`, `sending`): each delivery is a *job* sealed in the Kv
//! (`deliveries/<id>`, purpose [`Purpose::Delivery`], because it holds the reply text) with
//! a TTL, plus a Kv timer `delivery/<id>`. Both are written before [`enqueue`] returns, so a
//! delivery accepted before a crash or restart still goes out after it.
//!
//! The network call runs in its own task and reports back with
//! [`AccountMessage::DeliveryFinished`], so a slow monday never stalls the account's
//! mailbox. While a call runs, the job's timer is a watchdog: if the process dies mid-call
//! the delivery is tried again after the restart (at least once; monday has no idempotency
//! key for either call).
//!
//! Failures: monday's own wait is honoured (complexity budget, 429 `Retry-After`, 423, the
//! daily limit until 00:00 UTC); otherwise exponential back-off from 30 s, capped at 1 h,
//! with jitter, until the job's TTL. A rate limit on the GraphQL API pauses the account's
//! other updates too. A permanent refusal (a webhook URL that is gone, a deleted
//! subscription, an item monday rejects) drops the delivery with a warning. Logs carry ids,
//! kinds and counts only: never the body, the output fields or a token.
//!
//! At most [`DeliverySettings::max_in_flight`] calls per account run at once (monday limits
//! concurrent requests per account); the others wait in memory, with their timer as a
//! safety net.

mod metrics;

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

use chrono::{DateTime, Utc};
use drip_clients::monday::{MondayApiError, TriggerAuth};
use drip_domain::AccountId;
use drip_domain::crypto::{KeyRing, Purpose};
use drip_store::SharedKv;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub use metrics::{DeliveryLabels, DeliveryMetrics};

use crate::account::{AccountMessage, AccountState};
use crate::monday_token;
use crate::services::AccountServices;

/// Longer than a monday call can take: a call with no answer for this long is tried again.
pub const CALL_WATCHDOG: Duration = Duration::from_secs(300);
/// The Kv keeps a job this long past its expiry, so that its last timer still finds it
/// and drops it as expired (counted) rather than finding nothing.
const EXPIRED_JOB_GRACE: chrono::TimeDelta = chrono::TimeDelta::hours(1);

const CREATE_UPDATE: &str =
    "mutation ($itemId: ID!, $body: String!) { create_update(item_id: $itemId, body: $body) { id } }";

/// One piece of monday work to deliver.
#[derive(Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Delivery {
    /// POST `{"trigger":{"outputFields":…}}` to a subscription's webhook URL.
    FireTrigger { subscription_id: i64, webhook_url: String, output_fields: Value },
    /// `create_update(item_id, body)` with the account's OAuth token.
    PostUpdate { item_id: i64, body: String },
}

impl Delivery {
    /// The metric and log label of the kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::FireTrigger { .. } => "fire_trigger",
            Self::PostUpdate { .. } => "post_update",
        }
    }
}

impl std::fmt::Debug for Delivery {
    // Ids only: the fields and the body hold a contact's reply.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::FireTrigger { subscription_id, .. } => {
                f.debug_struct("FireTrigger").field("subscription_id", subscription_id).finish_non_exhaustive()
            }
            Self::PostUpdate { item_id, .. } => {
                f.debug_struct("PostUpdate").field("item_id", item_id).finish_non_exhaustive()
            }
        }
    }
}

/// A delivery on its way, as sealed in the Kv.
#[derive(Clone, Serialize, Deserialize)]
pub struct DeliveryJob {
    pub id: String,
    pub delivery: Delivery,
    /// Calls started so far.
    pub attempts: u32,
    pub accepted_at: DateTime<Utc>,
    /// Dropped when not delivered by then.
    pub expires_at: DateTime<Utc>,
    /// Set while a call is under way (its watchdog timer runs).
    pub calling_since: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for DeliveryJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliveryJob")
            .field("id", &self.id)
            .field("delivery", &self.delivery)
            .field("attempts", &self.attempts)
            .field("calling_since", &self.calling_since)
            .finish_non_exhaustive()
    }
}

/// Which `Authorization` forms fire a trigger. monday's docs disagree (spec/monday.md
/// §4.2, unconfirmed): the documented form is a JWT, monday's own example app sends the raw
/// signing secret. `config/default.toml` picks the JWT with the raw secret as fallback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerAuthorization {
    /// JWT first; on a 401 the raw secret, and whichever form monday accepted is tried
    /// first from then on.
    JwtWithRawSecretFallback,
    /// The JWT only.
    Jwt,
    /// The raw signing secret only.
    RawSecret,
}

/// What every account's deliveries need: the app's trigger credentials and the tunables
/// (from `monday.deliveries` in the configuration, where their defaults are).
#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// monday's numeric app id, for the trigger JWT; `None` (not configured, or not
    /// numeric) sends the raw signing secret only.
    pub app_id: Option<u64>,
    pub signing_secret: SecretString,
    pub trigger_authorization: TriggerAuthorization,
    pub job_ttl: Duration,
    pub first_backoff: Duration,
    pub max_backoff: Duration,
    pub call_watchdog: Duration,
    pub max_in_flight: usize,
    pub metrics: DeliveryMetrics,
}

/// The account actor's in-memory view of its deliveries (rebuilt from timers after a restart).
#[derive(Debug, Default)]
pub struct DeliveryQueue {
    /// Jobs whose call runs in this process right now.
    in_flight: HashSet<String>,
    /// Jobs due but over the concurrency limit, in order.
    waiting: VecDeque<String>,
    /// monday's GraphQL API asked us to wait until then (rate limits are per account).
    graphql_paused_until: Option<DateTime<Utc>>,
    /// The trigger authorization monday last accepted, if any yet.
    trigger_auth: Option<TriggerAuth>,
}

/// What a delivery task reports back to the account.
pub struct DeliveryReport {
    job: DeliveryJob,
    /// On success, the trigger authorization that worked (triggers only).
    result: Result<Option<TriggerAuth>, MondayApiError>,
}

impl std::fmt::Debug for DeliveryReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliveryReport").field("job", &self.job).field("ok", &self.result.is_ok()).finish()
    }
}

/// The Kv key of a job.
pub fn delivery_key(id: &str) -> String {
    format!("deliveries/{id}")
}

/// The name of a job's timer.
pub fn timer_name(id: &str) -> String {
    format!("delivery/{id}")
}

/// The job id a timer name refers to, if it is a delivery timer.
pub fn delivery_of_timer(timer: &str) -> Option<&str> {
    timer.strip_prefix("delivery/")
}

async fn save(services: &AccountServices, account: AccountId, job: &DeliveryJob) -> anyhow::Result<()> {
    let ttl = (job.expires_at + EXPIRED_JOB_GRACE - services.clock.now()).to_std().unwrap_or_default();
    let plain = serde_json::to_vec(job)?;
    let sealed = services.crypto.keyring.seal(Purpose::Delivery, account, &plain);
    services.kv.put(account, &delivery_key(&job.id), &sealed, Some(ttl)).await?;
    Ok(())
}

fn open(keyring: &KeyRing, account: AccountId, sealed: &[u8]) -> anyhow::Result<DeliveryJob> {
    let plain = keyring
        .open(Purpose::Delivery, account, sealed)
        .map_err(|error| anyhow::anyhow!("a delivery job does not decrypt: {error}"))?;
    Ok(serde_json::from_slice(&plain)?)
}

async fn load(services: &AccountServices, account: AccountId, id: &str) -> anyhow::Result<Option<DeliveryJob>> {
    let Some(sealed) = services.kv.get(&delivery_key(id)).await? else { return Ok(None) };
    open(&services.crypto.keyring, account, &sealed).map(Some)
}

/// Deletes the job and its timer.
async fn remove(services: &AccountServices, account: AccountId, id: &str) -> anyhow::Result<()> {
    services.kv.delete(&delivery_key(id)).await?;
    services.timers.cancel(account, &timer_name(id)).await?;
    Ok(())
}

/// Every undelivered job of the account, opened (for operators and tests; reads the
/// account's whole Kv export, so not for request paths).
pub async fn pending(kv: &SharedKv, keyring: &KeyRing, account: AccountId) -> anyhow::Result<Vec<DeliveryJob>> {
    let mut jobs = Vec::new();
    for (key, sealed) in kv.dump_account(account).await? {
        if key.starts_with("deliveries/") {
            jobs.push(open(keyring, account, &sealed)?);
        }
    }
    Ok(jobs)
}

/// Accepts a delivery: the job and its timer are in the Kv when this returns `Ok`, and the
/// first call starts at once when the account has a free slot.
pub(crate) async fn enqueue(state: &mut AccountState, delivery: Delivery) -> anyhow::Result<()> {
    let services = state.services.clone();
    let now = services.clock.now();
    let ttl = chrono::Duration::from_std(services.deliveries.job_ttl).unwrap_or_else(|_| chrono::Duration::days(3));
    let job = DeliveryJob {
        id: uuid::Uuid::new_v4().simple().to_string(),
        delivery,
        attempts: 0,
        accepted_at: now,
        expires_at: now + ttl,
        calling_since: None,
    };
    save(&services, state.account, &job).await?;
    services.timers.schedule(state.account, &timer_name(&job.id), now).await?;
    let kind = job.delivery.kind();
    services.deliveries.metrics.record(kind, "queued");
    tracing::info!(account = %state.account, delivery = %job.id, kind, "monday delivery queued");
    try_start(state, job).await;
    Ok(())
}

/// A delivery timer fell due: start the job (a retry, a watchdog after a crash, or a job
/// that waited for a slot).
pub(crate) async fn handle_delivery_timer(state: &mut AccountState, id: &str) {
    let services = state.services.clone();
    let now = services.clock.now();
    if state.deliveries.in_flight.contains(id) {
        // Still waiting on monday in this process: look again after another watchdog.
        arm(state, id, now + watchdog(state)).await;
        return;
    }
    let job = match load(&services, state.account, id).await {
        Ok(Some(job)) => job,
        // Delivered already (its timer was taken just before), or expired in the Kv.
        Ok(None) => return,
        Err(error) => {
            tracing::error!(account = %state.account, delivery = id, error = %format!("{error:#}"), "could not read a delivery job");
            // Try again later; a job that never opens leaves with its TTL.
            arm(state, id, now + chrono_of(services.deliveries.first_backoff)).await;
            return;
        }
    };
    state.deliveries.waiting.retain(|waiting| waiting != id);
    if now > job.expires_at {
        return drop_job(state, &job, "expired", "not delivered within its time to live").await;
    }
    if job.calling_since.is_some() {
        tracing::info!(account = %state.account, delivery = id, "a monday delivery interrupted mid-call is tried again");
    }
    try_start(state, job).await;
}

/// A delivery task finished: done, retry later, or drop.
pub(crate) async fn handle_delivery_finished(state: &mut AccountState, report: DeliveryReport) {
    let DeliveryReport { job, result } = report;
    state.deliveries.in_flight.remove(&job.id);
    match result {
        Ok(auth) => {
            if auth.is_some() {
                state.deliveries.trigger_auth = auth;
            }
            let services = state.services.clone();
            if let Err(error) = remove(&services, state.account, &job.id).await {
                tracing::error!(account = %state.account, error = %format!("{error:#}"), "could not delete a delivered job");
            }
            let kind = job.delivery.kind();
            services.deliveries.metrics.record(kind, "delivered");
            tracing::info!(
                account = %state.account,
                delivery = %job.id,
                kind,
                attempts = job.attempts,
                delivered_total = services.deliveries.metrics.count(kind, "delivered"),
                "monday delivery done"
            );
        }
        Err(error) => handle_failure(state, job, error).await,
    }
    start_waiting(state).await;
}

async fn handle_failure(state: &mut AccountState, job: DeliveryJob, error: MondayApiError) {
    let now = state.services.clock.now();
    let retryable = error.is_retryable() || matches!(error, MondayApiError::Unauthorized { .. });
    if !retryable {
        return drop_job(state, &job, "dropped", &error.to_string()).await;
    }
    let due = match &error {
        MondayApiError::DailyLimit { resets_at } => *resets_at,
        other => match other.retry_after() {
            Some(wait) => now + chrono_of(wait),
            None => now + backoff(state, job.attempts),
        },
    };
    if matches!(job.delivery, Delivery::PostUpdate { .. }) && error.retry_after().is_some() {
        // monday's limits are per account: every update of the account waits.
        let paused = &mut state.deliveries.graphql_paused_until;
        *paused = Some(paused.map_or(due, |until| until.max(due)));
    }
    tracing::warn!(account = %state.account, delivery = %job.id, kind = job.delivery.kind(), error = %error, "monday delivery failed; will retry");
    retry_at(state, job, due).await;
}

/// Puts the job back in the queue, due at `due`, unless that is past its TTL.
async fn retry_at(state: &mut AccountState, mut job: DeliveryJob, due: DateTime<Utc>) {
    if due > job.expires_at {
        return drop_job(state, &job, "expired", "not delivered within its time to live").await;
    }
    let services = state.services.clone();
    job.calling_since = None;
    // Timer first: once the job reads as waiting, its retry is armed.
    arm(state, &job.id, due).await;
    if let Err(error) = save(&services, state.account, &job).await {
        tracing::error!(account = %state.account, error = %format!("{error:#}"), "could not save a delivery for retry");
    }
    services.deliveries.metrics.record(job.delivery.kind(), "retried");
    tracing::info!(
        account = %state.account,
        delivery = %job.id,
        attempts = job.attempts,
        retry_in_seconds = (due - services.clock.now()).num_seconds(),
        "monday delivery deferred"
    );
}

async fn drop_job(state: &mut AccountState, job: &DeliveryJob, outcome: &str, reason: &str) {
    let services = state.services.clone();
    if let Err(error) = remove(&services, state.account, &job.id).await {
        tracing::error!(account = %state.account, error = %format!("{error:#}"), "could not delete a dropped delivery");
    }
    let kind = job.delivery.kind();
    services.deliveries.metrics.record(kind, outcome);
    tracing::warn!(
        account = %state.account,
        delivery = %job.id,
        kind,
        attempts = job.attempts,
        outcome,
        reason,
        "monday delivery given up"
    );
}

/// Starts calls for waiting jobs while there are free slots.
async fn start_waiting(state: &mut AccountState) {
    while state.deliveries.in_flight.len() < state.services.deliveries.max_in_flight {
        let Some(id) = state.deliveries.waiting.pop_front() else { return };
        match load(&state.services, state.account, &id).await {
            Ok(Some(job)) => try_start(state, job).await,
            Ok(None) => {}
            Err(error) => {
                tracing::error!(account = %state.account, delivery = %id, error = %format!("{error:#}"), "could not read a delivery job");
            }
        }
    }
}

/// Starts the job's call in a task, or parks it: over the concurrency limit, during a
/// GraphQL pause, or while its prerequisites (the subscription, a token) are missing.
async fn try_start(state: &mut AccountState, mut job: DeliveryJob) {
    let services = state.services.clone();
    let now = services.clock.now();
    if state.deliveries.in_flight.contains(&job.id) {
        return;
    }
    if state.deliveries.in_flight.len() >= services.deliveries.max_in_flight {
        if !state.deliveries.waiting.contains(&job.id) {
            state.deliveries.waiting.push_back(job.id.clone());
        }
        // Started when a slot frees; the timer covers a restart in between.
        arm(state, &job.id, now + watchdog(state)).await;
        return;
    }
    let call = match &job.delivery {
        Delivery::FireTrigger { subscription_id, .. } => match services.db.find_subscription(*subscription_id).await {
            Ok(Some(_)) => Call::Trigger,
            Ok(None) => return drop_job(state, &job, "dropped", "the trigger subscription was deleted").await,
            Err(error) => {
                tracing::error!(account = %state.account, error = %format!("{error:#}"), "could not read a trigger subscription");
                let due = now + backoff(state, job.attempts);
                return retry_at(state, job, due).await;
            }
        },
        Delivery::PostUpdate { .. } => {
            if let Some(until) = state.deliveries.graphql_paused_until.filter(|until| *until > now) {
                return retry_at(state, job, until).await;
            }
            // Inside the mailbox: that is what serialises token refreshes.
            match monday_token::access_token(&services, state.account).await {
                Ok(token) => Call::Update(token),
                Err(error) => {
                    // Not connected (yet), or monday wants a new authorization: the update
                    // waits for it, up to its TTL.
                    tracing::warn!(account = %state.account, delivery = %job.id, error = %error, "no monday token for an update; will retry");
                    let due = now + backoff(state, job.attempts.max(1));
                    return retry_at(state, job, due).await;
                }
            }
        }
    };
    job.attempts += 1;
    job.calling_since = Some(now);
    let marked = async {
        save(&services, state.account, &job).await?;
        services.timers.schedule(state.account, &timer_name(&job.id), now + watchdog(state)).await
    };
    if let Err(error) = marked.await {
        // The earlier timer still stands, so the job is not lost; call anyway.
        tracing::error!(account = %state.account, error = %format!("{error:#}"), "could not mark a delivery as calling");
    }
    state.deliveries.in_flight.insert(job.id.clone());
    let myself = state.myself.clone();
    let last_accepted = state.deliveries.trigger_auth;
    tokio::spawn(async move {
        let result = match (&call, &job.delivery) {
            (Call::Trigger, Delivery::FireTrigger { webhook_url, output_fields, .. }) => {
                fire(&services, webhook_url, output_fields, last_accepted).await.map(Some)
            }
            (Call::Update(token), Delivery::PostUpdate { item_id, body }) => services
                .monday
                .graphql(token, CREATE_UPDATE, json!({ "itemId": item_id.to_string(), "body": body }))
                .await
                .map(|_| None),
            _ => Err(MondayApiError::Permanent { status: None, detail: "mismatched delivery call".into() }),
        };
        let report = DeliveryReport { job, result };
        let _ = myself.send_message(AccountMessage::DeliveryFinished(Box::new(report)));
    });
}

enum Call {
    Trigger,
    Update(SecretString),
}

/// Fires a trigger in the configured [`TriggerAuthorization`] forms: the one monday last
/// accepted first, the other on a 401. Returns the form that worked.
async fn fire(
    services: &AccountServices,
    webhook_url: &str,
    output_fields: &Value,
    last_accepted: Option<TriggerAuth>,
) -> Result<TriggerAuth, MondayApiError> {
    let settings = &services.deliveries;
    let (first, fallback) = match (settings.app_id, settings.trigger_authorization) {
        // Without an app id there is no JWT to make.
        (None, _) | (_, TriggerAuthorization::RawSecret) => (TriggerAuth::RawSecret, None),
        (Some(_), TriggerAuthorization::Jwt) => (TriggerAuth::Jwt, None),
        (Some(_), TriggerAuthorization::JwtWithRawSecretFallback) => {
            let first = last_accepted.unwrap_or(TriggerAuth::Jwt);
            let other = match first {
                TriggerAuth::Jwt => TriggerAuth::RawSecret,
                TriggerAuth::RawSecret => TriggerAuth::Jwt,
            };
            (first, Some(other))
        }
    };
    let app_id = settings.app_id.unwrap_or(0);
    let secret = &settings.signing_secret;
    let call = |auth| services.monday.fire_trigger(webhook_url, app_id, secret, output_fields.clone(), auth);
    match (call(first).await, fallback) {
        (Ok(()), _) => Ok(first),
        (Err(MondayApiError::Unauthorized { .. }), Some(other)) => call(other).await.map(|()| other),
        (Err(error), _) => Err(error),
    }
}

/// Sets (or moves) the job's timer; a failure is logged (the job then waits for a restart
/// sweep of its TTL, so this is loud).
async fn arm(state: &AccountState, id: &str, due: DateTime<Utc>) {
    if let Err(error) = state.services.timers.schedule(state.account, &timer_name(id), due).await {
        tracing::error!(account = %state.account, delivery = id, error = %format!("{error:#}"), "could not set a delivery timer");
    }
}

fn watchdog(state: &AccountState) -> chrono::Duration {
    chrono_of(state.services.deliveries.call_watchdog)
}

fn chrono_of(duration: Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX)
}

/// Exponential back-off after `attempts` failed calls, capped, with "equal jitter": a
/// random wait between half the step and the whole step.
fn backoff(state: &AccountState, attempts: u32) -> chrono::Duration {
    let settings = &state.services.deliveries;
    chrono_of(backoff_step(settings.first_backoff, settings.max_backoff, attempts, random_fraction()))
}

fn backoff_step(first: Duration, max: Duration, attempts: u32, fraction: f64) -> Duration {
    let exponent = attempts.saturating_sub(1).min(20);
    let step = first.saturating_mul(1u32 << exponent).min(max);
    step.mul_f64(0.5 + 0.5 * fraction.clamp(0.0, 1.0))
}

/// A uniform fraction in [0, 1) from the OS-seeded randomness of a v4 UUID.
fn random_fraction() -> f64 {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[..8]);
    (u64::from_le_bytes(word) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_thirty_seconds_and_caps_at_an_hour_with_jitter() {
        let (first, max) = (Duration::from_secs(30), Duration::from_secs(3600));
        let step = |attempts, fraction| backoff_step(first, max, attempts, fraction);
        assert_eq!(step(1, 1.0), Duration::from_secs(30));
        assert_eq!(step(1, 0.0), Duration::from_secs(15));
        assert_eq!(step(3, 1.0), Duration::from_secs(120));
        assert_eq!(step(10, 1.0), max);
        assert_eq!(step(u32::MAX, 0.0), max / 2);
        let fraction = random_fraction();
        assert!((0.0..1.0).contains(&fraction));
    }

    #[test]
    fn timers_name_their_job_and_debug_hides_the_text() {
        assert_eq!(delivery_of_timer(&timer_name("abc")), Some("abc"));
        assert_eq!(delivery_of_timer("send/abc"), None);
        let update = Delivery::PostUpdate { item_id: 7, body: "secret reply".into() };
        assert!(!format!("{update:?}").contains("secret"));
        let fire = Delivery::FireTrigger {
            subscription_id: 1,
            webhook_url: "https://x".into(),
            output_fields: json!({ "body": "secret reply" }),
        };
        assert!(!format!("{fire:?}").contains("secret"));
    }
}
