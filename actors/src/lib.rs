//! The account actors: one supervised actor per active monday account.
//!
//! Layout:
//! - `services`: what every actor reaches (stores, crypto, clock, the monday client).
//! - `account`: `AccountActor`, the single owner of one account's state.
//! - `supervisor`: `AccountSupervisor`, which starts actors on demand, restarts them after a
//!   failure (with a limit on restart storms) and stops idle ones.
//! - `router`: `AccountRouter`, the one interface every caller uses to reach an account.
//! - `scheduler`: the durable-timer loop that wakes an account when its work falls due.
//! - `monday_token`: the account's monday OAuth token, refreshed ahead of expiry.
//! - `sending`, `pacing`, `outbox`, `tracking`, `status`: sending an SMS (checks, per-sender
//!   pace, the durable send queue, what webhooks need later, delivery status).
//! - `drip`: drip campaigns: enrolments, steps fired from durable timers, stopping.
//! - `deliveries`: the durable queue of monday work (trigger fires, item updates).
//! - `replies`: what a contact's reply does (keywords, stop on reply, monday update and
//!   trigger through durable deliveries).

pub mod account;
pub mod deliveries;
pub mod drip;
pub mod monday_token;
pub mod outbox;
pub mod pacing;
pub mod replies;
pub mod router;
pub mod scheduler;
pub mod sending;
pub mod services;
pub mod status;
pub mod supervisor;
pub mod tracking;

pub use account::{AccountError, AccountMessage, AccountSnapshot};
pub use router::{AccountRouter, RouteError};
pub use services::{AccountServices, ActorSettings, Crypto};
pub use supervisor::{AccountSupervisor, SupervisorMessage};
