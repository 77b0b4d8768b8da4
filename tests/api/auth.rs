//! monday JWT verification (spec/monday.md §1): every way a token can be wrong gets a 401
//! with a JSON body, and the accepted forms all work.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use drip_testkit::monday::CLIENT_SECRET;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;
use sms_drip::auth::{MondayJwtVerifier, SignedWith};
use sms_drip::config::AudienceCheck;

use crate::helpers::{SIGNING_SECRET, jwt, lifecycle_body, spawn_app};

const TIMESTAMP: &str = "2026-12-01T00:00:00.000+00:00";

async fn assert_refused(app: &crate::helpers::TestApp, token: &str) {
    let response = app.post_lifecycle_with_token(&lifecycle_body("install", 6001, TIMESTAMP), token).await;
    assert_eq!(response.status(), 401);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
    assert!(app.state.db.find_account(drip_domain::AccountId(6001)).await.unwrap().is_none());
}

#[tokio::test]
async fn a_lifecycle_webhook_without_a_token_is_refused() {
    let app = spawn_app().await;
    let response = app
        .http
        .post(app.url("/monday/lifecycle"))
        .json(&lifecycle_body("install", 6001, TIMESTAMP))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.json::<serde_json::Value>().await.unwrap()["error"]["message"], "missing monday token");
}

#[tokio::test]
async fn a_lifecycle_webhook_signed_with_the_signing_secret_instead_of_the_client_secret_is_refused() {
    let app = spawn_app().await;
    assert_refused(&app, &jwt(SIGNING_SECRET, json!({}))).await;
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let app = spawn_app().await;
    assert_refused(&app, &jwt(CLIENT_SECRET, json!({ "exp": Utc::now().timestamp() - 3600 }))).await;
}

#[tokio::test]
async fn a_token_without_exp_is_refused() {
    let app = spawn_app().await;
    let token = jsonwebtoken::encode(
        &Header::default(),
        &json!({ "accountId": 1 }),
        &EncodingKey::from_secret(CLIENT_SECRET.as_bytes()).unwrap(),
    )
    .unwrap();
    assert_refused(&app, &token).await;
}

#[tokio::test]
async fn an_unsigned_alg_none_token_is_refused() {
    let app = spawn_app().await;
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD.encode(json!({ "exp": Utc::now().timestamp() + 300 }).to_string());
    assert_refused(&app, &format!("{header}.{claims}.")).await;
}

#[tokio::test]
async fn a_token_signed_with_another_algorithm_is_refused() {
    let app = spawn_app().await;
    let claims = json!({ "exp": Utc::now().timestamp() + 300 });
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS512),
        &claims,
        &EncodingKey::from_secret(CLIENT_SECRET.as_bytes()).unwrap(),
    )
    .unwrap();
    assert_refused(&app, &token).await;
}

#[tokio::test]
async fn a_token_whose_payload_was_tampered_with_is_refused() {
    let app = spawn_app().await;
    let token = jwt(CLIENT_SECRET, json!({ "accountId": 1 }));
    let parts: Vec<&str> = token.split('.').collect();
    let forged = URL_SAFE_NO_PAD.encode(json!({ "accountId": 2, "exp": Utc::now().timestamp() + 300 }).to_string());
    assert_refused(&app, &format!("{}.{}.{}", parts[0], forged, parts[2])).await;
}

#[tokio::test]
async fn a_bearer_prefix_in_any_case_is_accepted() {
    let app = spawn_app().await;
    for prefix in ["Bearer ", "bearer ", "BEARER "] {
        let token = format!("{prefix}{}", app.lifecycle_token());
        let response = app.post_lifecycle_with_token(&lifecycle_body("install", 6002, TIMESTAMP), &token).await;
        assert_eq!(response.status(), 200, "prefix {prefix:?}");
    }
}

#[tokio::test]
async fn a_block_token_in_the_query_string_is_accepted() {
    let app = spawn_app().await;
    let token = app.block_token(6003, json!({}));
    let response = app.http.get(app.url("/oauth/start")).query(&[("token", token)]).send().await.unwrap();
    assert_eq!(response.status(), 303);
}

#[tokio::test]
async fn feature_tokens_with_claims_under_dat_are_read() {
    let app = spawn_app().await;
    let verifier = MondayJwtVerifier::new(&app.settings.monday).unwrap();
    let token = jwt(SIGNING_SECRET, json!({ "dat": { "account_id": 77, "user_id": 8, "short_lived_token": "x" } }));
    let claims = verifier.verify(&token, SignedWith::SigningSecret).unwrap();
    assert_eq!(claims.account_id.get(), 77);
    assert_eq!(claims.user_id.map(|u| u.get()), Some(8));
}

#[tokio::test]
async fn the_audience_check_is_off_exact_or_by_prefix_as_configured() {
    let app = spawn_app().await;
    let token = jwt(SIGNING_SECRET, json!({ "accountId": 1, "aud": "https://sms.example.test/monday/actions/send" }));
    let verify_with = |audience: AudienceCheck| {
        let mut settings = app.settings.monday.clone();
        settings.jwt_audience = audience;
        MondayJwtVerifier::new(&settings).unwrap().verify(&token, SignedWith::SigningSecret).is_ok()
    };
    assert!(verify_with(AudienceCheck::Off));
    assert!(verify_with(AudienceCheck::Exact("https://sms.example.test/monday/actions/send".into())));
    assert!(!verify_with(AudienceCheck::Exact("https://sms.example.test/other".into())));
    assert!(verify_with(AudienceCheck::Prefix("https://sms.example.test/".into())));
    assert!(!verify_with(AudienceCheck::Prefix("https://evil.example/".into())));
}

#[tokio::test]
async fn a_block_token_without_an_account_is_refused() {
    let app = spawn_app().await;
    let token = jwt(SIGNING_SECRET, json!({ "userId": 1 }));
    let response = app.http.get(app.url("/oauth/start")).query(&[("token", token)]).send().await.unwrap();
    assert_eq!(response.status(), 401);
}
