//! Twilio client: the Messages API (create, fetch, list) with each customer's own
//! credentials, and validation of the webhooks Twilio sends us, with the wire formats of
//! `spec/twilio.md` sections 1, 2 and 4.
//!
//! - `settings`: [`TwilioClientSettings`], embedded in the service config as `[twilio.api]`.
//! - `client`: [`TwilioClient`], built once and cloned into actors; the retry loop.
//! - `credentials`, `ids`: [`TwilioCredentials`] (Auth Token or API key) and the SID newtypes.
//! - `sender`: [`Sender`] (number, short code, alphanumeric ID, Messaging Service).
//! - `send`: [`SendRequest`] → [`SentMessage`].
//! - `lookup`: fetch by SID and find by recipient and day, to settle timed-out sends.
//! - `message`, `status`: [`MessageResource`] and the forward-only [`MessageStatus`].
//! - `error`, `classify`: [`TwilioError`]; [`ErrorClass`] and [`classify_code`] (spec §1.5).
//! - `retry`: backoff arithmetic for 20429 and refused connections.
//! - `signature`: `X-Twilio-Signature` (SHA-1, SharedKey SHA-256, JSON `bodySHA256`).

mod classify;
mod client;
mod credentials;
mod error;
mod ids;
mod lookup;
mod message;
mod retry;
mod send;
mod sender;
mod settings;
pub mod signature;
mod status;

pub use classify::{ErrorClass, NOT_FOUND, OPTED_OUT, QUEUE_FULL, TOO_MANY_REQUESTS, classify_code};
pub use client::TwilioClient;
pub use credentials::{TwilioAuth, TwilioCredentials};
pub use error::{ApiMessage, TwilioError};
pub use ids::{AccountSid, MessageSid, MessagingServiceSid, SidError};
pub use message::{MessageDirection, MessageResource};
pub use send::{SendRequest, SentMessage};
pub use sender::{Sender, SenderError, SenderKind};
pub use settings::{SettingsError, TwilioClientSettings};
pub use signature::{SignatureAlgorithm, SignatureSettings};
pub use status::MessageStatus;
