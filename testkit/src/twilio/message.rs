//! The Message resource the stand-in keeps (`api.v2010.account.message`, spec §1.3) and its
//! JSON form.
//!
//! The JSON copies Twilio's typing, because that is what clients get wrong: `num_segments`,
//! `num_media` and `price` are strings, `error_code` is an integer or null, dates are RFC 2822
//! in GMT, and `price`/`price_unit` stay null (the stand-in never bills).

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// The 13 message statuses of OAI `message_enum_status` (spec §2).
pub const STATUSES: [&str; 13] = [
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

pub(crate) const API_VERSION: &str = "2010-04-01";

/// One message as the stand-in's Messages resource holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub sid: String,
    pub account_sid: String,
    /// `outbound-api` for creates, `inbound` for messages posted with `send_inbound`.
    pub direction: String,
    pub to: String,
    /// The sender as the resource shows it: null in the create answer of a Messaging Service
    /// send (no sender picked yet), filled once the message leaves `accepted`.
    pub from: Option<String>,
    pub messaging_service_sid: Option<String>,
    pub body: String,
    pub media_urls: Vec<String>,
    pub status: String,
    pub error_code: Option<u32>,
    /// As the resource shows it: `0` while a Messaging Service send is `accepted`.
    pub num_segments: u32,
    pub status_callback: Option<String>,
    pub date_created: DateTime<Utc>,
    pub date_updated: DateTime<Utc>,
    pub date_sent: Option<DateTime<Utc>>,
    /// The sender a Messaging Service will use once the message is dequeued.
    pub(crate) pool_sender: Option<String>,
    /// The real segment count, shown once the message leaves `accepted`.
    pub(crate) computed_segments: u32,
}

impl Message {
    /// `/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json`.
    pub fn uri(&self) -> String {
        format!("{}.json", self.base_uri())
    }

    fn base_uri(&self) -> String {
        format!("/{API_VERSION}/Accounts/{}/Messages/{}", self.account_sid, self.sid)
    }

    /// The sender a status callback reports: the `From` given, else the pool's pick.
    pub fn effective_from(&self) -> Option<&str> {
        self.from.as_deref().or(self.pool_sender.as_deref())
    }

    /// Moves the message to `status`. Leaving `accepted`/`scheduled` fills in `from` and
    /// `num_segments`, as Twilio does once a Messaging Service has picked a sender.
    pub(crate) fn set_status(&mut self, status: &str, error_code: Option<u32>, now: DateTime<Utc>) {
        assert!(STATUSES.contains(&status), "unknown Twilio message status {status:?}");
        if !matches!(status, "accepted" | "scheduled") {
            self.from = self.from.take().or_else(|| self.pool_sender.clone());
            self.num_segments = self.computed_segments;
        }
        self.status = status.to_owned();
        self.error_code = error_code;
        self.date_updated = now;
    }

    /// The resource as Twilio's JSON.
    pub fn to_json(&self) -> Value {
        json!({
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": self.body,
            "date_created": rfc2822(self.date_created),
            "date_sent": self.date_sent.map(rfc2822),
            "date_updated": rfc2822(self.date_updated),
            "direction": self.direction,
            "error_code": self.error_code,
            "error_message": Value::Null,
            "from": self.from,
            "messaging_service_sid": self.messaging_service_sid,
            "num_media": self.media_urls.len().to_string(),
            "num_segments": self.num_segments.to_string(),
            "price": Value::Null,
            "price_unit": Value::Null,
            "sid": self.sid,
            "status": self.status,
            "subresource_uris": { "media": format!("{}/Media.json", self.base_uri()) },
            "to": self.to,
            "uri": self.uri(),
        })
    }
}

/// Twilio's date format: RFC 2822 in GMT, e.g. `Thu, 24 Aug 2023 05:01:45 +0000`.
pub fn rfc2822(at: DateTime<Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

/// A new resource SID: the two-letter prefix and 32 lower-case hex digits, like Twilio's.
pub fn new_sid(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::new_v4().simple())
}
