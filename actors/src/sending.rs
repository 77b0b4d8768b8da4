//! Sending one SMS, owned by the account actor: checks, pacing, the durable job, the
//! Twilio call, and recording what happened.
//!
//! Order of a send, and why:
//! 1. Idempotency: a monday `actionUuid` is claimed in the Db before anything else, so a
//!    retry or a concurrent copy joins the first delivery instead of sending again.
//! 2. Opt-out and quota checks, then a pace slot for the sender.
//! 3. The job is sealed into the Kv with its timer *before* Twilio is called, so nothing
//!    accepted is lost on a crash.
//! 4. The Twilio call runs in its own task and reports back as a message, so one slow call
//!    never stalls the account's mailbox (or any other account).
//! 5. The answer is recorded: the message log (hashed numbers and SID, no body), the
//!    conversation session for replies, and the idempotent response.

mod finish;
mod metrics;
mod outcome;
mod settings;
mod start;

pub use metrics::SendMetrics;
pub use outcome::{SendFailure, SendOutcome};
pub use settings::{Quotas, SendSettings, SenderRates};
pub use start::SendOrder;

pub(crate) use finish::{CallResult, handle_call_result};
pub(crate) use start::{handle_send, handle_send_timer, reconcile};

/// The idempotency scope of monday action runs.
pub const ACTION_SCOPE: &str = "monday-action";
