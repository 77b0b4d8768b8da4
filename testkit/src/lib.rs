//! In-process stand-ins for the outside services, for tests and local demos.
//!
//! Each stand-in is an axum server bound to `127.0.0.1:0` that speaks the real wire format
//! of `spec/` and records every request it receives.
//!
//! - `monday`: OAuth token endpoints, the GraphQL API and trigger webhook receivers.
//! - `twilio`: the Messages API, with injectable errors, plus signed status callbacks.

pub mod monday;
pub mod twilio;
