//! `POST /v2`, the GraphQL API (spec §8). Records every call, then answers with the next
//! scripted response if there is one; otherwise checks the token and answers
//! `create_update` mutations and `items(ids:)` queries from the in-memory board.

use std::collections::VecDeque;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::query::{argument, id_string};
use super::server::MondayStandIn;
use super::state::{Shared, State as StandInState};
use super::tokens::TokenCheck;

/// One GraphQL call as received.
#[derive(Debug, Clone)]
pub struct GraphqlRequest {
    pub query: String,
    /// `Null` when the body had none.
    pub variables: Value,
    pub authorization: Option<String>,
    pub api_version: Option<String>,
}

/// An update posted with `create_update`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedUpdate {
    pub id: String,
    pub item_id: String,
    pub body: String,
}

#[derive(Default)]
pub(super) struct GraphqlState {
    scripted: VecDeque<ScriptedResponse>,
    requests: Vec<GraphqlRequest>,
    updates: Vec<CreatedUpdate>,
}

pub(super) struct ScriptedResponse {
    status: u16,
    content_type: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl MondayStandIn {
    /// Queues a JSON answer for the next GraphQL call, whatever it asks and whatever its
    /// token. Answers are used once, in order.
    pub fn push_response(&self, status: u16, body: Value, headers: &[(&str, &str)]) {
        self.push_raw_response(status, "application/json", &body.to_string(), headers);
    }

    /// Like [`push_response`](Self::push_response) with any body, e.g. an HTML error page.
    pub fn push_raw_response(&self, status: u16, content_type: &str, body: &str, headers: &[(&str, &str)]) {
        let scripted = ScriptedResponse {
            status,
            content_type: content_type.to_owned(),
            headers: headers.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect(),
            body: body.to_owned(),
        };
        self.lock().graphql.scripted.push_back(scripted);
    }

    /// Every GraphQL call received, in order.
    pub fn graphql_requests(&self) -> Vec<GraphqlRequest> {
        self.lock().graphql.requests.clone()
    }

    /// Every update posted with `create_update`, in order.
    pub fn updates(&self) -> Vec<CreatedUpdate> {
        self.lock().graphql.updates.clone()
    }
}

pub(super) async fn answer(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let parsed: Option<Value> = serde_json::from_slice(&body).ok();
    let request = GraphqlRequest {
        query: field(parsed.as_ref(), "query").and_then(Value::as_str).unwrap_or_default().to_owned(),
        variables: field(parsed.as_ref(), "variables").cloned().unwrap_or(Value::Null),
        authorization: header_text(&headers, header::AUTHORIZATION.as_str()),
        api_version: header_text(&headers, "api-version"),
    };
    let mut state = state.lock();
    state.graphql.requests.push(request.clone());
    if let Some(scripted) = state.graphql.scripted.pop_front() {
        return scripted.into_response();
    }
    let authorized =
        request.authorization.as_deref().is_some_and(|token| state.oauth.tokens.check(token) == TokenCheck::Valid);
    if !authorized {
        return not_authenticated();
    }
    if parsed.is_none() || !(request.variables.is_object() || request.variables.is_null()) {
        return bad_request("body must be JSON with a string query and an object of variables");
    }
    answer_by_default(&mut state, &request)
}

fn answer_by_default(state: &mut StandInState, request: &GraphqlRequest) -> Response {
    let data = if request.query.contains("create_update") {
        create_update(state, request)
    } else if request.query.contains("items") {
        state.board.answer_items(&request.query, &request.variables)
    } else {
        let error = json!({ "message": "the monday stand-in has no default answer for this \
            query; script one with push_response", "extensions": { "code": "STAND_IN_UNSCRIPTED" } });
        return Json(json!({ "data": null, "errors": [error] })).into_response();
    };
    Json(json!({ "data": data, "extensions": { "request_id": uuid::Uuid::new_v4().to_string() } })).into_response()
}

fn create_update(state: &mut StandInState, request: &GraphqlRequest) -> Value {
    let arg = |name| argument(&request.query, "create_update", name, &request.variables);
    let updates = &mut state.graphql.updates;
    let update = CreatedUpdate {
        id: (updates.len() + 1).to_string(),
        item_id: arg("item_id").as_ref().and_then(id_string).unwrap_or_default(),
        body: arg("body").as_ref().and_then(Value::as_str).unwrap_or_default().to_owned(),
    };
    let id = update.id.clone();
    updates.push(update);
    json!({ "create_update": { "id": id } })
}

/// monday's answer to a missing, unknown or expired token.
pub(super) fn not_authenticated() -> Response {
    let body = json!({ "errors": [{ "message": "Not Authenticated",
        "extensions": { "code": "UNAUTHENTICATED", "status_code": 401 } }] });
    (StatusCode::UNAUTHORIZED, Json(body)).into_response()
}

fn bad_request(message: &str) -> Response {
    let body = json!({ "errors": [{ "message": message,
        "extensions": { "code": "BAD_REQUEST", "status_code": 400 } }] });
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

fn field<'a>(body: Option<&'a Value>, name: &str) -> Option<&'a Value> {
    body.and_then(|b| b.get(name))
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

impl IntoResponse for ScriptedResponse {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, self.body).into_response();
        let headers = response.headers_mut();
        if let Ok(content_type) = HeaderValue::from_str(&self.content_type) {
            headers.insert(header::CONTENT_TYPE, content_type);
        }
        for (name, value) in self.headers {
            if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::from_str(&value)) {
                headers.insert(name, value);
            }
        }
        response
    }
}
