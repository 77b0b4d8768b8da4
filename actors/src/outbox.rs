//! The durable send queue: each accepted SMS is a *job*, sealed in the Kv, with a timer in
//! the Kv's due-time queue saying when it may go.
//!
//! A job holds what the send needs and nothing may keep: the recipient, the rendered body
//! and the Twilio credentials. It is sealed with AES-256-SIV under the account, lives no
//! longer than its TTL, and is deleted as soon as Twilio answers. Because both the job and
//! its timer are in the Kv, a send accepted before a crash or restart still goes out after
//! it.
//!
//! A job's state says whether Twilio may already have it: `Calling` is written *before*
//! the request, with a watchdog timer. If the process dies mid-call the watchdog fires
//! after the restart and the job is reconciled by looking the message up in Twilio
//! instead of being sent again.

use std::time::Duration;

use chrono::{DateTime, Utc};
use drip_clients::twilio::TwilioCredentials;
use drip_domain::AccountId;
use drip_domain::crypto::Purpose;
use serde::{Deserialize, Serialize};

use crate::services::AccountServices;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for its pace slot (or a retry).
    Queued,
    /// A request to Twilio started at this time and has not been answered yet.
    Calling { since: DateTime<Utc> },
}

/// One accepted SMS on its way to Twilio.
#[derive(Clone, Serialize, Deserialize)]
pub struct SendJob {
    pub id: String,
    /// The keyed hash of the monday `actionUuid` this job answers, if any.
    pub action_key: Option<String>,
    pub board_id: i64,
    pub item_id: i64,
    /// E.164.
    pub to: String,
    pub sender: String,
    pub credentials: TwilioCredentials,
    pub body: String,
    pub segments: u32,
    pub encoding: String,
    pub state: JobState,
    pub attempts: u32,
    pub accepted_at: DateTime<Utc>,
    /// The drip step this send is, if any: its outcome moves the enrolment on.
    #[serde(default)]
    pub step: Option<EnrolmentStep>,
}

/// Which step of which enrolment a send carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolmentStep {
    pub enrolment_id: String,
    pub position: i32,
}

impl std::fmt::Debug for SendJob {
    // Only ids and state: the job holds a number, a body and credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SendJob").field("id", &self.id).field("state", &self.state).finish_non_exhaustive()
    }
}

impl SendJob {
    /// A job for `order`, in `state`, with the body's segment count and encoding.
    pub(crate) fn new(id: String, order: crate::sending::SendOrder, state: JobState, now: DateTime<Utc>) -> Self {
        let info = drip_domain::sms::segment_info(&order.body);
        Self {
            id,
            action_key: order.action_key,
            board_id: order.board_id,
            item_id: order.item_id,
            to: order.to.as_e164().to_owned(),
            sender: order.sender.as_str().to_owned(),
            credentials: order.credentials,
            body: order.body,
            segments: info.segments,
            encoding: info.encoding.to_string(),
            state,
            attempts: 0,
            accepted_at: now,
            step: order.step,
        }
    }
}

/// The Kv key of a job, and the name of its timer.
pub fn job_key(id: &str) -> String {
    format!("send-job/{id}")
}

pub fn timer_name(id: &str) -> String {
    format!("send/{id}")
}

/// The job id a timer name refers to, if it is a send timer.
pub fn job_of_timer(timer: &str) -> Option<&str> {
    timer.strip_prefix("send/")
}

pub async fn save(services: &AccountServices, account: AccountId, job: &SendJob, ttl: Duration) -> anyhow::Result<()> {
    let plain = serde_json::to_vec(job)?;
    let sealed = services.crypto.keyring.seal(Purpose::SendJob, account, &plain);
    services.kv.put(account, &job_key(&job.id), &sealed, Some(ttl)).await?;
    Ok(())
}

pub async fn load(services: &AccountServices, account: AccountId, id: &str) -> anyhow::Result<Option<SendJob>> {
    let Some(sealed) = services.kv.get(&job_key(id)).await? else { return Ok(None) };
    let plain = services
        .crypto
        .keyring
        .open(Purpose::SendJob, account, &sealed)
        .map_err(|error| anyhow::anyhow!("a send job does not decrypt: {error}"))?;
    Ok(Some(serde_json::from_slice(&plain)?))
}

/// Deletes the job and its timer.
pub async fn remove(services: &AccountServices, account: AccountId, id: &str) -> anyhow::Result<()> {
    services.kv.delete(&job_key(id)).await?;
    services.timers.cancel(account, &timer_name(id)).await?;
    Ok(())
}
