//! OAuth 2.1 code exchange with PKCE, refresh rotation, revocation, and the legacy flow.

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use drip_clients::monday::{OAuthError, Pkce, TokenSet, TokenTypeHint};
use drip_testkit::monday::CLIENT_SECRET;
use secrecy::ExposeSecret;
use serde_json::json;

use super::spawn_monday;

const REDIRECT_URI: &str = "https://sms.example.com/oauth/callback";
const ACCOUNT_ID: u64 = 777_777;

fn assert_close(actual: Option<chrono::DateTime<Utc>>, expected: chrono::DateTime<Utc>) {
    let actual = actual.expect("an expiry");
    assert!((actual - expected).abs() <= TimeDelta::seconds(3), "{actual} vs {expected}");
}

#[tokio::test]
async fn the_authorize_url_carries_client_scopes_state_and_an_s256_challenge() {
    let (_monday, client) = spawn_monday().await;
    let pkce = Pkce::generate();

    let url = client.authorize_url(REDIRECT_URI, "state-1", &pkce.challenge, &["boards:read", "updates:write"]);

    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    assert_eq!(get("client_id"), Some(drip_testkit::monday::CLIENT_ID));
    assert_eq!(get("redirect_uri"), Some(REDIRECT_URI));
    assert_eq!(get("scope"), Some("boards:read updates:write"));
    assert_eq!(get("state"), Some("state-1"));
    assert_eq!(get("code_challenge"), Some(pkce.challenge.as_str()));
    assert_eq!(get("code_challenge_method"), Some("S256"));
}

#[tokio::test]
async fn the_authorize_redirect_yields_a_code_that_exchanges_for_tokens() {
    let (monday, client) = spawn_monday().await;
    let pkce = Pkce::generate();
    let url = client.authorize_url(REDIRECT_URI, "state-2", &pkce.challenge, &["boards:read"]);
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();

    let redirect = browser.get(url).send().await.unwrap();

    let location = redirect.headers()["location"].to_str().unwrap();
    let location = url::Url::parse(location).unwrap();
    let code = location.query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
    assert!(location.query_pairs().any(|(k, v)| k == "state" && v == "state-2"));
    let tokens = client.exchange_code(&code, REDIRECT_URI, pkce.verifier()).await.unwrap();
    assert!(monday.accepts_token(tokens.access_token.expose_secret()));
}

#[tokio::test]
async fn a_code_exchange_sends_the_documented_json_body() {
    let (monday, client) = spawn_monday().await;
    let pkce = Pkce::generate();
    let code = monday.issue_code(ACCOUNT_ID, REDIRECT_URI, &pkce.challenge);

    client.exchange_code(&code, REDIRECT_URI, pkce.verifier()).await.unwrap();

    let sent = &monday.requests()[0];
    assert_eq!(sent.path, "/oauth_ms/oauth/token");
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(
        sent.json().unwrap(),
        json!({ "client_id": drip_testkit::monday::CLIENT_ID, "client_secret": CLIENT_SECRET,
                "code": code, "redirect_uri": REDIRECT_URI, "code_verifier": pkce.verifier() })
    );
}

#[tokio::test]
async fn an_oauth_2_1_token_expires_when_its_jwt_exp_says() {
    let (monday, client) = spawn_monday().await;
    monday.set_access_token_lifetime(Duration::from_secs(600));
    let pkce = Pkce::generate();
    let code = monday.issue_code(ACCOUNT_ID, REDIRECT_URI, &pkce.challenge);

    let tokens = client.exchange_code(&code, REDIRECT_URI, pkce.verifier()).await.unwrap();

    assert_close(tokens.expires_at, Utc::now() + TimeDelta::seconds(600));
    assert!(tokens.refresh_token.is_some());
    assert_eq!(tokens.token_type, "Bearer");
    assert_eq!(tokens.scope.as_deref(), Some("boards:read boards:write updates:write"));
}

#[tokio::test]
async fn expires_in_wins_when_monday_sends_it() {
    let (monday, client) = spawn_monday().await;
    monday.set_expires_in(Some(120));
    let pkce = Pkce::generate();
    let code = monday.issue_code(ACCOUNT_ID, REDIRECT_URI, &pkce.challenge);

    let tokens = client.exchange_code(&code, REDIRECT_URI, pkce.verifier()).await.unwrap();

    assert_close(tokens.expires_at, Utc::now() + TimeDelta::seconds(120));
}

