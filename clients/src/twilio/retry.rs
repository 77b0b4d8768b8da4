//! How long to wait before retrying a request Twilio never processed (spec §1.5, §6.3):
//! `base · 2^n` with ±10 % jitter, capped, or Twilio's `Retry-After` when it sends one.
//!
//! Which failures are retried is decided by the caller (`client`); this module only does the
//! arithmetic, so it can be tested without a server.

use std::time::Duration;

use super::settings::RetrySettings;

/// Jitter spreads retries from many account actors hitting the same 20429 at once.
const JITTER_FRACTION: f64 = 0.1;

/// The wait before retry number `retry` (0 for the first), or `None` when no retry is
/// left or Twilio asked for a longer wait than we hold a request for.
pub(crate) fn retry_delay(settings: &RetrySettings, retry: u32, retry_after: Option<Duration>) -> Option<Duration> {
    if retry >= settings.max_retries {
        return None;
    }
    match retry_after {
        Some(wait) if wait > settings.max_backoff => None,
        Some(wait) => Some(wait),
        None => Some(backoff(settings, retry)),
    }
}

fn backoff(settings: &RetrySettings, retry: u32) -> Duration {
    let factor = 2_u32.saturating_pow(retry);
    let exponential = settings.base_backoff.saturating_mul(factor);
    let jitter = rand::random_range(1.0 - JITTER_FRACTION..=1.0 + JITTER_FRACTION);
    exponential.mul_f64(jitter).min(settings.max_backoff)
}

pub(crate) use crate::retry_after::parse_retry_after;

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;

    fn settings() -> RetrySettings {
        RetrySettings {
            max_retries: 3,
            base_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(3_000),
        }
    }

    #[test]
    fn backoff_doubles_within_ten_percent_jitter() {
        for (retry, nominal_ms) in [(0, 100.0), (1, 200.0), (2, 400.0)] {
            let wait = retry_delay(&settings(), retry, None).unwrap();
            let ms = wait.as_secs_f64() * 1_000.0;
            assert!((nominal_ms * 0.9..=nominal_ms * 1.1).contains(&ms), "{retry}: {ms}");
        }
    }

    #[test]
    fn backoff_is_capped() {
        let mut settings = settings();
        settings.max_retries = 3;
        settings.base_backoff = Duration::from_millis(2_000);
        let wait = retry_delay(&settings, 2, None).unwrap();
        assert_eq!(wait, Duration::from_millis(3_000));
    }

    #[test]
    fn there_are_no_more_retries_than_configured() {
        assert!(retry_delay(&settings(), 2, None).is_some());
        assert!(retry_delay(&settings(), 3, None).is_none());
        let mut none = settings();
        none.max_retries = 0;
        assert!(retry_delay(&none, 0, None).is_none());
    }

    #[test]
    fn retry_after_is_honoured_unless_it_is_too_long_to_wait_inline() {
        let short = Duration::from_secs(2);
        assert_eq!(retry_delay(&settings(), 0, Some(short)), Some(short));
        assert_eq!(retry_delay(&settings(), 0, Some(Duration::from_secs(30))), None);
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(parse_retry_after(" 2 ", now), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after("Thu, 01 Jan 2026 00:00:05 GMT", now), Some(Duration::from_secs(5)));
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
