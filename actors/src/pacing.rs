//! Per-sender pacing: when may the next message from a sender start, so that a burst
//! never outruns the sender's throughput (spec/twilio.md §6).
//!
//! Twilio counts throughput in *segments* per second, so a 3-segment SMS costs three
//! units. Each sender keeps the earliest time its next message may start; reserving a slot
//! for `n` segments moves that time on by `n / rate`. There is no burst allowance: Twilio
//! would only queue the excess at its end, and a drip that dumps a board into Twilio's
//! queue risks 21611/30001 for everyone on that sender.
//!
//! Back-off: a 20429 (too many concurrent requests) or 21611 (sender queue full) pauses the
//! sender until a given time; reservations made meanwhile start after it, so sends resume
//! by themselves.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// Sends per second a sender may take, in segments.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub segments_per_second: f64,
}

impl Rate {
    fn duration_of(self, segments: u32) -> chrono::Duration {
        let seconds = f64::from(segments.max(1)) / self.segments_per_second.max(0.001);
        chrono::Duration::microseconds((seconds * 1_000_000.0).round() as i64)
    }
}

#[derive(Debug, Default)]
struct SenderPace {
    next_free: Option<DateTime<Utc>>,
    paused_until: Option<DateTime<Utc>>,
}

/// The pace of every sender of one account, keyed by the sender's keyed hash.
#[derive(Debug, Default)]
pub struct Pacer {
    senders: HashMap<String, SenderPace>,
}

impl Pacer {
    /// Reserves the earliest slot at or after `now` for `segments` on `sender`, and returns
    /// when the send may start.
    pub fn reserve(&mut self, sender: &str, rate: Rate, segments: u32, now: DateTime<Utc>) -> DateTime<Utc> {
        let pace = self.senders.entry(sender.to_owned()).or_default();
        let start = [Some(now), pace.next_free, pace.paused_until].into_iter().flatten().max().unwrap_or(now);
        pace.next_free = Some(start + rate.duration_of(segments));
        start
    }

    /// Pauses `sender` until `now + pause` (Twilio said slow down).
    pub fn pause(&mut self, sender: &str, pause: Duration, now: DateTime<Utc>) -> DateTime<Utc> {
        let until = now + chrono::Duration::from_std(pause).unwrap_or_default();
        let pace = self.senders.entry(sender.to_owned()).or_default();
        pace.paused_until = Some(pace.paused_until.map_or(until, |current| current.max(until)));
        until
    }

    /// Whether the sender is paused at `now`.
    pub fn is_paused(&self, sender: &str, now: DateTime<Utc>) -> bool {
        self.senders.get(sender).and_then(|pace| pace.paused_until).is_some_and(|until| until > now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::seconds(seconds)
    }

    const ONE_PER_SECOND: Rate = Rate { segments_per_second: 1.0 };

    #[test]
    fn a_burst_is_spread_at_the_senders_rate() {
        let mut pacer = Pacer::default();
        let starts: Vec<_> = (0..5).map(|_| pacer.reserve("s", ONE_PER_SECOND, 1, at(0))).collect();
        assert_eq!(starts, vec![at(0), at(1), at(2), at(3), at(4)]);
    }

    #[test]
    fn a_multi_segment_message_costs_one_unit_per_segment() {
        let mut pacer = Pacer::default();
        assert_eq!(pacer.reserve("s", ONE_PER_SECOND, 3, at(0)), at(0));
        assert_eq!(pacer.reserve("s", ONE_PER_SECOND, 1, at(0)), at(3));
    }

    #[test]
    fn senders_are_paced_independently() {
        let mut pacer = Pacer::default();
        pacer.reserve("a", ONE_PER_SECOND, 1, at(0));
        assert_eq!(pacer.reserve("b", ONE_PER_SECOND, 1, at(0)), at(0));
    }

    #[test]
    fn an_idle_sender_starts_at_once() {
        let mut pacer = Pacer::default();
        pacer.reserve("s", ONE_PER_SECOND, 1, at(0));
        assert_eq!(pacer.reserve("s", ONE_PER_SECOND, 1, at(60)), at(60));
    }

    #[test]
    fn a_paused_sender_resumes_by_itself_after_the_pause() {
        let mut pacer = Pacer::default();
        pacer.pause("s", Duration::from_secs(30), at(0));
        assert!(pacer.is_paused("s", at(10)));
        assert_eq!(pacer.reserve("s", ONE_PER_SECOND, 1, at(10)), at(30));
        assert!(!pacer.is_paused("s", at(31)));
    }

    #[test]
    fn faster_senders_fit_more_messages_in_a_second() {
        let mut pacer = Pacer::default();
        let ten = Rate { segments_per_second: 10.0 };
        let last = (0..10).map(|_| pacer.reserve("s", ten, 1, at(0))).last().unwrap();
        assert_eq!(last, at(0) + chrono::Duration::milliseconds(900));
    }
}
