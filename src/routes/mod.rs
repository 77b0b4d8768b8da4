//! The HTTP edge: one module per URL family, merged here with the shared layers.

mod campaigns;
mod health;
mod monday;
mod oauth;
mod twilio;

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::error::log_unexpected_errors;
use crate::metrics::StatusLabels;
use crate::startup::AppState;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole router, with body limits, timeouts, request ids and tracing.
pub fn router(state: AppState) -> Router {
    let application = &state.settings.application;
    let layers = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_millis(application.request_timeout_milliseconds),
        ))
        .layer(DefaultBodyLimit::max(application.request_body_limit_bytes));
    Router::new()
        .merge(campaigns::router())
        .merge(health::router())
        .merge(monday::router())
        .merge(oauth::router())
        .merge(twilio::router())
        .layer(middleware::from_fn(log_unexpected_errors))
        .layer(middleware::from_fn_with_state(state.clone(), count_responses))
        .layer(layers)
        .with_state(state)
}

/// The request span: method, path and request id. Never the query string (monday sends
/// JWTs in it) and never headers or bodies.
fn request_span(request: &Request) -> tracing::Span {
    let request_id = request.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
    tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id)
}

async fn count_responses(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status().as_u16();
    state.metrics.http_responses.get_or_create(&StatusLabels { status }).inc();
    if status == StatusCode::UNAUTHORIZED.as_u16() {
        state.metrics.auth_failures.inc();
    }
    response
}
