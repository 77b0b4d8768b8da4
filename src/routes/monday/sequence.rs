//! The drip actions: **Sequence Starter** (`POST /monday/actions/start-sequence`) enrols
//! an item in a campaign, **Smart Stopper** (`POST /monday/actions/stop-sequence`) ends an
//! item's enrolments, one campaign or all. Both are idempotent: a repeated Sequence
//! Starter run returns the first answer (and an item is enrolled once per campaign
//! anyway); stopping what is already stopped stops nothing.

use axum::Json;
use axum::extract::State;
use drip_actors::AccountMessage;
use drip_actors::drip::{EnrolFailure, EnrolOrder, EnrolOutcome, StopOrder, StopReason};
use drip_domain::send_window::TimeZoneName;
use serde_json::{Value, json};

use super::block::BlockRequest;
use super::item::{phone_of, read_item};
use crate::auth::BlockAuth;
use crate::error::{Error, MondayActionError, UserError};
use crate::startup::AppState;

type ActionResult = Result<Json<Value>, MondayActionError>;

pub async fn start(
    State(state): State<AppState>,
    BlockAuth(claims): BlockAuth,
    body: axum::body::Bytes,
) -> ActionResult {
    let request = BlockRequest::parse(&body).map_err(Error::from)?;
    let token = claims.short_lived_token.clone().ok_or_else(|| Error::Unauthorized("no shortLivedToken".into()))?;
    let campaign_id = request.required_text("campaignId", "campaign")?;
    let board_id = request.required_id("boardId", "board")?;
    let item_id = request.required_id("itemId", "item")?;
    let phone_column = request.required_text("phoneColumnId", "phone column")?;
    let sender = request.sender()?;
    let credentials = request.twilio_credentials()?;
    let item = read_item(&state, &token, item_id).await?;
    let to = phone_of(&item, &phone_column)?;
    let time_zone = match request.text("timeZoneColumnId") {
        Some(column) => time_zone_of(&item, &column)?,
        None => None,
    };
    let action_key = request.action_key(&state.crypto.hasher, claims.account_id);
    let order = EnrolOrder { action_key, campaign_id, board_id, item_id, to, sender, credentials, time_zone };
    let outcome = state
        .accounts
        .call(claims.account_id, |reply| AccountMessage::Enrol(Box::new(order), reply))
        .await
        .map_err(|error| Error::Unavailable(error.to_string()))?;
    answer(outcome)
}

/// The item's zone from its time-zone column: a world clock column's `timezone`, or text
/// holding an IANA name. An empty column means "use the campaign's zone".
fn time_zone_of(item: &drip_clients::monday::Item, column_id: &str) -> Result<Option<String>, UserError> {
    let column = item.phone_column(column_id).ok_or_else(|| {
        UserError::new("Time zone column not found", format!("The board has no column with id '{column_id}'."))
            .disabling()
    })?;
    let text = column
        .value
        .as_ref()
        .and_then(|value| value.get("timezone"))
        .and_then(|zone| zone.as_str())
        .unwrap_or(&column.text);
    if text.trim().is_empty() {
        return Ok(None);
    }
    TimeZoneName::from_monday_text(text)
        .map(|zone| Some(zone.as_str().to_owned()))
        .map_err(|error| UserError::new("Time zone not valid", error.to_string()))
}

fn answer(outcome: EnrolOutcome) -> ActionResult {
    let (status, id) = match outcome {
        EnrolOutcome::Enrolled { enrolment_id } => ("enrolled", enrolment_id),
        EnrolOutcome::Restarted { enrolment_id } => ("restarted", enrolment_id),
        EnrolOutcome::AlreadyEnrolled { enrolment_id } => ("already_enrolled", enrolment_id),
        EnrolOutcome::Failed(failure) => return Err(failure_error(failure).into()),
    };
    Ok(Json(json!({ "outputFields": { "status": status, "enrolmentId": id } })))
}

fn failure_error(failure: EnrolFailure) -> Error {
    match failure {
        EnrolFailure::CampaignNotFound => UserError::new(
            "Campaign not found",
            "The campaign no longer exists: choose a campaign again in the recipe.",
        )
        .disabling()
        .into(),
        EnrolFailure::CampaignNotActive { status } => UserError::new(
            "Campaign not active",
            format!("The campaign is {status}: activate it in the Campaign Dashboard to enrol items."),
        )
        .into(),
        EnrolFailure::NoSteps => UserError::new("Campaign has no steps", "Add a step to the campaign first.").into(),
        EnrolFailure::OptedOut => UserError::new(
            "Recipient opted out",
            "This recipient replied STOP to your Twilio number and gets no texts until they reply START.",
        )
        .into(),
        EnrolFailure::Transient => Error::Unavailable("the item could not be enrolled yet; monday will retry".into()),
    }
}

pub async fn stop(
    State(state): State<AppState>,
    BlockAuth(claims): BlockAuth,
    body: axum::body::Bytes,
) -> ActionResult {
    let request = BlockRequest::parse(&body).map_err(Error::from)?;
    let item_id = request.required_id("itemId", "item")?;
    // No campaign, or "all", stops every campaign of the item.
    let campaign_id = request.text("campaignId").filter(|id| !id.eq_ignore_ascii_case("all"));
    let order = StopOrder { item_id, campaign_id, reason: StopReason::SmartStopper };
    let stopped = state
        .accounts
        .call(claims.account_id, |reply| AccountMessage::StopEnrolments(order, reply))
        .await
        .map_err(|error| Error::Unavailable(error.to_string()))?
        .map_err(|error| Error::Unexpected(error.into()))?;
    Ok(Json(json!({ "outputFields": { "stopped": stopped } })))
}
