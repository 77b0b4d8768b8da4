//! One client per outside API. Handlers and actors never build HTTP requests by hand.
//!
//! - `monday`: monday.com OAuth token endpoint and GraphQL API.

pub mod monday;
