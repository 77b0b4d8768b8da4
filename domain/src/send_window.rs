//! When a drip step may send: its [`StepDelay`] after the previous step, and its optional
//! [`SendWindow`] of weekdays and hours.
//!
//! Everything is read on the clocks of one time zone, never in UTC: the campaign's zone, or
//! the item's when the board has a time-zone (monday "world clock") column holding a valid
//! [`TimeZoneName`]. Friday 23:00 in Los Angeles is a Friday although it is already
//! Saturday in UTC, and "09:00" is 09:00 on local clocks in winter and in summer.
//!
//! The rules, in the order a user would ask about them:
//! - A window is open from `start` up to, not including, `end` on each of its `days`.
//! - An `end` before `start` runs past midnight, and the opening belongs to the day it
//!   starts on: Friday 22:00–02:00 is open from Friday 22:00 to Saturday 02:00. It needs
//!   Friday in `days`, and Saturday's own opening (if Saturday is listed) starts Saturday
//!   22:00.
//! - A step that comes due outside its window waits for the next opening; inside, it
//!   sends at once. [`next_opening`] computes that instant.
//! - Daylight saving: each opening runs from the first instant the local clocks read
//!   `start` (or later) to the first instant they read `end` (or later). So a `start` the
//!   clocks skip (02:30 on the US spring-forward day) opens when they jump past it, at
//!   03:00; a `start` the clocks show twice (01:30 on the fall-back day) opens at the first
//!   01:30 and the opening stays unbroken through the repeated hour. A window that lies
//!   wholly inside a skipped hour does not open that day.
//! - Delays in minutes and hours are elapsed time. Delays in days are calendar days on the
//!   zone's clocks and keep the time of day: "1 day" after 09:00 is 09:00 the next day,
//!   which is 23 or 25 hours later across a DST change, because that is what a user who
//!   writes "a day later" expects to see on the recipient's phone.

use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone, Timelike,
    Utc, Weekday, WeekdaySet,
};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Local days [`next_opening`] looks at, starting the day before `at` (an opening that ran
/// past midnight may still be open). A weekly window opens within 8 of them; the other
/// week covers a window whose only opening of a week vanished into a skipped hour (or, in
/// Samoa in 2011, a skipped day).
const SEARCH_DAYS: usize = 16;
/// Longest user text quoted back in an error; longer text is cut.
const MAX_QUOTED_CHARS: usize = 40;

/// Why a send window, or a piece of one, is not usable. Messages are shown to the monday
/// user who configured the drip step.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendWindowError {
    #[error("the send window has no days; pick at least one day of the week")]
    NoDays,
    #[error(
        "the send window starts and ends at {time}; pick a different end time (an end before the start runs past midnight)"
    )]
    StartEqualsEnd { time: String },
    #[error("\"{0}\" is not a day of the week; use mon, tue, wed, thu, fri, sat or sun")]
    UnknownDay(String),
    #[error("\"{0}\" is not a time of day; write it on a 24-hour clock as HH:MM, such as 09:00 or 17:30")]
    BadTime(String),
}

/// The days and hours a drip step may send, on the clocks of the step's time zone.
///
/// Deserializing validates; a window built in code should be checked with
/// [`SendWindow::validate`]. [`next_opening`] ignores an invalid window rather than never
/// sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "WireSendWindow", into = "WireSendWindow")]
pub struct SendWindow {
    /// The days an opening starts on (see the module docs for windows past midnight).
    pub days: WeekdaySet,
    /// Local time the window opens.
    pub start: NaiveTime,
    /// Local time the window closes, excluded. Before `start` means the next day.
    pub end: NaiveTime,
}

impl SendWindow {
    /// Monday to Friday, 09:00 to 17:00: office hours, a sensible default to offer.
    pub fn office_hours() -> Self {
        let days = WeekdaySet::from_array([Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri]);
        Self { days, start: clock(9, 0), end: clock(17, 0) }
    }

    /// Checks that the window opens at all: at least one day, and an end different from
    /// the start. An end before the start is valid and runs past midnight.
    pub fn validate(&self) -> Result<(), SendWindowError> {
        if self.days.is_empty() {
            return Err(SendWindowError::NoDays);
        }
        if self.start == self.end {
            return Err(SendWindowError::StartEqualsEnd { time: format_clock(self.start) });
        }
        Ok(())
    }

    /// Whether an opening runs past midnight into the next day (`end` before `start`).
    pub fn crosses_midnight(&self) -> bool {
        self.end < self.start
    }

    /// Whether a step may send at `at`. True for an invalid window, as [`next_opening`]
    /// ignores those.
    pub fn is_open(&self, zone: Tz, at: DateTime<Utc>) -> bool {
        next_opening(Some(self), zone, at) == at
    }

    /// The first opening still open at or after `at`, as `max(opens, at)`. `None` only at
    /// the ends of chrono's calendar, where no opening can be computed.
    fn first_open_instant(&self, zone: Tz, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let first_day = wall_clock(zone, at)?.date().pred_opt()?;
        // Openings of successive days follow one another without overlapping, so the
        // first one that has not closed yet is the earliest.
        first_day
            .iter_days()
            .take(SEARCH_DAYS)
            .filter_map(|day| self.opening_on(zone, day))
            .find(|&(_, closes)| closes > at)
            .map(|(opens, _)| opens.max(at))
    }

