//! Plan (placeholder).
