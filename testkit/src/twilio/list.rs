//! `GET …/Messages.json`: the list endpoint our client uses to look a message up after a
//! timeout, before deciding whether to resend (spec §1.5).
//!
//! Filters, as in OAI `ListMessage`: `To`, `From` (exact match), and `DateSent` in GMT, given
//! as `YYYY-MM-DD` or an ISO 8601 date-time. `DateSent` matches that calendar day; the range
//! forms arrive as the keys `DateSent<` and `DateSent>` (from `DateSent<=…` / `DateSent>=…`)
//! and are inclusive. Newest messages come first.
//!
//! Paging uses `PageSize` (default 50, at most 1000) and `Page` (from 0). The envelope has the
//! 2010 API's fields (twilio-go `ListMessageResponse`): `messages`, `page`, `page_size`,
//! `start`, `end`, `uri`, `first_page_uri`, `next_page_uri`, `previous_page_uri`. Twilio also
//! adds a `PageToken` to page URIs; the stand-in adds one for realism and ignores it on input.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};

use super::errors::ApiError;
use super::message::Message;

const DEFAULT_PAGE_SIZE: usize = 50;
const MAX_PAGE_SIZE: usize = 1000;

/// A `DateSent` bound: a whole GMT day or an instant.
#[derive(Debug, Clone, Copy)]
enum DateBound {
    Day(NaiveDate),
    Instant(DateTime<Utc>),
}

impl DateBound {
    fn parse(text: &str) -> Result<Self, ApiError> {
        if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Ok(Self::Day(day));
        }
        DateTime::parse_from_rfc3339(text)
            .map(|at| Self::Instant(at.with_timezone(&Utc)))
            .map_err(|_| ApiError::new(20001, 400, format!("Invalid DateSent value: {text}")))
    }

    fn day(self) -> NaiveDate {
        match self {
            Self::Day(day) => day,
            Self::Instant(at) => at.date_naive(),
        }
    }

    fn on_or_before(self, sent: DateTime<Utc>) -> bool {
        match self {
            Self::Day(day) => sent.date_naive() <= day,
            Self::Instant(at) => sent <= at,
        }
    }

    fn on_or_after(self, sent: DateTime<Utc>) -> bool {
        match self {
            Self::Day(day) => sent.date_naive() >= day,
            Self::Instant(at) => sent >= at,
        }
    }
}

/// The decoded list query.
pub(crate) struct ListQuery {
    /// Filter pairs in the order received, re-encoded into page URIs.
    filters: Vec<(String, String)>,
    to: Option<String>,
    from: Option<String>,
    on: Option<DateBound>,
    before: Option<DateBound>,
    after: Option<DateBound>,
    page: usize,
    page_size: usize,
}

impl ListQuery {
    pub(crate) fn parse(query: Option<&str>) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> =
            form_urlencoded::parse(query.unwrap_or("").as_bytes()).into_owned().collect();
        let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        let date = |key: &str| get(key).map(|v| DateBound::parse(&v)).transpose();
        let number = |key: &str, default: usize| get(key).and_then(|v| v.parse().ok()).unwrap_or(default);
        let filter_keys = ["To", "From", "DateSent", "DateSent<", "DateSent>"];
        Ok(Self {
            filters: pairs.iter().filter(|(k, _)| filter_keys.contains(&k.as_str())).cloned().collect(),
            to: get("To"),
            from: get("From"),
            on: date("DateSent")?,
            before: date("DateSent<")?,
            after: date("DateSent>")?,
            page: number("Page", 0),
            page_size: number("PageSize", DEFAULT_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE),
        })
    }

    fn matches(&self, message: &Message) -> bool {
        let sent = message.date_sent.unwrap_or(message.date_created);
        self.to.as_ref().is_none_or(|to| *to == message.to)
            && self.from.as_ref().is_none_or(|from| message.from.as_ref() == Some(from))
            && self.on.is_none_or(|on| sent.date_naive() == on.day())
            && self.before.is_none_or(|b| b.on_or_before(sent))
            && self.after.is_none_or(|a| a.on_or_after(sent))
    }

    /// `path?filters&PageSize=…&Page=…`, plus a page token when one is given.
    fn page_uri(&self, path: &str, page: usize, token: Option<&str>) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(&self.filters);
        query.append_pair("PageSize", &self.page_size.to_string());
        query.append_pair("Page", &page.to_string());
        if let Some(token) = token {
            query.append_pair("PageToken", token);
        }
        format!("{path}?{}", query.finish())
    }
}

/// One page of `account_sid`'s messages matching `query`, in Twilio's envelope.
pub(crate) fn list_page(messages: &[Message], account_sid: &str, path: &str, query: &ListQuery) -> Value {
    let mut matching: Vec<&Message> =
        messages.iter().rev().filter(|m| m.account_sid == account_sid && query.matches(m)).collect();
    // Newest first; `rev()` plus a stable sort keeps later creations first on equal times.
    matching.sort_by_key(|m| std::cmp::Reverse(m.date_created));
    let start = query.page.saturating_mul(query.page_size);
    let page: Vec<&Message> = matching.iter().skip(start).take(query.page_size).copied().collect();
    let has_next = start + page.len() < matching.len();
    let next_token = page.last().map(|m| format!("PA{}", m.sid));
    json!({
        "messages": page.iter().map(|m| m.to_json()).collect::<Vec<_>>(),
        "page": query.page,
        "page_size": query.page_size,
        "start": start,
        "end": (start + page.len()).saturating_sub(1).max(start),
        "uri": query.page_uri(path, query.page, None),
        "first_page_uri": query.page_uri(path, 0, None),
        "next_page_uri": has_next.then(|| query.page_uri(path, query.page + 1, next_token.as_deref())),
        "previous_page_uri": (query.page > 0).then(|| query.page_uri(path, query.page - 1, None)),
    })
}