#[tokio::test]
async fn a_wrong_code_verifier_is_an_invalid_grant() {
    let (monday, client) = spawn_monday().await;
    let code = monday.issue_code(ACCOUNT_ID, REDIRECT_URI, &Pkce::generate().challenge);

    let error = client.exchange_code(&code, REDIRECT_URI, Pkce::generate().verifier()).await.unwrap_err();

    assert!(matches!(error, OAuthError::InvalidGrant { .. }), "{error:?}");
    assert!(error.requires_reauthorization());
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn an_authorization_code_works_only_once() {
    let (monday, client) = spawn_monday().await;
    let pkce = Pkce::generate();
    let code = monday.issue_code(ACCOUNT_ID, REDIRECT_URI, &pkce.challenge);
    client.exchange_code(&code, REDIRECT_URI, pkce.verifier()).await.unwrap();

    let again = client.exchange_code(&code, REDIRECT_URI, pkce.verifier()).await;

    assert!(matches!(again, Err(OAuthError::InvalidGrant { .. })), "{again:?}");
}

async fn exchange(
    monday: &drip_testkit::monday::MondayStandIn,
    client: &drip_clients::monday::MondayClient,
) -> TokenSet {
    let pkce = Pkce::generate();
    let code = monday.issue_code(ACCOUNT_ID, REDIRECT_URI, &pkce.challenge);
    client.exchange_code(&code, REDIRECT_URI, pkce.verifier()).await.unwrap()
}

#[tokio::test]
async fn a_refresh_rotates_the_refresh_token_and_the_old_one_stops_working() {
    let (monday, client) = spawn_monday().await;
    let first = exchange(&monday, &client).await;
    let old_refresh = first.refresh_token.unwrap();

    let second = client.refresh(&old_refresh).await.unwrap();

    let new_refresh = second.refresh_token.clone().unwrap();
    assert_ne!(new_refresh.expose_secret(), old_refresh.expose_secret());
    assert_ne!(second.access_token.expose_secret(), first.access_token.expose_secret());
    let sent = monday.requests().last().unwrap().json().unwrap();
    assert_eq!(sent["grant_type"], "refresh_token");
    let reused = client.refresh(&old_refresh).await.unwrap_err();
    assert!(reused.requires_reauthorization(), "{reused:?}");
    assert!(client.refresh(&new_refresh).await.is_ok());
}

#[tokio::test]
async fn a_revoked_access_token_is_refused_by_the_api() {
    let (monday, client) = spawn_monday().await;
    let tokens = exchange(&monday, &client).await;

    client.revoke(&tokens.access_token, TokenTypeHint::AccessToken).await.unwrap();

    assert!(!monday.accepts_token(tokens.access_token.expose_secret()));
    let sent = monday.requests().last().unwrap().json().unwrap();
    assert_eq!(sent["token_type_hint"], "access_token");
}

#[tokio::test]
async fn a_revoked_refresh_token_can_no_longer_refresh() {
    let (monday, client) = spawn_monday().await;
    let refresh = exchange(&monday, &client).await.refresh_token.unwrap();

    client.revoke(&refresh, TokenTypeHint::RefreshToken).await.unwrap();

    let error = client.refresh(&refresh).await.unwrap_err();
    assert!(matches!(error, OAuthError::InvalidGrant { .. }), "{error:?}");
}

#[tokio::test]
async fn a_legacy_token_never_expires_and_has_no_refresh_token() {
    let (monday, client) = spawn_monday().await;
    let code = monday.issue_code(ACCOUNT_ID, REDIRECT_URI, "");

    let tokens = client.exchange_legacy_code(&code, REDIRECT_URI).await.unwrap();

    assert_eq!(tokens.expires_at, None);
    assert!(tokens.refresh_token.is_none());
    assert!(!tokens.expires_within(Utc::now(), TimeDelta::days(365)));
    assert_eq!(monday.requests()[0].path, "/oauth2/token");
    assert!(monday.accepts_token(tokens.access_token.expose_secret()));
}

#[tokio::test]
async fn wrong_client_credentials_are_rejected_and_not_retryable() {
    let monday = drip_testkit::monday::MondayStandIn::start().await;
    let mut settings = super::settings_for(&monday);
    settings.client_secret = secrecy::SecretString::from("not-the-secret");
    let client = drip_clients::monday::MondayClient::new(settings).unwrap();
    monday.set_accept_any_code(true);

    let error = client.exchange_code("any", REDIRECT_URI, "verifier").await.unwrap_err();

    assert!(
        matches!(&error, OAuthError::Rejected { status: 401, error, .. } if error == "invalid_client"),
        "{error:?}"
    );
    assert!(!error.is_retryable() && !error.requires_reauthorization());
}
