//! Enrolling an item in a campaign (the Sequence Starter action).

use std::time::Duration;

use drip_clients::twilio::{Sender, TwilioCredentials};
use drip_domain::PhoneNumber;
use drip_domain::crypto::Purpose;
use drip_store::db::enrolments::{NewEnrolment, STOPPED};
use drip_store::db::idempotency::ClaimOutcome;
use ractor::RpcReplyPort;
use serde::{Deserialize, Serialize};

use super::step::first_due;
use super::{RecipientEnvelope, envelope_key, step_timer};
use crate::account::AccountState;
use crate::sending::ACTION_SCOPE;

pub struct EnrolOrder {
    pub action_key: Option<String>,
    pub campaign_id: String,
    pub board_id: i64,
    pub item_id: i64,
    pub to: PhoneNumber,
    pub sender: Sender,
    pub credentials: TwilioCredentials,
    /// The item's own zone (IANA name), when the recipe maps a time-zone column.
    pub time_zone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum EnrolOutcome {
    Enrolled {
        enrolment_id: String,
    },
    /// The item already runs this campaign and the campaign says to ignore re-enrolment.
    AlreadyEnrolled {
        enrolment_id: String,
    },
    /// The item ran this campaign; it starts again from the first step.
    Restarted {
        enrolment_id: String,
    },
    Failed(EnrolFailure),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum EnrolFailure {
    CampaignNotFound,
    CampaignNotActive { status: String },
    NoSteps,
    OptedOut,
    Transient,
}

/// How long an envelope outlives the campaign's scheduled length, for send windows and
/// queues to play out.
const ENVELOPE_MARGIN: Duration = Duration::from_secs(14 * 24 * 3600);

pub(crate) async fn handle_enrol(state: &mut AccountState, order: EnrolOrder, reply: RpcReplyPort<EnrolOutcome>) {
    let outcome = match earlier_answer(state, order.action_key.as_deref()).await {
        Ok(Some(answer)) => answer,
        Ok(None) => enrol(state, &order).await.unwrap_or_else(|error| {
            tracing::error!(account = %state.account, error = %format!("{error:#}"), "enrolment failed");
            EnrolOutcome::Failed(EnrolFailure::Transient)
        }),
        Err(_) => EnrolOutcome::Failed(EnrolFailure::Transient),
    };
    if let Some(key) = &order.action_key {
        let db = &state.services.db;
        let stored = match &outcome {
            EnrolOutcome::Failed(EnrolFailure::Transient) => db.release_claim(state.account, ACTION_SCOPE, key).await,
            answer => match serde_json::to_value(answer) {
                Ok(value) => db.save_claim_response(state.account, ACTION_SCOPE, key, 200, value).await,
                Err(error) => Err(error.into()),
            },
        };
        if let Err(error) = stored {
            tracing::error!(account = %state.account, error = %format!("{error:#}"), "could not store an enrolment answer");
        }
    }
    let _ = reply.send(outcome);
}

/// The stored answer of an earlier delivery of the same action, after claiming it.
async fn earlier_answer(state: &AccountState, key: Option<&str>) -> anyhow::Result<Option<EnrolOutcome>> {
    let Some(key) = key else { return Ok(None) };
    let db = &state.services.db;
    let now = state.services.clock.now();
    if db.claim(state.account, ACTION_SCOPE, key, now, now + chrono::Duration::days(2)).await? == ClaimOutcome::Claimed
    {
        return Ok(None);
    }
    // Handled in this actor's mailbox, so an unanswered claim can only be a crash mid-way:
    // enrolling again is safe because the enrolment itself is unique per item and campaign.
    let answer = db.find_claim(state.account, ACTION_SCOPE, key).await?.and_then(|claim| claim.response);
    Ok(answer.map(serde_json::from_value).transpose()?)
}

async fn enrol(state: &mut AccountState, order: &EnrolOrder) -> anyhow::Result<EnrolOutcome> {
    let services = state.services.clone();
    let now = services.clock.now();
    let Some((campaign, steps)) = services.db.campaign_with_steps(state.account, &order.campaign_id).await? else {
        return Ok(EnrolOutcome::Failed(EnrolFailure::CampaignNotFound));
    };
    if campaign.status != "active" {
        return Ok(EnrolOutcome::Failed(EnrolFailure::CampaignNotActive { status: campaign.status }));
    }
    let Some(first) = steps.first() else { return Ok(EnrolOutcome::Failed(EnrolFailure::NoSteps)) };
    let opt_out = services.crypto.hasher.opt_out(order.credentials.account_sid.as_str(), &order.to).to_hex();
    if services.db.is_opted_out(state.account, &opt_out).await? {
        return Ok(EnrolOutcome::Failed(EnrolFailure::OptedOut));
    }
    let mut restarted = false;
    if let Some(existing) = services.db.active_enrolment(state.account, &campaign.id, order.item_id).await? {
        if campaign.on_reenrol != "restart" {
            return Ok(EnrolOutcome::AlreadyEnrolled { enrolment_id: existing.id });
        }
        super::stop::end(state, existing, STOPPED, "restarted by a new enrolment").await?;
        restarted = true;
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    let zone = order.time_zone.as_deref().unwrap_or(&campaign.time_zone);
    let due = first_due(now, first, zone);
    let envelope = RecipientEnvelope {
        to: order.to.as_e164().to_owned(),
        sender: order.sender.as_str().to_owned(),
        credentials: order.credentials.clone(),
    };
    let length: i64 = steps.iter().map(|step| step.delay_seconds.max(0)).sum();
    let ttl = Duration::from_secs(length as u64) + ENVELOPE_MARGIN;
    let sealed = services.crypto.keyring.seal(Purpose::Enrolment, state.account, &serde_json::to_vec(&envelope)?);
    services.kv.put(state.account, &envelope_key(&id), &sealed, Some(ttl)).await?;
    let row = NewEnrolment {
        id: id.clone(),
        campaign_id: campaign.id.clone(),
        board_id: order.board_id,
        item_id: order.item_id,
        recipient_hash: services.crypto.hasher.phone(&order.to).to_hex(),
        opt_out_hash: opt_out,
        next_due_at: due,
        time_zone: order.time_zone.clone(),
    };
    services.db.insert_enrolment(state.account, row, now).await?;
    services.timers.schedule(state.account, &step_timer(&id), due).await?;
    Ok(if restarted {
        EnrolOutcome::Restarted { enrolment_id: id }
    } else {
        EnrolOutcome::Enrolled { enrolment_id: id }
    })
}
