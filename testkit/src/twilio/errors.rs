//! Twilio's legacy 2010-API error body, `{"code","message","more_info","status"}` (spec §1.4),
//! and the codes the stand-in answers with.
//!
//! Codes and HTTP statuses come from spec §1.5 where it lists them. The few it does not list
//! (missing `To`/`From`/`Body`, unknown Messaging Service, too many media) are marked below;
//! they follow Twilio's error dictionary as we know it and clients should treat them as
//! "permanent 400", not branch on them.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Authentication failed: wrong SID, token, key or secret (spec §1.5, E-20003).
pub const AUTHENTICATE: u32 = 20003;
/// Resource not found (E-20404).
pub const NOT_FOUND: u32 = 20404;
/// Method not allowed on a resource. Not in the spec; Twilio's dictionary code for HTTP 405.
pub const METHOD_NOT_ALLOWED: u32 = 20004;
/// Too many concurrent requests (E-20429, H-429).
pub const TOO_MANY_REQUESTS: u32 = 20429;
/// Invalid `To` (E-21211).
pub const INVALID_TO: u32 = 21211;
/// No `Body`, `MediaUrl` or `ContentSid`. Not in spec §1.5.
pub const BODY_REQUIRED: u32 = 21602;
/// Neither `From` nor `MessagingServiceSid`. Not in spec §1.5.
pub const FROM_REQUIRED: u32 = 21603;
/// No `To`. Not in spec §1.5.
pub const TO_REQUIRED: u32 = 21604;
/// `From` is not a message-capable number of this account (E-21606). Of the three "bad From"
/// codes in spec §1.5 (21606, 21659, 21660) this is the one Twilio documents for a number the
/// account does not own; 21660 is kept for a number another known account owns.
pub const FROM_NOT_OWNED: u32 = 21606;
/// `From` belongs to a different account than the credentials (E-21660).
pub const FROM_OTHER_ACCOUNT: u32 = 21660;
/// Recipient opted out with STOP (E-21610).
pub const OPTED_OUT: u32 = 21610;
/// Body longer than 1,600 characters (E-21617).
pub const BODY_TOO_LONG: u32 = 21617;
/// More than 10 `MediaUrl`s. Not in spec §1.5.
pub const TOO_MANY_MEDIA: u32 = 21623;
/// `MessagingServiceSid` unknown to this account. Not in spec §1.5.
pub const INVALID_MESSAGING_SERVICE: u32 = 21701;

/// One error answer: the Twilio code, the HTTP status and the human message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: u32,
    pub http_status: u16,
    pub message: String,
}

impl ApiError {
    pub fn new(code: u32, http_status: u16, message: impl Into<String>) -> Self {
        Self { code, http_status, message: message.into() }
    }

    /// An error with the stand-in's default wording for `code`.
    pub fn for_code(code: u32, http_status: u16) -> Self {
        Self::new(code, http_status, default_message(code))
    }

    /// 401/20003 with Twilio's "Authenticate" message.
    pub fn authenticate() -> Self {
        Self::for_code(AUTHENTICATE, 401)
    }

    /// 404/20404 for `path`, in Twilio's wording.
    pub fn not_found(path: &str) -> Self {
        Self::new(NOT_FOUND, 404, format!("The requested resource {path} was not found"))
    }

    /// The JSON body Twilio sends: exactly the four legacy fields.
    pub fn body(&self) -> serde_json::Value {
        json!({
            "code": self.code,
            "message": self.message,
            "more_info": format!("https://www.twilio.com/docs/errors/{}", self.code),
            "status": self.http_status,
        })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.http_status).unwrap_or(StatusCode::BAD_REQUEST);
        let mut response = (status, Json(self.body())).into_response();
        if status == StatusCode::UNAUTHORIZED {
            // Basic-auth servers, Twilio included, name the realm so clients know to retry
            // with credentials.
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"Twilio API\""));
        }
        response
    }
}

/// Wording for codes a test injects with `push_error`, close to Twilio's so logs read right.
pub fn default_message(code: u32) -> String {
    let text = match code {
        AUTHENTICATE => "Authenticate",
        NOT_FOUND => "The requested resource was not found",
        TOO_MANY_REQUESTS => "Too Many Requests",
        INVALID_TO => "The 'To' number is not a valid phone number.",
        21408 => "Permission to send an SMS has not been enabled for the region indicated by the 'To' number.",
        OPTED_OUT => "Attempt to send to unsubscribed recipient",
        21611 => "This 'From' number has exceeded the maximum number of queued messages",
        21614 => "'To' number is not a valid mobile number",
        FROM_NOT_OWNED => {
            "The 'From' phone number provided is not a valid message-capable Twilio phone number for this destination/account"
        }
        21659 => "'From' is not a Twilio phone number or Short Code country mismatch",
        FROM_OTHER_ACCOUNT => "Mismatch between the 'From' number and the account",
        BODY_TOO_LONG => "The concatenated message body exceeds the 1600 character limit",
        _ => return format!("Error {code} injected by the Twilio stand-in"),
    };
    text.to_owned()
}
