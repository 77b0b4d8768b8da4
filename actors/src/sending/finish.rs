//! Recording what Twilio answered, and answering everyone waiting for the send.

use drip_clients::twilio::{ErrorClass, MessageResource, SentMessage, TwilioError};
use drip_domain::PhoneNumber;
use drip_domain::crypto::{HashDomain, Purpose};
use drip_store::db::messages::NewMessage;
use ractor::ActorRef;

use super::start::{queue, sender_key, start_call};
use super::{ACTION_SCOPE, SendFailure, SendOutcome};
use crate::account::{AccountMessage, AccountState};
use crate::outbox::{self, JobState, SendJob};
use crate::tracking::{self, Conversation, MessageTracking};

/// What a call task reports back to the account.
#[derive(Debug)]
pub enum CallResult {
    /// The answer to a create request.
    Sent(Result<SentMessage, TwilioError>),
    /// The answer to a lookup after a crash: the message, if Twilio has it.
    LookedUp(Result<Option<MessageResource>, TwilioError>),
}

pub(crate) async fn handle_call_result(
    state: &mut AccountState,
    myself: &ActorRef<AccountMessage>,
    job: SendJob,
    result: CallResult,
) {
    state.calls_in_flight.remove(&job.id);
    match result {
        CallResult::Sent(Ok(sent)) => {
            let segments = sent.resource.num_segments.as_deref().and_then(|n| n.parse().ok()).filter(|n| *n > 0);
            record_sent(state, &job, sent.sid.as_str(), sent.status.as_str(), segments).await;
        }
        CallResult::LookedUp(Ok(Some(found))) => {
            let sid = found.sid.clone().unwrap_or_default();
            tracing::info!(account = %state.account, "a send interrupted mid-call had reached Twilio");
            let segments = found.num_segments.as_deref().and_then(|n| n.parse().ok());
            record_sent(state, &job, &sid, found.status.as_str(), segments).await;
        }
        CallResult::LookedUp(Ok(None)) => retry_or_give_up(state, myself, job).await,
        CallResult::LookedUp(Err(_)) => retry_later(state, job, true).await,
        CallResult::Sent(Err(error)) => handle_error(state, myself, job, error).await,
    }
}

async fn handle_error(state: &mut AccountState, myself: &ActorRef<AccountMessage>, job: SendJob, error: TwilioError) {
    tracing::warn!(account = %state.account, error = %error, "Twilio refused or failed a send");
    if error.is_rate_limited() {
        let pause = error.retry_after().unwrap_or(state.services.sending.rate_limit_pause);
        let now = state.services.clock.now();
        let until = state.pacer.pause(&sender_key(state, &job.sender), pause, now);
        // Persisted before monday hears "queued": the answer promises the send.
        match queue(state, &job, until).await {
            Ok(()) => answer_queued(state, &job.id),
            Err(_) => finish(state, &job.id, SendOutcome::Failed(SendFailure::Transient)).await,
        }
        return;
    }
    if error.may_have_been_sent() {
        // Twilio may have it: never resend blindly; the watchdog looks it up first.
        return retry_later(state, job, true).await;
    }
    match error.class() {
        ErrorClass::RetryLater => retry_or_give_up(state, myself, job).await,
        _ => {
            let failure = failure_of(&error);
            record_failed(state, &job, &error, &failure).await;
            finish(state, &job.id, SendOutcome::Failed(failure)).await;
        }
    }
}

/// The monday-facing reason of a Twilio error that retrying will not fix.
fn failure_of(error: &TwilioError) -> SendFailure {
    let code = error.code();
    match (code, error.class()) {
        _ if error.is_opt_out() => SendFailure::OptedOut,
        (Some(20003), _) => SendFailure::BadCredentials,
        (Some(code @ (21606 | 21659 | 21660 | 21212)), _) => SendFailure::BadSender { code },
        (Some(code), ErrorClass::PermanentForRecipient) => SendFailure::InvalidRecipient { code },
        (code, _) => SendFailure::Rejected { code },
    }
}

