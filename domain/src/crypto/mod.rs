//! Crypto (placeholder).
