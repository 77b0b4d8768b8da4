//! `POST /api/campaigns/{id}/preview` with `{"step": 0, "item_id": 123}`: a step's text
//! rendered for a real board item, so the author sees what the item's contact would get.
//!
//! The item is read with the account's stored OAuth token (the dashboard's session token
//! cannot call monday's API). The rendered text goes back to the dashboard only: it is
//! never stored and never logged, like every message body.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use drip_actors::{AccountError, AccountMessage};
use drip_clients::monday::{Item, MondayApiError};
use drip_domain::AccountId;
use drip_domain::sms::{check_body_length, segment_info};
use drip_domain::template::{ItemFields, Template};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::{Value, json};

use super::crud::campaign_id;
use super::json::AppJson;
use crate::auth::SessionAuth;
use crate::error::{Error, Result, UserError};
use crate::startup::AppState;

#[derive(Debug, Deserialize)]
pub struct PreviewBody {
    /// The step's position (0-based).
    step: usize,
    item_id: i64,
}

pub async fn preview(
    State(state): State<AppState>,
    SessionAuth(claims): SessionAuth,
    Path(id): Path<String>,
    AppJson(body): AppJson<PreviewBody>,
) -> Result<Json<Value>> {
    let account = claims.account_id;
    let id = campaign_id(&id)?;
    let detail = state.db.campaign_detail(account, &id).await?.ok_or(Error::NotFound)?;
    let step = detail.steps.get(body.step).ok_or_else(|| {
        UserError::new("Step not found", format!("The campaign has no step at position {}.", body.step))
    })?;
    let template = Template::parse(&step.template)
        .map_err(|error| UserError::new(format!("Step {} text not valid", body.step + 1), error.to_string()))?;
    let item = read_item(&state, account, body.item_id).await?;
    let text = template
        .render(&ItemFields::from(&item))
        .map_err(|error| UserError::new("Message text incomplete", error.to_string()))?;
    check_body_length(&text).map_err(|error| UserError::new("Message too long", error.to_string()))?;
    let segments = segment_info(&text);
    Ok(Json(json!({
        "step": body.step,
        "item_id": body.item_id,
        "body": text,
        "segments": segments.segments,
        "encoding": segments.encoding.to_string(),
    })))
}

async fn read_item(state: &AppState, account: AccountId, item_id: i64) -> Result<Item> {
    if item_id <= 0 {
        return Err(UserError::new("Item not valid", "item_id must be the id of a board item.").into());
    }
    let token = account_token(state, account).await?;
    let item = state.monday.read_item(&token, item_id, None).await.map_err(|error| monday_error(&error))?;
    item.ok_or_else(|| {
        UserError::new("Item not found", format!("Item {item_id} does not exist or the app cannot read it.")).into()
    })
}

/// The account's monday token, from its actor (which refreshes it when due).
async fn account_token(state: &AppState, account: AccountId) -> Result<SecretString> {
    let answer = state
        .accounts
        .call(account, AccountMessage::MondayAccessToken)
        .await
        .map_err(|error| Error::Unavailable(error.to_string()))?;
    answer.map_err(|error| match error {
        AccountError::NotConnected | AccountError::Reconnect => {
            UserError::new("App not connected to monday", error.to_string()).with_status(StatusCode::CONFLICT).into()
        }
        AccountError::MondayUnavailable(_) => Error::Unavailable(error.to_string()),
        AccountError::Store(error) => Error::Unexpected(error),
    })
}

fn monday_error(error: &MondayApiError) -> Error {
    match error {
        MondayApiError::Application { .. } | MondayApiError::Permanent { .. } => {
            UserError::new("monday could not read the item", error.to_string()).into()
        }
        MondayApiError::Unauthorized { .. } => UserError::new(
            "App not connected to monday",
            "monday rejected the app's stored authorization: open the app and authorize it again.",
        )
        .with_status(StatusCode::CONFLICT)
        .into(),
        _ => Error::Unavailable(format!("monday is not answering: {error}")),
    }
}
