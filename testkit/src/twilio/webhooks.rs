//! Webhooks the stand-in sends to our service: status callbacks (spec §2) and inbound SMS
//! (spec §3.1), form-encoded and signed with `X-Twilio-Signature` (spec §4).
//!
//! Twilio signs with the Auth Token of the account that owns the message, never with an API
//! key secret, so the stand-in does the same. [`Signing`] also lets a test send the port
//! variant Twilio sometimes signs, a forged signature, an exact header or none at all.
//!
//! Not modelled: Twilio's connection-override retries and fallback URL (spec §3.3/§3.4). A
//! post is made once, with Twilio's 15 s budget, and its outcome is returned to the test.

use chrono::{DateTime, Utc};
use reqwest::header::CONTENT_TYPE;

use super::TwilioStandIn;
use super::inbound::InboundSms;
use super::message::{API_VERSION, Message};
use super::record::OutgoingWebhook;
use super::signature::{sign, sign_with_explicit_port};
use super::state::Shared;

/// A token no account has: signatures made with it must fail validation.
pub const FORGED_AUTH_TOKEN: &str = "ffffffffffffffffffffffffffffffff";

/// The error code a `failed`/`undelivered` callback carries when the test names none:
/// 30008, "unknown error" (spec §1.5).
pub const DEFAULT_DELIVERY_ERROR: u32 = 30008;

