//! The stand-in's shared state: accounts and credentials, the Messages resource, scripted
//! outcomes and the recordings, behind one mutex.
//!
//! The mutex is a `std` one and is never held across an `.await`, so handlers and the test's
//! own calls never deadlock; everything that waits (delays, outgoing webhooks) happens after
//! the guard is dropped.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use super::errors::ApiError;
use super::message::Message;
use super::record::{AuthKind, OutgoingWebhook, RecordedRequest, SentMessage};

/// A source of "now" for resource dates, so tests on a manual clock get matching `DateSent`s.
pub(crate) type ClockFn = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Everything the server tasks and the test's handle share.
pub(crate) struct Shared {
    state: Mutex<State>,
    /// Woken whenever a message is created, for `wait_for_sent`.
    pub(crate) sent_changed: Notify,
    /// Client for outgoing webhooks. Twilio gives up on a webhook after 15 s (spec §3.3).
    pub(crate) http: reqwest::Client,
}

impl Shared {
    pub(crate) fn new() -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .user_agent("TwilioProxy/1.1")
            .build()
            .expect("reqwest client builds");
        Self { state: Mutex::new(State::default()), sent_changed: Notify::new(), http }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock is already a failed test; keep the data usable.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A Twilio account the stand-in knows.
#[derive(Debug, Clone, Default)]
pub(crate) struct Account {
    pub(crate) auth_token: String,
    /// Owned phone numbers / sender IDs, in the order added (the first is a Messaging
    /// Service's pick when a send names no `From`).
    pub(crate) numbers: Vec<String>,
    pub(crate) services: Vec<String>,
}

/// An API key: the account it belongs to and its secret.
#[derive(Debug, Clone)]
pub(crate) struct ApiKey {
    pub(crate) account_sid: String,
    pub(crate) secret: String,
}

/// What the next message create should do instead of (or on top of) its normal handling.
#[derive(Debug, Clone)]
pub(crate) enum Scripted {
    /// Answer with this error; nothing is created.
    Error(ApiError),
    /// Handle normally (the message is created at once) but hold the answer back this long.
    Delay(Duration),
}

#[derive(Default)]
pub(crate) struct State {
    pub(crate) accounts: BTreeMap<String, Account>,
    pub(crate) api_keys: BTreeMap<String, ApiKey>,
    /// The Messages resource, in creation order.
    pub(crate) messages: Vec<Message>,
    pub(crate) script: VecDeque<Scripted>,
    pub(crate) requests: Vec<RecordedRequest>,
    pub(crate) sent: Vec<SentMessage>,
    pub(crate) webhooks: Vec<OutgoingWebhook>,
    pub(crate) clock: Option<ClockFn>,
}

impl State {
    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.as_ref().map_or_else(Utc::now, |clock| clock())
    }

    pub(crate) fn account(&self, account_sid: &str) -> &Account {
        self.accounts
            .get(account_sid)
            .unwrap_or_else(|| panic!("Twilio stand-in: unknown account {account_sid}; call add_account first"))
    }

    pub(crate) fn account_mut(&mut self, account_sid: &str) -> &mut Account {
        self.accounts
            .get_mut(account_sid)
            .unwrap_or_else(|| panic!("Twilio stand-in: unknown account {account_sid}; call add_account first"))
    }

    /// Checks HTTP Basic credentials against the account in the path (spec §1.1): the
    /// Account SID with its Auth Token, or one of the account's API keys with its secret.
    pub(crate) fn authenticate(&self, path_account: &str, authorization: Option<&str>) -> Result<AuthKind, ApiError> {
        let (user, password) = authorization.and_then(basic_credentials).ok_or_else(ApiError::authenticate)?;
        let account = self.accounts.get(path_account).ok_or_else(ApiError::authenticate)?;
        if user == path_account && password == account.auth_token {
            return Ok(AuthKind::AuthToken);
        }
        match self.api_keys.get(&user) {
            Some(key) if key.account_sid == path_account && key.secret == password => {
                Ok(AuthKind::ApiKey { key_sid: user })
            }
            _ => Err(ApiError::authenticate()),
        }
    }

    /// The account that owns `number`, if any known account does.
    pub(crate) fn owner_of_number(&self, number: &str) -> Option<&str> {
        self.accounts.iter().find(|(_, a)| a.numbers.iter().any(|n| n == number)).map(|(sid, _)| sid.as_str())
    }

    pub(crate) fn message_mut(&mut self, sid: &str) -> &mut Message {
        self.messages.iter_mut().find(|m| m.sid == sid).unwrap_or_else(|| panic!("Twilio stand-in: no message {sid}"))
    }
}

/// `(username, password)` from an `Authorization: Basic …` header.
fn basic_credentials(header: &str) -> Option<(String, String)> {
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}
