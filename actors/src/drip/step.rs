//! Firing a step: when its timer falls due, render the text for the item, hand it to the
//! send path, and move the enrolment on (or end it, with a reason) when the send ends.

use anyhow::Context;
use chrono::{DateTime, Utc};
use drip_domain::PhoneNumber;
use drip_domain::crypto::Purpose;
use drip_domain::send_window::{SendWindow, due_after, next_opening};
use drip_domain::template::{ItemFields, Template};
use drip_store::db::campaigns::step_delay;
use drip_store::db::enrolments::{ACTIVE, COMPLETED, STOPPED};
use drip_store::db::entities::{campaign_step, enrolment};
use drip_store::db::messages::STEP_CLAIMED;
use ractor::concurrency::oneshot;

use super::{RecipientEnvelope, envelope_key, step_timer};
use crate::account::{AccountError, AccountMessage, AccountState};
use crate::monday_token;
use crate::outbox::{self, EnrolmentStep, JobState, SendJob};
use crate::sending::{SendFailure, SendOrder, SendOutcome, handle_send, reconcile};

/// A step's text, rendered by a task (it may need the item from monday).
#[derive(Debug)]
pub struct StepRendered {
    pub step: EnrolmentStep,
    pub body: Result<String, StepProblem>,
    /// Set when an earlier call for this step may have reached Twilio (claimed at this time).
    pub uncertain_since: Option<DateTime<Utc>>,
}

#[derive(Debug)]
pub enum StepProblem {
    /// The enrolment cannot go on: the reason is recorded.
    End(String),
    /// Try again later (monday unavailable).
    Retry,
}

/// How long a step waits before another try after a transient problem.
const RETRY_MINUTES: i64 = 10;

/// When the first step is due, counted from `now`.
pub(crate) fn first_due(now: DateTime<Utc>, step: &campaign_step::Model, time_zone: &str) -> DateTime<Utc> {
    step_due(now, step, time_zone)
}

/// `previous` plus the step's delay, moved into the step's send window in the campaign's
/// time zone.
fn step_due(previous: DateTime<Utc>, step: &campaign_step::Model, time_zone: &str) -> DateTime<Utc> {
    due_after(previous, step_delay(step), window_of(step).as_ref(), zone_of(time_zone))
}

fn window_of(step: &campaign_step::Model) -> Option<SendWindow> {
    step.send_window.as_ref().and_then(|json| serde_json::from_value::<SendWindow>(json.clone()).ok())
}

/// The campaign's zone; the API only stores valid IANA names, so UTC is a mere fallback.
fn zone_of(time_zone: &str) -> chrono_tz::Tz {
    time_zone.parse::<chrono_tz::Tz>().unwrap_or(chrono_tz::UTC)
}

pub(crate) async fn handle_step_timer(state: &mut AccountState, enrolment_id: &str) {
    if let Err(error) = fire(state, enrolment_id).await {
        tracing::error!(account = %state.account, error = %format!("{error:#}"), "a drip step could not fire");
        let retry = state.services.clock.now() + chrono::Duration::minutes(RETRY_MINUTES);
        let _ = state.services.timers.schedule(state.account, &step_timer(enrolment_id), retry).await;
    }
}

async fn fire(state: &mut AccountState, enrolment_id: &str) -> anyhow::Result<()> {
    let services = state.services.clone();
    let now = services.clock.now();
    let Some(row) = services.db.find_enrolment(state.account, enrolment_id).await? else { return Ok(()) };
    if row.state != ACTIVE {
        return Ok(());
    }
    if let Some(due) = row.next_due_at.filter(|due| *due > now) {
        return services.timers.schedule(state.account, &step_timer(enrolment_id), due).await;
    }
    let Some((campaign, steps)) = services.db.campaign_with_steps(state.account, &row.campaign_id).await? else {
        return super::stop::end(state, row, STOPPED, "campaign deleted").await;
    };
    match campaign.status.as_str() {
        // Held: resuming the campaign re-arms its enrolments' timers.
        "paused" | "draft" => return Ok(()),
        "archived" => return super::stop::end(state, row, STOPPED, "campaign archived").await,
        _ => {}
    }
    let position = row.next_step;
    let Some(step) = steps.get(position as usize).cloned() else {
        return super::stop::end(state, row, COMPLETED, "campaign shortened: no steps left").await;
    };
    // Late (the service was down, or the campaign paused): still only inside the window.
    let zone = row.time_zone.clone().unwrap_or_else(|| campaign.time_zone.clone());
    let opening = next_opening(window_of(&step).as_ref(), zone_of(&zone), now);
    if opening > now {
        return services.timers.schedule(state.account, &step_timer(enrolment_id), opening).await;
    }
    let job_id = format!("{}-{}", row.id, position);
    if outbox::load(&services, state.account, &job_id).await?.is_some() {
        // Already handed to the send path (a re-armed timer): that send will report back.
        return Ok(());
    }
    match services.db.step_message(state.account, &row.id, position).await? {
        None => render(state, row, step, None).await,
        // Claimed, never answered: a crash mid-call. Render again, but look it up in Twilio
        // before any resend.
        Some(message) if message.status == STEP_CLAIMED => render(state, row, step, Some(message.created_at)).await,
        Some(message) if message.sid_hash.is_some() => advance(state, row, &steps, &zone).await,
        Some(message) => {
            let code = message.error_code.map(|code| format!(" ({code})")).unwrap_or_default();
            let reason = format!("Twilio refused step {}{code}", position + 1);
            super::stop::end(state, row, STOPPED, &reason).await
        }
    }
}

