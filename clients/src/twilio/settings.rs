//! Settings for the Twilio client: where the API lives, how long to wait, how to retry, and
//! whether plain `http://` is allowed (tests only).
//!
//! The service config embeds [`TwilioClientSettings`] as `[twilio.api]`. Every field has a
//! default, so production needs no entry at all; tests point `api_base_url` at the stand-in.

use std::time::Duration;

use serde::Deserialize;
use url::Url;

/// twilio-node's auto-retry stops after 3 (spec §1.5); more would only hold a send longer.
const MAX_RETRIES_LIMIT: u32 = 3;

/// How to reach Twilio's REST API. Deserialised from the service config.
#[derive(Debug, Clone, Deserialize)]
pub struct TwilioClientSettings {
    /// Scheme and host (optionally a path prefix) before `/2010-04-01/…`.
    /// Default `https://api.twilio.com`.
    #[serde(default = "default_api_base_url")]
    pub api_base_url: String,
    /// Whole-request timeout, per attempt. Default 10 000 ms. A create that times out may
    /// still have been sent, so it is never retried blindly.
    #[serde(default = "default_timeout_milliseconds")]
    pub timeout_milliseconds: u64,
    /// Allow a plain `http://` base URL. Default `false`; only tests pointing at the local
    /// stand-in set it, so production traffic to Twilio is always TLS.
    #[serde(default)]
    pub allow_insecure_http: bool,
    /// Retries after a 20429 or a refused connection, the two failures Twilio never
    /// processed. Default 3, at most 3; 0 disables retries.
    #[serde(default = "default_max_retries")]
    pub max_retries: u32,
    /// First retry waits about this long (±10 % jitter), doubling each time. Default 100 ms.
    #[serde(default = "default_base_backoff_milliseconds")]
    pub base_backoff_milliseconds: u64,
    /// No single wait is longer, and a `Retry-After` above it is not waited out: the error
    /// goes back to the caller, who can reschedule. Default 3 000 ms.
    #[serde(default = "default_max_backoff_milliseconds")]
    pub max_backoff_milliseconds: u64,
}

impl Default for TwilioClientSettings {
    fn default() -> Self {
        Self {
            api_base_url: default_api_base_url(),
            timeout_milliseconds: default_timeout_milliseconds(),
            allow_insecure_http: false,
            max_retries: default_max_retries(),
            base_backoff_milliseconds: default_base_backoff_milliseconds(),
            max_backoff_milliseconds: default_max_backoff_milliseconds(),
        }
    }
}

/// Why [`TwilioClientSettings`] cannot build a client.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("Twilio setting `api_base_url` is not a valid base URL: {reason}")]
    InvalidUrl { reason: String },
    #[error(
        "Twilio setting `api_base_url` uses plain http; only https is allowed unless \
         `allow_insecure_http` is set (tests only)"
    )]
    InsecureUrl,
    #[error("Twilio setting `{field}` is out of range: {reason}")]
    OutOfRange { field: &'static str, reason: &'static str },
    #[error("could not build the Twilio HTTP client: {0}")]
    HttpClient(String),
}

/// How retries wait, taken from the settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RetrySettings {
    pub max_retries: u32,
    pub base_backoff: Duration,
    pub max_backoff: Duration,
}

impl TwilioClientSettings {
    /// Checks every field; returns the base URL (path ending in `/`) and the retry policy.
    pub(crate) fn validate(&self) -> Result<(Url, RetrySettings), SettingsError> {
        let base = parse_base_url(&self.api_base_url, self.allow_insecure_http)?;
        if self.timeout_milliseconds == 0 {
            return Err(SettingsError::OutOfRange { field: "timeout_milliseconds", reason: "must be above 0" });
        }
        if self.max_retries > MAX_RETRIES_LIMIT {
            return Err(SettingsError::OutOfRange { field: "max_retries", reason: "must be at most 3" });
        }
        if self.max_backoff_milliseconds < self.base_backoff_milliseconds {
            return Err(SettingsError::OutOfRange {
                field: "max_backoff_milliseconds",
                reason: "must not be below base_backoff_milliseconds",
            });
        }
        let retry = RetrySettings {
            max_retries: self.max_retries,
            base_backoff: Duration::from_millis(self.base_backoff_milliseconds),
            max_backoff: Duration::from_millis(self.max_backoff_milliseconds),
        };
        Ok((base, retry))
    }
}

