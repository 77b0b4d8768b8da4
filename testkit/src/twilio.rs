//! An in-process Twilio stand-in: the Messages API of spec §1 plus signed status callbacks and
//! inbound SMS webhooks (spec §2–§4), for integration tests of our service.
//!
//! Our Twilio client takes a base URL; point it at [`TwilioStandIn::base_url`] and it appends
//! `/2010-04-01/Accounts/{AccountSid}/Messages.json` as it would for `https://api.twilio.com`.
//!
//! ```no_run
//! # async fn demo() {
//! use drip_testkit::twilio::TwilioStandIn;
//! let twilio = TwilioStandIn::start().await;
//! let account = "AC0123456789abcdef0123456789abcdef";
//! twilio.add_account(account, "0123456789abcdef0123456789abcdef");
//! twilio.add_number(account, "+14155550100");
//! twilio.push_error(20429, 429); // the next create is refused as "too many requests"
//! // … run the service against twilio.base_url() …
//! let sent = twilio.sent_messages();
//! # }
//! ```
//!
//! What it models, and what it does not:
//! - Creates are validated like Twilio does (see [`errors`] for the codes); a valid one gets a
//!   201 with the full resource, typed as Twilio types it, and is kept for fetch and list.
//! - Outcomes can be scripted per create: an error, or a slow answer (the message is created
//!   at once, the 201 comes late) for timeout tests.
//! - Delivery never progresses on its own: the test moves a message on with
//!   [`TwilioStandIn::send_status_callback`] (or [`TwilioStandIn::set_status`] silently).
//! - No billing, opt-out bookkeeping, scheduling, SmartEncoded or webhook retries. An opt-out
//!   is a scripted 21610.

mod api;
mod create;
pub mod errors;
mod inbound;
mod list;
mod message;
mod record;
mod segments;
mod signature;
mod state;
mod webhooks;

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::task::JoinHandle;

pub use errors::ApiError;
pub use inbound::InboundSms;
pub use message::{Message, STATUSES, rfc2822};
pub use record::{AuthKind, OutgoingWebhook, RecordedRequest, SentMessage};
pub use segments::{Encoding, encoding_of, segment_count};
pub use signature::{sign, sign_form_body, sign_with_explicit_port, string_to_sign, with_explicit_port, without_port};
pub use webhooks::{DEFAULT_DELIVERY_ERROR, FORGED_AUTH_TOKEN, Signing};

use api::is_sid;
use state::{Account, ApiKey, Scripted, Shared};

/// A running fake Twilio. Clones share the same server and state; the server stops when the
/// last clone is dropped.
#[derive(Clone)]
pub struct TwilioStandIn {
    shared: Arc<Shared>,
    addr: SocketAddr,
    _server: Arc<ServerTask>,
}

/// Aborts the axum task when the last handle goes away.
struct ServerTask(JoinHandle<()>);

impl Drop for ServerTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl fmt::Debug for TwilioStandIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioStandIn").field("base_url", &self.base_url()).finish_non_exhaustive()
    }
}

/// A fresh SID: `prefix` plus 32 lower-case hex digits (e.g. `random_sid("AC")`).
pub fn random_sid(prefix: &str) -> String {
    message::new_sid(prefix)
}