/// How an outgoing webhook is signed.
#[derive(Debug, Clone, Copy)]
pub enum Signing<'a> {
    /// Sign the URL exactly as posted with this Auth Token: what Twilio normally does.
    AuthToken(&'a str),
    /// Sign the URL with its default port made explicit (`https://host:443/…`), as Twilio's
    /// back end sometimes does; validators must accept both forms (spec §4.1).
    AuthTokenExplicitPort(&'a str),
    /// Sign with [`FORGED_AUTH_TOKEN`]: a well-formed signature that must be rejected.
    Forged,
    /// Send exactly this header value.
    Header(&'a str),
    /// Send no `X-Twilio-Signature` header.
    Unsigned,
}

impl Signing<'_> {
    fn header_value(self, url: &str, params: &[(String, String)]) -> Option<String> {
        match self {
            Self::AuthToken(token) => Some(sign(url, params, token)),
            Self::AuthTokenExplicitPort(token) => Some(sign_with_explicit_port(url, params, token)),
            Self::Forged => Some(sign(url, params, FORGED_AUTH_TOKEN)),
            Self::Header(value) => Some(value.to_owned()),
            Self::Unsigned => None,
        }
    }
}

/// POSTs `params` form-encoded to `url`, signed per `signing`, and records the attempt.
pub(crate) async fn post_form(
    shared: &Shared,
    url: &str,
    params: &[(String, String)],
    signing: Signing<'_>,
) -> Result<reqwest::Response, reqwest::Error> {
    let signature = signing.header_value(url, params);
    let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(params).finish();
    let mut request = shared
        .http
        .post(url)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        // Twilio sends one per webhook so receivers can drop retried duplicates.
        .header("I-Twilio-Idempotency-Token", uuid::Uuid::new_v4().to_string())
        .body(body);
    if let Some(signature) = &signature {
        request = request.header("X-Twilio-Signature", signature);
    }
    let result = request.send().await;
    shared.lock().webhooks.push(OutgoingWebhook {
        url: url.to_owned(),
        params: params.to_vec(),
        signature,
        response_status: result.as_ref().ok().map(|r| r.status().as_u16()),
    });
    result
}

/// The status callback parameters for `message` at its current status, in the order of the
/// spec §2 example. `ErrorCode` is sent for `failed`/`undelivered` (defaulting to 30008) or
/// whenever the message carries one; `RawDlrDoneDate` (`YYMMDDhhmm`, the carrier's DLR time)
/// for `delivered`/`undelivered`.
pub(crate) fn status_callback_params(message: &Message, now: DateTime<Utc>) -> Vec<(String, String)> {
    let status = message.status.as_str();
    let mut params = vec![
        ("AccountSid", message.account_sid.clone()),
        ("ApiVersion", API_VERSION.to_owned()),
        ("From", message.effective_from().unwrap_or_default().to_owned()),
        ("MessageSid", message.sid.clone()),
        ("MessageStatus", status.to_owned()),
        ("SmsSid", message.sid.clone()),
        ("SmsStatus", status.to_owned()),
        ("To", message.to.clone()),
    ];
    let failed = matches!(status, "failed" | "undelivered");
    if let Some(code) = message.error_code.or(failed.then_some(DEFAULT_DELIVERY_ERROR)) {
        params.push(("ErrorCode", code.to_string()));
    }
    if let Some(service) = &message.messaging_service_sid {
        params.push(("MessagingServiceSid", service.clone()));
    }
    if matches!(status, "delivered" | "undelivered") {
        params.push(("RawDlrDoneDate", now.format("%y%m%d%H%M").to_string()));
    }
    params.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// Sending webhooks to our service; documented on [`TwilioStandIn`].
impl TwilioStandIn {
    /// Moves message `sid` to `status` and POSTs the status callback to the message's
    /// `StatusCallback`, signed with the account's Auth Token. Panics if the message is
    /// unknown, was created without a `StatusCallback`, or the post fails to complete.
    pub async fn send_status_callback(&self, sid: &str, status: &str, error_code: Option<u32>) -> reqwest::Response {
        let (url, params, token) = {
            let mut state = self.shared.lock();
            let now = state.now();
            let message = state.message_mut(sid);
            message.set_status(status, error_code, now);
            let message = message.clone();
            let url = message
                .status_callback
                .clone()
                .unwrap_or_else(|| panic!("Twilio stand-in: message {sid} was created without a StatusCallback"));
            let token = state.account(&message.account_sid).auth_token.clone();
            (url, status_callback_params(&message, now), token)
        };
        self.post(&url, &params, Signing::AuthToken(&token)).await
    }

    /// The parameters [`Self::send_status_callback`] would post for this transition, without
    /// changing anything: for building forged or replayed callbacks with [`Self::post_form`].
    pub fn status_callback_params(&self, sid: &str, status: &str, error_code: Option<u32>) -> Vec<(String, String)> {
        let state = self.shared.lock();
        let now = state.now();
        let mut message = state
            .messages
            .iter()
            .find(|m| m.sid == sid)
            .cloned()
            .unwrap_or_else(|| panic!("Twilio stand-in: no message {sid}"));
        message.set_status(status, error_code, now);
        status_callback_params(&message, now)
    }

    /// Stores an inbound message and POSTs the inbound SMS webhook to `url`, signed with the
    /// Auth Token of `sms.account_sid`. Panics if the account is unknown or the post fails.
    pub async fn send_inbound(&self, url: &str, sms: &InboundSms) -> reqwest::Response {
        let token = {
            let mut state = self.shared.lock();
            let token = state.account(&sms.account_sid).auth_token.clone();
            let now = state.now();
            state.messages.push(sms.to_message(now));
            token
        };
        self.post(url, &sms.params(), Signing::AuthToken(&token)).await
    }

    /// POSTs `params` form-encoded to `url`, signed with `auth_token`. Panics if the post
    /// fails to complete.
    pub async fn post_signed<K: AsRef<str>, V: AsRef<str>>(
        &self,
        url: &str,
        params: &[(K, V)],
        auth_token: &str,
    ) -> reqwest::Response {
        self.post(url, &owned(params), Signing::AuthToken(auth_token)).await
    }

    /// POSTs `params` form-encoded to `url` with any [`Signing`] (port variant, forged,
    /// exact header, unsigned). Transport errors are returned, for tests of unreachable
    /// receivers.
    pub async fn post_form<K: AsRef<str>, V: AsRef<str>>(
        &self,
        url: &str,
        params: &[(K, V)],
        signing: Signing<'_>,
    ) -> Result<reqwest::Response, reqwest::Error> {
        post_form(&self.shared, url, &owned(params), signing).await
    }

    async fn post(&self, url: &str, params: &[(String, String)], signing: Signing<'_>) -> reqwest::Response {
        post_form(&self.shared, url, params, signing)
            .await
            .unwrap_or_else(|error| panic!("Twilio stand-in: POST {url} failed: {error}"))
    }
}

fn owned<K: AsRef<str>, V: AsRef<str>>(params: &[(K, V)]) -> Vec<(String, String)> {
    params.iter().map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned())).collect()
}
