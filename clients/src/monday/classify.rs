//! Turns a monday HTTP response into GraphQL `data` or a [`MondayApiError`] (spec §8.4).
//!
//! monday reports problems in several shapes at once: HTTP 200 with an `errors` array
//! (2025-01 and later), `extensions.code` vs the legacy top-level `error_code`, the same
//! complexity error under HTTP 200 or 429, and HTML pages from its gateway. Error codes
//! decide first because they are the most specific; the HTTP status decides the rest.

use std::time::Duration;

use chrono::{DateTime, Days, Utc};
use serde_json::Value;

use super::error::{MondayApiError, truncate};

/// Waiting one full sliding window (60 s) always clears a per-minute budget, so it is
/// the safe wait when a rate limit names none.
const DEFAULT_RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);
/// monday asks for "a short delay" on 423 without naming one.
const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(5);

const RATE_LIMIT_CODES: [&str; 7] = [
    "COMPLEXITY_BUDGET_EXHAUSTED",
    "ComplexityException",
    "RATE_LIMIT_EXCEEDED",
    "IP_RATE_LIMIT_EXCEEDED",
    "FIELD_LIMIT_EXCEEDED",
    "maxConcurrencyExceeded",
    "CONCURRENCY_LIMIT_EXCEEDED",
];

/// The parts of an HTTP response that classification looks at.
pub(crate) struct RawResponse {
    pub status: u16,
    /// The `Retry-After` header, already converted to a wait.
    pub retry_after: Option<Duration>,
    /// `None` when the body is not JSON.
    pub body: Option<Value>,
}

/// One entry of `errors`, or the legacy top-level `error_code`/`error_message`.
struct ReportedError {
    code: Option<String>,
    message: String,
    retry_in_seconds: Option<u64>,
    status_code: Option<u16>,
}

/// `Ok(data)` for a clean 2xx, otherwise the error class.
pub(crate) fn classify(response: RawResponse, now: DateTime<Utc>) -> Result<Value, MondayApiError> {
    let Some(body) = &response.body else {
        let detail = format!("HTTP {} with a non-JSON body", response.status);
        return Err(by_status(response.status, response.retry_after, None, detail));
    };
    let errors = reported_errors(body);
    if errors.is_empty() {
        return data_or_status_error(&response, body);
    }
    Err(classify_errors(&response, body, &errors, now))
}

fn data_or_status_error(response: &RawResponse, body: &Value) -> Result<Value, MondayApiError> {
    match body.get("data") {
        Some(data) if !data.is_null() && is_success(response.status) => Ok(data.clone()),
        _ => {
            let detail = format!("HTTP {} without data or errors", response.status);
            Err(by_status(response.status, response.retry_after, None, detail))
        }
    }
}

fn classify_errors(
    response: &RawResponse,
    body: &Value,
    errors: &[ReportedError],
    now: DateTime<Utc>,
) -> MondayApiError {
    if let Some(limited) = errors.iter().find(|e| has_code(e, &RATE_LIMIT_CODES)) {
        return MondayApiError::RateLimited {
            code: limited.code.clone().unwrap_or_default(),
            retry_after: rate_limit_wait(limited, response.retry_after),
        };
    }
    if errors.iter().any(|e| has_code(e, &["DAILY_LIMIT_EXCEEDED"])) {
        return MondayApiError::DailyLimit { resets_at: next_utc_midnight(now) };
    }
    let first = &errors[0];
    if has_code(first, &["OAUTH21_TOKEN_REQUIRED"]) {
        return MondayApiError::Unauthorized { code: first.code.clone(), message: truncate(&first.message) };
    }
    // A 200 may still carry the real status inside `extensions.status_code`.
    let status = match first.status_code {
        Some(inner) if is_success(response.status) => inner,
        _ => response.status,
    };
    if is_success(status) {
        return MondayApiError::Application {
            code: first.code.clone(),
            message: truncate(&first.message),
            request_id: request_id(body),
        };
    }
    let wait = first.retry_in_seconds.map(Duration::from_secs).or(response.retry_after);
    by_status(status, wait, first.code.clone(), truncate(&first.message))
}

fn by_status(status: u16, retry_after: Option<Duration>, code: Option<String>, detail: String) -> MondayApiError {
    match status {
        401 => MondayApiError::Unauthorized { code, message: detail },
        423 => MondayApiError::Locked { retry_after: retry_after.unwrap_or(DEFAULT_LOCK_WAIT) },
        429 => MondayApiError::RateLimited {
            code: code.unwrap_or_else(|| "HTTP_429".into()),
            retry_after: retry_after.unwrap_or(DEFAULT_RATE_LIMIT_WAIT),
        },
        // A 2xx lands here only when its body was unusable: a proxy page, a cut-off answer.
        200..=299 | 500..=599 => MondayApiError::Transient { status: Some(status), detail },
        _ => MondayApiError::Permanent { status: Some(status), detail },
    }
}

