//! The campaigns API of the Campaign Dashboard and the Sequence Starter's remote options:
//! a session-token-authenticated CRUD API scoped to the token's account, the status
//! lifecycle (archived is final), readable validation errors, previews rendered from a
//! real item, and the dropdown of active campaigns.

use drip_testkit::monday::CLIENT_SECRET;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{BOARD, SIGNING_SECRET, TestApp, jwt, spawn_app};

const ACCOUNT: i64 = 5101;
const OTHER_ACCOUNT: i64 = 5102;

/// The session token monday hands our dashboard iframe: signed with the Client Secret,
/// claims under `dat` (see `SessionAuth`).
fn session_token(account: i64) -> String {
    jwt(
        CLIENT_SECRET,
        json!({ "dat": {
            "client_id": "test-client-id", "user_id": 4012689, "account_id": account, "slug": "acme",
            "app_id": 10000, "app_version_id": 1, "install_id": -2, "is_admin": true,
            "is_view_only": false, "is_guest": false, "user_kind": "admin"
        }}),
    )
}

async fn call(app: &TestApp, method: Method, path: &str, account: i64, body: Option<Value>) -> (u16, Value) {
    call_with_token(app, method, path, &session_token(account), body).await
}

async fn call_with_token(app: &TestApp, method: Method, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = app.http.request(method, app.url(path)).header("Authorization", token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn welcome() -> Value {
    json!({
        "name": "Welcome",
        "time_zone": "America/New_York",
        "steps": [
            { "template": "Hi {First name}, welcome!", "delay": { "amount": 0, "unit": "minutes" } },
            {
                "template": "Any questions, {name}?",
                "delay": { "amount": 2, "unit": "days" },
                "send_window": { "days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00" }
            }
        ]
    })
}

/// Creates a campaign and returns its id.
async fn create(app: &TestApp, account: i64, body: Value) -> String {
    let (status, created) = call(app, Method::POST, "/api/campaigns", account, Some(body)).await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_str().unwrap().to_owned()
}

async fn act(app: &TestApp, account: i64, id: &str, action: &str) -> (u16, Value) {
    call(app, Method::POST, &format!("/api/campaigns/{id}/{action}"), account, None).await
}

#[tokio::test]
async fn a_campaign_round_trips_through_create_read_list_and_replace() {
    let app = spawn_app().await;

    let (status, created) = call(&app, Method::POST, "/api/campaigns", ACCOUNT, Some(welcome())).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["status"], "draft");
    assert_eq!(created["stop_on_reply"], true);
    assert_eq!(created["on_reenrol"], "ignore");
    assert_eq!(created["steps"][1]["position"], 1);
    assert_eq!(created["steps"][1]["delay"], json!({ "amount": 2, "unit": "days" }));
    assert_eq!(created["steps"][1]["send_window"]["days"], json!(["mon", "tue", "wed", "thu", "fri"]));

    let (status, read) = call(&app, Method::GET, &format!("/api/campaigns/{id}"), ACCOUNT, None).await;
    assert_eq!(status, 200);
    assert_eq!(read, created);

    let (status, list) = call(&app, Method::GET, "/api/campaigns", ACCOUNT, None).await;
    assert_eq!(status, 200);
    assert_eq!(list["campaigns"].as_array().unwrap().len(), 1);
    assert_eq!(list["campaigns"][0]["id"], id);
    assert_eq!(list["campaigns"][0]["step_count"], 2);

    let replacement = json!({
        "name": "Welcome v2", "time_zone": "Europe/Paris", "stop_on_reply": false, "on_reenrol": "restart",
        "steps": [
            { "position": 1, "template": "Second", "delay": { "amount": 48, "unit": "hours" } },
            { "position": 0, "template": "First" }
        ]
    });
    let (status, replaced) = call(&app, Method::PUT, &format!("/api/campaigns/{id}"), ACCOUNT, Some(replacement)).await;
    assert_eq!(status, 200, "{replaced}");
    let (_, read) = call(&app, Method::GET, &format!("/api/campaigns/{id}"), ACCOUNT, None).await;
    assert_eq!(read, replaced);
    assert_eq!(read["name"], "Welcome v2");
    assert_eq!((read["stop_on_reply"].clone(), read["on_reenrol"].clone()), (json!(false), json!("restart")));
    let templates: Vec<&str> =
        read["steps"].as_array().unwrap().iter().map(|s| s["template"].as_str().unwrap()).collect();
    assert_eq!(templates, ["First", "Second"]);
    assert_eq!(read["steps"][1]["delay"], json!({ "amount": 48, "unit": "hours" }), "the unit is kept");
    assert_eq!(read["steps"][1]["send_window"], Value::Null);
}

#[tokio::test]
async fn invalid_campaigns_are_refused_with_readable_messages() {
    let app = spawn_app().await;
    let cases = [
        (json!({ "time_zone": "UTC" }), "Campaign name missing"),
        (json!({ "name": "x".repeat(101), "time_zone": "UTC" }), "at most 100"),
        (json!({ "name": "W", "time_zone": "Mars/Olympus_Mons" }), "not a time zone"),
        (json!({ "name": "W", "time_zone": "UTC", "steps": [{ "template": "Hi {name" }] }), "Step 1 text not valid"),
        (
            json!({ "name": "W", "time_zone": "UTC", "steps": [
                { "template": "A" }, { "template": "B", "delay": { "amount": 1, "unit": "weeks" } }] }),
            "Step 2 delay not valid",
        ),
        (
            json!({ "name": "W", "time_zone": "UTC", "steps": [
                { "template": "A", "send_window": { "days": ["mon"], "start": "9 o'clock", "end": "17:00" } }] }),
            "HH:MM",
        ),
        (
            json!({ "name": "W", "time_zone": "UTC", "steps": [{ "template": "A", "delay": { "amount": "soon" } }] }),
            "amount",
        ),
    ];
    for (body, expected) in cases {
        let (status, answer) = call(&app, Method::POST, "/api/campaigns", ACCOUNT, Some(body.clone())).await;
        assert_eq!(status, 422, "{body}: {answer}");
        assert_eq!(answer["error"]["code"], "user_error");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{body}: {message}");
    }

    let response = app
        .http
        .post(app.url("/api/campaigns"))
        .header("Authorization", session_token(ACCOUNT))
        .header("Content-Type", "application/json")
        .body("{ not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["error"]["code"], "bad_request");

    let (_, list) = call(&app, Method::GET, "/api/campaigns", ACCOUNT, None).await;
    assert_eq!(list["campaigns"], json!([]), "nothing was stored");
}

#[tokio::test]
async fn another_account_can_neither_see_nor_change_a_campaign() {
    let app = spawn_app().await;
    let id = create(&app, ACCOUNT, welcome()).await;
    let path = format!("/api/campaigns/{id}");

    let (_, list) = call(&app, Method::GET, "/api/campaigns", OTHER_ACCOUNT, None).await;
    assert_eq!(list["campaigns"], json!([]));
    let attempts = [
        (Method::GET, path.clone(), None),
        (Method::PUT, path.clone(), Some(welcome())),
        (Method::POST, format!("{path}/activate"), None),
        (Method::POST, format!("{path}/archive"), None),
        (Method::POST, format!("{path}/preview"), Some(json!({ "step": 0, "item_id": 1 }))),
    ];
    for (method, path, body) in attempts {
        let (status, answer) = call(&app, method.clone(), &path, OTHER_ACCOUNT, body).await;
        assert_eq!(status, 404, "{method} {path}: {answer}");
        assert_eq!(answer["error"]["code"], "not_found");
    }

    let (status, own) = call(&app, Method::GET, &path, ACCOUNT, None).await;
    assert_eq!(status, 200);
    assert_eq!(own["status"], "draft", "untouched");
    let (status, _) = call(&app, Method::GET, "/api/campaigns/not-a-uuid", ACCOUNT, None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn status_moves_through_its_lifecycle_and_archived_is_final() {
    let app = spawn_app().await;
    let id = create(&app, ACCOUNT, json!({ "name": "Empty", "time_zone": "UTC" })).await;

    let (status, answer) = act(&app, ACCOUNT, &id, "activate").await;
    assert_eq!(status, 422, "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("at least one step"));
    let (status, _) = act(&app, ACCOUNT, &id, "pause").await;
    assert_eq!(status, 409, "a draft has not started");

    let path = format!("/api/campaigns/{id}");
    let (status, _) = call(&app, Method::PUT, &path, ACCOUNT, Some(welcome())).await;
    assert_eq!(status, 200);
    for (action, expected) in
        [("activate", "active"), ("activate", "active"), ("pause", "paused"), ("pause", "paused"), ("resume", "active")]
    {
        let (status, answer) = act(&app, ACCOUNT, &id, action).await;
        assert_eq!((status, answer["status"].as_str()), (200, Some(expected)), "{action}: {answer}");
    }

    let emptied = json!({ "name": "Welcome", "time_zone": "UTC", "steps": [] });
    let (status, answer) = call(&app, Method::PUT, &path, ACCOUNT, Some(emptied)).await;
    assert_eq!(status, 422, "an active campaign keeps a step: {answer}");

    let (status, answer) = act(&app, ACCOUNT, &id, "archive").await;
    assert_eq!((status, answer["status"].as_str()), (200, Some("archived")));
    for action in ["activate", "pause", "resume"] {
        let (status, answer) = act(&app, ACCOUNT, &id, action).await;
        assert_eq!(status, 409, "{action}: {answer}");
        assert!(answer["error"]["message"].as_str().unwrap().contains("archived"));
    }
    let (status, answer) = call(&app, Method::PUT, &path, ACCOUNT, Some(welcome())).await;
    assert_eq!(status, 409, "an archived campaign is not edited: {answer}");
    let (status, _) = act(&app, ACCOUNT, &id, "archive").await;
    assert_eq!(status, 200, "archiving again changes nothing");

    let (_, archived) = call(&app, Method::GET, "/api/campaigns?status=archived", ACCOUNT, None).await;
    assert_eq!(archived["campaigns"][0]["id"], id.as_str());
    let (_, active) = call(&app, Method::GET, "/api/campaigns?status=active", ACCOUNT, None).await;
    assert_eq!(active["campaigns"], json!([]));
    let (status, _) = call(&app, Method::GET, "/api/campaigns?status=finished", ACCOUNT, None).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_session_token_signed_with_the_wrong_secret_or_missing_is_refused() {
    let app = spawn_app().await;
    let id = create(&app, ACCOUNT, welcome()).await;
    let claims = json!({ "dat": { "account_id": ACCOUNT, "user_id": 1 } });

    for token in [jwt(SIGNING_SECRET, claims.clone()), jwt("not-our-secret", claims.clone()), String::new()] {
        let (status, answer) = call_with_token(&app, Method::GET, "/api/campaigns", &token, None).await;
        assert_eq!(status, 401, "{answer}");
        assert_eq!(answer["error"]["code"], "unauthorized");
        let (status, _) =
            call_with_token(&app, Method::POST, &format!("/api/campaigns/{id}/archive"), &token, None).await;
        assert_eq!(status, 401);
    }
    let response = app.http.get(app.url("/api/campaigns")).send().await.unwrap();
    assert_eq!(response.status(), 401, "no token at all");

    let bearer = format!("Bearer {}", jwt(CLIENT_SECRET, claims));
    let (status, list) = call_with_token(&app, Method::GET, "/api/campaigns", &bearer, None).await;
    assert_eq!((status, list["campaigns"].as_array().map(Vec::len)), (200, Some(1)), "a Bearer prefix is fine");
}

#[tokio::test]
async fn a_preview_renders_a_step_for_a_real_item_and_is_not_stored() {
    let app = spawn_app().await;
    app.authorize(ACCOUNT).await;
    app.monday.add_item(BOARD, 77, "Jane Doe", vec![("text0", "First name", "text", "Jane", json!("Jane"))]);
    let id = create(&app, ACCOUNT, welcome()).await;
    let path = format!("/api/campaigns/{id}/preview");

    let (status, preview) = call(&app, Method::POST, &path, ACCOUNT, Some(json!({ "step": 0, "item_id": 77 }))).await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["body"], "Hi Jane, welcome!");
    assert_eq!(preview["segments"], 1);
    assert_eq!(preview["encoding"], "GSM-7");
    let (_, second) = call(&app, Method::POST, &path, ACCOUNT, Some(json!({ "step": 1, "item_id": 77 }))).await;
    assert_eq!(second["body"], "Any questions, Jane Doe?");
    assert!(!app.db_dump().await.contains("Hi Jane"), "a preview is never stored");

    let (status, answer) = call(&app, Method::POST, &path, ACCOUNT, Some(json!({ "step": 5, "item_id": 77 }))).await;
    assert_eq!(status, 422, "{answer}");
    let (status, answer) = call(&app, Method::POST, &path, ACCOUNT, Some(json!({ "step": 0, "item_id": 999 }))).await;
    assert_eq!(status, 422);
    assert!(answer["error"]["message"].as_str().unwrap().contains("999"));

    let nickname = json!({ "name": "N", "time_zone": "UTC", "steps": [{ "template": "Hey {Nickname}" }] });
    let nickname = create(&app, ACCOUNT, nickname).await;
    let (status, answer) = call(
        &app,
        Method::POST,
        &format!("/api/campaigns/{nickname}/preview"),
        ACCOUNT,
        Some(json!({ "step": 0, "item_id": 77 })),
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("Nickname"), "{answer}");
}

#[tokio::test]
async fn a_preview_for_an_account_that_never_authorized_says_to_connect() {
    let app = spawn_app().await;
    let id = create(&app, ACCOUNT, welcome()).await;
    let body = json!({ "step": 0, "item_id": 77 });
    let (status, answer) = call(&app, Method::POST, &format!("/api/campaigns/{id}/preview"), ACCOUNT, Some(body)).await;
    assert_eq!(status, 409, "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("authorize"));
}

#[tokio::test]
async fn remote_options_list_only_the_accounts_active_campaigns() {
    let app = spawn_app().await;
    let mut active = Vec::new();
    for name in ["beta", "Alpha", "Paused", "Draft"] {
        let mut body = welcome();
        body["name"] = json!(name);
        let id = create(&app, ACCOUNT, body).await;
        if name != "Draft" {
            assert_eq!(act(&app, ACCOUNT, &id, "activate").await.0, 200);
        }
        if name == "Paused" {
            assert_eq!(act(&app, ACCOUNT, &id, "pause").await.0, 200);
        } else if name != "Draft" {
            active.push((name, id));
        }
    }
    let other = create(&app, OTHER_ACCOUNT, welcome()).await;
    assert_eq!(act(&app, OTHER_ACCOUNT, &other, "activate").await.0, 200);

    // monday's request: the Signing Secret's JWT and a `payload` we do not need.
    let body =
        json!({ "payload": { "recipeId": 1, "integrationId": 2, "pageRequestData": {}, "dependencyData": null } });
    let token = app.block_token(ACCOUNT, json!({}));
    let (status, options) =
        call_with_token(&app, Method::POST, "/monday/options/campaigns", &token, Some(body.clone())).await;
    assert_eq!(status, 200, "{options}");
    let expected: Vec<Value> = active.iter().rev().map(|(name, id)| json!({ "title": name, "value": id })).collect();
    assert_eq!(options, Value::Array(expected), "sorted by name, active only, this account only");

    let (status, _) =
        call_with_token(&app, Method::POST, "/monday/options/campaigns", &session_token(ACCOUNT), Some(body)).await;
    assert_eq!(status, 401, "monday signs remote options with the Signing Secret");
}
