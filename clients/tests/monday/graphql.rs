//! GraphQL transport and the error classes of spec §8.4.

use std::time::Duration;

use chrono::{TimeDelta, Timelike, Utc};
use drip_clients::monday::{MondayApiError, MondayClient};
use drip_testkit::monday::MondayStandIn;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use super::spawn_monday;

const TOKEN: &str = "short-lived-token-from-a-block-request";
const ITEM_QUERY: &str = "query ($itemIds: [ID!], $columnIds: [String!]) {
  items(ids: $itemIds) { id name board { id }
    column_values(ids: $columnIds) { id type text value ... on PhoneValue { phone country_short_name } } } }";

fn token() -> SecretString {
    SecretString::from(TOKEN)
}

/// A stand-in that accepts [`TOKEN`], and a client for it.
async fn spawn_authorized() -> (MondayStandIn, MondayClient) {
    let (monday, client) = spawn_monday().await;
    monday.accept_token(TOKEN);
    (monday, client)
}

async fn query_once(client: &MondayClient) -> Result<Value, MondayApiError> {
    query_with(client, &token()).await
}

async fn query_with(client: &MondayClient, token: &SecretString) -> Result<Value, MondayApiError> {
    client.graphql(token, ITEM_QUERY, json!({})).await
}

#[tokio::test]
async fn a_query_sends_the_raw_token_the_pinned_version_and_object_variables() {
    let (monday, client) = spawn_authorized().await;

    client.graphql(&token(), ITEM_QUERY, Value::Null).await.unwrap();

    let sent = &monday.graphql_requests()[0];
    assert_eq!(sent.authorization.as_deref(), Some(TOKEN));
    assert_eq!(sent.api_version.as_deref(), Some("2025-07"));
    assert_eq!(sent.variables, json!({}));
    assert_eq!(sent.query, ITEM_QUERY);
}

#[tokio::test]
async fn items_come_back_with_column_values_as_json_strings() {
    let (monday, client) = spawn_authorized().await;
    let phone = json!({"phone": "+12025550169", "countryShortName": "US"});
    monday.add_item(
        123,
        987,
        "Jane",
        vec![
            ("phone", "Phone", "phone", "+12025550169", phone.clone()),
            ("status", "Status", "status", "", Value::Null),
        ],
    );

    let data = client.graphql(&token(), ITEM_QUERY, json!({"itemIds": ["987"], "columnIds": ["phone"]})).await.unwrap();

    let item = &data["items"][0];
    assert_eq!(item["id"], "987");
    assert_eq!(item["board"]["id"], "123");
    let columns = item["column_values"].as_array().unwrap();
    assert_eq!(columns.len(), 1);
    assert_eq!(columns[0]["phone"], "+12025550169");
    let value: Value = serde_json::from_str(columns[0]["value"].as_str().unwrap()).unwrap();
    assert_eq!(value, phone);
}

#[tokio::test]
async fn create_update_returns_the_new_update_id() {
    let (monday, client) = spawn_authorized().await;
    let mutation = "mutation ($itemId: ID!, $body: String!) { create_update(item_id: $itemId, body: $body) { id } }";

    let data = client.graphql(&token(), mutation, json!({"itemId": "987", "body": "Reply: YES"})).await.unwrap();

    assert_eq!(data["create_update"]["id"], "1");
    let update = &monday.updates()[0];
    assert_eq!((update.item_id.as_str(), update.body.as_str()), ("987", "Reply: YES"));
}

#[tokio::test]
async fn variables_that_are_not_an_object_are_refused_before_sending() {
    let (monday, client) = spawn_authorized().await;

    let error = client.graphql(&token(), ITEM_QUERY, json!("[1]")).await.unwrap_err();

    assert!(matches!(error, MondayApiError::Permanent { status: None, .. }), "{error:?}");
    assert!(monday.graphql_requests().is_empty());
}

#[tokio::test]
async fn an_exhausted_complexity_budget_is_rate_limited_under_200_and_429() {
    let (monday, client) = spawn_authorized().await;
    for status in [200, 429] {
        monday.push_complexity_budget_exhausted(status, 42);

        let error = query_once(&client).await.unwrap_err();

        assert!(
            matches!(&error, MondayApiError::RateLimited { code, .. } if code == "COMPLEXITY_BUDGET_EXHAUSTED"),
            "status {status}: {error:?}"
        );
        assert_eq!(error.retry_after(), Some(Duration::from_secs(42)));
        assert!(error.is_retryable());
    }
}

#[tokio::test]
async fn a_legacy_complexity_exception_takes_its_wait_from_the_message() {
    let (monday, client) = spawn_authorized().await;
    for status in [200, 429] {
        monday.push_legacy_complexity_exception(status, 12);

        let error = query_once(&client).await.unwrap_err();

        assert!(matches!(error, MondayApiError::RateLimited { .. }), "status {status}: {error:?}");
        assert_eq!(error.retry_after(), Some(Duration::from_secs(12)));
    }
}

