//! `POST /twilio/status`: Twilio's delivery status callbacks (spec/twilio.md §2, §4).
//!
//! The message's tracking entry (found by the keyed hash of its `MessageSid`) names the
//! owning account and holds, sealed, the Auth Token that signs its callbacks. The
//! signature is checked over our *public* URL (what Twilio called, behind any proxy) in
//! both port forms; only then does the account's actor move the status forward.
//!
//! An unknown message and a bad signature get the same bare 403: the answer must not tell
//! a prober which SIDs exist.

use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, StatusCode};
use drip_actors::AccountMessage;
use drip_actors::status::StatusUpdate;
use drip_actors::tracking::{self, MessageTracking};
use drip_clients::twilio::MessageStatus;
use drip_clients::twilio::signature::{SIGNATURE_HEADER, form_params, public_url, validate_form};
use drip_domain::crypto::{HashDomain, Purpose};
use secrecy::SecretString;

use crate::startup::AppState;

pub async fn receive(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let params = form_params(&body);
    let param = |name: &str| params.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str());
    let (Some(sid), Some(status)) = (param("MessageSid"), param("MessageStatus").or(param("SmsStatus"))) else {
        return StatusCode::BAD_REQUEST;
    };
    let Some((account, tracked)) = tracked_message(&state, sid).await else {
        tracing::warn!("status callback for an unknown message");
        return StatusCode::FORBIDDEN;
    };
    let path = uri.path_and_query().map(|pq| pq.as_str()).unwrap_or(uri.path());
    let url = public_url(&state.settings.application.public_base_url, path);
    let signature = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    let verified =
        tracked.auth_token.map(SecretString::from).is_some_and(|token| validate_form(&url, &params, signature, &token));
    if !verified {
        tracing::warn!(account = %account, "status callback with a bad or unverifiable signature");
        return StatusCode::FORBIDDEN;
    }
    let update = StatusUpdate {
        sid_hash: state.crypto.hasher.hash(HashDomain::TwilioSid, &[sid.as_bytes()]).to_hex(),
        status: MessageStatus::parse(status),
        error_code: param("ErrorCode").and_then(|code| code.parse().ok()),
        opt_out_hash: tracked.opt_out_hash,
    };
    match state.accounts.call(account, |reply| AccountMessage::Status(update, reply)).await {
        Ok(Ok(_)) => StatusCode::OK,
        // Twilio retries on failure: an unavailable account gets another chance.
        _ => StatusCode::SERVICE_UNAVAILABLE,
    }
}

async fn tracked_message(state: &AppState, sid: &str) -> Option<(drip_domain::AccountId, MessageTracking)> {
    let key = tracking::message_key(&state.crypto.hasher, sid);
    let raw = state.kv.get(&key).await.ok()??;
    tracking::open(&state.crypto.keyring, Purpose::TwilioCredentials, &raw).ok()
}
