//! The [`TwilioClient`] value and the one path every call takes to the network: Basic auth,
//! `Accept: application/json`, the retry loop, and the sorting of failures into
//! [`TwilioError`]. The calls themselves live in `send` and `lookup`.
//!
//! Only failures Twilio never processed are retried here: a 20429 (spec §1.5: "never
//! processed, safe to retry") and a refused connection. A timeout is never retried: the
//! create may have gone through, and only the caller can decide to look it up.

use std::error::Error as _;
use std::io;
use std::time::Duration;

use chrono::Utc;
use reqwest::header::{ACCEPT, RETRY_AFTER};
use reqwest::{RequestBuilder, Response};
use secrecy::ExposeSecret;
use url::Url;

use super::classify::TOO_MANY_REQUESTS;
use super::credentials::TwilioCredentials;
use super::error::TwilioError;
use super::ids::AccountSid;
use super::retry::{parse_retry_after, retry_delay};
use super::settings::{RetrySettings, SettingsError, TwilioClientSettings};

/// Talks to Twilio's Messages API with per-call credentials (each monday account brings its
/// own Twilio account).
///
/// Cheap to clone: the connection pool is shared. Holds no credentials.
#[derive(Debug, Clone)]
pub struct TwilioClient {
    http: reqwest::Client,
    base: Url,
    retry: RetrySettings,
}

/// A 2xx answer: its status and raw body, plus how many retries it took.
pub(crate) struct Success {
    pub status: u16,
    pub body: Vec<u8>,
    pub retries: u32,
}

/// One attempt's failure, before retry decisions turn it into a [`TwilioError`].
enum Failure {
    /// Never reached Twilio and safe to repeat.
    Refused,
    Error(TwilioError),
}

impl TwilioClient {
    /// Checks the settings and builds the HTTP client.
    ///
    /// # Errors
    /// A malformed base URL, a plain `http://` one while `allow_insecure_http` is false, or
    /// out-of-range timeouts and retry numbers.
    pub fn new(settings: TwilioClientSettings) -> Result<Self, SettingsError> {
        let (base, retry) = settings.validate()?;
        let timeout = Duration::from_millis(settings.timeout_milliseconds);
        let http = crate::http::build_client(timeout, settings.allow_insecure_http)
            .map_err(|e| SettingsError::HttpClient(e.to_string()))?;
        Ok(Self { http, base, retry })
    }

    /// `{base}/2010-04-01/Accounts/{AccountSid}/{rest}`. Every segment we put in is a
    /// validated SID, so the join cannot escape the account's path.
    pub(crate) fn account_url(&self, account: &AccountSid, rest: &str) -> Url {
        let relative = format!("2010-04-01/Accounts/{}/{rest}", account.as_str());
        self.base.join(&relative).expect("a validated base URL joins a relative path of SIDs")
    }

    /// Joins a `next_page_uri` (an absolute path Twilio returned) below our base URL.
    pub(crate) fn page_url(&self, uri: &str) -> Option<Url> {
        self.base.join(uri.strip_prefix('/')?).ok()
    }

    /// A request with the account's Basic auth and `Accept: application/json`.
    pub(crate) fn request(&self, method: reqwest::Method, url: Url, credentials: &TwilioCredentials) -> RequestBuilder {
        let (username, password) = credentials.basic_auth();
        self.http
            .request(method, url)
            // reqwest marks the Authorization header sensitive, so it stays out of Debug.
            .basic_auth(username, Some(password.expose_secret()))
            .header(ACCEPT, "application/json")
            .header("Accept-Charset", "utf-8")
    }

