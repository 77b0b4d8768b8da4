//! The integration suite: one binary, a file per feature. Every test starts the whole
//! service with `helpers::spawn_app()`, on the embedded stores by default, or on PostgreSQL
//! and Redis when `DATABASE_URL` and `REDIS_URL` are set (each test gets its own database
//! and key prefix).

mod actors;
mod auth;
mod campaigns;
mod drip;
mod health;
mod helpers;
mod lifecycle;
mod oauth;
mod privacy;
mod replies;
mod restart;
mod send_message;
mod triggers;
