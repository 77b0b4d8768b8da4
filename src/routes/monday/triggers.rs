//! The "When an SMS reply arrives" trigger block (spec/monday.md §4.1, §4.3): monday
//! subscribes a recipe with the webhook URL to fire, and unsubscribes it when the recipe
//! goes. Firing happens elsewhere, through the account's durable deliveries.
//!
//! - `POST /monday/triggers/reply/subscribe`: store the subscription, answer
//!   `{"webhookId": <subscriptionId>}` so monday names it by that id later.
//! - `POST /monday/triggers/reply/unsubscribe`: delete it; always `200 {}`, even for an id
//!   we do not know (monday may remove the recipe anyway, or block its deletion).

use axum::Json;
use axum::extract::State;
use drip_store::db::triggers::NewSubscription;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::auth::BlockAuth;
use crate::error::{Error, Result};
use crate::startup::AppState;

#[derive(Debug, Deserialize)]
struct SubscribeBody {
    payload: SubscribePayload,
}

#[derive(Debug, Deserialize)]
struct SubscribePayload {
    #[serde(rename = "webhookUrl")]
    webhook_url: String,
    #[serde(rename = "subscriptionId")]
    subscription_id: Value,
    #[serde(rename = "inputFields")]
    input_fields: Option<Map<String, Value>>,
    #[serde(rename = "inboundFieldValues")]
    inbound_field_values: Option<Map<String, Value>>,
    #[serde(rename = "recipeId")]
    recipe_id: Option<Value>,
    #[serde(rename = "integrationId")]
    integration_id: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct UnsubscribeBody {
    payload: UnsubscribePayload,
}

#[derive(Debug, Deserialize)]
struct UnsubscribePayload {
    #[serde(rename = "webhookId")]
    webhook_id: Option<Value>,
}

pub async fn subscribe(
    State(state): State<AppState>,
    BlockAuth(claims): BlockAuth,
    body: axum::body::Bytes,
) -> Result<Json<Value>> {
    let body: SubscribeBody = serde_json::from_slice(&body)
        .map_err(|error| Error::BadRequest(format!("subscribe body is not valid: {error}")))?;
    let payload = body.payload;
    let subscription_id = id_of(&payload.subscription_id)
        .ok_or_else(|| Error::BadRequest("subscriptionId must be a numeric id".into()))?;
    if url::Url::parse(&payload.webhook_url).is_err() {
        return Err(Error::BadRequest("webhookUrl must be a URL".into()));
    }
    let input_fields = payload.input_fields.or(payload.inbound_field_values).unwrap_or_default();
    let subscription = NewSubscription {
        subscription_id,
        webhook_url: payload.webhook_url,
        input_fields: Value::Object(input_fields),
        recipe_id: payload.recipe_id.as_ref().and_then(id_of),
        integration_id: payload.integration_id.as_ref().and_then(id_of),
    };
    let board_id = subscription.board_id();
    state.db.subscribe(claims.account_id, subscription, state.clock.now()).await?;
    tracing::info!(account = %claims.account_id, subscription_id, board_id, "reply trigger subscribed");
    Ok(Json(json!({ "webhookId": subscription_id })))
}

pub async fn unsubscribe(
    State(state): State<AppState>,
    BlockAuth(claims): BlockAuth,
    body: axum::body::Bytes,
) -> Result<Json<Value>> {
    let webhook_id = serde_json::from_slice::<UnsubscribeBody>(&body)
        .ok()
        .and_then(|body| body.payload.webhook_id)
        .as_ref()
        .and_then(id_of);
    let Some(webhook_id) = webhook_id else {
        tracing::warn!(account = %claims.account_id, "unsubscribe without a usable webhookId: nothing to delete");
        return Ok(Json(json!({})));
    };
    match state.db.unsubscribe(claims.account_id, webhook_id).await {
        Ok(deleted) => {
            tracing::info!(account = %claims.account_id, subscription_id = webhook_id, deleted, "reply trigger unsubscribed");
        }
        // Still 200: a failed unsubscribe may block the user's recipe deletion (spec §4.3),
        // and a subscription left behind only costs a fire that monday refuses.
        Err(error) => tracing::error!(
            account = %claims.account_id,
            subscription_id = webhook_id,
            error = %format!("{error:#}"),
            "could not delete a trigger subscription"
        ),
    }
    Ok(Json(json!({})))
}

/// An id sent as a number or a numeric string.
fn id_of(value: &Value) -> Option<i64> {
    match value {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}
