//! Accepting a send: idempotency, checks, pace slot, durable job, and starting the call.

use chrono::{DateTime, Utc};
use drip_clients::twilio::{SendRequest, Sender, SenderKind, TwilioCredentials};
use drip_domain::PhoneNumber;
use drip_domain::crypto::HashDomain;
use drip_store::db::idempotency::ClaimOutcome;
use ractor::{ActorRef, RpcReplyPort};

use super::finish::{CallResult, finish};
use super::{ACTION_SCOPE, SendFailure, SendOutcome};
use crate::account::{AccountMessage, AccountState};
use crate::outbox::{self, EnrolmentStep, JobState, SendJob};

/// One SMS to send for a board item, with everything already resolved by the edge.
pub struct SendOrder {
    /// Keyed hash of the monday `actionUuid` (with the account), for idempotency.
    pub action_key: Option<String>,
    pub board_id: i64,
    pub item_id: i64,
    pub to: PhoneNumber,
    pub sender: Sender,
    pub credentials: TwilioCredentials,
    pub body: String,
    /// Set when the send is a drip step.
    pub step: Option<EnrolmentStep>,
}

/// How long a claimed-but-unanswered action is remembered (monday retries for 30 minutes).
const ACTION_CLAIM_DAYS: i64 = 2;

pub(crate) async fn handle_send(
    state: &mut AccountState,
    myself: &ActorRef<AccountMessage>,
    order: SendOrder,
    reply: RpcReplyPort<SendOutcome>,
) {
    let job_id = order
        .action_key
        .clone()
        .or_else(|| order.step.as_ref().map(|step| format!("{}-{}", step.enrolment_id, step.position)))
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    if let Some(waiters) = state.send_waiters.get_mut(&job_id) {
        // A concurrent copy of an action already in progress: it shares the first's answer.
        waiters.push(reply);
        return;
    }
    if let Some(key) = &order.action_key {
        match join_earlier_delivery(state, key).await {
            Ok(Some(Earlier::Answered(outcome))) => {
                let _ = reply.send(outcome);
                return;
            }
            Ok(Some(Earlier::JobPending(job))) => return join_pending_job(state, myself, *job, reply).await,
            Ok(None) => {}
            Err(error) => {
                tracing::error!(account = %state.account, error = %format!("{error:#}"), "idempotency check failed");
                let _ = reply.send(SendOutcome::Failed(SendFailure::Transient));
                return;
            }
        }
    }
    state.send_waiters.entry(job_id.clone()).or_default().push(reply);
    if let Some(step) = &order.step {
        state.job_steps.insert(job_id.clone(), step.clone());
    }
    match accept(state, &job_id, order).await {
        Ok((job, slot)) => dispatch(state, myself, job, slot).await,
        Err(failure) => finish(state, &job_id, SendOutcome::Failed(failure)).await,
    }
}

enum Earlier {
    Answered(SendOutcome),
    JobPending(Box<SendJob>),
}

/// A repeat of an action whose job exists from before (another process run): a queued
/// job goes out at its slot; a job caught mid-call by a stop is looked up in Twilio now.
async fn join_pending_job(
    state: &mut AccountState,
    myself: &ActorRef<AccountMessage>,
    job: SendJob,
    reply: RpcReplyPort<SendOutcome>,
) {
    match job.state {
        JobState::Calling { since } if !state.calls_in_flight.contains(&job.id) => {
            state.send_waiters.entry(job.id.clone()).or_default().push(reply);
            reconcile(state, myself, job, since);
        }
        JobState::Calling { .. } => state.send_waiters.entry(job.id).or_default().push(reply),
        JobState::Queued => {
            // Re-armed at a fresh pace slot: cheap, and it guarantees progress should the
            // job's timer have been lost.
            let rate = state
                .services
                .sending
                .rates
                .rate_of(Sender::parse(&job.sender).map(|s| s.kind()).unwrap_or(SenderKind::LongCode));
            let sender = sender_key(state, &job.sender);
            let due = state.pacer.reserve(&sender, rate, job.segments, state.services.clock.now());
            if let Err(error) = state.services.timers.schedule(state.account, &outbox::timer_name(&job.id), due).await {
                tracing::warn!(account = %state.account, error = %format!("{error:#}"), "could not re-arm a queued send");
            }
            let _ = reply.send(SendOutcome::Queued);
        }
    }
}

