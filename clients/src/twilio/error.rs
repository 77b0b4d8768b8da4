//! What can go wrong talking to Twilio, and what the caller should do about it (spec §1.4,
//! §1.5).
//!
//! [`TwilioError`] says what happened; its [`ErrorClass`] (from `classify`) says what to do
//! next. No variant holds a credential, and `Display` shows only codes and statuses:
//! Twilio's own message text may quote the recipient's number (21211 does), so it sits
//! behind [`ApiMessage`], whose `Debug` is redacted, and is reachable only through
//! [`TwilioError::api_message`].

use std::fmt;
use std::time::Duration;

use serde_json::Value;

use super::classify::{ErrorClass, NOT_FOUND, OPTED_OUT, QUEUE_FULL, TOO_MANY_REQUESTS, class_for_status, known_class};

/// Longest Twilio message text kept; enough for any real one, bounded for HTML pages.
const MAX_MESSAGE_CHARS: usize = 500;

/// Twilio's human-readable error text. It may contain a phone number, so `Debug` shows
/// only its length; read it with [`TwilioError::api_message`] and never log it.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct ApiMessage(String);

impl ApiMessage {
    pub fn new(text: impl Into<String>) -> Self {
        Self(truncate(&text.into()))
    }
}

impl fmt::Debug for ApiMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiMessage([REDACTED; {} chars])", self.0.chars().count())
    }
}

/// A failed Twilio call.
#[derive(Debug, thiserror::Error)]
pub enum TwilioError {
    /// Twilio answered with an error status. `code` is the Twilio error code when the body
    /// carried one (legacy `{code,message,more_info,status}` or RFC 9457 shape).
    #[error("Twilio error {} (HTTP {status})", code_text(*code))]
    Api {
        code: Option<i64>,
        status: u16,
        message: ApiMessage,
        more_info: Option<String>,
        /// The `Retry-After` header, when Twilio sent one.
        retry_after: Option<Duration>,
    },
    /// No complete answer in time. Twilio may or may not have processed the request: look
    /// the message up ([`super::TwilioClient::find_message`]) before sending again.
    #[error("Twilio did not answer in time; the request may have been processed")]
    Timeout,
    /// Twilio was never reached (connection refused, DNS, TLS, connect timeout). Nothing
    /// was sent; retrying later is safe.
    #[error("could not connect to Twilio ({detail}); nothing was sent")]
    Transport { detail: String },
    /// An answer we cannot read (a 2xx that is not a Message resource, a connection broken
    /// after the request went out) or a request we could not build. A send may have
    /// happened: check [`TwilioError::may_have_been_sent`].
    #[error("unexpected Twilio response (HTTP {}): {detail}", status_text(*status))]
    Unexpected { status: Option<u16>, detail: String },
}

impl TwilioError {
    /// What to do next: the code table of spec §1.5 when the code is known, otherwise the
    /// HTTP status (5xx/429 retry, 401/403 fix configuration, other 4xx permanent).
    /// Timeouts, transport and unreadable answers are `RetryLater`.
    pub fn class(&self) -> ErrorClass {
        match self {
            Self::Api { code, status, .. } => code.and_then(known_class).unwrap_or_else(|| class_for_status(*status)),
            Self::Timeout | Self::Transport { .. } | Self::Unexpected { .. } => ErrorClass::RetryLater,
        }
    }

    /// Twilio's error code, if it sent one.
    pub fn code(&self) -> Option<i64> {
        match self {
            Self::Api { code, .. } => *code,
            _ => None,
        }
    }

    /// The HTTP status of Twilio's answer, if there was one.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } => Some(*status),
            Self::Unexpected { status, .. } => *status,
            Self::Timeout | Self::Transport { .. } => None,
        }
    }

    /// Twilio's message text. **May contain a phone number: never log it**, and show it
    /// only to the account's own admin. Branch on [`Self::code`], not on this text.
    pub fn api_message(&self) -> Option<&str> {
        match self {
            Self::Api { message, .. } => Some(message.0.as_str()),
            _ => None,
        }
    }

    /// Twilio's documentation link for the code.
    pub fn more_info(&self) -> Option<&str> {
        match self {
            Self::Api { more_info, .. } => more_info.as_deref(),
            _ => None,
        }
    }

    /// How long Twilio asked us to wait, when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// 21610: the recipient replied STOP. Mark the contact opted out for this sender.
    pub fn is_opt_out(&self) -> bool {
        self.code() == Some(OPTED_OUT)
    }

    /// 20429 (too many concurrent requests) or 21611 (sender queue full): slow down.
    pub fn is_rate_limited(&self) -> bool {
        matches!(self.code(), Some(TOO_MANY_REQUESTS | QUEUE_FULL))
    }

    /// A 404 / 20404: the message (or the account path) does not exist.
    pub fn is_not_found(&self) -> bool {
        self.code() == Some(NOT_FOUND) || matches!(self, Self::Api { status: 404, .. })
    }

    /// Whether a failed create may still have produced a message: a timeout, an unreadable
    /// answer or a Twilio 5xx. Messages create has no idempotency key (spec §1.5), so after
    /// one of these look the message up before resending, or risk a duplicate text.
    pub fn may_have_been_sent(&self) -> bool {
        match self {
            Self::Timeout | Self::Unexpected { .. } => true,
            Self::Api { status, .. } => *status >= 500,
            Self::Transport { .. } => false,
        }
    }

    /// Builds the error for a non-2xx answer from its status and raw body.
    pub(crate) fn from_response(status: u16, retry_after: Option<Duration>, body: &[u8]) -> Self {
        let parsed = serde_json::from_slice::<Value>(body).ok().filter(Value::is_object);
        let (code, message, more_info) = match &parsed {
            Some(body) if is_problem_details(body) => problem_details_fields(body),
            Some(body) => legacy_fields(body),
            None => (None, String::new(), None),
        };
        Self::Api { code, status, message: ApiMessage::new(message), more_info, retry_after }
    }
}