/// Renders the step's text in a task (reading the item from monday if the text needs it).
async fn render(
    state: &mut AccountState,
    row: enrolment::Model,
    step: campaign_step::Model,
    uncertain_since: Option<DateTime<Utc>>,
) -> anyhow::Result<()> {
    let template = match Template::parse(&step.template) {
        Ok(template) => template,
        Err(error) => {
            return super::stop::end(state, row, STOPPED, &format!("step {}: {error}", step.position + 1)).await;
        }
    };
    let done = EnrolmentStep { enrolment_id: row.id.clone(), position: step.position };
    if template.fields().is_empty() {
        let body = template
            .render(&ItemFields { name: String::new(), columns: Vec::new() })
            .map_err(|error| StepProblem::End(error.to_string()));
        let _ =
            state.myself.send_message(AccountMessage::StepRendered(StepRendered { step: done, body, uncertain_since }));
        return Ok(());
    }
    let token = match monday_token::access_token(&state.services, state.account).await {
        Ok(token) => token,
        Err(AccountError::MondayUnavailable(_) | AccountError::Store(_)) => {
            let problem = Err(StepProblem::Retry);
            let _ = state.myself.send_message(AccountMessage::StepRendered(StepRendered {
                step: done,
                body: problem,
                uncertain_since,
            }));
            return Ok(());
        }
        Err(error) => return super::stop::end(state, row, STOPPED, &error.to_string()).await,
    };
    let services = state.services.clone();
    let myself = state.myself.clone();
    let item_id = row.item_id;
    tokio::spawn(async move {
        let body = match services.monday.read_item(&token, item_id, None).await {
            Ok(Some(item)) => {
                template.render(&ItemFields::from(&item)).map_err(|error| StepProblem::End(error.to_string()))
            }
            Ok(None) => Err(StepProblem::End("the item was deleted".into())),
            Err(_) => Err(StepProblem::Retry),
        };
        let _ = myself.send_message(AccountMessage::StepRendered(StepRendered { step: done, body, uncertain_since }));
    });
    Ok(())
}

pub(crate) async fn handle_step_rendered(state: &mut AccountState, rendered: StepRendered) {
    if let Err(error) = send_step(state, rendered).await {
        tracing::error!(account = %state.account, error = %format!("{error:#}"), "a rendered drip step could not be sent");
    }
}

async fn send_step(state: &mut AccountState, rendered: StepRendered) -> anyhow::Result<()> {
    let services = state.services.clone();
    let enrolment_id = rendered.step.enrolment_id.clone();
    let Some(row) = services.db.find_enrolment(state.account, &enrolment_id).await? else { return Ok(()) };
    if row.state != ACTIVE || row.next_step != rendered.step.position {
        return Ok(());
    }
    // The campaign may have been paused or archived while the text was rendered.
    let campaign =
        services.db.campaign_with_steps(state.account, &row.campaign_id).await?.map(|(campaign, _)| campaign);
    match campaign.as_ref().map(|campaign| campaign.status.as_str()) {
        Some("active") => {}
        Some("archived") | None => return super::stop::end(state, row, STOPPED, "campaign archived").await,
        Some(_) => return Ok(()),
    }
    let body = match rendered.body {
        Ok(body) => body,
        Err(StepProblem::End(reason)) => {
            let reason = format!("step {}: {reason}", rendered.step.position + 1);
            return super::stop::end(state, row, STOPPED, &reason).await;
        }
        Err(StepProblem::Retry) => return retry_step(state, &enrolment_id).await,
    };
    let Some(envelope) = open_envelope(state, &enrolment_id).await? else {
        return super::stop::end(state, row, STOPPED, "recipient details expired").await;
    };
    let order = SendOrder {
        action_key: None,
        board_id: row.board_id,
        item_id: row.item_id,
        to: PhoneNumber::from_e164(&envelope.to)?,
        sender: drip_clients::twilio::Sender::parse(&envelope.sender)?,
        credentials: envelope.credentials,
        body,
        step: Some(rendered.step),
    };
    if let Some(since) = rendered.uncertain_since {
        return look_up_before_resend(state, order, since).await;
    }
    // A safety net: should the send job vanish, the step fires again (and the message log
    // tells whether it was sent).
    let net = services.clock.now() + chrono::Duration::from_std(services.sending.job_ttl)? + chrono::Duration::hours(1);
    services.timers.schedule(state.account, &step_timer(&enrolment_id), net).await?;
    // Nobody waits for a step's answer: it comes back through `on_step_finished`.
    let (reply, _) = oneshot();
    let myself = state.myself.clone();
    handle_send(state, &myself, order, reply.into()).await;
    Ok(())
}