/// Claims the action, or finds what became of an earlier delivery of it.
async fn join_earlier_delivery(state: &AccountState, key: &str) -> anyhow::Result<Option<Earlier>> {
    let services = &state.services;
    let now = services.clock.now();
    let expires = now + chrono::Duration::days(ACTION_CLAIM_DAYS);
    if services.db.claim(state.account, ACTION_SCOPE, key, now, expires).await? == ClaimOutcome::Claimed {
        return Ok(None);
    }
    let claim = services.db.find_claim(state.account, ACTION_SCOPE, key).await?;
    if let Some(response) = claim.and_then(|claim| claim.response) {
        return Ok(Some(Earlier::Answered(serde_json::from_value(response)?)));
    }
    // Claimed, unanswered: either its job is still queued or being called (it will answer),
    // or the process stopped before the job was written, in which case Twilio was never
    // called and accepting it now is safe.
    if let Some(job) = outbox::load(services, state.account, key).await? {
        return Ok(Some(Earlier::JobPending(Box::new(job))));
    }
    Ok(None)
}

/// Checks the send and writes its job; the job's state says whether it may start now.
async fn accept(
    state: &mut AccountState,
    job_id: &str,
    order: SendOrder,
) -> Result<(SendJob, DateTime<Utc>), SendFailure> {
    let services = state.services.clone();
    let now = services.clock.now();
    let opt_out_key = services.crypto.hasher.opt_out(order.credentials.account_sid.as_str(), &order.to).to_hex();
    if services.db.is_opted_out(state.account, &opt_out_key).await.map_err(|_| SendFailure::Transient)? {
        return Err(SendFailure::OptedOut);
    }
    check_quota(state, now).await?;
    if state.queued_jobs >= services.sending.queue_limit {
        return Err(SendFailure::QueueFull);
    }
    let sender_key = sender_key(state, order.sender.as_str());
    let rate = services.sending.rates.rate_of(order.sender.kind());
    let job = SendJob::new(job_id.to_owned(), order, JobState::Queued, now);
    let slot = state.pacer.reserve(&sender_key, rate, job.segments, now);
    queue(state, &job, slot).await.map_err(|_| SendFailure::Transient)?;
    Ok((job, slot))
}

async fn check_quota(state: &AccountState, now: DateTime<Utc>) -> Result<(), SendFailure> {
    let limit = state.services.sending.quotas.monthly_messages(state.plan.as_ref());
    let used = state.services.db.messages_this_month(state.account, now).await.map_err(|_| SendFailure::Transient)?;
    if used >= limit {
        return Err(SendFailure::QuotaExceeded { limit });
    }
    Ok(())
}

/// The sender's keyed hash: the pacer's key and the message log's column.
pub(crate) fn sender_key(state: &AccountState, sender: &str) -> String {
    state.services.crypto.hasher.hash(HashDomain::Phone, &[sender.as_bytes()]).to_hex()
}

/// Saves the job as queued with its timer at `due`.
pub(crate) async fn queue(state: &mut AccountState, job: &SendJob, due: DateTime<Utc>) -> anyhow::Result<()> {
    let services = &state.services;
    let mut job = job.clone();
    job.state = JobState::Queued;
    outbox::save(services, state.account, &job, services.sending.job_ttl).await?;
    services.timers.schedule(state.account, &outbox::timer_name(&job.id), due).await?;
    state.queued_jobs = state.queued_jobs.saturating_add(1);
    Ok(())
}

/// Starts the job now if its slot has come; otherwise it waits for its timer. A waiting
/// monday request is answered "queued" when the slot is further than it may wait.
async fn dispatch(state: &mut AccountState, myself: &ActorRef<AccountMessage>, job: SendJob, slot: DateTime<Utc>) {
    let now = state.services.clock.now();
    if slot <= now {
        start_call(state, myself, job).await;
        return;
    }
    let wait = chrono::Duration::from_std(state.services.sending.action_wait).unwrap_or_default();
    if slot > now + wait {
        for waiter in state.send_waiters.remove(&job.id).unwrap_or_default() {
            let _ = waiter.send(SendOutcome::Queued);
        }
    }
}

/// A send timer fired: start the job, or reconcile it if a call was already under way.
pub(crate) async fn handle_send_timer(state: &mut AccountState, myself: &ActorRef<AccountMessage>, job_id: &str) {
    let job = match outbox::load(&state.services, state.account, job_id).await {
        Ok(Some(job)) => {
            if let Some(step) = &job.step {
                state.job_steps.insert(job.id.clone(), step.clone());
            }
            job
        }
        Ok(None) => {
            // Gone: finished already (its timer was taken just before it ended), or expired
            // in the queue. Only an expiry leaves someone here waiting for it; an action
            // that nobody waits for any more is retried by monday and starts afresh.
            if state.send_waiters.contains_key(job_id) || state.job_steps.contains_key(job_id) {
                finish(state, job_id, SendOutcome::Failed(SendFailure::Expired)).await;
            }
            return;
        }
        Err(error) => {
            tracing::error!(account = %state.account, error = %format!("{error:#}"), "could not read a send job");
            return;
        }
    };
    match job.state {
        JobState::Queued => start_call(state, myself, job).await,
        JobState::Calling { .. } if state.calls_in_flight.contains(job_id) => {
            // Still waiting on Twilio in this process: look again after another watchdog.
            let due = state.services.clock.now() + watchdog(state);
            let _ = state.services.timers.schedule(state.account, &outbox::timer_name(job_id), due).await;
        }
        JobState::Calling { since } => reconcile(state, myself, job, since),
    }
}

