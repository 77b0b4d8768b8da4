//! Relational store (placeholder).
