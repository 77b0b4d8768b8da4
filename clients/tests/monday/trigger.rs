//! Firing custom triggers in both documented `Authorization` forms, and failure handling.

use drip_clients::monday::{MondayApiError, MondayClient, TriggerAuth};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use secrecy::SecretString;
use serde_json::{Value, json};

use super::{settings_for, spawn_monday};

const APP_ID: u64 = 1_000_000_000;
const SIGNING_SECRET: &str = "test-signing-secret";
const SUBSCRIPTION_ID: u64 = 481_690_204;

fn signing_secret() -> SecretString {
    SecretString::from(SIGNING_SECRET)
}

fn output_fields() -> Value {
    json!({"itemId": 9_876_543_210_u64, "fromPhone": "+12025550169", "body": "YES"})
}

async fn fire(client: &MondayClient, url: &str, auth: TriggerAuth) -> Result<(), MondayApiError> {
    client.fire_trigger(url, APP_ID, &signing_secret(), output_fields(), auth).await
}

#[tokio::test]
async fn a_trigger_fires_with_a_one_minute_bearer_jwt_naming_the_app() {
    let (monday, client) = spawn_monday().await;
    monday.require_trigger_auth(APP_ID, SIGNING_SECRET);

    fire(&client, &monday.webhook_url(SUBSCRIPTION_ID), TriggerAuth::Jwt).await.unwrap();

    let call = &monday.trigger_calls()[0];
    assert_eq!(call.answered_status, 200);
    assert_eq!(call.subscription_id, SUBSCRIPTION_ID.to_string());
    assert_eq!(call.body, json!({"trigger": {"outputFields": output_fields()}}));
    let jwt = call.authorization.as_deref().unwrap().strip_prefix("Bearer ").unwrap();
    let key = DecodingKey::from_secret(SIGNING_SECRET.as_bytes()).unwrap();
    let claims = jsonwebtoken::decode::<Value>(jwt, &key, &Validation::new(Algorithm::HS256)).unwrap().claims;
    assert_eq!(claims["appId"], APP_ID);
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 60);
}

#[tokio::test]
async fn a_trigger_can_fire_with_the_raw_signing_secret() {
    let (monday, client) = spawn_monday().await;
    monday.require_trigger_auth(APP_ID, SIGNING_SECRET);

    fire(&client, &monday.webhook_url(SUBSCRIPTION_ID), TriggerAuth::RawSecret).await.unwrap();

    let call = &monday.trigger_calls()[0];
    assert_eq!(call.authorization.as_deref(), Some(SIGNING_SECRET));
    assert_eq!(call.answered_status, 200);
}

#[tokio::test]
async fn a_failing_webhook_is_transient_until_it_recovers() {
    let (monday, client) = spawn_monday().await;
    monday.fail_triggers(2);
    let url = monday.webhook_url(SUBSCRIPTION_ID);

    let first = fire(&client, &url, TriggerAuth::Jwt).await.unwrap_err();
    let second = fire(&client, &url, TriggerAuth::Jwt).await.unwrap_err();
    let third = fire(&client, &url, TriggerAuth::Jwt).await;

    for error in [first, second] {
        assert!(matches!(error, MondayApiError::Transient { status: Some(500), .. }), "{error:?}");
        assert!(error.is_retryable());
    }
    assert!(third.is_ok());
    let statuses: Vec<u16> = monday.trigger_calls().iter().map(|c| c.answered_status).collect();
    assert_eq!(statuses, [500, 500, 200]);
}

#[tokio::test]
async fn a_trigger_signed_with_the_wrong_secret_is_unauthorized() {
    let (monday, client) = spawn_monday().await;
    monday.require_trigger_auth(APP_ID, "a-different-secret");

    let error = fire(&client, &monday.webhook_url(SUBSCRIPTION_ID), TriggerAuth::Jwt).await.unwrap_err();

    assert!(matches!(error, MondayApiError::Unauthorized { .. }), "{error:?}");
}

#[tokio::test]
async fn plain_http_webhooks_are_refused_outside_test_mode() {
    let (monday, _) = spawn_monday().await;
    let mut settings = settings_for(&monday);
    settings.allow_insecure_http = false;
    settings.api_url = "https://api.monday.com/v2".into();
    settings.oauth_authorize_url = "https://auth.monday.com/oauth2/authorize".into();
    settings.oauth_token_url = "https://auth.monday.com/oauth_ms/oauth/token".into();
    settings.legacy_token_url = "https://auth.monday.com/oauth2/token".into();
    settings.revoke_url = "https://auth.monday.com/oauth_ms/oauth/revoke".into();
    let client = MondayClient::new(settings).unwrap();

    let error = fire(&client, &monday.webhook_url(SUBSCRIPTION_ID), TriggerAuth::Jwt).await.unwrap_err();

    assert!(matches!(error, MondayApiError::Permanent { status: None, .. }), "{error:?}");
    assert!(monday.trigger_calls().is_empty());
}
