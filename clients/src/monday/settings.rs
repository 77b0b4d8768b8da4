//! Settings for the monday client: where monday lives, which API version we speak, the
//! app's OAuth credentials, and whether plain `http://` is allowed (tests only).
//!
//! The service config embeds [`MondayClientSettings`]; every field except the two
//! credentials has a default, so a config file only has to name what it overrides.

use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

/// How to reach monday.com. Deserialised from the service config.
#[derive(Debug, Clone, Deserialize)]
pub struct MondayClientSettings {
    /// GraphQL endpoint. Default `https://api.monday.com/v2`.
    #[serde(default = "default_api_url")]
    pub api_url: String,
    /// Browser page the OAuth flow starts on. Default `https://auth.monday.com/oauth2/authorize`.
    #[serde(default = "default_oauth_authorize_url")]
    pub oauth_authorize_url: String,
    /// OAuth 2.1 token endpoint (code exchange and refresh).
    /// Default `https://auth.monday.com/oauth_ms/oauth/token`.
    #[serde(default = "default_oauth_token_url")]
    pub oauth_token_url: String,
    /// Legacy OAuth 2.0 token endpoint (non-expiring tokens).
    /// Default `https://auth.monday.com/oauth2/token`.
    #[serde(default = "default_legacy_token_url")]
    pub legacy_token_url: String,
    /// OAuth 2.1 revocation endpoint. Default `https://auth.monday.com/oauth_ms/oauth/revoke`.
    #[serde(default = "default_revoke_url")]
    pub revoke_url: String,
    /// `API-Version` header, `yyyy-mm` with month 01/04/07/10. Default `2025-07`. Pinned on
    /// purpose: without the header monday answers with whatever version is "current".
    #[serde(default = "default_api_version")]
    pub api_version: String,
    /// Whole-request timeout for every call. Default 10 000 ms.
    #[serde(default = "default_timeout_milliseconds")]
    pub timeout_milliseconds: u64,
    /// The app's OAuth client id (Developer Center > App credentials). Required.
    pub client_id: String,
    /// The app's OAuth client secret. Required.
    pub client_secret: SecretString,
    /// Allow plain `http://` URLs. Default `false`; only tests pointing at local stand-ins
    /// set it, so production traffic to monday is always TLS.
    #[serde(default)]
    pub allow_insecure_http: bool,
}

impl MondayClientSettings {
    /// Settings with every default and the given app credentials.
    pub fn new(client_id: impl Into<String>, client_secret: SecretString) -> Self {
        Self {
            api_url: default_api_url(),
            oauth_authorize_url: default_oauth_authorize_url(),
            oauth_token_url: default_oauth_token_url(),
            legacy_token_url: default_legacy_token_url(),
            revoke_url: default_revoke_url(),
            api_version: default_api_version(),
            timeout_milliseconds: default_timeout_milliseconds(),
            client_id: client_id.into(),
            client_secret,
            allow_insecure_http: false,
        }
    }
}

/// Why [`MondayClientSettings`] cannot build a client.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("monday setting `{field}` is not a valid URL: {reason}")]
    InvalidUrl { field: &'static str, reason: String },
    #[error(
        "monday setting `{field}` uses plain http; only https is allowed unless \
         `allow_insecure_http` is set (tests only)"
    )]
    InsecureUrl { field: &'static str },
    #[error("monday setting `api_version` must look like 2025-07 (month 01, 04, 07 or 10), got `{0}`")]
    InvalidApiVersion(String),
    #[error("monday setting `client_id` is empty")]
    MissingClientId,
    #[error("could not build the monday HTTP client: {0}")]
    HttpClient(String),
}

/// The endpoint URLs, parsed and checked once at construction.
#[derive(Debug, Clone)]
pub(crate) struct Endpoints {
    pub api: Url,
    pub authorize: Url,
    pub token: Url,
    pub legacy_token: Url,
    pub revoke: Url,
}

impl MondayClientSettings {
    pub(crate) fn validate(&self) -> Result<Endpoints, SettingsError> {
        if self.client_id.trim().is_empty() {
            return Err(SettingsError::MissingClientId);
        }
        validate_api_version(&self.api_version)?;
        let parse = |field, raw: &str| parse_url(field, raw, self.allow_insecure_http);
        Ok(Endpoints {
            api: parse("api_url", &self.api_url)?,
            authorize: parse("oauth_authorize_url", &self.oauth_authorize_url)?,
            token: parse("oauth_token_url", &self.oauth_token_url)?,
            legacy_token: parse("legacy_token_url", &self.legacy_token_url)?,
            revoke: parse("revoke_url", &self.revoke_url)?,
        })
    }
}

/// Parses `raw` and refuses any scheme but https (and http when allowed).
pub(crate) fn parse_url(field: &'static str, raw: &str, allow_insecure_http: bool) -> Result<Url, SettingsError> {
    let url = Url::parse(raw).map_err(|e| SettingsError::InvalidUrl { field, reason: e.to_string() })?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if allow_insecure_http => Ok(url),
        "http" => Err(SettingsError::InsecureUrl { field }),
        other => Err(SettingsError::InvalidUrl { field, reason: format!("unsupported scheme `{other}`") }),
    }
}

fn validate_api_version(version: &str) -> Result<(), SettingsError> {
    let valid = match version.split_once('-') {
        Some((year, month)) => {
            year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()) && ["01", "04", "07", "10"].contains(&month)
        }
        None => false,
    };
    if valid { Ok(()) } else { Err(SettingsError::InvalidApiVersion(version.to_owned())) }
}

fn default_api_url() -> String {
    "https://api.monday.com/v2".into()
}
fn default_oauth_authorize_url() -> String {
    "https://auth.monday.com/oauth2/authorize".into()
}
fn default_oauth_token_url() -> String {
    "https://auth.monday.com/oauth_ms/oauth/token".into()
}
fn default_legacy_token_url() -> String {
    "https://auth.monday.com/oauth2/token".into()
}
fn default_revoke_url() -> String {
    "https://auth.monday.com/oauth_ms/oauth/revoke".into()
}
fn default_api_version() -> String {
    "2025-07".into()
}
fn default_timeout_milliseconds() -> u64 {
    10_000
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> MondayClientSettings {
        MondayClientSettings::new("client", SecretString::from("secret"))
    }

    #[test]
    fn defaults_point_at_monday_over_https() {
        let endpoints = settings().validate().expect("defaults are valid");
        assert_eq!(endpoints.api.as_str(), "https://api.monday.com/v2");
        assert_eq!(endpoints.token.as_str(), "https://auth.monday.com/oauth_ms/oauth/token");
    }

    #[test]
    fn plain_http_is_refused_unless_allowed() {
        let mut s = settings();
        s.api_url = "http://127.0.0.1:1/v2".into();
        assert!(matches!(s.validate(), Err(SettingsError::InsecureUrl { field: "api_url" })));
        s.allow_insecure_http = true;
        assert!(s.validate().is_ok());
    }

    #[test]
    fn api_versions_must_name_a_quarter() {
        for bad in ["2025-05", "25-07", "2025", "latest"] {
            assert!(validate_api_version(bad).is_err(), "{bad}");
        }
        assert!(validate_api_version("2026-01").is_ok());
    }

    #[test]
    fn settings_deserialise_with_only_credentials() {
        let s: MondayClientSettings = serde_json::from_str(r#"{"client_id":"c","client_secret":"s"}"#).unwrap();
        assert_eq!(s.api_version, "2025-07");
        assert!(!s.allow_insecure_http);
    }
}
