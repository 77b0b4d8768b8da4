//! Endpoints monday calls: the lifecycle webhook and the block (action) requests.

mod block;
mod item;
mod lifecycle;
mod send_message;
mod sequence;
mod triggers;

use axum::Router;
use axum::routing::post;

use crate::startup::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/monday/lifecycle", post(lifecycle::receive))
        .route("/monday/actions/send-message", post(send_message::send_message))
        .route("/monday/actions/start-sequence", post(sequence::start))
        .route("/monday/actions/stop-sequence", post(sequence::stop))
        .route("/monday/triggers/reply/subscribe", post(triggers::subscribe))
        .route("/monday/triggers/reply/unsubscribe", post(triggers::unsubscribe))
}