fn watchdog(state: &AccountState) -> chrono::Duration {
    chrono::Duration::from_std(state.services.sending.call_watchdog).unwrap_or_default()
}

/// Marks the job as calling (with a watchdog timer) and calls Twilio in a task.
pub(crate) async fn start_call(state: &mut AccountState, myself: &ActorRef<AccountMessage>, mut job: SendJob) {
    let services = state.services.clone();
    let now = services.clock.now();
    state.queued_jobs = state.queued_jobs.saturating_sub(1);
    job.state = JobState::Calling { since: now };
    job.attempts += 1;
    let written = async {
        claim_step(state, &job).await?;
        outbox::save(&services, state.account, &job, services.sending.job_ttl).await?;
        services.timers.schedule(state.account, &outbox::timer_name(&job.id), now + watchdog(state)).await
    };
    if let Err(error) = written.await {
        // Without the Calling mark a crash could send twice: do not call.
        tracing::error!(account = %state.account, error = %format!("{error:#}"), "could not mark a send as calling");
        return finish(state, &job.id, SendOutcome::Failed(SendFailure::Transient)).await;
    }
    state.calls_in_flight.insert(job.id.clone());
    let request = SendRequest {
        status_callback: Some(services.sending.status_callback_url.clone()),
        ..SendRequest::new(
            job.to.clone(),
            Sender::parse(&job.sender).unwrap_or(Sender::Number(job.sender.clone())),
            job.body.clone(),
        )
    };
    let myself = myself.clone();
    tokio::spawn(async move {
        let result = services.twilio.send_message(&job.credentials, &request).await;
        let _ = myself.send_message(AccountMessage::CallFinished(Box::new(job), Box::new(CallResult::Sent(result))));
    });
}

/// A drip step is claimed in the Db before its first call (see `Db::claim_step`), so a
/// crash that also loses the Kv job still leaves a trace that Twilio may have it.
async fn claim_step(state: &AccountState, job: &SendJob) -> anyhow::Result<()> {
    let Some(step) = &job.step else { return Ok(()) };
    let hasher = &state.services.crypto.hasher;
    let claim = drip_store::db::messages::NewMessage {
        id: uuid::Uuid::new_v4().simple().to_string(),
        step: Some((step.enrolment_id.clone(), step.position)),
        sid_hash: None,
        recipient_hash: hasher.hash(HashDomain::Phone, &[job.to.as_bytes()]).to_hex(),
        sender_hash: sender_key(state, &job.sender),
        status: String::new(),
        error_code: None,
        segments: Some(job.segments as i32),
        encoding: Some(job.encoding.clone()),
    };
    state.services.db.claim_step(state.account, claim, state.services.clock.now()).await?;
    Ok(())
}

/// After a crash mid-call: ask Twilio whether the message exists before sending again.
pub(crate) fn reconcile(
    state: &mut AccountState,
    myself: &ActorRef<AccountMessage>,
    job: SendJob,
    since: DateTime<Utc>,
) {
    let services = state.services.clone();
    state.calls_in_flight.insert(job.id.clone());
    let myself = myself.clone();
    tokio::spawn(async move {
        let found = services.twilio.find_message(&job.credentials, &job.to, from_of(&job), since.date_naive()).await;
        let result = found.map(|messages| {
            // Created at or after the call began (a few seconds of clock skew allowed).
            messages.into_iter().find(|message| {
                message
                    .date_created
                    .as_deref()
                    .and_then(parse_rfc2822)
                    .is_none_or(|at| at >= since - chrono::Duration::seconds(5))
            })
        });
        let _ =
            myself.send_message(AccountMessage::CallFinished(Box::new(job), Box::new(CallResult::LookedUp(result))));
    });
}

fn from_of(job: &SendJob) -> Option<&str> {
    if job.sender.starts_with("MG") { None } else { Some(job.sender.as_str()) }
}

fn parse_rfc2822(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(text).ok().map(|at| at.with_timezone(&Utc))
}