/// Another attempt after the back-off, unless the attempts are used up.
async fn retry_or_give_up(state: &mut AccountState, myself: &ActorRef<AccountMessage>, job: SendJob) {
    if job.attempts >= state.services.sending.max_attempts {
        return finish(state, &job.id, SendOutcome::Failed(SendFailure::Transient)).await;
    }
    if job.attempts == 0 {
        return start_call(state, myself, job).await;
    }
    retry_later(state, job, false).await;
}

/// Answers everyone waiting for `job_id` with `Queued`: the send is deferred but durable,
/// and monday must get its answer within its budget.
fn answer_queued(state: &mut AccountState, job_id: &str) {
    state.services.sending.metrics.deferrals.inc();
    for waiter in state.send_waiters.remove(job_id).unwrap_or_default() {
        let _ = waiter.send(SendOutcome::Queued);
    }
}

/// Tries again after the back-off: a lookup first when Twilio may already have it.
async fn retry_later(state: &mut AccountState, mut job: SendJob, lookup_first: bool) {
    let services = state.services.clone();
    let due = services.clock.now() + chrono::Duration::from_std(services.sending.retry_backoff).unwrap_or_default();
    if lookup_first {
        // Stays `Calling`: when the timer fires, the job is looked up before any resend.
        if let JobState::Queued = job.state {
            job.state = JobState::Calling { since: services.clock.now() };
        }
        let saved = outbox::save(&services, state.account, &job, services.sending.job_ttl).await;
        let timer = services.timers.schedule(state.account, &outbox::timer_name(&job.id), due).await;
        if saved.is_err() || timer.is_err() {
            tracing::error!(account = %state.account, "could not schedule the lookup of an uncertain send");
        }
        // Persisted before monday hears "queued": the answer promises the send.
        return answer_queued(state, &job.id);
    }
    match queue(state, &job, due).await {
        Ok(()) => answer_queued(state, &job.id),
        Err(_) => finish(state, &job.id, SendOutcome::Failed(SendFailure::Transient)).await,
    }
}

async fn record_sent(state: &mut AccountState, job: &SendJob, sid: &str, status: &str, segments: Option<u32>) {
    let services = state.services.clone();
    let sid_hash = services.crypto.hasher.hash(HashDomain::TwilioSid, &[sid.as_bytes()]).to_hex();
    let segments = segments.unwrap_or(job.segments);
    log_message(state, message_of(state, job, Some(sid_hash), status, None, segments)).await;
    if let Err(error) = track(state, job, sid).await {
        tracing::error!(account = %state.account, error = %format!("{error:#}"), "could not register a conversation");
    }
    services.sending.metrics.record_sent(&job.encoding, segments);
    let outcome = SendOutcome::Sent { message_sid: Some(sid.to_owned()), status: status.to_owned(), segments };
    finish(state, &job.id, outcome).await;
}

async fn record_failed(state: &mut AccountState, job: &SendJob, error: &TwilioError, failure: &SendFailure) {
    let services = state.services.clone();
    let now = services.clock.now();
    if *failure == SendFailure::OptedOut {
        let to = PhoneNumber::from_e164(&job.to).ok();
        if let Some(to) = to {
            let key = services.crypto.hasher.opt_out(job.credentials.account_sid.as_str(), &to).to_hex();
            let _ = services.db.record_opt_out(state.account, &key, "twilio-21610", now).await;
        }
    }
    let code = error.code().and_then(|code| i32::try_from(code).ok());
    log_message(state, message_of(state, job, None, "failed", code, job.segments)).await;
}

/// The message-log row of a job's outcome: hashed SID and numbers, never the body.
fn message_of(
    state: &AccountState,
    job: &SendJob,
    sid_hash: Option<String>,
    status: &str,
    error_code: Option<i32>,
    segments: u32,
) -> NewMessage {
    NewMessage {
        id: uuid::Uuid::new_v4().simple().to_string(),
        step: job.step.as_ref().map(|step| (step.enrolment_id.clone(), step.position)),
        sid_hash,
        recipient_hash: recipient_hash(state, job),
        sender_hash: sender_key(state, &job.sender),
        status: status.to_owned(),
        error_code,
        segments: Some(segments as i32),
        encoding: Some(job.encoding.clone()),
    }
}