#[tokio::test]
async fn a_429_waits_as_long_as_retry_after_says() {
    let (monday, client) = spawn_authorized().await;
    monday.push_rate_limit_exceeded(7);

    let error = query_once(&client).await.unwrap_err();

    assert!(matches!(error, MondayApiError::RateLimited { .. }), "{error:?}");
    assert_eq!(error.retry_after(), Some(Duration::from_secs(7)));
}

#[tokio::test]
async fn the_daily_limit_waits_until_the_next_utc_midnight() {
    let (monday, client) = spawn_authorized().await;
    monday.push_daily_limit_exceeded();

    let error = query_once(&client).await.unwrap_err();

    let MondayApiError::DailyLimit { resets_at } = error else {
        panic!("expected DailyLimit, got {error:?}");
    };
    assert_eq!((resets_at.hour(), resets_at.minute(), resets_at.second()), (0, 0, 0));
    assert!(resets_at > Utc::now() && resets_at <= Utc::now() + TimeDelta::days(1));
    assert!(error.is_retryable());
}

#[tokio::test]
async fn a_locked_board_is_retried_after_retry_after() {
    let (monday, client) = spawn_authorized().await;
    monday.push_resource_locked(Some(3));

    let error = query_once(&client).await.unwrap_err();

    assert!(matches!(error, MondayApiError::Locked { .. }), "{error:?}");
    assert_eq!(error.retry_after(), Some(Duration::from_secs(3)));
    assert!(error.is_retryable());
}

#[tokio::test]
async fn an_unknown_token_is_unauthorized_and_not_retried_as_is() {
    let (_monday, client) = spawn_monday().await;

    let error = query_once(&client).await.unwrap_err();

    assert!(matches!(error, MondayApiError::Unauthorized { .. }), "{error:?}");
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn an_expired_oauth_token_is_unauthorized() {
    let (monday, client) = spawn_monday().await;
    monday.set_accept_any_code(true);
    let tokens = client.exchange_code("any-code", "https://x.example/cb", "v").await.unwrap();
    assert!(query_with(&client, &tokens.access_token).await.is_ok());
    monday.expire_token(tokens.access_token.expose_secret());

    let error = query_with(&client, &tokens.access_token).await.unwrap_err();

    assert!(matches!(error, MondayApiError::Unauthorized { .. }), "{error:?}");
}

#[tokio::test]
async fn a_legacy_token_on_a_new_api_version_is_unauthorized_with_its_code() {
    let (monday, client) = spawn_authorized().await;
    monday.push_oauth21_token_required();

    let error = query_once(&client).await.unwrap_err();

    assert!(
        matches!(&error, MondayApiError::Unauthorized { code: Some(code), .. } if code == "OAUTH21_TOKEN_REQUIRED"),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_html_gateway_timeout_is_transient() {
    let (monday, client) = spawn_authorized().await;
    monday.push_gateway_timeout_html();

    let error = query_once(&client).await.unwrap_err();

    assert!(matches!(error, MondayApiError::Transient { status: Some(504), .. }), "{error:?}");
    assert!(error.is_retryable());
    assert_eq!(error.retry_after(), None);
}

#[tokio::test]
async fn an_application_error_keeps_its_code_and_is_not_retried() {
    let (monday, client) = spawn_authorized().await;
    monday.push_application_error("ColumnValueException", "invalid phone value");

    let error = query_once(&client).await.unwrap_err();

    assert!(
        matches!(&error, MondayApiError::Application { code: Some(code), .. } if code == "ColumnValueException"),
        "{error:?}"
    );
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn an_unclassified_4xx_is_permanent() {
    let (monday, client) = spawn_authorized().await;
    monday.push_response(403, json!({"errors": [{"message": "missing scope"}]}), &[]);

    let error = query_once(&client).await.unwrap_err();

    assert!(matches!(error, MondayApiError::Permanent { status: Some(403), .. }), "{error:?}");
}

#[tokio::test]
async fn an_unreachable_api_is_transient() {
    let (monday, client) = spawn_authorized().await;
    drop(monday);
    tokio::time::sleep(Duration::from_millis(50)).await;

    let error = query_once(&client).await.unwrap_err();

    assert!(matches!(error, MondayApiError::Transient { status: None, .. }), "{error:?}");
}

#[tokio::test]
async fn no_error_ever_contains_the_token() {
    let (monday, client) = spawn_authorized().await;
    monday.push_unauthorized();
    monday.push_gateway_timeout_html();
    monday.push_complexity_budget_exhausted(429, 1);
    monday.push_application_error("ColumnValueException", "bad");

    for _ in 0..4 {
        let error = query_once(&client).await.unwrap_err();

        assert!(!format!("{error} {error:?}").contains(TOKEN), "{error:?}");
    }
}
