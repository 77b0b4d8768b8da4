//! monday.com client: OAuth token endpoints, the GraphQL API and trigger webhooks, with
//! the wire formats of `spec/monday.md` sections 4, 7 and 8.
//!
//! - `settings`: [`MondayClientSettings`], embedded in the service config.
//! - `client`: [`MondayClient`], built once and cloned into handlers and actors.
//! - `oauth`, `pkce`, `token`: authorize URL, code exchange, refresh, revoke, [`TokenSet`].
//! - `graphql`, `classify`: one GraphQL call and how its failures are sorted.
//! - `items`: reading an item and its column values, [`Item`].
//! - `trigger`: firing a custom trigger block.
//! - `error`: [`MondayApiError`] and [`OAuthError`].

mod classify;
mod client;
mod error;
mod graphql;
mod items;
mod oauth;
mod pkce;
mod settings;
mod token;
mod trigger;

pub use client::MondayClient;
pub use error::{MondayApiError, OAuthError};
pub use items::{Item, ItemColumn};
pub use oauth::TokenTypeHint;
pub use pkce::{Pkce, code_challenge_s256};
pub use settings::{MondayClientSettings, SettingsError};
pub use token::TokenSet;
pub use trigger::TriggerAuth;
