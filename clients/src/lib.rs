//! One client per outside API. Handlers and actors never build HTTP requests by hand.
//!
//! - `monday`: monday.com OAuth token endpoint and GraphQL API.
//! - `twilio`: Twilio Messages API (send, look up) and webhook signature validation.

mod http;
pub mod monday;
mod retry_after;
pub mod twilio;
