//! `POST /automations/apps-events/{subscription_id}`: where fired triggers land (spec
//! §4.2). Records every attempt, can fail the next N with 500 for retry tests, and can
//! check the `Authorization` header in either documented form.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::{Value, json};

use super::server::MondayStandIn;
use super::state::Shared;

/// One trigger delivery attempt as received.
#[derive(Debug, Clone)]
pub struct TriggerCall {
    pub subscription_id: String,
    pub authorization: Option<String>,
    /// `Null` when the body was not JSON.
    pub body: Value,
    /// What the stand-in answered: 200, 500 (scripted failure) or 401.
    pub answered_status: u16,
}

#[derive(Default)]
pub(super) struct TriggerState {
    calls: Vec<TriggerCall>,
    failures_left: u32,
    /// What `Authorization` must hold; anything goes when unset.
    required_auth: Option<RequiredAuth>,
}

/// The app's trigger credentials, and which documented forms of them the stand-in accepts.
struct RequiredAuth {
    app_id: u64,
    signing_secret: String,
    jwt: bool,
    raw_secret: bool,
}

#[derive(Deserialize)]
struct AppClaims {
    #[serde(rename = "appId")]
    app_id: u64,
}

impl MondayStandIn {
    /// Answer the next `times` trigger deliveries with 500.
    pub fn fail_triggers(&self, times: u32) {
        self.lock().triggers.failures_left = times;
    }

    /// Answer 401 unless `Authorization` is a valid `Bearer` JWT `{"appId": app_id}` signed
    /// with `signing_secret`, or the raw secret itself. Unchecked by default.
    pub fn require_trigger_auth(&self, app_id: u64, signing_secret: &str) {
        self.require(app_id, signing_secret, true, true);
    }

    /// Like [`Self::require_trigger_auth`], but only the raw secret passes (how monday's
    /// example app authorizes).
    pub fn require_trigger_raw_secret(&self, signing_secret: &str) {
        self.require(0, signing_secret, false, true);
    }

    /// Like [`Self::require_trigger_auth`], but only the JWT passes.
    pub fn require_trigger_jwt(&self, app_id: u64, signing_secret: &str) {
        self.require(app_id, signing_secret, true, false);
    }

    fn require(&self, app_id: u64, signing_secret: &str, jwt: bool, raw_secret: bool) {
        let required = RequiredAuth { app_id, signing_secret: signing_secret.to_owned(), jwt, raw_secret };
        self.lock().triggers.required_auth = Some(required);
    }

    /// Every trigger delivery attempt, in order.
    pub fn trigger_calls(&self) -> Vec<TriggerCall> {
        self.lock().triggers.calls.clone()
    }
}

pub(super) async fn receive(
    State(state): State<Shared>,
    Path(subscription_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let authorization = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let triggers = &mut state.lock().triggers;
    let status = if triggers.failures_left > 0 {
        triggers.failures_left -= 1;
        StatusCode::INTERNAL_SERVER_ERROR
    } else if !is_authorized(triggers.required_auth.as_ref(), authorization.as_deref()) {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    triggers.calls.push(TriggerCall {
        subscription_id,
        authorization,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        answered_status: status.as_u16(),
    });
    let body = if status.is_success() { json!({}) } else { json!({ "error": status.as_str() }) };
    (status, Json(body)).into_response()
}

fn is_authorized(required: Option<&RequiredAuth>, authorization: Option<&str>) -> bool {
    let Some(required) = required else {
        return true;
    };
    let Some(value) = authorization else {
        return false;
    };
    let token = strip_bearer(value);
    let secret = &required.signing_secret;
    (required.raw_secret && token == secret) || (required.jwt && jwt_names_app(token, required.app_id, secret))
}

fn strip_bearer(value: &str) -> &str {
    match value.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("bearer ") => &value[7..],
        _ => value,
    }
}

fn jwt_names_app(token: &str, app_id: u64, secret: &str) -> bool {
    let Ok(key) = DecodingKey::from_secret(secret.as_bytes()) else {
        return false;
    };
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_aud = false;
    jsonwebtoken::decode::<AppClaims>(token, &key, &validation).is_ok_and(|data| data.claims.app_id == app_id)
}
