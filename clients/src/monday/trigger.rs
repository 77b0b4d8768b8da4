//! Firing a custom trigger (spec §4.2): POST `{"trigger":{"outputFields":…}}` to the
//! `webhookUrl` monday handed us on subscribe.
//!
//! monday's docs disagree on the `Authorization` value: a `Bearer` JWT `{"appId"}` signed
//! with the Signing Secret, or the raw Signing Secret. [`TriggerAuth`] lets the caller
//! try the JWT first and fall back.

use chrono::{TimeDelta, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::header::{AUTHORIZATION, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::{Value, json};
use url::Url;

use super::classify::{RawResponse, classify};
use super::client::{MondayClient, read_response};
use super::error::MondayApiError;

/// How a trigger request proves it comes from our app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TriggerAuth {
    /// `Authorization: Bearer <HS256 JWT {"appId", "exp": now + 1 min}>`. The documented form.
    #[default]
    Jwt,
    /// `Authorization: <signing secret>`, as monday's own example app sends it.
    RawSecret,
}

#[derive(Serialize)]
struct TriggerClaims {
    #[serde(rename = "appId")]
    app_id: u64,
    iat: i64,
    exp: i64,
}

impl MondayClient {
    /// Tells monday the trigger fired. `output_fields` keys must match the block's output
    /// field keys.
    ///
    /// # Errors
    /// Any non-2xx answer, classified like a GraphQL error: 5xx and timeouts are
    /// `Transient` (retry with backoff); a 401 is `Unauthorized` (try the other
    /// [`TriggerAuth`]); a plain-http URL outside test mode is `Permanent`.
    #[tracing::instrument(name = "monday.fire_trigger", skip_all, fields(app_id))]
    pub async fn fire_trigger(
        &self,
        webhook_url: &str,
        app_id: u64,
        signing_secret: &SecretString,
        output_fields: Value,
        auth: TriggerAuth,
    ) -> Result<(), MondayApiError> {
        let url = self.checked_webhook_url(webhook_url)?;
        let response = self
            .http
            .post(url)
            .header(AUTHORIZATION, trigger_authorization(app_id, signing_secret, auth)?)
            .json(&json!({ "trigger": { "outputFields": output_fields } }))
            .send()
            .await
            .map_err(|e| MondayApiError::from_transport(&e))?;
        let raw = read_response(response).await.map_err(|e| MondayApiError::from_transport(&e))?;
        if (200..300).contains(&raw.status) { Ok(()) } else { Err(failure(raw)) }
    }

    fn checked_webhook_url(&self, raw: &str) -> Result<Url, MondayApiError> {
        let refuse = |detail: String| MondayApiError::Permanent { status: None, detail };
        let url = Url::parse(raw).map_err(|e| refuse(format!("invalid webhook URL: {e}")))?;
        match url.scheme() {
            "https" => Ok(url),
            "http" if self.allow_insecure_http => Ok(url),
            scheme => Err(refuse(format!("refusing to fire a trigger over `{scheme}`; only https is allowed"))),
        }
    }
}

fn trigger_authorization(
    app_id: u64,
    signing_secret: &SecretString,
    auth: TriggerAuth,
) -> Result<HeaderValue, MondayApiError> {
    let value = match auth {
        TriggerAuth::Jwt => format!("Bearer {}", app_jwt(app_id, signing_secret)?),
        TriggerAuth::RawSecret => signing_secret.expose_secret().to_owned(),
    };
    let mut header = HeaderValue::from_str(&value).map_err(|_| MondayApiError::Permanent {
        status: None,
        detail: "the signing secret contains characters not allowed in a header".into(),
    })?;
    header.set_sensitive(true);
    Ok(header)
}

/// HS256 JWT `{"appId", "iat", "exp"}` valid for one minute, as spec §4.2 describes.
fn app_jwt(app_id: u64, signing_secret: &SecretString) -> Result<String, MondayApiError> {
    let now = Utc::now();
    let claims = TriggerClaims { app_id, iat: now.timestamp(), exp: (now + TimeDelta::minutes(1)).timestamp() };
    let signing_error = |e: jsonwebtoken::errors::Error| MondayApiError::Permanent {
        status: None,
        detail: format!("cannot sign the trigger JWT: {e}"),
    };
    let key = EncodingKey::from_secret(signing_secret.expose_secret().as_bytes()).map_err(signing_error)?;
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key).map_err(signing_error)
}

/// A non-2xx answer, classified like any monday response.
fn failure(raw: RawResponse) -> MondayApiError {
    let status = raw.status;
    classify(raw, Utc::now())
        .err()
        .unwrap_or(MondayApiError::Permanent { status: Some(status), detail: "unexpected trigger response".into() })
}
