//! `POST /twilio/inbound`: a contact's reply (spec/twilio.md §3–5).
//!
//! Routing: the keyed hash of (AccountSid, our sender, their number) names the
//! conversation session a send registered; for Messaging Service traffic the service SID is
//! tried first, then the number. A later send to the same pair replaces the session, so a
//! reply goes to the most recent conversation. The session's envelope holds the Auth Token
//! that must have signed the request (over our public URL, both port forms).
//!
//! Answer: an empty TwiML `<Response/>`, at once, whatever happens next: the account's
//! actor does the monday work afterwards, through durable deliveries. A reply with no
//! session or a bad signature gets the very same answer (nothing to learn from it), is
//! counted, and changes nothing. A repeated delivery of one `MessageSid` is processed once.

use std::time::Duration;

use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use drip_actors::AccountMessage;
use drip_actors::replies::InboundReply;
use drip_actors::tracking::{self, Conversation};
use drip_clients::twilio::signature::{SIGNATURE_HEADER, form_params, public_url, validate_form};
use drip_domain::crypto::{HashDomain, Purpose};
use drip_domain::{AccountId, PhoneNumber};
use secrecy::SecretString;

use crate::metrics::InboundLabels;
use crate::startup::AppState;

const EMPTY_TWIML: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Response/>"#;

/// How long a processed `MessageSid` is remembered, against Twilio's retries.
const DEDUPE_TTL: Duration = Duration::from_secs(2 * 24 * 3600);

pub async fn receive(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let outcome = route(&state, &uri, &headers, &body).await;
    state.metrics.inbound.get_or_create(&InboundLabels { outcome: outcome.to_owned() }).inc();
    ([(header::CONTENT_TYPE, "text/xml")], EMPTY_TWIML).into_response()
}

async fn route(state: &AppState, uri: &axum::http::Uri, headers: &HeaderMap, body: &[u8]) -> &'static str {
    let params = form_params(body);
    let param = |name: &str| params.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str());
    let (Some(account_sid), Some(from), Some(to), Some(sid)) =
        (param("AccountSid"), param("From"), param("To"), param("MessageSid"))
    else {
        return "malformed";
    };
    let senders = [param("MessagingServiceSid"), Some(to)];
    let Some((account, conversation)) = find_session(state, account_sid, senders, from).await else {
        tracing::warn!("inbound SMS with no conversation session");
        return "no_session";
    };
    let path = uri.path_and_query().map(|pq| pq.as_str()).unwrap_or(uri.path());
    let url = public_url(&state.settings.application.public_base_url, path);
    let signature = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    let verified = conversation
        .auth_token
        .map(SecretString::from)
        .is_some_and(|token| validate_form(&url, &params, signature, &token));
    if !verified {
        tracing::warn!(account = %account, "inbound SMS with a bad or unverifiable signature");
        return "bad_signature";
    }
    if !first_delivery(state, account, sid).await {
        return "duplicate";
    }
    let Ok(from) = PhoneNumber::parse(from, None) else { return "unparsable_sender" };
    let reply = InboundReply {
        board_id: conversation.board_id,
        item_id: conversation.item_id,
        account_sid: account_sid.to_owned(),
        from,
        body: param("Body").unwrap_or("").to_owned(),
        opt_out_type: param("OptOutType").map(str::to_owned),
        received_at: state.clock.now(),
    };
    match state.accounts.cast(account, AccountMessage::Reply(Box::new(reply))) {
        Ok(()) => "routed",
        Err(_) => "unavailable",
    }
}

/// The session for (account SID, one of our senders, their number), most specific first.
async fn find_session(
    state: &AppState,
    account_sid: &str,
    senders: [Option<&str>; 2],
    from: &str,
) -> Option<(AccountId, Conversation)> {
    for sender in senders.into_iter().flatten() {
        let key = tracking::session_key(&state.crypto.hasher, account_sid, sender, from);
        if let Ok(Some(raw)) = state.kv.get(&key).await {
            return tracking::open(&state.crypto.keyring, Purpose::Conversation, &raw).ok();
        }
    }
    None
}

/// Claims the `MessageSid`: `false` when it was processed before.
async fn first_delivery(state: &AppState, account: AccountId, sid: &str) -> bool {
    let key = format!("inbound/{}", state.crypto.hasher.hash(HashDomain::TwilioSid, &[sid.as_bytes()]));
    // On a store failure, process it: a rare duplicate update beats a lost reply.
    state.kv.put_if_absent(account, &key, b"1", Some(DEDUPE_TTL)).await.unwrap_or(true)
}
