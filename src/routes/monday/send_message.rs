//! `POST /monday/actions/send-message`: the **Send One Message** action.
//!
//! Verify the JWT → read the block's inputs → read the item from monday with the request's
//! short-lived token → render the template → hand the send to the account's actor, which
//! dedupes on `actionUuid`, checks opt-out and quota, paces the sender and calls Twilio →
//! answer monday: output fields on success, `queued` when the send waits for its slot, or
//! an error in monday's severity shape that says what to fix.
//!
//! Why the item is read here and not in the actor: it uses this request's 5-minute token
//! and touches no account state, so it must not hold up the account's mailbox.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use drip_actors::sending::{SendFailure, SendOrder, SendOutcome};
use drip_actors::{AccountMessage, RouteError};
use drip_domain::AccountId;
use drip_domain::sms::check_body_length;
use drip_domain::template::{ItemFields, Template};
use secrecy::SecretString;
use serde_json::{Value, json};

use super::block::BlockRequest;
use super::item::{phone_of, read_item};
use crate::auth::BlockAuth;
use crate::error::{Error, MondayActionError, UserError};
use crate::startup::AppState;

type ActionResult = Result<Json<Value>, MondayActionError>;

pub async fn send_message(
    State(state): State<AppState>,
    BlockAuth(claims): BlockAuth,
    body: axum::body::Bytes,
) -> ActionResult {
    let request = BlockRequest::parse(&body).map_err(Error::from)?;
    let token = claims.short_lived_token.clone().ok_or_else(|| {
        Error::Unauthorized("the monday token carries no shortLivedToken: is the endpoint served over https?".into())
    })?;
    let order = build_order(&state, claims.account_id, &request, &token).await?;
    let deadline = Duration::from_secs(state.settings.twilio.action_wait_seconds + 5);
    let outcome = state
        .accounts
        .call_within(claims.account_id, deadline, |reply| AccountMessage::Send(Box::new(order), reply))
        .await;
    match outcome {
        Ok(outcome) => answer(outcome),
        // The send is durable and under way; monday gets its answer within its budget.
        Err(RouteError::Timeout(_)) => answer(SendOutcome::Queued),
        Err(error) => Err(Error::Unavailable(error.to_string()).into()),
    }
}

async fn build_order(
    state: &AppState,
    account: AccountId,
    request: &BlockRequest,
    token: &SecretString,
) -> Result<SendOrder, Error> {
    let board_id = request.required_id("boardId", "board")?;
    let item_id = request.required_id("itemId", "item")?;
    let phone_column = request.required_text("phoneColumnId", "phone column")?;
    let template = parse_template(&request.required_text("messageText", "message text")?)?;
    let sender = request.sender()?;
    let credentials = request.twilio_credentials()?;
    let item = read_item(state, token, item_id).await?;
    let to = phone_of(&item, &phone_column)?;
    let fields = ItemFields::from(&item);
    let body =
        template.render(&fields).map_err(|error| UserError::new("Message text incomplete", error.to_string()))?;
    check_body_length(&body).map_err(|error| UserError::new("Message too long", error.to_string()))?;
    let action_key = request.action_key(&state.crypto.hasher, account);
    Ok(SendOrder { action_key, board_id, item_id, to, sender, credentials, body, step: None })
}

fn parse_template(text: &str) -> Result<Template, UserError> {
    Template::parse(text).map_err(|error| UserError::new("Message text not valid", error.to_string()))
}

/// The answer to monday for a send's outcome.
pub fn answer(outcome: SendOutcome) -> ActionResult {
    match outcome {
        SendOutcome::Sent { message_sid, status, segments } => Ok(Json(json!({
            "outputFields": { "messageSid": message_sid, "status": status, "segments": segments }
        }))),
        SendOutcome::Queued => Ok(Json(json!({ "outputFields": { "status": "queued" } }))),
        SendOutcome::Failed(failure) => Err(failure_error(failure).into()),
    }
}

fn failure_error(failure: SendFailure) -> Error {
    let twilio = |code: Option<i64>| code.map(|code| format!(" (Twilio error {code})")).unwrap_or_default();
    let user = match failure {
        SendFailure::OptedOut => UserError::new(
            "Recipient opted out",
            "This recipient replied STOP to your Twilio number and gets no texts until they reply START.",
        ),
        SendFailure::InvalidRecipient { code } => UserError::new(
            "Phone number cannot receive SMS",
            format!("Twilio says the item's phone number cannot receive this text{}.", twilio(Some(code))),
        ),
        SendFailure::BadCredentials => UserError::new(
            "Twilio rejected the credentials",
            "Twilio did not accept the Account SID and Auth Token (or API key): reconnect your Twilio account.",
        )
        .disabling(),
        SendFailure::BadSender { code } => UserError::new(
            "Sender not usable",
            format!("The sender is not a Twilio number or Messaging Service of this Twilio account{}.", twilio(Some(code))),
        )
        .disabling(),
        SendFailure::Rejected { code } => {
            UserError::new("Twilio rejected the message", format!("Twilio did not send the text{}.", twilio(code)))
        }
        SendFailure::QuotaExceeded { limit } => UserError::new(
            "Monthly message limit reached",
            format!("Your plan includes {limit} messages a month and they are used up: upgrade the plan or wait for next month."),
        )
        .with_status(StatusCode::PAYMENT_REQUIRED),
        SendFailure::Expired => {
            UserError::new("Message expired", "The text waited in the queue too long and was not sent.")
        }
        SendFailure::QueueFull | SendFailure::Transient => {
            return Error::Unavailable("the text could not be sent yet; monday will retry".into());
        }
    };
    user.into()
}

#[cfg(test)]
mod tests {
    use axum::response::IntoResponse;

    use super::*;

    async fn rendered(failure: SendFailure) -> (u16, Value) {
        let response = answer(SendOutcome::Failed(failure)).unwrap_err().into_response();
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    #[tokio::test]
    async fn every_failure_gets_the_status_and_severity_monday_needs() {
        let table = [
            (SendFailure::OptedOut, 422, Some(4000)),
            (SendFailure::InvalidRecipient { code: 21211 }, 422, Some(4000)),
            (SendFailure::BadCredentials, 422, Some(6000)),
            (SendFailure::BadSender { code: 21606 }, 422, Some(6000)),
            (SendFailure::Rejected { code: Some(30007) }, 422, Some(4000)),
            (SendFailure::QuotaExceeded { limit: 100 }, 402, Some(4000)),
            (SendFailure::Expired, 422, Some(4000)),
            (SendFailure::QueueFull, 503, None),
            (SendFailure::Transient, 503, None),
        ];
        for (failure, status, severity) in table {
            let label = format!("{failure:?}");
            let (got_status, body) = rendered(failure).await;
            assert_eq!(got_status, status, "{label}");
            assert_eq!(body.get("severityCode").and_then(Value::as_u64), severity, "{label}");
        }
    }
}
