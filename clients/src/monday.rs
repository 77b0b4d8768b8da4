//! monday.com client (placeholder until written).
