//! The "When an SMS reply arrives" trigger (subscribe, unsubscribe) and the durable monday
//! deliveries behind it: trigger fires and item updates that survive monday's failures,
//! rate limits, bursts and a restart, sealed in the Kv while they wait.

use std::time::Duration;

use drip_actors::AccountMessage;
use drip_actors::deliveries::{self, Delivery, DeliveryJob};
use drip_domain::AccountId;
use serde_json::{Value, json};

use crate::helpers::{BOARD, SIGNING_SECRET, TestApp, spawn_app, spawn_app_with};

const ACCOUNT: i64 = 9_001;
const APP_ID: u64 = 10_000;

fn subscribe_body(app: &TestApp, subscription_id: u64, board: Option<u64>) -> Value {
    let fields = board.map_or_else(|| json!({}), |board| json!({ "boardId": board }));
    json!({ "payload": {
        "webhookUrl": app.monday.webhook_url(subscription_id),
        "subscriptionId": subscription_id,
        "blockMetadata": { "shouldCalculateDynamicMapping": false },
        "inputFields": fields, "inboundFieldValues": fields,
        "credentialsValues": {}, "recipeId": 30440657, "integrationId": 398739197 } })
}

async fn post_block(app: &TestApp, path: &str, body: &Value) -> reqwest::Response {
    let token = app.block_token(ACCOUNT, json!({}));
    app.http.post(app.url(path)).header("Authorization", token).json(body).send().await.unwrap()
}

async fn subscribe(app: &TestApp, subscription_id: u64, board: Option<u64>) -> Value {
    let response =
        post_block(app, "/monday/triggers/reply/subscribe", &subscribe_body(app, subscription_id, board)).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    response.json().await.unwrap()
}

async fn deliver(app: &TestApp, delivery: Delivery) {
    app.state
        .accounts
        .call(AccountId(ACCOUNT), |reply| AccountMessage::Deliver(Box::new(delivery), reply))
        .await
        .expect("actor answers")
        .expect("delivery queued");
}

fn update(text: &str) -> Delivery {
    Delivery::PostUpdate { item_id: 501, body: text.to_owned() }
}

fn fire(app: &TestApp, subscription_id: u64, text: &str) -> Delivery {
    Delivery::FireTrigger {
        subscription_id: subscription_id as i64,
        webhook_url: app.monday.webhook_url(subscription_id),
        output_fields: json!({ "itemId": 501, "body": text }),
    }
}

async fn pending(app: &TestApp) -> Vec<DeliveryJob> {
    deliveries::pending(&app.state.kv, &app.state.crypto.keyring, AccountId(ACCOUNT)).await.expect("pending jobs")
}

