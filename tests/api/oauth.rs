//! The monday OAuth flow (spec/monday.md §7): PKCE and a sealed state on the way out,
//! encrypted tokens on the way back, refresh ahead of expiry with rotation, and legacy
//! tokens that never expire.

use std::time::Duration;

use drip_actors::{AccountError, AccountMessage};
use drip_clients::monday::TokenSet;
use drip_domain::AccountId;
use secrecy::{ExposeSecret, SecretString};

use crate::helpers::{PUBLIC_BASE_URL, TestApp, location, spawn_app};

async fn access_token(app: &TestApp, account: i64) -> Result<SecretString, AccountError> {
    app.state.accounts.call(AccountId(account), AccountMessage::MondayAccessToken).await.expect("actor answers")
}

#[tokio::test]
async fn start_redirects_to_monday_with_pkce_and_a_sealed_state() {
    let app = spawn_app().await;
    let token = app.block_token(8001, serde_json::json!({}));
    let response = app.http.get(app.url("/oauth/start")).query(&[("token", token)]).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let url = url::Url::parse(&location(&response)).unwrap();
    let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["code_challenge"].len(), 43);
    assert_eq!(query["redirect_uri"], format!("{PUBLIC_BASE_URL}/oauth/callback"));
    assert_eq!(query["scope"], "boards:read boards:write updates:write");
    assert!(!query["state"].contains("8001"), "the state is sealed, not readable");
}

#[tokio::test]
async fn the_callback_stores_the_tokens_encrypted_and_sends_the_user_back() {
    let app = spawn_app().await;
    app.install(8002).await;
    let response = app.authorize(8002).await;
    assert_eq!(location(&response), "https://acme.monday.com/apps/installed");
    let token = access_token(&app, 8002).await.unwrap();
    assert!(app.monday.accepts_token(token.expose_secret()));
    let dump = app.db_dump().await;
    assert!(!dump.contains(token.expose_secret()), "the Db holds no plain token");
}

#[tokio::test]
async fn an_authorization_link_works_once() {
    let app = spawn_app().await;
    app.monday.set_authorize_account(8003);
    let token = app.block_token(8003, serde_json::json!({}));
    let start = app.http.get(app.url("/oauth/start")).query(&[("token", token)]).send().await.unwrap();
    let approved = app.http.get(location(&start)).send().await.unwrap();
    let callback = location(&approved).replace(PUBLIC_BASE_URL, &app.address);
    assert_eq!(app.http.get(&callback).send().await.unwrap().status(), 200);
    let replay = app.http.get(&callback).send().await.unwrap();
    assert_eq!(replay.status(), 400);
    assert!(replay.text().await.unwrap().contains("already used"));
}

#[tokio::test]
async fn an_expired_authorization_link_is_refused() {
    let app = spawn_app().await;
    let token = app.block_token(8004, serde_json::json!({}));
    let start = app.http.get(app.url("/oauth/start")).query(&[("token", token)]).send().await.unwrap();
    let approved = app.http.get(location(&start)).send().await.unwrap();
    app.clock.advance(Duration::from_secs(app.settings.monday.oauth_state_ttl_seconds + 1));
    let callback = location(&approved).replace(PUBLIC_BASE_URL, &app.address);
    let response = app.http.get(callback).send().await.unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("expired"));
}

#[tokio::test]
async fn a_denied_authorization_says_so() {
    let app = spawn_app().await;
    let response = app.http.get(app.url("/oauth/callback?error=access_denied")).send().await.unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("did not authorize"));
}

#[tokio::test]
async fn the_token_is_refreshed_ahead_of_expiry_and_the_refresh_token_rotates() {
    let app = spawn_app().await;
    app.monday.set_access_token_lifetime(Duration::from_secs(600));
    app.authorize(8005).await;
    let first = access_token(&app, 8005).await.unwrap();
    assert_eq!(access_token(&app, 8005).await.unwrap().expose_secret(), first.expose_secret(), "fresh: no refresh");

    // Within the five-minute margin of the ten-minute token: refresh.
    app.clock.advance(Duration::from_secs(360));
    let second = access_token(&app, 8005).await.unwrap();
    assert_ne!(second.expose_secret(), first.expose_secret());
    assert!(app.monday.accepts_token(second.expose_secret()));

    // The rotated refresh token was stored: a second refresh works too.
    app.clock.advance(Duration::from_secs(600));
    let third = access_token(&app, 8005).await.unwrap();
    assert_ne!(third.expose_secret(), second.expose_secret());
}

#[tokio::test]
async fn a_legacy_token_without_expiry_is_used_as_is_forever() {
    let app = spawn_app().await;
    let legacy = TokenSet {
        access_token: SecretString::from("legacy-token-never-expires"),
        refresh_token: None,
        token_type: "Bearer".into(),
        scope: Some("boards:read".into()),
        expires_at: None,
    };
    let stored =
        app.state.accounts.call(AccountId(8006), |reply| AccountMessage::StoreMondayTokens(legacy, None, reply)).await;
    stored.unwrap().unwrap();
    app.clock.advance(Duration::from_secs(400 * 24 * 3600));
    assert_eq!(access_token(&app, 8006).await.unwrap().expose_secret(), "legacy-token-never-expires");
}

#[tokio::test]
async fn an_account_that_never_authorized_is_told_to_connect() {
    let app = spawn_app().await;
    app.install(8007).await;
    assert!(matches!(access_token(&app, 8007).await, Err(AccountError::NotConnected)));
}
