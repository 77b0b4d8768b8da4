//! `POST /monday/lifecycle`: monday's app lifecycle and monetization webhooks
//! (spec/monday.md §6), verified with the Client Secret.
//!
//! All 13 event types are accepted. Each delivery is processed once: the dedupe key is a
//! keyed hash of (type, account, timestamp), since monday gives no delivery id and
//! `install` may legitimately repeat. Events that arrive older than the last one applied
//! are ignored. `uninstall` stops the account's actor, cancels its timers and deletes every
//! row and key of the account. Unknown event types are acknowledged and ignored, so that a
//! type monday adds later does not make it retry forever.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use drip_actors::AccountMessage;
use drip_domain::AccountId;
use drip_domain::crypto::HashDomain;
use drip_domain::plan::{LifecycleKind, SubscriptionFacts};
use drip_store::db::accounts::{LifecycleEvent, LifecycleOutcome};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::LifecycleAuth;
use crate::error::{Error, Result};
use crate::metrics::LifecycleLabels;
use crate::startup::AppState;

#[derive(Debug, Deserialize)]
struct LifecycleBody {
    #[serde(rename = "type")]
    kind: String,
    data: LifecycleData,
}

#[derive(Debug, Deserialize)]
struct LifecycleData {
    account_id: i64,
    account_tier: Option<String>,
    timestamp: Option<DateTime<Utc>>,
    subscription: Option<SubscriptionFacts>,
}

pub async fn receive(
    State(state): State<AppState>,
    _auth: LifecycleAuth,
    body: axum::body::Bytes,
) -> Result<Json<Value>> {
    let body: LifecycleBody = serde_json::from_slice(&body)
        .map_err(|error| Error::BadRequest(format!("lifecycle body is not valid: {error}")))?;
    let Ok(kind) = body.kind.parse::<LifecycleKind>() else {
        tracing::warn!(event = body.kind, "ignored an unknown lifecycle event type");
        return Ok(Json(json!({ "status": "ignored" })));
    };
    let account = AccountId(body.data.account_id);
    let outcome = if kind == LifecycleKind::Uninstall {
        uninstall(&state, account).await?
    } else {
        let event = parse_event(&state, kind, account, body.data);
        state
            .accounts
            .call(account, |reply| AccountMessage::Lifecycle(event, reply))
            .await
            .map_err(|error| Error::Unavailable(error.to_string()))?
            .map_err(|error| Error::Unexpected(error.into()))?
    };
    let outcome = outcome_name(outcome);
    tracing::info!(account = %account, event = kind.as_str(), outcome, "lifecycle event");
    let labels = LifecycleLabels { event: kind.as_str().to_owned(), outcome: outcome.to_owned() };
    state.metrics.lifecycle_events.get_or_create(&labels).inc();
    Ok(Json(json!({ "status": outcome })))
}

fn parse_event(state: &AppState, kind: LifecycleKind, account: AccountId, data: LifecycleData) -> LifecycleEvent {
    // Without a timestamp the delivery cannot be told apart from a retry; "now" makes it
    // apply (monday documents the field, so this is only a fallback).
    let timestamp = data.timestamp.unwrap_or_else(|| state.clock.now());
    let dedupe_key = state
        .crypto
        .hasher
        .hash(
            HashDomain::Idempotency,
            &[kind.as_str().as_bytes(), account.to_string().as_bytes(), timestamp.to_rfc3339().as_bytes()],
        )
        .to_hex();
    LifecycleEvent {
        kind,
        account_id: account,
        account_tier: data.account_tier,
        subscription: data.subscription,
        timestamp,
        dedupe_key,
    }
}

async fn uninstall(state: &AppState, account: AccountId) -> Result<LifecycleOutcome> {
    let deleted = state
        .accounts
        .uninstall(account)
        .await
        .map_err(|error| Error::Unavailable(error.to_string()))?
        .map_err(|error| Error::Unexpected(anyhow::anyhow!(error)))?;
    Ok(if deleted == 0 { LifecycleOutcome::UnknownAccount } else { LifecycleOutcome::Applied })
}

fn outcome_name(outcome: LifecycleOutcome) -> &'static str {
    match outcome {
        LifecycleOutcome::Applied => "applied",
        LifecycleOutcome::Duplicate => "duplicate",
        LifecycleOutcome::Stale => "stale",
        LifecycleOutcome::UnknownAccount => "unknown_account",
    }
}