/// https (or http when allowed), no query or fragment, path ending in `/` so that
/// `Url::join` appends below any path prefix instead of replacing its last segment.
fn parse_base_url(raw: &str, allow_insecure_http: bool) -> Result<Url, SettingsError> {
    let mut url = Url::parse(raw).map_err(|e| SettingsError::InvalidUrl { reason: e.to_string() })?;
    match url.scheme() {
        "https" => {}
        "http" if allow_insecure_http => {}
        "http" => return Err(SettingsError::InsecureUrl),
        _ => {
            return Err(SettingsError::InvalidUrl { reason: "the scheme must be https".into() });
        }
    }
    if url.query().is_some() || url.fragment().is_some() || url.password().is_some() {
        return Err(SettingsError::InvalidUrl { reason: "it must not carry a query, fragment or password".into() });
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

fn default_api_base_url() -> String {
    "https://api.twilio.com".into()
}
fn default_timeout_milliseconds() -> u64 {
    10_000
}
fn default_max_retries() -> u32 {
    3
}
fn default_base_backoff_milliseconds() -> u64 {
    100
}
fn default_max_backoff_milliseconds() -> u64 {
    3_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_point_at_twilio_over_https() {
        let (base, retry) = TwilioClientSettings::default().validate().unwrap();
        assert_eq!(base.as_str(), "https://api.twilio.com/");
        assert_eq!(retry.max_retries, 3);
        assert_eq!(retry.base_backoff, Duration::from_millis(100));
    }

    #[test]
    fn settings_deserialise_from_an_empty_table() {
        let settings: TwilioClientSettings = serde_json::from_str("{}").unwrap();
        assert_eq!(settings.api_base_url, "https://api.twilio.com");
        assert_eq!(settings.timeout_milliseconds, 10_000);
        assert!(!settings.allow_insecure_http);
    }

    #[test]
    fn plain_http_is_refused_unless_allowed() {
        let mut settings =
            TwilioClientSettings { api_base_url: "http://127.0.0.1:9".into(), ..TwilioClientSettings::default() };
        assert!(matches!(settings.validate(), Err(SettingsError::InsecureUrl)));
        settings.allow_insecure_http = true;
        assert!(settings.validate().is_ok());
    }

    #[test]
    fn a_path_prefix_is_kept_below_the_base() {
        let settings = TwilioClientSettings {
            api_base_url: "https://proxy.example.com/twilio".into(),
            ..TwilioClientSettings::default()
        };
        let (base, _) = settings.validate().unwrap();
        let joined = base.join("2010-04-01/Accounts").unwrap();
        assert_eq!(joined.as_str(), "https://proxy.example.com/twilio/2010-04-01/Accounts");
    }

    #[test]
    fn out_of_range_numbers_and_odd_urls_are_refused() {
        let bad = [
            TwilioClientSettings { max_retries: 4, ..TwilioClientSettings::default() },
            TwilioClientSettings { timeout_milliseconds: 0, ..TwilioClientSettings::default() },
            TwilioClientSettings { base_backoff_milliseconds: 5_000, ..TwilioClientSettings::default() },
            TwilioClientSettings {
                api_base_url: "https://api.twilio.com/?x=1".into(),
                ..TwilioClientSettings::default()
            },
            TwilioClientSettings { api_base_url: "ftp://api.twilio.com".into(), ..TwilioClientSettings::default() },
        ];
        for settings in bad {
            assert!(settings.validate().is_err(), "{settings:?}");
        }
    }
}
