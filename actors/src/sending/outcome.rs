//! What became of a send, as the account actor reports it and as it is stored for
//! repeated deliveries of the same monday action.

use serde::{Deserialize, Serialize};

/// The outcome of one send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum SendOutcome {
    /// Twilio accepted the message. The SID goes back to monday but is never stored in
    /// plain text: a stored outcome (for a repeated delivery) carries none.
    Sent {
        message_sid: Option<String>,
        status: String,
        segments: u32,
    },
    /// Accepted into the durable queue; it goes out when its sender's pace allows.
    Queued,
    Failed(SendFailure),
}

/// Why a send did not happen. Each variant is something a monday user can act on, or a
/// transient state monday should retry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum SendFailure {
    /// The recipient opted out of this Twilio account (STOP, or Twilio's 21610).
    OptedOut,
    /// Twilio says the number cannot receive SMS (21211, 21614, 30003-30006 …).
    InvalidRecipient { code: i64 },
    /// The Twilio credentials were rejected (20003): the automation should stop.
    BadCredentials,
    /// The sender is not usable with these credentials (21606, 21659, 21660 …).
    BadSender { code: i64 },
    /// Twilio refused the message for another reason that will not go away by retrying.
    Rejected { code: Option<i64> },
    /// The account used its plan's monthly messages.
    QuotaExceeded { limit: u64 },
    /// Too many sends already waiting for this account: retry later.
    QueueFull,
    /// Twilio or the network failed; nothing was sent. Retry later.
    Transient,
    /// The send waited in the queue past its lifetime and was dropped.
    Expired,
}

impl SendFailure {
    /// A short label for metrics.
    pub fn label(&self) -> &'static str {
        match self {
            Self::OptedOut => "opted_out",
            Self::InvalidRecipient { .. } => "invalid_recipient",
            Self::BadCredentials => "bad_credentials",
            Self::BadSender { .. } => "bad_sender",
            Self::Rejected { .. } => "rejected",
            Self::QuotaExceeded { .. } => "quota_exceeded",
            Self::QueueFull => "queue_full",
            Self::Transient => "transient",
            Self::Expired => "expired",
        }
    }

    /// Whether a later retry of the same action may succeed (the claim is released).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::QueueFull | Self::Transient)
    }
}
