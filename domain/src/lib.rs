//! Domain types shared by the edge, the stores and the actors.
//!
//! Nothing here does I/O. Layout:
//! - `ids`: identifier newtypes (`AccountId`, `BoardId`, `ItemId`, ...).
//! - `clock`: the `Clock` every time-dependent decision reads, with a manual clock for tests.
//! - `phone`: `PhoneNumber`, an E.164 number parsed from what monday boards hold.
//! - `crypto`: AES-256-SIV envelopes under a versioned key ring, and keyed one-way hashes.
//! - `plan`: the account's plan facts from monday's lifecycle webhooks.
//! - `sms`: how Twilio will encode a body (GSM-7 or UCS-2) and into how many segments.
//! - `template`: the message template language, `{Column|fallback}`, rendered from item fields.
//! - `send_window`: when a drip step may send: its delay, and its weekdays and hours on a time zone's clocks.

pub mod clock;
pub mod crypto;
pub mod ids;
pub mod phone;
pub mod plan;
pub mod send_window;
pub mod sms;
pub mod template;

pub use clock::{Clock, ManualClock, SystemClock};
pub use crypto::{HashDomain, KeyRing, KeyedHash, KeyedHasher, OpenError, Pepper, Purpose};
pub use ids::{AccountId, BoardId, ItemId, UserId};
pub use phone::{PhoneError, PhoneNumber};