/// Logs the row; a drip step's row fills the claim made before the call.
async fn log_message(state: &AccountState, message: NewMessage) {
    let db = &state.services.db;
    let now = state.services.clock.now();
    let logged = if message.step.is_some() {
        db.record_step_message(state.account, message, now).await
    } else {
        db.log_message(state.account, message, now).await
    };
    if let Err(error) = logged {
        tracing::error!(account = %state.account, error = %format!("{error:#}"), "could not log a message");
    }
}

fn recipient_hash(state: &AccountState, job: &SendJob) -> String {
    state.services.crypto.hasher.hash(HashDomain::Phone, &[job.to.as_bytes()]).to_hex()
}

/// Registers the message for status callbacks and the conversation for replies.
async fn track(state: &AccountState, job: &SendJob, sid: &str) -> anyhow::Result<()> {
    let services = &state.services;
    let hasher = &services.crypto.hasher;
    let account_sid = job.credentials.account_sid.as_str();
    let auth_token = tracking::token_text(job.credentials.auth_token());
    let opt_out_hash =
        PhoneNumber::from_e164(&job.to).map(|to| hasher.opt_out(account_sid, &to).to_hex()).unwrap_or_default();
    let message = MessageTracking { auth_token: auth_token.clone(), opt_out_hash };
    let key = tracking::message_key(hasher, sid);
    let ttl = services.sending.message_tracking_ttl;
    tracking::put(services, state.account, &key, Purpose::TwilioCredentials, &message, ttl).await?;
    let conversation =
        Conversation { board_id: job.board_id, item_id: job.item_id, auth_token, sent_at: services.clock.now() };
    let key = tracking::session_key(hasher, account_sid, &job.sender, &job.to);
    let ttl = services.sending.conversation_ttl;
    tracking::put(services, state.account, &key, Purpose::Conversation, &conversation, ttl).await
}

/// Ends the job: deletes it, stores the action's answer (or releases the claim when a
/// retry may do better) and answers everyone waiting.
pub(crate) async fn finish(state: &mut AccountState, job_id: &str, outcome: SendOutcome) {
    let services = state.services.clone();
    if let SendOutcome::Failed(failure) = &outcome {
        services.sending.metrics.record_failure(failure.label());
    }
    if let Err(error) = outbox::remove(&services, state.account, job_id).await {
        tracing::error!(account = %state.account, error = %format!("{error:#}"), "could not delete a finished send job");
    }
    let step = state.job_steps.remove(job_id);
    // A drip step answers no monday action: no claim to look up.
    if step.is_none()
        && let Err(error) = store_action_answer(state, job_id, &outcome).await
    {
        tracing::error!(account = %state.account, error = %format!("{error:#}"), "could not store an action's answer");
    }
    for waiter in state.send_waiters.remove(job_id).unwrap_or_default() {
        let _ = waiter.send(outcome.clone());
    }
    if let Some(step) = step {
        crate::drip::on_step_finished(state, step, &outcome).await;
    }
}

async fn store_action_answer(state: &AccountState, job_id: &str, outcome: &SendOutcome) -> anyhow::Result<()> {
    let db = &state.services.db;
    let Some(_claim) = db.find_claim(state.account, ACTION_SCOPE, job_id).await? else { return Ok(()) };
    match outcome {
        SendOutcome::Failed(failure) if failure.is_transient() => {
            db.release_claim(state.account, ACTION_SCOPE, job_id).await
        }
        SendOutcome::Queued => Ok(()),
        SendOutcome::Sent { status, segments, .. } => {
            // Stored without the SID: SIDs are kept only as keyed hashes.
            let stored = SendOutcome::Sent { message_sid: None, status: status.clone(), segments: *segments };
            db.save_claim_response(state.account, ACTION_SCOPE, job_id, 200, serde_json::to_value(stored)?).await
        }
        failed => db.save_claim_response(state.account, ACTION_SCOPE, job_id, 422, serde_json::to_value(failed)?).await,
    }
}
