//! Redis Kv (placeholder).