    /// Sends the request built by `build`, retrying 20429s and refused connections, and
    /// returns the 2xx answer or the final error.
    pub(crate) async fn execute(&self, build: impl Fn() -> RequestBuilder) -> Result<Success, TwilioError> {
        let mut retries = 0;
        loop {
            let failure = match attempt(build()).await {
                Ok((status, body)) => {
                    return Ok(Success { status, body, retries });
                }
                Err(failure) => failure,
            };
            let Some(wait) = self.retry_wait(&failure, retries) else {
                return Err(into_error(failure, retries));
            };
            tracing::debug!(
                retry = retries + 1,
                code = failure_code(&failure),
                wait_milliseconds = wait.as_millis() as u64,
                "retrying a Twilio request that was not processed"
            );
            tokio::time::sleep(wait).await;
            retries += 1;
        }
    }

    fn retry_wait(&self, failure: &Failure, retries: u32) -> Option<Duration> {
        match failure {
            Failure::Refused => retry_delay(&self.retry, retries, None),
            Failure::Error(error) if was_not_processed(error) => retry_delay(&self.retry, retries, error.retry_after()),
            Failure::Error(_) => None,
        }
    }
}

/// 20429, or a bare 429 without a code (a gateway answering for Twilio).
fn was_not_processed(error: &TwilioError) -> bool {
    match error {
        TwilioError::Api { code, status, .. } => *code == Some(TOO_MANY_REQUESTS) || (code.is_none() && *status == 429),
        _ => false,
    }
}

fn failure_code(failure: &Failure) -> Option<i64> {
    match failure {
        Failure::Refused => None,
        Failure::Error(error) => error.code(),
    }
}

fn into_error(failure: Failure, retries: u32) -> TwilioError {
    match failure {
        Failure::Refused => TwilioError::Transport { detail: format!("connection refused, {retries} retries") },
        Failure::Error(error) => error,
    }
}

/// One request: `Ok` for a 2xx (status and body), otherwise the failure.
async fn attempt(request: RequestBuilder) -> Result<(u16, Vec<u8>), Failure> {
    let response = request.send().await.map_err(|e| sort_failure(&e))?;
    let status = response.status().as_u16();
    let retry_after = header_retry_after(&response);
    let body = response.bytes().await.map_err(|e| Failure::Error(body_failure(&e, status)))?;
    if (200..300).contains(&status) {
        Ok((status, body.to_vec()))
    } else {
        Err(Failure::Error(TwilioError::from_response(status, retry_after, &body)))
    }
}

fn header_retry_after(response: &Response) -> Option<Duration> {
    response.headers().get(RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(|v| parse_retry_after(v, Utc::now()))
}

/// Sorts a failed send by whether Twilio can have seen the request. reqwest's own message
/// is never copied: it names the URL, and the URL holds the Account SID.
fn sort_failure(error: &reqwest::Error) -> Failure {
    let io_kind = io_error_kind(error);
    if io_kind == Some(io::ErrorKind::ConnectionRefused) {
        return Failure::Refused;
    }
    // Connect errors (DNS, TCP, TLS, connect timeout) happen before a byte of the request
    // is written, so they are safe to report as "nothing was sent".
    if error.is_connect() {
        let detail = io_kind.map_or_else(|| "connection failed".into(), |k| k.to_string());
        return Failure::Error(TwilioError::Transport { detail });
    }
    if error.is_timeout() {
        return Failure::Error(TwilioError::Timeout);
    }
    let detail = if error.is_builder() {
        "the request could not be built"
    } else {
        "the connection failed after the request was sent"
    };
    Failure::Error(TwilioError::Unexpected { status: None, detail: detail.into() })
}

fn body_failure(error: &reqwest::Error, status: u16) -> TwilioError {
    if error.is_timeout() {
        return TwilioError::Timeout;
    }
    TwilioError::Unexpected { status: Some(status), detail: "the answer's body could not be read".into() }
}

/// The `io::ErrorKind` somewhere in the error's source chain, if any.
fn io_error_kind(error: &reqwest::Error) -> Option<io::ErrorKind> {
    let mut source = error.source();
    while let Some(inner) = source {
        if let Some(io_error) = inner.downcast_ref::<io::Error>() {
            return Some(io_error.kind());
        }
        source = inner.source();
    }
    None
}
