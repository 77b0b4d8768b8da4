//! Account actors (placeholder until written).
