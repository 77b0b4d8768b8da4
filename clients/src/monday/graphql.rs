//! The GraphQL call (spec §8.1): raw token in `Authorization`, a pinned `API-Version`,
//! and `{query, variables}` with `variables` always an object (required from 2025-04).

use chrono::Utc;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value, json};

use super::classify::classify;
use super::client::{MondayClient, read_response};
use super::error::MondayApiError;

impl MondayClient {
    /// Runs one query or mutation and returns its `data`.
    ///
    /// `token` is an OAuth access token or a block request's `shortLivedToken`.
    /// `variables` must be a JSON object; `null` is sent as `{}`.
    ///
    /// # Errors
    /// See [`MondayApiError`]: check [`is_retryable`](MondayApiError::is_retryable) and
    /// [`retry_after`](MondayApiError::retry_after) before trying again, and refresh the
    /// token on `Unauthorized`.
    #[tracing::instrument(name = "monday.graphql", skip_all)]
    pub async fn graphql(&self, token: &SecretString, query: &str, variables: Value) -> Result<Value, MondayApiError> {
        let variables = object_variables(variables)?;
        let response = self
            .http
            .post(self.endpoints.api.clone())
            .header(AUTHORIZATION, raw_token_header(token)?)
            .header("API-Version", &self.api_version)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .map_err(|e| MondayApiError::from_transport(&e))?;
        let raw = read_response(response).await.map_err(|e| MondayApiError::from_transport(&e))?;
        classify(raw, Utc::now())
    }
}

fn object_variables(variables: Value) -> Result<Value, MondayApiError> {
    match variables {
        Value::Null => Ok(Value::Object(Map::new())),
        Value::Object(_) => Ok(variables),
        _ => Err(MondayApiError::Permanent { status: None, detail: "GraphQL variables must be a JSON object".into() }),
    }
}

/// monday wants the bare token, without `Bearer `. Marked sensitive so it never shows
/// up in `Debug` output of the request.
pub(crate) fn raw_token_header(token: &SecretString) -> Result<HeaderValue, MondayApiError> {
    let mut value = HeaderValue::from_str(token.expose_secret()).map_err(|_| MondayApiError::Permanent {
        status: None,
        detail: "the token contains characters not allowed in a header".into(),
    })?;
    value.set_sensitive(true);
    Ok(value)
}
