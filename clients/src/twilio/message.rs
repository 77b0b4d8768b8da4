//! The Message resource Twilio returns from create, fetch and list (spec §1.3).
//!
//! The model is deliberately forgiving. A message Twilio accepted must never look like an
//! error because one field surprised us: that invites a resend and a duplicate text (spec §9
//! shows a crate failing exactly so). So nearly every field is optional, counts and prices
//! stay strings as Twilio sends them, dates stay RFC 2822 text with parsing helpers, unknown
//! fields are ignored and unknown enum values become `Unknown`.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::ids::MessageSid;
use super::status::MessageStatus;

/// `direction` of a message (spec §1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MessageDirection {
    Inbound,
    OutboundApi,
    OutboundCall,
    OutboundReply,
    #[serde(other)]
    Unknown,
}

/// `api.v2010.account.message`, typed as Twilio types it.
///
/// `Debug` omits the numbers, the body and Twilio's error text: they are personal data.
#[derive(Clone, PartialEq, Deserialize)]
pub struct MessageResource {
    #[serde(default)]
    pub sid: Option<String>,
    #[serde(default)]
    pub account_sid: Option<String>,
    #[serde(default)]
    pub messaging_service_sid: Option<String>,
    #[serde(default)]
    pub api_version: Option<String>,
    #[serde(default, deserialize_with = "status_or_unknown")]
    pub status: MessageStatus,
    #[serde(default)]
    pub direction: Option<MessageDirection>,
    /// E.164 or a channel address. Personal data: never log.
    #[serde(default)]
    pub to: Option<String>,
    /// Null at creation for a Messaging Service send (no sender chosen yet).
    #[serde(default)]
    pub from: Option<String>,
    /// Personal data: never log.
    #[serde(default)]
    pub body: Option<String>,
    /// A string, e.g. `"1"`; `"0"` while a Messaging Service has not picked a sender.
    #[serde(default, deserialize_with = "lenient_string")]
    pub num_segments: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub num_media: Option<String>,
    /// A string such as `"-0.00790"`; null until the message is billed.
    #[serde(default, deserialize_with = "lenient_string")]
    pub price: Option<String>,
    #[serde(default)]
    pub price_unit: Option<String>,
    /// Set when `failed`/`undelivered`, e.g. 30003 (classify with [`super::classify_code`]).
    #[serde(default, deserialize_with = "lenient_code")]
    pub error_code: Option<i64>,
    /// Twilio's text for `error_code`; it may quote the number, so never log it.
    #[serde(default)]
    pub error_message: Option<String>,
    /// RFC 2822 in GMT, e.g. `Thu, 24 Aug 2023 05:01:45 +0000`.
    #[serde(default)]
    pub date_created: Option<String>,
    #[serde(default)]
    pub date_sent: Option<String>,
    #[serde(default)]
    pub date_updated: Option<String>,
    #[serde(default)]
    pub uri: Option<String>,
    #[serde(default)]
    pub subresource_uris: Option<Value>,
}

impl MessageResource {
    /// The SID, when Twilio sent a well-formed one.
    pub fn message_sid(&self) -> Option<MessageSid> {
        self.sid.as_deref().and_then(|s| MessageSid::parse(s).ok())
    }

    /// `num_segments` as a number; `None` when absent or not numeric.
    pub fn segment_count(&self) -> Option<u32> {
        self.num_segments.as_deref()?.trim().parse().ok()
    }

    pub fn media_count(&self) -> Option<u32> {
        self.num_media.as_deref()?.trim().parse().ok()
    }

    pub fn created_at(&self) -> Option<DateTime<Utc>> {
        parse_rfc2822(self.date_created.as_deref()?)
    }

    pub fn sent_at(&self) -> Option<DateTime<Utc>> {
        parse_rfc2822(self.date_sent.as_deref()?)
    }

    pub fn updated_at(&self) -> Option<DateTime<Utc>> {
        parse_rfc2822(self.date_updated.as_deref()?)
    }
}

impl fmt::Debug for MessageResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageResource")
            .field("sid", &self.sid)
            .field("messaging_service_sid", &self.messaging_service_sid)
            .field("status", &self.status)
            .field("direction", &self.direction)
            .field("num_segments", &self.num_segments)
            .field("num_media", &self.num_media)
            .field("error_code", &self.error_code)
            .field("date_created", &self.date_created)
            .finish_non_exhaustive()
    }
}

