//! sea-orm entities, one per table (see `migrations/` for the schema and its reasons).

pub mod account;
pub mod campaign;
pub mod campaign_step;
pub mod enrolment;
pub mod idempotency_key;
pub mod message_log;
pub mod oauth_token;
pub mod opt_out;
pub mod trigger_subscription;
