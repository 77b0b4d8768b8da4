//! `Retry-After`, as both monday and Twilio may send it.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// `Retry-After` is delta-seconds or an HTTP date (RFC 9110 §10.2.3); a date in the past
/// means "now".
pub(crate) fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    Some((at.with_timezone(&Utc) - now).to_std().unwrap_or_default())
}