fn parse_rfc2822(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(text).ok().map(|at| at.with_timezone(&Utc))
}

/// Null (OAI marks it nullable) reads as `Unknown` rather than failing the whole resource.
fn status_or_unknown<'de, D: Deserializer<'de>>(d: D) -> Result<MessageStatus, D::Error> {
    Ok(Option::<MessageStatus>::deserialize(d)?.unwrap_or_default())
}

/// A string as Twilio sends it, or a number should it ever send one.
fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(text) => Some(text),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    })
}

/// An integer as Twilio sends it, or a numeric string should it ever send one.
fn lenient_code<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spec §1.3, byte for byte.
    const SPEC_CREATE_EXAMPLE: &str = r#"{"account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","api_version":"2010-04-01","body":"Hello! 👍",
 "date_created":"Thu, 24 Aug 2023 05:01:45 +0000","date_sent":"Thu, 24 Aug 2023 05:01:45 +0000",
 "date_updated":"Thu, 24 Aug 2023 05:01:45 +0000","direction":"outbound-api","error_code":null,
 "error_message":null,"from":"+14155552345","num_media":"0","num_segments":"1","price":null,"price_unit":null,
 "messaging_service_sid":"MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","sid":"SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
 "status":"queued","subresource_uris":{"media":"/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages/SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Media.json"},
 "to":"+14155552345","uri":"/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages/SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json"}"#;

    #[test]
    fn the_spec_create_example_deserialises_with_twilio_typing() {
        let message: MessageResource = serde_json::from_str(SPEC_CREATE_EXAMPLE).unwrap();
        assert_eq!(message.message_sid().unwrap().as_str(), "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        assert_eq!(message.status, MessageStatus::Queued);
        assert_eq!(message.direction, Some(MessageDirection::OutboundApi));
        assert_eq!(message.num_segments.as_deref(), Some("1"));
        assert_eq!(message.segment_count(), Some(1));
        assert_eq!(message.media_count(), Some(0));
        assert_eq!(message.price, None);
        assert_eq!(message.price_unit, None);
        assert_eq!(message.error_code, None);
        assert_eq!(message.body.as_deref(), Some("Hello! 👍"));
        let created = message.created_at().unwrap();
        assert_eq!(created.to_rfc3339(), "2023-08-24T05:01:45+00:00");
    }

    #[test]
    fn an_accepted_service_send_with_no_sender_yet_deserialises() {
        let body = r#"{"sid":"SM0123456789abcdef0123456789abcdef","status":"accepted",
            "from":null,"num_segments":"0","messaging_service_sid":"MG0123456789abcdef0123456789abcdef",
            "date_sent":null,"price":null,"tags":{"campaign":"x"},"brand_new_field":[1,2]}"#;
        let message: MessageResource = serde_json::from_str(body).unwrap();
        assert_eq!(message.status, MessageStatus::Accepted);
        assert_eq!(message.from, None);
        assert_eq!(message.segment_count(), Some(0));
        assert_eq!(message.sent_at(), None);
    }

    #[test]
    fn surprising_values_do_not_fail_the_resource() {
        let body = r#"{"status":"teleported","direction":"sideways","num_segments":2,
            "error_code":"30003","price":-0.0079}"#;
        let message: MessageResource = serde_json::from_str(body).unwrap();
        assert_eq!(message.status, MessageStatus::Unknown);
        assert_eq!(message.direction, Some(MessageDirection::Unknown));
        assert_eq!(message.segment_count(), Some(2));
        assert_eq!(message.error_code, Some(30003));
        assert_eq!(message.price.as_deref(), Some("-0.0079"));
        let null_status: MessageResource = serde_json::from_str(r#"{"status":null}"#).unwrap();
        assert_eq!(null_status.status, MessageStatus::Unknown);
    }

    #[test]
    fn debug_leaves_out_numbers_and_the_body() {
        let message: MessageResource = serde_json::from_str(SPEC_CREATE_EXAMPLE).unwrap();
        let debug = format!("{message:?}");
        assert!(!debug.contains("4155552345"), "{debug}");
        assert!(!debug.contains("Hello"), "{debug}");
    }
}
