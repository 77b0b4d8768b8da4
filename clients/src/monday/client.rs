//! The [`MondayClient`] value: one `reqwest::Client` plus the checked endpoints and app
//! credentials. The calls themselves live in `oauth`, `graphql` and `trigger`.

use std::time::Duration;

use chrono::Utc;
use reqwest::header::RETRY_AFTER;
use secrecy::SecretString;

use super::classify::{RawResponse, parse_retry_after};
use super::settings::{Endpoints, MondayClientSettings, SettingsError};

/// Talks to monday.com: OAuth token endpoints, the GraphQL API and trigger webhooks.
///
/// Cheap to clone (the HTTP connection pool is shared). `Debug` never shows the client
/// secret.
#[derive(Debug, Clone)]
pub struct MondayClient {
    pub(crate) http: reqwest::Client,
    pub(crate) endpoints: Endpoints,
    pub(crate) api_version: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: SecretString,
    pub(crate) allow_insecure_http: bool,
}

impl MondayClient {
    /// Checks the settings and builds the HTTP client.
    ///
    /// # Errors
    /// A malformed URL or API version, an empty client id, or a plain `http://` URL while
    /// `allow_insecure_http` is false.
    pub fn new(settings: MondayClientSettings) -> Result<Self, SettingsError> {
        let endpoints = settings.validate()?;
        let timeout = Duration::from_millis(settings.timeout_milliseconds);
        let http = crate::http::build_client(timeout, settings.allow_insecure_http)
            .map_err(|e| SettingsError::HttpClient(e.to_string()))?;
        Ok(Self {
            http,
            endpoints,
            api_version: settings.api_version,
            client_id: settings.client_id,
            client_secret: settings.client_secret,
            allow_insecure_http: settings.allow_insecure_http,
        })
    }
}

/// Reads status, `Retry-After` and the body (as JSON when it is JSON) of a response.
pub(crate) async fn read_response(response: reqwest::Response) -> Result<RawResponse, reqwest::Error> {
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, Utc::now()));
    let bytes = response.bytes().await?;
    Ok(RawResponse { status, retry_after, body: serde_json::from_slice(&bytes).ok() })
}
