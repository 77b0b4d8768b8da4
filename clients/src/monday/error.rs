//! What can go wrong talking to monday, sorted by what the caller should do next.
//!
//! [`MondayApiError`] covers the GraphQL API and trigger webhooks (spec §8.4, §4.2);
//! [`OAuthError`] covers the token endpoints (spec §7). No variant ever holds a token:
//! details are built from status codes, error codes and monday's own messages.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// A failed GraphQL call or trigger delivery.
#[derive(Debug, thiserror::Error)]
pub enum MondayApiError {
    /// Complexity budget, per-minute, per-IP or concurrency limit. Retry after the wait.
    #[error("monday rate limit ({code}); retry in {}s", retry_after.as_secs())]
    RateLimited { code: String, retry_after: Duration },
    /// The account's daily call quota is spent; it resets at 00:00 UTC.
    #[error("monday daily call limit reached; resets at {resets_at}")]
    DailyLimit { resets_at: DateTime<Utc> },
    /// HTTP 423: the board is busy. Retry after a short wait.
    #[error("monday resource is locked; retry in {}s", retry_after.as_secs())]
    Locked { retry_after: Duration },
    /// The token was rejected (expired, revoked, uninstalled, or a legacy token where
    /// `OAUTH21_TOKEN_REQUIRED`). Refresh or re-authorise, then retry once.
    #[error("monday rejected the token ({}): {message}", code.as_deref().unwrap_or("401"))]
    Unauthorized { code: Option<String>, message: String },
    /// HTTP 200 with `errors`: the query itself failed (bad column value, missing item…).
    /// Retrying the same request gives the same answer.
    #[error("monday GraphQL error ({}): {message}", code.as_deref().unwrap_or("no code"))]
    Application { code: Option<String>, message: String, request_id: Option<String> },
    /// 5xx, a non-JSON body (e.g. an HTML 504 page), a timeout or a network failure.
    #[error("monday is unavailable (status {}): {detail}", status_text(*status))]
    Transient { status: Option<u16>, detail: String },
    /// Anything else: 4xx without a known meaning, an unusable URL, a request we refuse
    /// to send. Retrying will not help.
    #[error("monday refused the request (status {}): {detail}", status_text(*status))]
    Permanent { status: Option<u16>, detail: String },
}

impl MondayApiError {
    /// How long to wait before retrying, when monday said (or the limit implies) so.
    /// `None` for transient errors (use exponential backoff) and for errors that must not
    /// be retried.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } | Self::Locked { retry_after } => Some(*retry_after),
            Self::DailyLimit { resets_at } => Some((*resets_at - Utc::now()).to_std().unwrap_or_default()),
            _ => None,
        }
    }

    /// Whether sending the same request again later can succeed. `Unauthorized` is not:
    /// the caller must first get a new token.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. } | Self::DailyLimit { .. } | Self::Locked { .. } | Self::Transient { .. }
        )
    }

    pub(crate) fn from_transport(error: &reqwest::Error) -> Self {
        let detail = error.to_string();
        if error.is_builder() {
            Self::Permanent { status: None, detail }
        } else {
            Self::Transient { status: error.status().map(|s| s.as_u16()), detail }
        }
    }
}

/// A failed call to an OAuth token or revocation endpoint.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// `invalid_grant`: the code was used, expired or failed PKCE, or the refresh token
    /// was already rotated or revoked. The account must authorise again.
    #[error("monday rejected the grant: {description}")]
    InvalidGrant { description: String },
    /// Any other OAuth error (`invalid_client`, `invalid_request`, …): a configuration bug.
    #[error("monday OAuth error {error} (status {status}): {description}")]
    Rejected { status: u16, error: String, description: String },
    /// 5xx, 429, a timeout or a network failure. Retry with backoff.
    #[error("monday OAuth endpoint unavailable (status {}): {detail}", status_text(*status))]
    Transient { status: Option<u16>, detail: String },
    /// A 2xx whose body is not a token response, or a request we refuse to send.
    #[error("unexpected monday OAuth response: {detail}")]
    Unexpected { detail: String },
}

impl OAuthError {
    /// Whether the same request may succeed later.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Transient { .. })
    }

    /// Whether the stored tokens are dead and the account must go through OAuth again.
    pub fn requires_reauthorization(&self) -> bool {
        matches!(self, Self::InvalidGrant { .. })
    }

    pub(crate) fn from_transport(error: &reqwest::Error) -> Self {
        Self::Transient { status: error.status().map(|s| s.as_u16()), detail: error.to_string() }
    }
}

fn status_text(status: Option<u16>) -> String {
    status.map_or_else(|| "none".into(), |s| s.to_string())
}

/// Caps text taken from a response so an error never carries a whole HTML page.
pub(crate) fn truncate(text: &str) -> String {
    const MAX_CHARS: usize = 300;
    match text.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}
