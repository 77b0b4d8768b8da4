//! Drip campaigns, owned by the account actor: enrolling items, firing their steps from
//! durable timers, moving them on when a step's send ends, and stopping them.
//!
//! Where things live: the enrolment row (Db) holds the campaign, item, the *hash* of the
//! recipient, the next step and its due time; it is the source of truth for what is due.
//! The recipient's number, the sender and the Twilio credentials live in a sealed Kv
//! envelope for as long as the enrolment runs, and are deleted when it ends. A Kv timer
//! `step/<enrolment>` wakes the account when the step is due.
//!
//! A step is sent through the same durable send path as Send One Message, under the job id
//! `<enrolment>-<position>`, so a step that fires twice (a restart, a re-armed timer) joins
//! the first send instead of sending again; the message log's unique (enrolment, step)
//! pair is the last guard.

mod enrol;
mod step;
mod stop;

pub use enrol::{EnrolFailure, EnrolOrder, EnrolOutcome};
pub use step::StepRendered;
pub use stop::{StopOrder, StopReason};

pub(crate) use enrol::handle_enrol;
pub(crate) use step::{handle_step_rendered, handle_step_timer, on_step_finished};
pub(crate) use stop::{end as end_enrolment, handle_campaign_changed, handle_stop, stop_item};

/// The Kv key of an enrolment's envelope, and the name of its step timer.
pub fn envelope_key(enrolment_id: &str) -> String {
    format!("enrolment/{enrolment_id}")
}

pub fn step_timer(enrolment_id: &str) -> String {
    format!("step/{enrolment_id}")
}

pub fn enrolment_of_timer(timer: &str) -> Option<&str> {
    timer.strip_prefix("step/")
}

/// What an enrolment's envelope holds (sealed under the account, purpose `Enrolment`).
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct RecipientEnvelope {
    /// E.164.
    pub to: String,
    pub sender: String,
    pub credentials: drip_clients::twilio::TwilioCredentials,
}