    /// The opening that starts on local date `day`, as `[opens, closes)`; `None` when `day`
    /// is not one of the window's days or the opening vanished into a skipped hour.
    fn opening_on(&self, zone: Tz, day: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        if !self.days.contains(day.weekday()) {
            return None;
        }
        let end_day = if self.crosses_midnight() { day.succ_opt()? } else { day };
        let opens = first_instant_reading(zone, day.and_time(self.start))?;
        let closes = first_instant_reading(zone, end_day.and_time(self.end))?;
        (opens < closes).then_some((opens, closes))
    }
}

/// The earliest instant a step may send: `at` itself when there is no window or `at` is
/// inside it, otherwise the next time the window opens. Never earlier than `at`.
///
/// An invalid window (see [`SendWindow::validate`]) is treated as no window, so a bad
/// configuration that slipped through sends rather than stalls forever.
pub fn next_opening(window: Option<&SendWindow>, zone: Tz, at: DateTime<Utc>) -> DateTime<Utc> {
    match window {
        Some(window) if window.validate().is_ok() => window.first_open_instant(zone, at).unwrap_or(at),
        _ => at,
    }
}

/// When a step is due: `delay` after `previous` (the previous step's send, or the
/// enrolment), then pushed to the window's next opening. See [`StepDelay::after`] for how
/// days are counted.
pub fn due_after(previous: DateTime<Utc>, delay: StepDelay, window: Option<&SendWindow>, zone: Tz) -> DateTime<Utc> {
    next_opening(window, zone, delay.after(previous, zone))
}

/// What the zone's clocks read at `at`. `None` past the ends of chrono's calendar, where
/// `DateTime::naive_local` would panic.
fn wall_clock(zone: Tz, at: DateTime<Utc>) -> Option<NaiveDateTime> {
    let utc = at.naive_utc();
    utc.checked_add_offset(zone.offset_from_utc_datetime(&utc).fix())
}

/// The first instant at which the zone's clocks read `local` or later.
///
/// That is the single instant for an ordinary time, the first of two for a time the clocks
/// show twice (fall-back), and the end of the jump for a time they skip (spring-forward).
fn first_instant_reading(zone: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(at) => Some(at.to_utc()),
        LocalResult::Ambiguous(earlier, _) => Some(earlier.to_utc()),
        LocalResult::None => end_of_skip(zone, local),
    }
}

/// The instant the clocks jump over `local`, a wall time that does not exist in `zone`.
///
/// chrono-tz does not expose its transitions, so bracket the jump and bisect to the
/// second: `local` read with the offset in force after the jump names an instant before
/// it, read with the offset before the jump an instant after it. The offsets are sampled
/// about a day either side, clear of the jump itself. The bracket is as wide as the jump,
/// so an hour takes 12 halvings and Samoa's skipped day 17.
fn end_of_skip(zone: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    let offset_seconds = |utc: NaiveDateTime| i64::from(zone.offset_from_utc_datetime(&utc).fix().local_minus_utc());
    let offset_before = offset_seconds(local.checked_sub_days(Days::new(1))?);
    let offset_after = offset_seconds(local.checked_add_days(Days::new(1))?);
    let reads_local = |seconds: i64| {
        DateTime::from_timestamp(seconds, 0).and_then(|at| wall_clock(zone, at)).is_some_and(|wall| wall >= local)
    };
    let named = local.and_utc().timestamp();
    let (mut before_jump, mut after_jump) = (named - offset_after, named - offset_before);
    if before_jump >= after_jump || !reads_local(after_jump) {
        return None;
    }
    while after_jump - before_jump > 1 {
        let middle = before_jump + (after_jump - before_jump) / 2;
        if reads_local(middle) {
            after_jump = middle;
        } else {
            before_jump = middle;
        }
    }
    DateTime::from_timestamp(after_jump, 0)
}

/// How long a step waits after the previous one, before its window is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StepDelay {
    pub amount: u32,
    pub unit: DelayUnit,
}

/// The unit of a [`StepDelay`]; lowercase plural on the wire (`"days"`), singular accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DelayUnit {
    #[serde(alias = "minute")]
    Minutes,
    #[serde(alias = "hour")]
    Hours,
    #[serde(alias = "day")]
    Days,
}

impl StepDelay {
    pub fn minutes(amount: u32) -> Self {
        Self { amount, unit: DelayUnit::Minutes }
    }

    pub fn hours(amount: u32) -> Self {
        Self { amount, unit: DelayUnit::Hours }
    }

    pub fn days(amount: u32) -> Self {
        Self { amount, unit: DelayUnit::Days }
    }

    /// `previous` plus the delay, never earlier than `previous`.
    ///
    /// Minutes and hours are elapsed time. Days are calendar days on `zone`'s clocks at the
    /// same time of day, so across a DST change "1 day" is 23 or 25 hours; a time of day the
    /// clocks skip on the target day becomes the end of the jump, one they show twice the
    /// first of the two. A delay past chrono's calendar (hundreds of thousands of years)
    /// saturates at its last instant, i.e. never.
    pub fn after(self, previous: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
        let due = match self.unit {
            DelayUnit::Minutes => elapsed(previous, TimeDelta::try_minutes(self.amount.into())),
            DelayUnit::Hours => elapsed(previous, TimeDelta::try_hours(self.amount.into())),
            DelayUnit::Days => calendar_days_later(previous, self.amount, zone),
        };
        // Same wall time a day later is normally later; `max` also covers 0 days from the
        // second pass of a repeated hour, which would otherwise resolve to the first pass.
        due.unwrap_or(DateTime::<Utc>::MAX_UTC).max(previous)
    }
}