/// twilio-python reads a body with `type`, `title`, `status` and `code` as RFC 9457.
fn is_problem_details(body: &Value) -> bool {
    ["type", "title", "status", "code"].iter().all(|key| body.get(key).is_some())
}

fn problem_details_fields(body: &Value) -> (Option<i64>, String, Option<String>) {
    let title = text_field(body, "title").unwrap_or_default();
    let message = match text_field(body, "detail") {
        Some(detail) if !title.is_empty() => format!("{title}: {detail}"),
        Some(detail) => detail,
        None => title,
    };
    (code_field(body), message, text_field(body, "type"))
}

fn legacy_fields(body: &Value) -> (Option<i64>, String, Option<String>) {
    (code_field(body), text_field(body, "message").unwrap_or_default(), text_field(body, "more_info"))
}

fn code_field(body: &Value) -> Option<i64> {
    match body.get("code")? {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

fn text_field(body: &Value, key: &str) -> Option<String> {
    body.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn code_text(code: Option<i64>) -> String {
    code.map_or_else(|| "without a code".into(), |code| code.to_string())
}

fn status_text(status: Option<u16>) -> String {
    status.map_or_else(|| "none".into(), |status| status.to_string())
}

fn truncate(text: &str) -> String {
    match text.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api_error(status: u16, body: &str) -> TwilioError {
        TwilioError::from_response(status, None, body.as_bytes())
    }

    #[test]
    fn the_legacy_error_body_is_read() {
        let error = api_error(
            400,
            r#"{"code": 21211, "message": "The 'To' number 5551234567 is not a valid phone number.", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}"#,
        );
        assert_eq!(error.code(), Some(21211));
        assert_eq!(error.http_status(), Some(400));
        assert_eq!(error.more_info(), Some("https://www.twilio.com/docs/errors/21211"));
        assert!(error.api_message().unwrap().contains("5551234567"));
        assert_eq!(error.class(), ErrorClass::PermanentForRecipient);
    }

    #[test]
    fn display_and_debug_never_show_twilio_message_text() {
        let error =
            api_error(400, r#"{"code": 21211, "message": "The 'To' number 5551234567 is not valid.", "status": 400}"#);
        assert_eq!(error.to_string(), "Twilio error 21211 (HTTP 400)");
        assert!(!format!("{error:?}").contains("5551234567"));
    }

    #[test]
    fn the_rfc_9457_shape_is_read() {
        let error = api_error(
            400,
            r#"{"type": "https://www.twilio.com/docs/errors/21610", "title": "Opted out", "status": 400, "code": 21610, "detail": "unsubscribed"}"#,
        );
        assert!(error.is_opt_out());
        assert_eq!(error.api_message(), Some("Opted out: unsubscribed"));
        assert_eq!(error.more_info(), Some("https://www.twilio.com/docs/errors/21610"));
    }

    #[test]
    fn non_json_bodies_fall_back_to_the_http_status() {
        let gateway = api_error(502, "<html>Bad Gateway</html>");
        assert_eq!(gateway.code(), None);
        assert_eq!(gateway.class(), ErrorClass::RetryLater);
        assert!(gateway.may_have_been_sent());
        assert_eq!(api_error(429, "").class(), ErrorClass::RetryLater);
        assert_eq!(api_error(401, "nope").class(), ErrorClass::FixConfiguration);
        assert_eq!(api_error(403, "[]").class(), ErrorClass::FixConfiguration);
        assert_eq!(api_error(422, "{}").class(), ErrorClass::PermanentForRecipient);
    }

    #[test]
    fn unknown_codes_are_classified_by_http_status() {
        let server = api_error(503, r#"{"code": 20500, "status": 503}"#);
        assert_eq!(server.class(), ErrorClass::RetryLater);
        let client = api_error(400, r#"{"code": 21602, "status": 400}"#);
        assert_eq!(client.class(), ErrorClass::PermanentForRecipient);
    }

    #[test]
    fn the_code_wins_over_the_http_status() {
        // 20003 comes with 401, but a 400 carrying it is still a credentials problem.
        let error = api_error(400, r#"{"code": 20003, "status": 400}"#);
        assert_eq!(error.class(), ErrorClass::FixConfiguration);
    }

    #[test]
    fn rate_limits_and_opt_outs_are_recognised() {
        assert!(api_error(429, r#"{"code": 20429}"#).is_rate_limited());
        assert!(api_error(400, r#"{"code": 21611}"#).is_rate_limited());
        assert!(!api_error(400, r#"{"code": 21610}"#).is_rate_limited());
        assert!(api_error(400, r#"{"code": "21610"}"#).is_opt_out());
    }

    #[test]
    fn only_ambiguous_failures_may_have_sent_a_message() {
        assert!(TwilioError::Timeout.may_have_been_sent());
        let refused = TwilioError::Transport { detail: "connection refused".into() };
        assert!(!refused.may_have_been_sent());
        assert!(!api_error(400, r#"{"code": 21211}"#).may_have_been_sent());
    }

    #[test]
    fn long_messages_are_truncated() {
        let long = "x".repeat(5_000);
        let error = api_error(400, &format!(r#"{{"code": 1, "message": "{long}"}}"#));
        assert!(error.api_message().unwrap().chars().count() <= MAX_MESSAGE_CHARS + 1);
    }
}
