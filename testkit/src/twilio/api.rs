//! The fake `api.twilio.com`: axum routes for the Messages resource and a recorder in front.
//!
//! Routes (everything else answers 404/20404, a wrong method 405/20004, in the legacy shape):
//! - `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`: create (see `create`);
//! - `GET  /2010-04-01/Accounts/{AccountSid}/Messages.json`: list (see `list`);
//! - `GET  /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json`: fetch.
//!
//! Every handler first checks the path's Account SID against `^AC[0-9a-fA-F]{32}$` (a
//! malformed one names no resource: 404/20404), then HTTP Basic auth (401/20003). Paths
//! without `.json` are not served: the real API would answer XML, which our client must never
//! ask for.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::create::create_message;
use super::errors::{self, ApiError};
use super::list::{ListQuery, list_page};
use super::message::Message;
use super::record::RecordedRequest;
use super::state::{Scripted, Shared, State as StandInState};

/// Twilio's own request limit is not documented; this is ample for any form we send.
const MAX_RECORDED_BODY: usize = 4 * 1024 * 1024;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/2010-04-01/Accounts/{account_sid}/Messages.json", post(create).get(list))
        .route("/2010-04-01/Accounts/{account_sid}/Messages/{file}", get(fetch))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(shared.clone(), record))
        .with_state(shared)
}

/// Stores the request (headers, raw body, decoded form) before any handler runs, so even
/// rejected requests can be asserted on.
async fn record(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_RECORDED_BODY).await else {
        return ApiError::new(20001, 413, "Request body too large").into_response();
    };
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
        .collect();
    {
        let mut state = shared.lock();
        let received_at = state.now();
        state.requests.push(RecordedRequest {
            method: parts.method.to_string(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers,
            body: bytes.to_vec(),
            form: form_urlencoded::parse(&bytes).into_owned().collect(),
            received_at,
        });
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

async fn create(
    State(shared): State<Arc<Shared>>,
    Path(account_sid): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (result, delay) = {
        let mut state = shared.lock();
        create_locked(&mut state, &account_sid, uri.path(), &headers, &body)
    };
    if result.is_ok() {
        shared.sent_changed.notify_waiters();
    }
    if let Some(delay) = delay {
        // The message already exists: this models Twilio creating it while the answer is lost
        // or late, the case a client must resolve by listing before it resends.
        tokio::time::sleep(delay).await;
    }
    match result {
        Ok(message) => (StatusCode::CREATED, Json(message.to_json())).into_response(),
        Err(error) => error.into_response(),
    }
}

/// Path check, auth, then the next scripted outcome, then the real create rules.
fn create_locked(
    state: &mut StandInState,
    account_sid: &str,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> (Result<Message, ApiError>, Option<Duration>) {
    let auth = match check_account(state, account_sid, path, headers) {
        Ok(auth) => auth,
        Err(error) => return (Err(error), None),
    };
    let delay = match state.script.pop_front() {
        Some(Scripted::Error(error)) => return (Err(error), None),
        Some(Scripted::Delay(delay)) => Some(delay),
        None => None,
    };
    // Twilio reads the body as a form only when it is labelled as one; anything else looks
    // like an empty form and fails the `To` rule, which is what a mislabelled client deserves.
    let form: Vec<(String, String)> =
        if is_form(headers) { form_urlencoded::parse(body).into_owned().collect() } else { Vec::new() };
    (create_message(state, account_sid, auth, &form), delay)
}

async fn fetch(
    State(shared): State<Arc<Shared>>,
    Path((account_sid, file)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let state = shared.lock();
    check_account(&state, &account_sid, uri.path(), &headers)?;
    let sid = file.strip_suffix(".json").ok_or_else(|| ApiError::not_found(uri.path()))?;
    state
        .messages
        .iter()
        .find(|m| m.sid == sid && m.account_sid == account_sid)
        .map(|m| Json(m.to_json()))
        .ok_or_else(|| ApiError::not_found(uri.path()))
}

async fn list(
    State(shared): State<Arc<Shared>>,
    Path(account_sid): Path<String>,
    uri: Uri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let state = shared.lock();
    check_account(&state, &account_sid, uri.path(), &headers)?;
    let query = ListQuery::parse(query.as_deref())?;
    Ok(Json(list_page(&state.messages, &account_sid, uri.path(), &query)))
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::not_found(uri.path())
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(errors::METHOD_NOT_ALLOWED, 405, "Method not allowed")
}

/// 404 for a malformed Account SID, else the Basic-auth verdict.
fn check_account(
    state: &StandInState,
    account_sid: &str,
    path: &str,
    headers: &HeaderMap,
) -> Result<super::record::AuthKind, ApiError> {
    if !is_account_sid(account_sid) {
        return Err(ApiError::not_found(path));
    }
    let authorization = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    state.authenticate(account_sid, authorization)
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"))
}

/// `^AC[0-9a-fA-F]{32}$` (OAI path parameter pattern).
pub(crate) fn is_account_sid(sid: &str) -> bool {
    is_sid(sid, "AC")
}

/// `^{prefix}[0-9a-fA-F]{32}$`.
pub(crate) fn is_sid(sid: &str, prefix: &str) -> bool {
    sid.strip_prefix(prefix).is_some_and(|hex| hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}