fn elapsed(previous: DateTime<Utc>, delay: Option<TimeDelta>) -> Option<DateTime<Utc>> {
    previous.checked_add_signed(delay?)
}

fn calendar_days_later(previous: DateTime<Utc>, days: u32, zone: Tz) -> Option<DateTime<Utc>> {
    let local = wall_clock(zone, previous)?.checked_add_days(Days::new(days.into()))?;
    first_instant_reading(zone, local)
}

/// Why text is not a time zone we can schedule in. Messages are shown to the monday user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimeZoneError {
    #[error("the time zone is empty; pick a zone such as America/New_York or Europe/Berlin")]
    Empty,
    #[error(
        "\"{0}\" is a time-zone abbreviation, which does not say where you are or when daylight saving applies; use a zone name such as America/New_York or Europe/Berlin"
    )]
    Abbreviation(String),
    #[error("\"{0}\" is not a time zone we know; use an IANA zone name such as America/New_York or Europe/Berlin")]
    Unknown(String),
}

/// An IANA time zone, such as `America/New_York`, that a campaign or an item is scheduled
/// in. Serialized as its canonical name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeZoneName(Tz);

impl TimeZoneName {
    pub const UTC: Self = Self(Tz::UTC);

    /// Parses an IANA zone name, ignoring surrounding spaces and letter case.
    ///
    /// Abbreviations such as `EST` or `CET` are refused, even those the IANA database
    /// happens to list: `EST` there is a fixed UTC−5 with no daylight saving, which is never
    /// what someone in New York means, and guessing a city would be wrong for someone else.
    /// `UTC` and `GMT` are unambiguous and accepted.
    pub fn parse(text: &str) -> Result<Self, TimeZoneError> {
        let name = text.trim();
        if name.is_empty() {
            return Err(TimeZoneError::Empty);
        }
        let zone = Tz::from_str(name).ok().or_else(|| find_ignoring_case(name));
        match zone {
            Some(zone) if !is_abbreviation(zone.name()) => Ok(Self(zone)),
            Some(_) => Err(TimeZoneError::Abbreviation(quoted(name))),
            None if is_abbreviation(name) => Err(TimeZoneError::Abbreviation(quoted(name))),
            None => Err(TimeZoneError::Unknown(quoted(name))),
        }
    }

    /// Parses the zone of a monday world clock column. Prefer the column's `timezone`
    /// field (GraphQL `WorldClockValue.timezone`, or `timezone` in its raw value), which is
    /// the IANA name; its `text` is accepted only when it is one too.
    pub fn from_monday_text(text: &str) -> Result<Self, TimeZoneError> {
        Self::parse(text)
    }

    /// The canonical IANA name, e.g. `America/New_York`.
    pub fn as_str(self) -> &'static str {
        self.0.name()
    }

    /// The zone to pass to [`next_opening`] and [`due_after`].
    pub fn tz(self) -> Tz {
        self.0
    }
}

/// The database's names are mixed case (`America/New_York`); users type them any way.
fn find_ignoring_case(name: &str) -> Option<Tz> {
    chrono_tz::TZ_VARIANTS.iter().copied().find(|zone| zone.name().eq_ignore_ascii_case(name))
}

/// EST, PST, CEST, NZ, PRC: two to five capital letters, other than UTC and GMT.
fn is_abbreviation(name: &str) -> bool {
    (2..=5).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_uppercase()) && !matches!(name, "UTC" | "GMT")
}

impl From<TimeZoneName> for Tz {
    fn from(name: TimeZoneName) -> Self {
        name.0
    }
}

impl FromStr for TimeZoneName {
    type Err = TimeZoneError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for TimeZoneName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for TimeZoneName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TimeZoneName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// `SendWindow` as JSON: `{"days":["mon","fri"],"start":"09:00","end":"17:30"}`.
#[derive(Serialize, Deserialize)]
struct WireSendWindow {
    #[serde(with = "weekday_list")]
    days: WeekdaySet,
    #[serde(with = "clock_time")]
    start: NaiveTime,
    #[serde(serialize_with = "clock_time::serialize", deserialize_with = "clock_time::deserialize_end")]
    end: NaiveTime,
}

impl TryFrom<WireSendWindow> for SendWindow {
    type Error = SendWindowError;

    fn try_from(wire: WireSendWindow) -> Result<Self, Self::Error> {
        let window = SendWindow { days: wire.days, start: wire.start, end: wire.end };
        window.validate()?;
        Ok(window)
    }
}

impl From<SendWindow> for WireSendWindow {
    fn from(window: SendWindow) -> Self {
        Self { days: window.days, start: window.start, end: window.end }
    }
}

/// Days as a list of three-letter lowercase names, Monday first. Full names and any case
/// are read too; repeats collapse.
mod weekday_list {
    use super::*;

    pub(super) fn serialize<S: Serializer>(days: &WeekdaySet, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(days.iter(Weekday::Mon).map(day_code))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<WeekdaySet, D::Error> {
        let names = Vec::<String>::deserialize(deserializer)?;
        names.iter().map(|name| parse_day(name)).collect::<Result<_, _>>().map_err(serde::de::Error::custom)
    }

    fn day_code(day: Weekday) -> &'static str {
        match day {
            Weekday::Mon => "mon",
            Weekday::Tue => "tue",
            Weekday::Wed => "wed",
            Weekday::Thu => "thu",
            Weekday::Fri => "fri",
            Weekday::Sat => "sat",
            Weekday::Sun => "sun",
        }
    }