fn reported_errors(body: &Value) -> Vec<ReportedError> {
    let mut reported: Vec<ReportedError> = body
        .get("errors")
        .and_then(Value::as_array)
        .map(|errors| errors.iter().map(reported_error).collect())
        .unwrap_or_default();
    if body.get("error_code").is_some() || body.get("error_message").is_some() {
        reported.push(legacy_error(body));
    }
    reported
}

fn reported_error(error: &Value) -> ReportedError {
    let extensions = error.get("extensions");
    let field = |name: &str| extensions.and_then(|x| x.get(name));
    ReportedError {
        code: field("code").or_else(|| error.get("error_code")).and_then(Value::as_str).map(str::to_owned),
        message: error.get("message").and_then(Value::as_str).or_else(|| error.as_str()).unwrap_or_default().to_owned(),
        retry_in_seconds: field("retry_in_seconds").and_then(Value::as_u64),
        status_code: field("status_code").and_then(as_status),
    }
}

fn legacy_error(body: &Value) -> ReportedError {
    ReportedError {
        code: body.get("error_code").and_then(Value::as_str).map(str::to_owned),
        message: body.get("error_message").and_then(Value::as_str).unwrap_or_default().to_owned(),
        retry_in_seconds: body.get("retry_in_seconds").and_then(Value::as_u64),
        status_code: body.get("status_code").and_then(as_status),
    }
}

fn as_status(value: &Value) -> Option<u16> {
    value.as_u64().and_then(|s| u16::try_from(s).ok())
}

fn has_code(error: &ReportedError, codes: &[&str]) -> bool {
    error.code.as_deref().is_some_and(|code| codes.iter().any(|c| c.eq_ignore_ascii_case(code)))
}

/// `retry_in_seconds`, then `Retry-After`, then "reset in N seconds" in the message.
fn rate_limit_wait(error: &ReportedError, header: Option<Duration>) -> Duration {
    error
        .retry_in_seconds
        .map(Duration::from_secs)
        .or(header)
        .or_else(|| seconds_in_reset_message(&error.message))
        .unwrap_or(DEFAULT_RATE_LIMIT_WAIT)
}

/// Legacy complexity errors put the wait in prose: "… reset in 12 seconds".
fn seconds_in_reset_message(message: &str) -> Option<Duration> {
    let lower = message.to_ascii_lowercase();
    let rest = &lower[lower.find("reset in ")? + "reset in ".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().map(Duration::from_secs)
}

fn request_id(body: &Value) -> Option<String> {
    body.pointer("/extensions/request_id").and_then(Value::as_str).map(str::to_owned)
}

fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

/// The daily quota resets at 00:00 UTC.
pub(crate) fn next_utc_midnight(now: DateTime<Utc>) -> DateTime<Utc> {
    let tomorrow = now.date_naive() + Days::new(1);
    tomorrow.and_time(chrono::NaiveTime::MIN).and_utc()
}

pub(crate) use crate::retry_after::parse_retry_after;

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn classify_json(status: u16, body: Value) -> Result<Value, MondayApiError> {
        let response = RawResponse { status, retry_after: None, body: Some(body) };
        classify(response, Utc::now())
    }

    #[test]
    fn the_wait_is_read_from_legacy_reset_messages() {
        let message = "Complexity budget exhausted, query cost 30001 budget remaining \
                       100 out of 1000000 reset in 12 seconds";
        assert_eq!(seconds_in_reset_message(message), Some(Duration::from_secs(12)));
        assert_eq!(seconds_in_reset_message("no wait here"), None);
    }

    #[test]
    fn string_entries_in_errors_are_read_as_messages() {
        let result = classify_json(401, json!({"errors": ["Not Authenticated"]}));
        assert!(matches!(
            result,
            Err(MondayApiError::Unauthorized { message, .. }) if message == "Not Authenticated"
        ));
    }

    #[test]
    fn an_inner_status_code_decides_for_a_200() {
        let body = json!({"errors": [{"message": "boom",
            "extensions": {"code": "INTERNAL_SERVER_ERROR", "status_code": 500}}]});
        assert!(matches!(classify_json(200, body), Err(MondayApiError::Transient { status: Some(500), .. })));
    }

    #[test]
    fn midnight_utc_is_the_next_daily_reset() {
        let now = DateTime::parse_from_rfc3339("2025-03-31T23:59:00Z").unwrap().to_utc();
        let expected = DateTime::parse_from_rfc3339("2025-04-01T00:00:00Z").unwrap();
        assert_eq!(next_utc_midnight(now), expected);
    }

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:27:00Z").unwrap().to_utc();
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now), Some(Duration::from_secs(60)));
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
