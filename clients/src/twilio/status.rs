//! [`MessageStatus`]: the 13 statuses a message goes through (spec §2) and the forward-only
//! order that keeps out-of-order and duplicate status callbacks from moving a message back.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The 13 statuses of OAI `message_enum_status`, plus `Unknown` for anything newer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    Queued,
    Sending,
    Sent,
    Failed,
    Delivered,
    Undelivered,
    Receiving,
    Received,
    Accepted,
    Scheduled,
    Read,
    PartiallyDelivered,
    Canceled,
    #[default]
    #[serde(other)]
    Unknown,
}

impl MessageStatus {
    /// Reads a status as Twilio spells it (`MessageStatus`/`SmsStatus` in callbacks);
    /// anything unrecognised is `Unknown`.
    pub fn parse(text: &str) -> Self {
        serde_json::from_value(Value::String(text.to_owned())).unwrap_or(Self::Unknown)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Delivered => "delivered",
            Self::Undelivered => "undelivered",
            Self::Receiving => "receiving",
            Self::Received => "received",
            Self::Accepted => "accepted",
            Self::Scheduled => "scheduled",
            Self::Read => "read",
            Self::PartiallyDelivered => "partially_delivered",
            Self::Canceled => "canceled",
            Self::Unknown => "unknown",
        }
    }

    /// Position in the forward-only order of spec §2:
    /// `accepted/scheduled < queued < sending < sent < partially_delivered
    /// < {delivered, undelivered, failed, canceled} < read`.
    ///
    /// Callbacks arrive out of order and twice, so store a new status only when its rank is
    /// higher ([`Self::moves_forward_from`]). `Unknown` ranks lowest: it never overwrites a
    /// known status. Inbound `receiving < received` share the scale.
    pub fn rank(self) -> u8 {
        match self {
            Self::Unknown => 0,
            Self::Accepted | Self::Scheduled => 1,
            Self::Queued | Self::Receiving => 2,
            Self::Sending => 3,
            Self::Sent => 4,
            // Undocumented (spec §2, UNCONFIRMED): read as "some parts arrived", so it may
            // still become delivered or undelivered.
            Self::PartiallyDelivered => 5,
            Self::Delivered | Self::Undelivered | Self::Failed | Self::Canceled | Self::Received => 6,
            Self::Read => 7,
        }
    }

    /// Whether the message's fate is settled. A late `sent` must never replace one of these.
    /// Only `read` (WhatsApp) can still follow `delivered`.
    pub fn is_terminal(self) -> bool {
        self.rank() >= Self::Delivered.rank()
    }

    /// Whether a callback reporting `self` should replace the stored `current` status.
    pub fn moves_forward_from(self, current: Self) -> bool {
        self.rank() > current.rank()
    }

    /// `failed` (never left Twilio, not billed) or `undelivered` (carrier refused, billed).
    pub fn is_failure(self) -> bool {
        matches!(self, Self::Failed | Self::Undelivered)
    }
}

impl fmt::Display for MessageStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_thirteen_statuses_parse_and_print_back() {
        let names = [
            "queued",
            "sending",
            "sent",
            "failed",
            "delivered",
            "undelivered",
            "receiving",
            "received",
            "accepted",
            "scheduled",
            "read",
            "partially_delivered",
            "canceled",
        ];
        for name in names {
            let status = MessageStatus::parse(name);
            assert_ne!(status, MessageStatus::Unknown, "{name}");
            assert_eq!(status.as_str(), name);
        }
        assert_eq!(MessageStatus::parse("SENT"), MessageStatus::Unknown);
    }

    #[test]
    fn statuses_only_move_forward() {
        use MessageStatus::*;
        let chain = [Accepted, Queued, Sending, Sent, Delivered, Read];
        for pair in chain.windows(2) {
            assert!(pair[1].moves_forward_from(pair[0]), "{pair:?}");
            assert!(!pair[0].moves_forward_from(pair[1]), "{pair:?}");
        }
        assert_eq!(Scheduled.rank(), Accepted.rank());
        assert!(!Sent.moves_forward_from(Delivered));
        assert!(!Undelivered.moves_forward_from(Delivered));
        assert!(!Delivered.moves_forward_from(Failed));
        assert!(PartiallyDelivered.moves_forward_from(Sent));
        assert!(Delivered.moves_forward_from(PartiallyDelivered));
        assert!(!Unknown.moves_forward_from(Queued));
        assert!(Queued.moves_forward_from(Unknown));
        assert!(Received.moves_forward_from(Receiving));
    }

    #[test]
    fn terminal_statuses_are_the_settled_ones() {
        use MessageStatus::*;
        for status in [Delivered, Undelivered, Failed, Read, Canceled, Received] {
            assert!(status.is_terminal(), "{status}");
        }
        for status in [Accepted, Scheduled, Queued, Sending, Sent, PartiallyDelivered, Receiving, Unknown] {
            assert!(!status.is_terminal(), "{status}");
        }
    }
}
