//! Endpoints Twilio calls: delivery status callbacks and inbound SMS (replies).

mod inbound;
mod status;

use axum::Router;
use axum::routing::post;

use crate::startup::{AppState, STATUS_CALLBACK_PATH};

/// Where Twilio posts replies: the number's (or Messaging Service's) incoming webhook.
pub const INBOUND_PATH: &str = "/twilio/inbound";

pub fn router() -> Router<AppState> {
    Router::new().route(STATUS_CALLBACK_PATH, post(status::receive)).route(INBOUND_PATH, post(inbound::receive))
}