    fn parse_day(name: &str) -> Result<Weekday, SendWindowError> {
        name.trim().parse().map_err(|_| SendWindowError::UnknownDay(quoted(name)))
    }
}

/// Times of day as `HH:MM` (`HH:MM:SS` when there are seconds), on a 24-hour clock.
mod clock_time {
    use super::*;

    pub(super) fn serialize<S: Serializer>(time: &NaiveTime, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format_clock(*time))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveTime, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_clock(&text).map_err(serde::de::Error::custom)
    }

    /// Also reads `24:00`, the way people write "until midnight": it is 00:00, which as an
    /// end runs to the following midnight.
    pub(super) fn deserialize_end<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveTime, D::Error> {
        let text = String::deserialize(deserializer)?;
        match text.trim() {
            "24:00" | "24:00:00" => Ok(NaiveTime::MIN),
            _ => parse_clock(&text).map_err(serde::de::Error::custom),
        }
    }

    fn parse_clock(text: &str) -> Result<NaiveTime, SendWindowError> {
        text.trim().parse().map_err(|_| SendWindowError::BadTime(quoted(text)))
    }
}

fn format_clock(time: NaiveTime) -> String {
    if time.second() == 0 && time.nanosecond() == 0 { time.format("%H:%M").to_string() } else { time.to_string() }
}

fn clock(hour: u32, minute: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(hour, minute, 0).expect("a valid time of day")
}

