//! What the stand-in saw and did, kept in memory so tests can assert on the wire traffic.
//!
//! - [`RecordedRequest`]: every HTTP request the fake API received, byte for byte, including
//!   ones it rejected (bad auth, bad path).
//! - [`SentMessage`]: a typed view of each create that Twilio would have accepted (a 201, or
//!   a scripted slow 201 the client may never have seen).
//! - [`OutgoingWebhook`]: each callback or inbound webhook the stand-in posted.
//!
//! Bodies, tokens and phone numbers are stored as received: this is a test tool and never
//! sees real customer data.

use chrono::{DateTime, Utc};

/// One request received by the fake Twilio API.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    /// The path without the query, e.g. `/2010-04-01/Accounts/AC…/Messages.json`.
    pub path: String,
    /// The raw query string (still percent-encoded), when there was one.
    pub query: Option<String>,
    /// Header names in lower case, values as received (including `authorization`).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The body decoded as `application/x-www-form-urlencoded`, repeated keys kept in order.
    /// Filled whatever the content type, so a wrongly typed body is still visible.
    pub form: Vec<(String, String)>,
    pub received_at: DateTime<Utc>,
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The first form value for `key`.
    pub fn form_value(&self, key: &str) -> Option<&str> {
        self.form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Every form value for `key`, in the order sent (e.g. repeated `MediaUrl`).
    pub fn form_values(&self, key: &str) -> Vec<&str> {
        self.form.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
    }

    /// The body as UTF-8 text (lossy).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Which credential a request authenticated with (spec §1.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthKind {
    /// Username `AC…` (the Account SID), password the Auth Token.
    AuthToken,
    /// Username an API Key SID `SK…`, password its secret.
    ApiKey { key_sid: String },
}

/// A message create the stand-in accepted, as the client sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    /// The SID the stand-in assigned (`SM…`, or `MM…` when media was attached).
    pub sid: String,
    pub account_sid: String,
    pub auth: AuthKind,
    pub to: String,
    pub from: Option<String>,
    pub messaging_service_sid: Option<String>,
    pub body: Option<String>,
    pub media_urls: Vec<String>,
    pub status_callback: Option<String>,
    /// Every form pair as sent, for parameters without a typed field (e.g. `ValidityPeriod`).
    pub form: Vec<(String, String)>,
}

/// One webhook the stand-in posted (status callback, inbound SMS or a raw `post_form`).
#[derive(Debug, Clone)]
pub struct OutgoingWebhook {
    pub url: String,
    pub params: Vec<(String, String)>,
    /// The `X-Twilio-Signature` header sent, if any.
    pub signature: Option<String>,
    /// The receiver's HTTP status, or `None` when the request failed to complete.
    pub response_status: Option<u16>,
}