/// Polls `done` with a deadline (no fixed sleeps).
async fn eventually(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !done().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Waits until the only pending job has failed `attempts` calls and its retry is armed.
async fn wait_retry_armed(app: &TestApp, attempts: u32) {
    eventually(&format!("retry after attempt {attempts}"), async || {
        pending(app).await.iter().any(|job| job.attempts == attempts && job.calling_since.is_none())
    })
    .await;
}

fn successful_fires(app: &TestApp) -> usize {
    app.monday.trigger_calls().iter().filter(|call| call.answered_status == 200).count()
}

/// Advances the clock past any back-off (capped at 1 h) and runs the due timers.
async fn next_retry(app: &TestApp) {
    app.advance_and_run(Duration::from_secs(3601)).await;
}

#[tokio::test]
async fn subscribe_stores_the_subscription_and_answers_its_id() {
    let app = spawn_app().await;
    assert_eq!(subscribe(&app, 481690204, Some(BOARD)).await, json!({ "webhookId": 481690204 }));
    subscribe(&app, 481690205, None).await;
    subscribe(&app, 481690206, Some(BOARD + 1)).await;
    // A repeated subscribe replaces, it does not duplicate.
    subscribe(&app, 481690204, Some(BOARD)).await;

    let rows = app.state.db.subscriptions_for_board(AccountId(ACCOUNT), BOARD as i64).await.unwrap();
    let ids: Vec<i64> = rows.iter().map(|row| row.subscription_id).collect();
    assert_eq!(ids, vec![481690204, 481690205], "the board's subscription and the board-less one");
    let row = &rows[0];
    assert_eq!(row.account_id, ACCOUNT);
    assert_eq!(row.webhook_url, app.monday.webhook_url(481690204));
    assert_eq!(row.board_id, Some(BOARD as i64));
    assert_eq!(row.input_fields, json!({ "boardId": BOARD }));
    assert_eq!((row.recipe_id, row.integration_id), (Some(30440657), Some(398739197)));
}

#[tokio::test]
async fn subscribe_requires_monday_jwt() {
    let app = spawn_app().await;
    let response = app
        .http
        .post(app.url("/monday/triggers/reply/subscribe"))
        .json(&subscribe_body(&app, 1, Some(BOARD)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn unsubscribe_deletes_and_tolerates_unknown_ids() {
    let app = spawn_app().await;
    subscribe(&app, 77, Some(BOARD)).await;

    let unknown =
        post_block(&app, "/monday/triggers/reply/unsubscribe", &json!({ "payload": { "webhookId": 12345 } })).await;
    assert_eq!(unknown.status(), 200);
    assert_eq!(unknown.json::<Value>().await.unwrap(), json!({}));

    let known =
        post_block(&app, "/monday/triggers/reply/unsubscribe", &json!({ "payload": { "webhookId": 77 } })).await;
    assert_eq!(known.status(), 200);
    assert!(app.state.db.subscriptions_for_board(AccountId(ACCOUNT), BOARD as i64).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_fired_trigger_reaches_the_webhook_with_a_valid_jwt() {
    let app = spawn_app().await;
    app.monday.require_trigger_auth(APP_ID, SIGNING_SECRET);
    subscribe(&app, 42, Some(BOARD)).await;

    deliver(&app, fire(&app, 42, "YES")).await;
    eventually("the trigger fired", async || successful_fires(&app) == 1).await;

    let call = &app.monday.trigger_calls()[0];
    assert_eq!(call.subscription_id, "42");
    assert!(call.authorization.as_deref().unwrap().starts_with("Bearer "), "the JWT form is tried first");
    assert_eq!(call.body, json!({ "trigger": { "outputFields": { "itemId": 501, "body": "YES" } } }));
    eventually("the job is gone", async || pending(&app).await.is_empty()).await;
}

fn authorizations(app: &TestApp) -> Vec<(u16, bool)> {
    let calls = app.monday.trigger_calls();
    calls.iter().map(|call| (call.answered_status, call.authorization.as_deref() == Some(SIGNING_SECRET))).collect()
}

#[tokio::test]
async fn a_webhook_that_refuses_the_jwt_gets_the_raw_secret_from_then_on() {
    let app = spawn_app().await;
    app.monday.require_trigger_raw_secret(SIGNING_SECRET);
    subscribe(&app, 46, Some(BOARD)).await;

    deliver(&app, fire(&app, 46, "first")).await;
    eventually("the first trigger fired", async || successful_fires(&app) == 1).await;
    assert_eq!(
        authorizations(&app),
        [(401, false), (200, true)],
        "JWT refused, then the raw secret in the same attempt"
    );

    deliver(&app, fire(&app, 46, "second")).await;
    eventually("the second trigger fired", async || successful_fires(&app) == 2).await;
    assert_eq!(authorizations(&app)[2..], [(200, true)], "the form that worked goes first");
    eventually("no job left", async || pending(&app).await.is_empty()).await;
}

#[tokio::test]
async fn the_raw_secret_alone_can_be_configured() {
    let app = spawn_app_with(json!({ "monday": { "trigger_authorization": "raw_secret" } })).await;
    app.monday.require_trigger_auth(APP_ID, SIGNING_SECRET);
    subscribe(&app, 47, Some(BOARD)).await;

    deliver(&app, fire(&app, 47, "hello")).await;
    eventually("the trigger fired", async || successful_fires(&app) == 1).await;
    assert_eq!(authorizations(&app), [(200, true)]);
}

#[tokio::test]
async fn with_the_jwt_alone_a_refusal_is_retried_without_the_raw_secret() {
    let app = spawn_app_with(json!({ "monday": { "trigger_authorization": "jwt" } })).await;
    app.monday.require_trigger_raw_secret(SIGNING_SECRET);
    subscribe(&app, 48, Some(BOARD)).await;

    deliver(&app, fire(&app, 48, "hello")).await;
    wait_retry_armed(&app, 1).await;
    next_retry(&app).await;
    wait_retry_armed(&app, 2).await;
    assert_eq!(authorizations(&app), [(401, false), (401, false)], "only the JWT, twice");

    app.monday.require_trigger_auth(APP_ID, SIGNING_SECRET);
    next_retry(&app).await;
    eventually("the JWT is accepted once monday takes it", async || successful_fires(&app) == 1).await;
}

#[tokio::test]
async fn a_failing_webhook_is_retried_until_it_delivers_exactly_once() {
    let app = spawn_app().await;
    subscribe(&app, 43, Some(BOARD)).await;
    app.monday.fail_triggers(3);

    deliver(&app, fire(&app, 43, "maybe")).await;
    for attempt in 1..=3 {
        wait_retry_armed(&app, attempt).await;
        assert_eq!(successful_fires(&app), 0);
        next_retry(&app).await;
    }
    eventually("the fourth attempt delivered", async || successful_fires(&app) == 1).await;
    eventually("the job is gone", async || pending(&app).await.is_empty()).await;

    next_retry(&app).await;
    next_retry(&app).await;
    assert_eq!(app.monday.trigger_calls().len(), 4, "three failures and one success, nothing after");
    assert_eq!(successful_fires(&app), 1);
}

#[tokio::test]
async fn the_deliveries_back_off_and_time_to_live_come_from_the_config() {
    let deliveries = json!({ "ttl_hours": 1, "first_backoff_seconds": 600, "max_backoff_seconds": 600 });
    let app = spawn_app_with(json!({ "monday": { "deliveries": deliveries } })).await;
    subscribe(&app, 49, Some(BOARD)).await;
    app.monday.fail_triggers(1_000);

    deliver(&app, fire(&app, 49, "x")).await;
    wait_retry_armed(&app, 1).await;
    app.advance_and_run(Duration::from_secs(299)).await;
    assert_eq!(app.monday.trigger_calls().len(), 1, "the back-off is at least half of 600 s");
    app.advance_and_run(Duration::from_secs(301)).await;
    wait_retry_armed(&app, 2).await;

    // Retries every 5 to 10 minutes until the hour is up; then the job expires.
    for _ in 0..12 {
        app.advance_and_run(Duration::from_secs(600)).await;
        // The actor has taken the timer (and marked a started call) once it answers this.
        app.settle(ACCOUNT).await;
        eventually("the call is answered", async || pending(&app).await.iter().all(|job| job.calling_since.is_none()))
            .await;
    }
    assert!(pending(&app).await.is_empty(), "dropped after its hour");
    let calls = app.monday.trigger_calls().len();
    assert!((7..=13).contains(&calls), "an hour of retries 5-10 min apart, not more: {calls}");
    let metrics = app.http.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains(r#"monday_deliveries_total{kind="fire_trigger",outcome="expired"} 1"#), "{metrics}");
}

#[tokio::test]
async fn a_gone_webhook_or_a_deleted_subscription_drops_the_delivery() {
    let app = spawn_app().await;
    subscribe(&app, 44, Some(BOARD)).await;
    let gone = Delivery::FireTrigger {
        subscription_id: 44,
        webhook_url: format!("{}/no-such-webhook/44", app.monday.base_url()),
        output_fields: json!({ "body": "x" }),
    };
    deliver(&app, gone).await;
    eventually("the 404 dropped the job", async || pending(&app).await.is_empty()).await;

    // Never subscribed (or unsubscribed meanwhile): dropped without a call.
    deliver(&app, fire(&app, 45, "x")).await;
    eventually("the job is dropped", async || pending(&app).await.is_empty()).await;
    assert!(app.monday.trigger_calls().is_empty());
    let metrics = app.http.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(
        metrics.contains(r#"monday_deliveries_total{kind="fire_trigger",outcome="dropped"} 2"#),
        "the drops are counted: {metrics}"
    );
}

#[tokio::test]
async fn rate_limited_graphql_posts_the_update_exactly_once() {
    let app = spawn_app().await;
    authorize(&app).await;
    app.monday.push_complexity_budget_exhausted(200, 60);
    app.monday.push_rate_limit_exceeded(30);

    deliver(&app, update("Reply from the contact: YES")).await;
    wait_retry_armed(&app, 1).await;
    // Before monday's wait is over nothing is tried again.
    app.advance_and_run(Duration::from_secs(30)).await;
    assert!(pending(&app).await.iter().all(|job| job.attempts == 1));
    app.advance_and_run(Duration::from_secs(31)).await;
    wait_retry_armed(&app, 2).await;
    app.advance_and_run(Duration::from_secs(31)).await;
    eventually("the update was posted", async || app.monday.updates().len() == 1).await;
    eventually("the job is gone", async || pending(&app).await.is_empty()).await;

    next_retry(&app).await;
    let updates = app.monday.updates();
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].item_id, "501");
    assert_eq!(updates[0].body, "Reply from the contact: YES");
    let mutations = app.monday.graphql_requests().iter().filter(|r| r.query.contains("create_update")).count();
    assert_eq!(mutations, 3, "two refusals and one success");
}

#[tokio::test]
async fn a_burst_of_updates_all_arrive() {
    let app = spawn_app().await;
    authorize(&app).await;
    let mut calls = tokio::task::JoinSet::new();
    for n in 0..20 {
        let accounts = app.state.accounts.clone();
        let delivery = update(&format!("burst reply {n}"));
        calls.spawn(async move {
            accounts.call(AccountId(ACCOUNT), |reply| AccountMessage::Deliver(Box::new(delivery), reply)).await
        });
    }
    while let Some(queued) = calls.join_next().await {
        queued.unwrap().expect("actor answers").expect("delivery queued");
    }

    eventually("all 20 updates posted", async || app.monday.updates().len() == 20).await;
    let mut bodies: Vec<String> = app.monday.updates().into_iter().map(|update| update.body).collect();
    bodies.sort();
    let mut expected: Vec<String> = (0..20).map(|n| format!("burst reply {n}")).collect();
    expected.sort();
    assert_eq!(bodies, expected);
    eventually("no job left", async || pending(&app).await.is_empty()).await;
}

#[tokio::test]
async fn an_update_is_not_posted_before_the_app_is_authorized_and_waits_for_it() {
    let app = spawn_app().await;
    deliver(&app, update("early reply")).await;
    wait_retry_armed(&app, 0).await;
    assert!(app.monday.updates().is_empty());

    authorize(&app).await;
    next_retry(&app).await;
    eventually("the update was posted", async || app.monday.updates().len() == 1).await;
}

#[tokio::test]
async fn a_delivery_queued_before_a_restart_is_delivered_after_it() {
    let app = spawn_app().await;
    authorize(&app).await;
    subscribe(&app, 46, Some(BOARD)).await;
    app.monday.push_complexity_budget_exhausted(429, 60);
    deliver(&app, update("before restart")).await;
    wait_retry_armed(&app, 1).await;
    app.monday.fail_triggers(1);
    deliver(&app, fire(&app, 46, "before restart")).await;
    eventually("both wait for a retry", async || {
        let jobs = pending(&app).await;
        jobs.len() == 2 && jobs.iter().all(|job| job.attempts == 1 && job.calling_since.is_none())
    })
    .await;

    let app = app.restart().await;
    next_retry(&app).await;
    eventually("the update was posted", async || app.monday.updates().len() == 1).await;
    eventually("the trigger fired", async || successful_fires(&app) == 1).await;
    eventually("no job left", async || pending(&app).await.is_empty()).await;
}

#[tokio::test]
async fn waiting_deliveries_keep_no_reply_text_in_plain() {
    let app = spawn_app().await;
    authorize(&app).await;
    subscribe(&app, 47, Some(BOARD)).await;
    app.monday.push_daily_limit_exceeded();
    app.monday.fail_triggers(1);
    let text = "Secret reply text 7c1f";
    deliver(&app, update(text)).await;
    deliver(&app, fire(&app, 47, text)).await;
    eventually("both wait for a retry", async || {
        let jobs = pending(&app).await;
        jobs.len() == 2 && jobs.iter().all(|job| job.attempts == 1 && job.calling_since.is_none())
    })
    .await;

    let dump = app.kv_dump().await;
    assert!(dump.iter().any(|(key, _)| key.starts_with("deliveries/")));
    for (key, value) in &dump {
        assert!(!key.contains(text));
        let value = String::from_utf8_lossy(value);
        assert!(!value.contains(text) && !value.contains("7c1f"), "{key} holds the reply text in plain");
    }
    assert!(!app.db_dump().await.contains("7c1f"));
}

async fn authorize(app: &TestApp) {
    let status = app.authorize(ACCOUNT).await.status();
    assert!(status.is_success() || status.is_redirection(), "authorized, got {status}");
}