impl TwilioStandIn {
    /// Binds `127.0.0.1:0` and serves the fake API on the current tokio runtime.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("listener has an address");
        let shared = Arc::new(Shared::new());
        let app = api::router(shared.clone());
        let server = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(%error, "Twilio stand-in server stopped");
            }
        });
        Self { shared, addr, _server: Arc::new(ServerTask(server)) }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The full create/list URL for `account_sid`.
    pub fn messages_url(&self, account_sid: &str) -> String {
        format!("{}/2010-04-01/Accounts/{account_sid}/Messages.json", self.base_url())
    }

    // ----- accounts -------------------------------------------------------------------------

    /// Registers an account. Panics unless the SID matches `^AC[0-9a-fA-F]{32}$`, since a
    /// malformed one could never be reached through the API.
    pub fn add_account(&self, account_sid: &str, auth_token: &str) {
        assert!(is_sid(account_sid, "AC"), "not an Account SID: {account_sid:?}");
        let account = Account { auth_token: auth_token.to_owned(), ..Account::default() };
        self.shared.lock().accounts.insert(account_sid.to_owned(), account);
    }

    /// Replaces an account's Auth Token (rotation): the old one then fails with 20003.
    pub fn set_auth_token(&self, account_sid: &str, auth_token: &str) {
        self.shared.lock().account_mut(account_sid).auth_token = auth_token.to_owned();
    }

    /// The account's current Auth Token (what callbacks are signed with).
    pub fn auth_token(&self, account_sid: &str) -> String {
        self.shared.lock().account(account_sid).auth_token.clone()
    }

    /// Adds an API key (`^SK[0-9a-fA-F]{32}$`) to an account.
    pub fn add_api_key(&self, account_sid: &str, key_sid: &str, secret: &str) {
        assert!(is_sid(key_sid, "SK"), "not an API Key SID: {key_sid:?}");
        let mut state = self.shared.lock();
        state.account(account_sid); // panics on an unknown account: a test setup mistake
        let key = ApiKey { account_sid: account_sid.to_owned(), secret: secret.to_owned() };
        state.api_keys.insert(key_sid.to_owned(), key);
    }

    /// Deletes an API key: requests using it then fail with 20003.
    pub fn remove_api_key(&self, key_sid: &str) {
        self.shared.lock().api_keys.remove(key_sid);
    }

    /// Gives an account a sender (E.164 number, short code or alphanumeric ID). The first
    /// number added is the one a Messaging Service send reports as its sender.
    pub fn add_number(&self, account_sid: &str, number: &str) {
        self.shared.lock().account_mut(account_sid).numbers.push(number.to_owned());
    }

    /// Gives an account a Messaging Service (`^MG[0-9a-fA-F]{32}$`).
    pub fn add_messaging_service(&self, account_sid: &str, messaging_service_sid: &str) {
        assert!(is_sid(messaging_service_sid, "MG"), "not a Messaging Service SID: {messaging_service_sid:?}");
        self.shared.lock().account_mut(account_sid).services.push(messaging_service_sid.to_owned());
    }

    /// Uses `clock` for every date the stand-in writes (resource dates, `RawDlrDoneDate`,
    /// recordings), e.g. `move || manual_clock.now()`, so `DateSent` lookups line up with a
    /// service running on a manual clock. The default is the wall clock.
    pub fn set_clock(&self, clock: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) {
        self.shared.lock().clock = Some(Arc::new(clock));
    }

    // ----- scripted outcomes ----------------------------------------------------------------

    /// The next authenticated create answers `http_status` with `code` in the legacy body
    /// (wording from [`errors::default_message`]); nothing is created. Queued: each call
    /// scripts one more create. `push_error(20429, 429)` is Twilio's concurrency refusal.
    pub fn push_error(&self, code: u32, http_status: u16) {
        self.push_api_error(ApiError::for_code(code, http_status));
    }

    /// Like [`Self::push_error`] with a chosen message.
    pub fn push_api_error(&self, error: ApiError) {
        self.shared.lock().script.push_back(Scripted::Error(error));
    }

    /// The next authenticated create is handled normally (so the message exists at once) but
    /// its answer is held back for `delay`: a client timeout then leaves a sent message the
    /// client must find with the list endpoint rather than resend.
    pub fn push_delay(&self, delay: Duration) {
        self.shared.lock().script.push_back(Scripted::Delay(delay));
    }

    /// The next `count` authenticated creates fail with `code`/`http_status`; later ones
    /// succeed again.
    pub fn fail_next(&self, count: usize, code: u32, http_status: u16) {
        for _ in 0..count {
            self.push_error(code, http_status);
        }
    }

    /// Drops any scripted outcomes not yet used.
    pub fn clear_script(&self) {
        self.shared.lock().script.clear();
    }

    // ----- recordings -----------------------------------------------------------------------

    /// Every request the fake API received, in order, including rejected ones.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// Every create that produced a message (201s, and slow 201s the client may have missed).
    pub fn sent_messages(&self) -> Vec<SentMessage> {
        self.shared.lock().sent.clone()
    }

    /// Every webhook the stand-in posted, with the receiver's status.
    pub fn webhooks(&self) -> Vec<OutgoingWebhook> {
        self.shared.lock().webhooks.clone()
    }

    /// Forgets recorded requests, sent messages and webhooks (the Messages resource stays).
    pub fn clear_records(&self) {
        let mut state = self.shared.lock();
        state.requests.clear();
        state.sent.clear();
        state.webhooks.clear();
    }

    /// Waits until at least `count` messages have been sent and returns them all. Panics
    /// after `timeout`, listing what was sent, so a test fails with a useful message.
    pub async fn wait_for_sent(&self, count: usize, timeout: Duration) -> Vec<SentMessage> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Register interest before looking, so a send between the look and the wait
            // still wakes us.
            let mut notified = std::pin::pin!(self.shared.sent_changed.notified());
            notified.as_mut().enable();
            let sent = self.sent_messages();
            if sent.len() >= count {
                return sent;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("Twilio stand-in: expected {count} sent messages within {timeout:?}, got {sent:#?}");
            }
        }
    }

    // ----- the Messages resource ------------------------------------------------------------

    /// Every stored message (outbound and inbound), in creation order.
    pub fn messages(&self) -> Vec<Message> {
        self.shared.lock().messages.clone()
    }

    pub fn message(&self, sid: &str) -> Option<Message> {
        self.shared.lock().messages.iter().find(|m| m.sid == sid).cloned()
    }

    /// Moves a message to `status` (one of [`STATUSES`]) without sending a callback.
    pub fn set_status(&self, sid: &str, status: &str, error_code: Option<u32>) {
        let mut state = self.shared.lock();
        let now = state.now();
        state.message_mut(sid).set_status(status, error_code, now);
    }
}
