//! The service's two stores.
//!
//! Layout:
//! - `kv`: the key-value store (sessions, envelopes, idempotency claims, timer queues), one
//!   trait with a Redis/Valkey implementation and an embedded, restart-safe one.
//! - `db`: the relational store (sea-orm entities and the queries the service runs).

pub mod db;
pub mod kv;

pub use kv::{Kv, KvError, SharedKv};
