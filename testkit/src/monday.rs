//! monday.com stand-in: an axum server on `127.0.0.1:0` that speaks monday's wire formats
//! (`spec/monday.md` §4.2, §7, §8) and records every request.
//!
//! - `server`: [`MondayStandIn`], its routes, URLs and recorded requests.
//! - `oauth_routes`: authorize redirect, OAuth 2.1 token endpoint (PKCE, rotation),
//!   revoke, legacy token endpoint.
//! - `oauth`, `tokens`: issued codes and tokens, and which tokens the API accepts.
//! - `graphql`, `query`, `board`: the `/v2` endpoint, scripted answers, and default
//!   answers for `create_update` and `items(ids:)` from an in-memory board.
//! - `errors`: one helper per §8.4 error shape.
//! - `trigger`: the `apps-events` webhook receiver for fired triggers.
//! - `record`: the middleware that records every request.

mod board;
mod errors;
mod graphql;
mod oauth;
mod oauth_routes;
mod query;
mod record;
mod server;
mod state;
mod tokens;
mod trigger;

pub use graphql::{CreatedUpdate, GraphqlRequest};
pub use record::RecordedRequest;
pub use server::{CLIENT_ID, CLIENT_SECRET, MondayStandIn};
pub use trigger::TriggerCall;
