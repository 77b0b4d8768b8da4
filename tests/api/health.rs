//! Health, readiness, metrics and the edge's shared layers.

use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_says_the_process_is_up() {
    let app = spawn_app().await;
    let response = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<serde_json::Value>().await.unwrap()["status"], "ok");
}

#[tokio::test]
async fn readyz_reports_both_stores_reachable() {
    let app = spawn_app().await;
    let response = app.http.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["db"], "ok");
    assert_eq!(body["kv"], "ok");
}

#[tokio::test]
async fn metrics_are_served_in_prometheus_text_and_count_responses() {
    let app = spawn_app().await;
    app.install(5001).await;
    let response = app.http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(text.contains("sms_drip_http_responses_total{status=\"200\"}"), "{text}");
    assert!(text.contains("sms_drip_lifecycle_events_total{event=\"install\",outcome=\"applied\"} 1"), "{text}");
    assert!(text.contains("sms_drip_live_account_actors 1"), "{text}");
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let response = app.http.get(app.url("/healthz")).send().await.unwrap();
    let id = response.headers().get("x-request-id").expect("request id").to_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID");
}

#[tokio::test]
async fn a_body_over_the_size_limit_is_refused() {
    let app = spawn_app().await;
    let huge = "x".repeat(app.settings.application.request_body_limit_bytes + 1);
    let response = app
        .http
        .post(app.url("/monday/lifecycle"))
        .header("Authorization", app.lifecycle_token())
        .header("Content-Type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
}
