//! SMS & Drip for Twilio: the backend of a monday.com marketplace app that texts the
//! people on monday boards through each customer's own Twilio account.
//!
//! Layout (this crate is the service: HTTP edge, startup, configuration):
//! - `config`: layered configuration, validated at start; secrets never printable.
//! - `startup`: `Application::build` wires stores, actors and routes; `run_until_stopped`
//!   serves until a shutdown signal and stops everything in order.
//! - `telemetry`: logging setup. `metrics`: the Prometheus registry.
//! - `error`: the one application error type and its HTTP answers.
//! - `auth`: monday JWT verification and its extractors.
//! - `routes`: the HTTP edge, one module per URL family.
//! - `oauth_state`: the signed, expiring OAuth `state` carrying the PKCE verifier.
//! - `operator`: the operator's commands (export or delete one account's data).
//!
//! The other workspace crates: `drip-domain` (ids, phone numbers, crypto, clock),
//! `drip-store` (Db and Kv), `drip-clients` (monday, Twilio), `drip-actors` (supervisor,
//! account actors, scheduler), `migration` (schema), `drip-testkit` (stand-ins for tests).

pub mod auth;
pub mod config;
pub mod error;
pub mod metrics;
pub mod oauth_state;
pub mod operator;
pub mod routes;
pub mod startup;
pub mod telemetry;

pub use error::{Error, Result};
pub use startup::{AppState, Application};