/// Rebuilds the step's send job as "calling since the claim" and looks it up in Twilio;
/// the send path then records it if found, or sends it if not.
async fn look_up_before_resend(state: &mut AccountState, order: SendOrder, since: DateTime<Utc>) -> anyhow::Result<()> {
    let step = order.step.clone().context("a step order names its step")?;
    let id = format!("{}-{}", step.enrolment_id, step.position);
    let job = SendJob::new(id, order, JobState::Calling { since }, state.services.clock.now());
    let services = state.services.clone();
    outbox::save(&services, state.account, &job, services.sending.job_ttl).await?;
    state.job_steps.insert(job.id.clone(), step);
    let myself = state.myself.clone();
    reconcile(state, &myself, job, since);
    Ok(())
}

async fn open_envelope(state: &AccountState, enrolment_id: &str) -> anyhow::Result<Option<RecipientEnvelope>> {
    let Some(sealed) = state.services.kv.get(&envelope_key(enrolment_id)).await? else { return Ok(None) };
    let plain = state
        .services
        .crypto
        .keyring
        .open(Purpose::Enrolment, state.account, &sealed)
        .map_err(|error| anyhow::anyhow!("an enrolment envelope does not decrypt: {error}"))?;
    Ok(Some(serde_json::from_slice(&plain)?))
}

async fn retry_step(state: &AccountState, enrolment_id: &str) -> anyhow::Result<()> {
    let retry = state.services.clock.now() + chrono::Duration::minutes(RETRY_MINUTES);
    state.services.timers.schedule(state.account, &step_timer(enrolment_id), retry).await
}

/// A step's send ended: move the enrolment on, or end it with the reason.
pub(crate) async fn on_step_finished(state: &mut AccountState, step: EnrolmentStep, outcome: &SendOutcome) {
    if let Err(error) = step_finished(state, &step, outcome).await {
        tracing::error!(account = %state.account, error = %format!("{error:#}"), "could not move an enrolment on");
    }
}

async fn step_finished(state: &mut AccountState, step: &EnrolmentStep, outcome: &SendOutcome) -> anyhow::Result<()> {
    let services = state.services.clone();
    let Some(row) = services.db.find_enrolment(state.account, &step.enrolment_id).await? else { return Ok(()) };
    if row.state != ACTIVE || row.next_step != step.position {
        return Ok(());
    }
    let failure = match outcome {
        SendOutcome::Queued => return Ok(()),
        SendOutcome::Sent { .. } => {
            let Some((campaign, steps)) = services.db.campaign_with_steps(state.account, &row.campaign_id).await?
            else {
                return super::stop::end(state, row, STOPPED, "campaign deleted").await;
            };
            let zone = row.time_zone.clone().unwrap_or(campaign.time_zone);
            return advance(state, row, &steps, &zone).await;
        }
        SendOutcome::Failed(failure) => failure,
    };
    let reason = match failure {
        SendFailure::QueueFull | SendFailure::Transient => return retry_step(state, &step.enrolment_id).await,
        SendFailure::QuotaExceeded { .. } => {
            let later = services.clock.now() + chrono::Duration::hours(1);
            return services.timers.schedule(state.account, &step_timer(&step.enrolment_id), later).await;
        }
        SendFailure::OptedOut => "recipient opted out".to_owned(),
        SendFailure::InvalidRecipient { code } => format!("Twilio: the number cannot receive SMS ({code})"),
        SendFailure::BadCredentials => "Twilio rejected the credentials".to_owned(),
        SendFailure::BadSender { code } => format!("Twilio: the sender is not usable ({code})"),
        SendFailure::Rejected { code } => format!("Twilio rejected step {} ({})", step.position + 1, code.unwrap_or(0)),
        SendFailure::Expired => format!("step {} expired in the send queue", step.position + 1),
    };
    super::stop::end(state, row, STOPPED, &reason).await
}

/// Schedules the next step, or completes the enrolment after its last.
async fn advance(
    state: &mut AccountState,
    row: enrolment::Model,
    steps: &[campaign_step::Model],
    time_zone: &str,
) -> anyhow::Result<()> {
    let services = state.services.clone();
    let now = services.clock.now();
    let next = row.next_step + 1;
    let Some(step) = steps.get(next as usize) else {
        return super::stop::end(state, row, COMPLETED, "all steps sent").await;
    };
    let due = step_due(now, step, time_zone);
    let id = row.id.clone();
    services.db.advance_enrolment(row, next, due, now).await?;
    services.timers.schedule(state.account, &step_timer(&id), due).await
}
