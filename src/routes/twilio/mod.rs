//! Endpoints Twilio calls: delivery status callbacks (and, later, inbound SMS).

mod status;

use axum::Router;
use axum::routing::post;

use crate::startup::{AppState, STATUS_CALLBACK_PATH};

pub fn router() -> Router<AppState> {
    Router::new().route(STATUS_CALLBACK_PATH, post(status::receive))
}
