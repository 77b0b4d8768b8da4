//! `/healthz` (the process is up), `/readyz` (the Db and the Kv answer) and `/metrics`.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::startup::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz)).route("/metrics", get(metrics))
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let db = state.db.ping().await.map_err(|error| format!("{error:#}"));
    let kv = state.kv.ping().await.map_err(|error| error.to_string());
    let ready = db.is_ok() && kv.is_ok();
    if let (Err(error), _) | (_, Err(error)) = (&db, &kv) {
        tracing::warn!(%error, "not ready");
    }
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let check = |result: &Result<(), String>| if result.is_ok() { "ok" } else { "unavailable" };
    (status, Json(json!({ "status": if ready { "ready" } else { "unavailable" }, "db": check(&db), "kv": check(&kv) })))
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    if let Ok(stats) = state.accounts.stats().await {
        state.metrics.live_account_actors.set(stats.live_actors as i64);
        state.metrics.account_actor_restarts.set(stats.restarts as i64);
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.metrics.render())
}
