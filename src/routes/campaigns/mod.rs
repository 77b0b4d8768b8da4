//! The campaigns JSON API of the Campaign Dashboard, and monday's remote-options request
//! for the Sequence Starter's campaign dropdown.
//!
//! The dashboard is our page inside monday; it authenticates every call with the session
//! token monday gives it ([`SessionAuth`](crate::auth::SessionAuth)), and every query is
//! scoped to that token's account: another account's campaign answers 404, exactly like
//! an id that never existed. Errors use the application's JSON shape
//! `{"error": {"code", "message"}}`: 400 for a body that is not JSON, 422 with a readable
//! message for a field a user must fix, 404 for an unknown campaign, 409 for a change the
//! campaign's status forbids (archived campaigns are final).
//!
//! Layout: `crud` (list, create, read, replace), `status` (activate, pause, resume,
//! archive), `preview` (a step rendered for a real item), `options` (monday's remote
//! options), `input` (request bodies and their validation), `view` (response bodies),
//! `json` (the body extractor with our error shape).

mod crud;
mod input;
mod json;
mod options;
mod preview;
mod status;
mod view;

use axum::Router;
use axum::routing::{get, post};

use crate::startup::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/campaigns", get(crud::list).post(crud::create))
        .route("/api/campaigns/{id}", get(crud::read).put(crud::replace))
        .route("/api/campaigns/{id}/activate", post(status::activate))
        .route("/api/campaigns/{id}/pause", post(status::pause))
        .route("/api/campaigns/{id}/resume", post(status::resume))
        .route("/api/campaigns/{id}/archive", post(status::archive))
        .route("/api/campaigns/{id}/preview", post(preview::preview))
        .route("/monday/options/campaigns", post(options::campaign_options))
}
