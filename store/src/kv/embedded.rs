//! Embedded Kv (placeholder).