/// User text for an error message, cut so a pasted paragraph does not flood the log.
fn quoted(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(MAX_QUOTED_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::{Los_Angeles, New_York};
    use chrono_tz::Europe::Berlin;
    use proptest::prelude::*;

    use Weekday::{Fri, Mon, Sat, Sun, Thu, Tue, Wed};

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn hm(text: &str) -> NaiveTime {
        text.parse().unwrap()
    }

    fn window(days: &[Weekday], start: &str, end: &str) -> SendWindow {
        SendWindow { days: days.iter().copied().collect(), start: hm(start), end: hm(end) }
    }

    fn every_day(start: &str, end: &str) -> SendWindow {
        window(&[Mon, Tue, Wed, Thu, Fri, Sat, Sun], start, end)
    }

    fn opening(window: &SendWindow, zone: Tz, at: &str) -> DateTime<Utc> {
        next_opening(Some(window), zone, utc(at))
    }

    // --- validation and serde ---

    #[test]
    fn a_window_needs_at_least_one_day() {
        let err = window(&[], "09:00", "17:00").validate().unwrap_err();
        assert_eq!(err, SendWindowError::NoDays);
        assert_eq!(err.to_string(), "the send window has no days; pick at least one day of the week");
    }

    #[test]
    fn a_window_cannot_start_and_end_at_the_same_time() {
        let err = window(&[Mon], "09:00", "09:00").validate().unwrap_err();
        assert_eq!(
            err.to_string(),
            "the send window starts and ends at 09:00; pick a different end time (an end before the start runs past midnight)"
        );
    }

    #[test]
    fn an_end_before_the_start_is_a_valid_window_across_midnight() {
        let night = window(&[Fri], "22:00", "02:00");
        assert_eq!(night.validate(), Ok(()));
        assert!(night.crosses_midnight());
        assert!(!SendWindow::office_hours().crosses_midnight());
    }

    #[test]
    fn a_window_serializes_as_day_codes_and_hh_mm() {
        let json = r#"{"days":["mon","tue","wed","thu","fri"],"start":"09:00","end":"17:30"}"#;
        let parsed: SendWindow = serde_json::from_str(json).unwrap();
        assert_eq!(parsed, window(&[Mon, Tue, Wed, Thu, Fri], "09:00", "17:30"));
        assert_eq!(serde_json::to_string(&parsed).unwrap(), json);
    }

    #[test]
    fn days_are_written_monday_first_whatever_order_and_spelling_they_were_read_in() {
        let json = r#"{"days":["Sunday","FRI"," mon ","fri"],"start":"08:00:30","end":"24:00"}"#;
        let parsed: SendWindow = serde_json::from_str(json).unwrap();
        assert_eq!(parsed.days, [Mon, Fri, Sun].into_iter().collect());
        assert_eq!(parsed.end, NaiveTime::MIN);
        let written = serde_json::to_string(&parsed).unwrap();
        assert_eq!(written, r#"{"days":["mon","fri","sun"],"start":"08:00:30","end":"00:00"}"#);
        assert_eq!(serde_json::from_str::<SendWindow>(&written).unwrap(), parsed);
    }

    #[test]
    fn reading_a_window_reports_bad_days_times_and_empty_windows_in_plain_words() {
        let error = |json: &str| serde_json::from_str::<SendWindow>(json).unwrap_err().to_string();
        assert!(
            error(r#"{"days":["funday"],"start":"09:00","end":"17:00"}"#)
                .starts_with("\"funday\" is not a day of the week; use mon, tue, wed, thu, fri, sat or sun"),
        );
        assert!(
            error(r#"{"days":["mon"],"start":"9am","end":"17:00"}"#)
                .starts_with("\"9am\" is not a time of day; write it on a 24-hour clock as HH:MM"),
        );
        assert!(error(r#"{"days":["mon"],"start":"24:00","end":"17:00"}"#).starts_with("\"24:00\" is not a time"));
        assert!(error(r#"{"days":[],"start":"09:00","end":"17:00"}"#).starts_with("the send window has no days"));
        assert!(
            error(r#"{"days":["mon"],"start":"09:00","end":"09:00"}"#).starts_with("the send window starts and ends")
        );
    }

    #[test]
    fn a_step_delay_serializes_as_amount_and_unit() {
        let json = r#"{"amount":2,"unit":"days"}"#;
        let delay: StepDelay = serde_json::from_str(json).unwrap();
        assert_eq!(delay, StepDelay::days(2));
        assert_eq!(serde_json::to_string(&delay).unwrap(), json);
        let singular: StepDelay = serde_json::from_str(r#"{"amount":1,"unit":"hour"}"#).unwrap();
        assert_eq!(singular, StepDelay::hours(1));
        assert!(serde_json::from_str::<StepDelay>(r#"{"amount":1,"unit":"weeks"}"#).is_err());
    }

    // --- time zone names ---

    #[test]
    fn an_iana_name_parses_in_any_case_and_displays_canonically() {
        assert_eq!(TimeZoneName::parse("America/New_York").unwrap().tz(), New_York);
        let sloppy = TimeZoneName::parse("  europe/berlin ").unwrap();
        assert_eq!(sloppy.tz(), Berlin);
        assert_eq!(sloppy.to_string(), "Europe/Berlin");
        assert_eq!(TimeZoneName::from_monday_text("Asia/Kolkata").unwrap().as_str(), "Asia/Kolkata");
        assert_eq!("UTC".parse::<TimeZoneName>().unwrap(), TimeZoneName::UTC);
        assert_eq!(TimeZoneName::parse("GMT").unwrap().as_str(), "GMT");
    }

    #[test]
    fn abbreviations_are_refused_rather_than_guessed() {
        for text in ["EST", "est", "PST", "CET", "CEST", "BST", "EDT"] {
            let err = TimeZoneName::parse(text).unwrap_err();
            assert_eq!(err, TimeZoneError::Abbreviation(text.to_owned()), "{text}");
        }
        assert_eq!(
            TimeZoneName::parse("EST").unwrap_err().to_string(),
            "\"EST\" is a time-zone abbreviation, which does not say where you are or when daylight saving applies; use a zone name such as America/New_York or Europe/Berlin"
        );
    }

    #[test]
    fn unknown_and_empty_zone_names_are_refused_with_readable_messages() {
        assert_eq!(
            TimeZoneName::parse("Mars/Olympus_Mons").unwrap_err().to_string(),
            "\"Mars/Olympus_Mons\" is not a time zone we know; use an IANA zone name such as America/New_York or Europe/Berlin"
        );
        assert_eq!(TimeZoneName::parse("UTC+2").unwrap_err(), TimeZoneError::Unknown("UTC+2".to_owned()));
        assert_eq!(TimeZoneName::parse("  ").unwrap_err(), TimeZoneError::Empty);
        let long = "x".repeat(100);
        assert_eq!(TimeZoneName::parse(&long).unwrap_err(), TimeZoneError::Unknown(format!("{}…", "x".repeat(40))));
    }

    #[test]
    fn a_zone_name_round_trips_through_serde_as_its_name() {
        let zone: TimeZoneName = serde_json::from_str(r#""America/Los_Angeles""#).unwrap();
        assert_eq!(serde_json::to_string(&zone).unwrap(), r#""America/Los_Angeles""#);
        assert!(serde_json::from_str::<TimeZoneName>(r#""EST""#).is_err());
    }

    // --- next_opening ---

    #[test]
    fn without_a_window_a_step_sends_at_once() {
        let at = utc("2026-03-07T03:12:00Z");
        assert_eq!(next_opening(None, New_York, at), at);
    }

    #[test]
    fn inside_the_window_a_step_sends_at_once() {
        // Tuesday 10:00 in New York.
        assert_eq!(opening(&SendWindow::office_hours(), New_York, "2026-01-06T15:00:00Z"), utc("2026-01-06T15:00:00Z"));
    }

    #[test]
    fn before_the_window_a_step_waits_for_the_same_days_opening() {
        // Tuesday 07:00 in New York -> Tuesday 09:00.
        assert_eq!(opening(&SendWindow::office_hours(), New_York, "2026-01-06T12:00:00Z"), utc("2026-01-06T14:00:00Z"));
    }

    #[test]
    fn the_window_includes_its_start_and_excludes_its_end() {
        let office = SendWindow::office_hours();
        assert_eq!(opening(&office, New_York, "2026-01-06T14:00:00Z"), utc("2026-01-06T14:00:00Z"));
        // Tuesday 17:00 -> Wednesday 09:00.
        assert_eq!(opening(&office, New_York, "2026-01-06T22:00:00Z"), utc("2026-01-07T14:00:00Z"));
        assert!(office.is_open(New_York, utc("2026-01-06T21:59:59Z")));
        assert!(!office.is_open(New_York, utc("2026-01-06T22:00:00Z")));
    }

    #[test]
    fn friday_evening_in_los_angeles_counts_as_friday_though_utc_says_saturday() {
        // Friday 2026-01-09 23:00 PST is Saturday 07:00 UTC.
        let at = "2026-01-10T07:00:00Z";
        let weekday_evenings = window(&[Mon, Tue, Wed, Thu, Fri], "18:00", "23:30");
        assert_eq!(opening(&weekday_evenings, Los_Angeles, at), utc(at));
        // Office hours skip the weekend: Monday 09:00 PST.
        assert_eq!(opening(&SendWindow::office_hours(), Los_Angeles, at), utc("2026-01-12T17:00:00Z"));
        // A weekend window has not opened yet: Saturday 09:00 PST.
        let weekends = window(&[Sat, Sun], "09:00", "17:00");
        assert_eq!(opening(&weekends, Los_Angeles, at), utc("2026-01-10T17:00:00Z"));
    }

    #[test]
    fn a_single_day_window_waits_a_week_once_its_day_has_passed() {
        let wednesdays = window(&[Wed], "09:00", "12:00");
        // Wednesday 2026-01-07 13:00 in Berlin -> Wednesday 2026-01-14 09:00.
        assert_eq!(opening(&wednesdays, Berlin, "2026-01-07T12:00:00Z"), utc("2026-01-14T08:00:00Z"));
        // Thursday -> next Wednesday.
        assert_eq!(opening(&wednesdays, Berlin, "2026-01-08T08:00:00Z"), utc("2026-01-14T08:00:00Z"));
    }

    #[test]
    fn a_window_across_midnight_belongs_to_the_day_it_starts_on() {
        let friday_nights = window(&[Fri], "22:00", "02:00");
        // Saturday 01:00 is still Friday's opening.
        assert_eq!(opening(&friday_nights, New_York, "2026-01-10T06:00:00Z"), utc("2026-01-10T06:00:00Z"));
        // Friday 01:00 would be Thursday's opening, and Thursday is not a window day.
        assert_eq!(opening(&friday_nights, New_York, "2026-01-09T06:00:00Z"), utc("2026-01-10T03:00:00Z"));
        // Saturday 02:00 is past the end; Saturday 22:00 does not open either: next Friday.
        assert_eq!(opening(&friday_nights, New_York, "2026-01-10T07:00:00Z"), utc("2026-01-17T03:00:00Z"));
        assert_eq!(opening(&friday_nights, New_York, "2026-01-11T03:30:00Z"), utc("2026-01-17T03:00:00Z"));
    }

    #[test]
    fn us_spring_forward_a_start_in_the_skipped_hour_opens_when_the_clocks_jump() {
        // 2026-03-08: New York clocks go from 02:00 EST (07:00 UTC) to 03:00 EDT.
        let early = every_day("02:30", "05:00");
        assert_eq!(opening(&early, New_York, "2026-03-08T06:00:00Z"), utc("2026-03-08T07:00:00Z"));
        // The day before and after, 02:30 is an ordinary time.
        assert_eq!(opening(&early, New_York, "2026-03-07T06:00:00Z"), utc("2026-03-07T07:30:00Z"));
        assert_eq!(opening(&early, New_York, "2026-03-09T05:00:00Z"), utc("2026-03-09T06:30:00Z"));
    }

    #[test]
    fn us_spring_forward_office_hours_follow_the_local_clock() {
        // Sunday 2026-03-08 09:00 EDT is 13:00 UTC, an hour earlier in UTC than the day before.
        let weekends = window(&[Sat, Sun], "09:00", "17:00");
        assert_eq!(opening(&weekends, New_York, "2026-03-07T20:00:00Z"), utc("2026-03-07T20:00:00Z"));
        assert_eq!(opening(&weekends, New_York, "2026-03-07T23:00:00Z"), utc("2026-03-08T13:00:00Z"));
    }

    #[test]
    fn a_window_wholly_inside_the_skipped_hour_does_not_open_that_day() {
        let sundays = window(&[Sun], "02:00", "02:30");
        // Saturday before the spring-forward Sunday -> the Sunday after, 02:00 EDT.
        assert_eq!(opening(&sundays, New_York, "2026-03-07T12:00:00Z"), utc("2026-03-15T06:00:00Z"));
    }

    #[test]
    fn us_fall_back_a_start_in_the_repeated_hour_opens_at_its_first_occurrence() {
        // 2026-11-01: New York clocks go from 02:00 EDT (06:00 UTC) back to 01:00 EST.
        let early = every_day("01:30", "03:00");
        assert_eq!(opening(&early, New_York, "2026-11-01T04:00:00Z"), utc("2026-11-01T05:30:00Z"));
        // 01:10 EST, the second pass through the hour: the opening is already running.
        assert_eq!(opening(&early, New_York, "2026-11-01T06:10:00Z"), utc("2026-11-01T06:10:00Z"));
        // Office hours open at 09:00 EST, 14:00 UTC.
        assert_eq!(opening(&SendWindow::office_hours(), New_York, "2026-11-01T12:00:00Z"), utc("2026-11-02T14:00:00Z"));
        assert_eq!(
            opening(&every_day("09:00", "17:00"), New_York, "2026-11-01T12:00:00Z"),
            utc("2026-11-01T14:00:00Z")
        );
    }

    #[test]
    fn berlin_spring_forward_a_start_in_the_skipped_hour_opens_at_three() {
        // 2026-03-29: Berlin clocks go from 02:00 CET (01:00 UTC) to 03:00 CEST.
        let early = every_day("02:15", "04:00");
        assert_eq!(opening(&early, Berlin, "2026-03-28T23:00:00Z"), utc("2026-03-29T01:00:00Z"));
        assert_eq!(opening(&every_day("09:00", "17:00"), Berlin, "2026-03-29T05:00:00Z"), utc("2026-03-29T07:00:00Z"));
    }

    #[test]
    fn berlin_fall_back_an_end_in_the_repeated_hour_closes_at_its_first_occurrence() {
        // 2026-10-25: Berlin clocks go from 03:00 CEST (01:00 UTC) back to 02:00 CET.
        let small_hours = every_day("00:00", "02:30");
        // 02:10 CEST, first pass: open.
        assert_eq!(opening(&small_hours, Berlin, "2026-10-25T00:10:00Z"), utc("2026-10-25T00:10:00Z"));
        // 02:10 CET, second pass: the opening closed at the first 02:30, so wait for Monday 00:00 CET.
        assert_eq!(opening(&small_hours, Berlin, "2026-10-25T01:10:00Z"), utc("2026-10-25T23:00:00Z"));
        // A start in the repeated hour opens at its first occurrence, 02:30 CEST.
        assert_eq!(opening(&every_day("02:30", "06:00"), Berlin, "2026-10-24T22:00:00Z"), utc("2026-10-25T00:30:00Z"));
    }

    #[test]
    fn a_day_the_zone_skipped_entirely_has_no_opening() {
        // Samoa skipped Friday 2011-12-30, jumping from Thursday 24:00 (UTC-10) to Saturday (UTC+14).
        let fridays = window(&[Fri], "09:00", "17:00");
        // Thursday 2011-12-29 12:00 local -> Friday 2012-01-06 09:00 local (UTC+14).
        assert_eq!(opening(&fridays, chrono_tz::Pacific::Apia, "2011-12-29T22:00:00Z"), utc("2012-01-05T19:00:00Z"));
    }

    #[test]
    fn an_invalid_window_is_ignored_rather_than_blocking_forever() {
        let at = utc("2026-01-10T07:00:00Z");
        assert_eq!(next_opening(Some(&window(&[], "09:00", "17:00")), New_York, at), at);
        assert_eq!(next_opening(Some(&window(&[Mon], "09:00", "09:00")), New_York, at), at);
    }

    #[test]
    fn the_ends_of_the_calendar_do_not_panic() {
        let office = SendWindow::office_hours();
        for at in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
            for zone in [New_York, chrono_tz::Asia::Tokyo, Tz::UTC] {
                assert!(next_opening(Some(&office), zone, at) >= at);
                assert!(due_after(at, StepDelay::days(u32::MAX), Some(&office), zone) >= at);
                assert!(due_after(at, StepDelay::hours(u32::MAX), None, zone) >= at);
            }
        }
    }

    // --- delays ---

    #[test]
    fn a_one_day_delay_across_spring_forward_keeps_the_local_time() {
        // Saturday 2026-03-07 09:00 EST -> Sunday 09:00 EDT: 23 hours later.
        let due = StepDelay::days(1).after(utc("2026-03-07T14:00:00Z"), New_York);
        assert_eq!(due, utc("2026-03-08T13:00:00Z"));
        // Berlin: Saturday 2026-03-28 09:00 CET -> Sunday 09:00 CEST.
        assert_eq!(StepDelay::days(1).after(utc("2026-03-28T08:00:00Z"), Berlin), utc("2026-03-29T07:00:00Z"));
    }

    #[test]
    fn a_one_day_delay_across_fall_back_keeps_the_local_time() {
        // Saturday 2026-10-31 09:00 EDT -> Sunday 09:00 EST: 25 hours later.
        assert_eq!(StepDelay::days(1).after(utc("2026-10-31T13:00:00Z"), New_York), utc("2026-11-01T14:00:00Z"));
        assert_eq!(StepDelay::days(1).after(utc("2026-10-24T07:00:00Z"), Berlin), utc("2026-10-25T08:00:00Z"));
    }

    #[test]
    fn a_day_delay_landing_in_the_skipped_hour_moves_to_the_end_of_the_jump() {
        // Saturday 02:30 EST + 1 day: 02:30 does not exist on Sunday, so 03:00 EDT.
        assert_eq!(StepDelay::days(1).after(utc("2026-03-07T07:30:00Z"), New_York), utc("2026-03-08T07:00:00Z"));
    }

    #[test]
    fn hour_and_minute_delays_are_elapsed_time_across_dst() {
        // Saturday 09:00 EST + 24 hours is Sunday 10:00 EDT.
        assert_eq!(StepDelay::hours(24).after(utc("2026-03-07T14:00:00Z"), New_York), utc("2026-03-08T14:00:00Z"));
        assert_eq!(StepDelay::minutes(90).after(utc("2026-03-08T06:30:00Z"), New_York), utc("2026-03-08T08:00:00Z"));
    }

    #[test]
    fn a_zero_delay_is_due_at_once_even_in_a_repeated_hour() {
        // 01:30 EST, the second pass of the fall-back hour.
        let at = utc("2026-11-01T06:30:00Z");
        assert_eq!(StepDelay::days(0).after(at, New_York), at);
    }

    #[test]
    fn a_delay_that_ends_outside_the_window_waits_for_the_next_opening() {
        // Monday 16:30 EST + 2 hours = 18:30, after office hours: Tuesday 09:00.
        let due =
            due_after(utc("2026-01-05T21:30:00Z"), StepDelay::hours(2), Some(&SendWindow::office_hours()), New_York);
        assert_eq!(due, utc("2026-01-06T14:00:00Z"));
        // Friday 10:00 + 1 day = Saturday 10:00, a weekend: Monday's opening, 09:00.
        let due =
            due_after(utc("2026-01-09T15:00:00Z"), StepDelay::days(1), Some(&SendWindow::office_hours()), New_York);
        assert_eq!(due, utc("2026-01-12T14:00:00Z"));
        // Without a window, just the delay.
        assert_eq!(
            due_after(utc("2026-01-09T15:00:00Z"), StepDelay::days(1), None, New_York),
            utc("2026-01-10T15:00:00Z")
        );
    }

    // --- properties ---

    fn any_zone() -> impl Strategy<Value = Tz> {
        prop::sample::select(chrono_tz::TZ_VARIANTS.to_vec())
    }

    /// Instants from 1970 to 2100, to the nanosecond.
    fn any_instant() -> impl Strategy<Value = DateTime<Utc>> {
        (0i64..4_102_444_800, 0u32..1_000_000_000).prop_map(|(s, ns)| DateTime::from_timestamp(s, ns).unwrap())
    }

    /// Any second chrono can represent, often within a few weeks of either end.
    fn any_timestamp_at_all() -> impl Strategy<Value = i64> {
        let (min, max) = (DateTime::<Utc>::MIN_UTC.timestamp(), DateTime::<Utc>::MAX_UTC.timestamp());
        let weeks = 30 * 86_400;
        prop_oneof![min..=max, min..=min + weeks, max - weeks..=max]
    }

    fn any_time() -> impl Strategy<Value = NaiveTime> {
        prop_oneof![
            (0u32..24, prop::sample::select(vec![0u32, 15, 30, 45])).prop_map(|(h, m)| clock(h, m)),
            (0u32..86_400).prop_map(|s| NaiveTime::from_num_seconds_from_midnight_opt(s, 0).unwrap()),
        ]
    }

    fn any_window() -> impl Strategy<Value = SendWindow> {
        (0u8..128, any_time(), any_time()).prop_map(|(mask, start, end)| SendWindow {
            days: (0u8..7).filter(|bit| mask & (1 << bit) != 0).map(|bit| Weekday::try_from(bit).unwrap()).collect(),
            start,
            end,
        })
    }

    fn any_valid_window() -> impl Strategy<Value = SendWindow> {
        any_window().prop_filter("a valid window", |window| window.validate().is_ok())
    }

    fn any_delay() -> impl Strategy<Value = StepDelay> {
        (0u32..2_000, prop::sample::select(vec![DelayUnit::Minutes, DelayUnit::Hours, DelayUnit::Days]))
            .prop_map(|(amount, unit)| StepDelay { amount, unit })
    }

    /// Whether the local clocks at `at` show a time inside the window, judged on the wall
    /// clock alone: an oracle independent of the interval arithmetic.
    fn wall_clock_inside(window: &SendWindow, zone: Tz, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&zone).naive_local();
        let (day, time) = (local.date(), local.time());
        let starts_today = window.days.contains(day.weekday()) && time >= window.start;
        if window.crosses_midnight() {
            starts_today || (window.days.contains(day.weekday().pred()) && time < window.end)
        } else {
            starts_today && time < window.end
        }
    }

    proptest! {
        #[test]
        fn next_opening_never_panics_and_is_never_earlier(
            window in proptest::option::of(any_window()),
            zone in any_zone(),
            seconds in any_timestamp_at_all(),
            delay in any_delay(),
        ) {
            let at = DateTime::from_timestamp(seconds, 0).unwrap();
            prop_assert!(next_opening(window.as_ref(), zone, at) >= at);
            prop_assert!(due_after(at, delay, window.as_ref(), zone) >= at);
        }

        #[test]
        fn next_opening_is_inside_the_window_and_the_earliest_such_instant(
            window in any_valid_window(),
            zone in any_zone(),
            at in any_instant(),
        ) {
            let opens = next_opening(Some(&window), zone, at);
            prop_assert!(opens >= at);
            prop_assert!(window.is_open(zone, opens));
            if opens > at {
                prop_assert!(!window.is_open(zone, opens - TimeDelta::nanoseconds(1)));
            }
            // Where the clocks show the time only once, the wall clock agrees.
            let local = opens.with_timezone(&zone).naive_local();
            if let LocalResult::Single(_) = zone.from_local_datetime(&local) {
                prop_assert!(wall_clock_inside(&window, zone, opens), "{opens} is {local} in {zone}");
            }
        }

        #[test]
        fn due_after_is_never_earlier_and_respects_the_window(
            window in proptest::option::of(any_valid_window()),
            zone in any_zone(),
            previous in any_instant(),
            delay in any_delay(),
        ) {
            let due = due_after(previous, delay, window.as_ref(), zone);
            prop_assert!(due >= previous);
            prop_assert!(due >= delay.after(previous, zone));
            if let Some(window) = &window {
                prop_assert!(window.is_open(zone, due));
            }
        }

        #[test]
        fn a_day_delay_keeps_the_wall_time_where_it_exists_once(
            zone in any_zone(),
            previous in any_instant(),
            days in 1u32..400,
        ) {
            let due = StepDelay::days(days).after(previous, zone);
            let expected = previous.with_timezone(&zone).naive_local() + Days::new(days.into());
            if let LocalResult::Single(_) = zone.from_local_datetime(&expected) {
                prop_assert_eq!(due.with_timezone(&zone).naive_local(), expected);
            }
        }
    }
}
