//! Endpoints monday calls: the lifecycle webhook (and, in later issues, block requests).

mod lifecycle;

use axum::Router;
use axum::routing::post;

use crate::startup::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/monday/lifecycle", post(lifecycle::receive))
}
