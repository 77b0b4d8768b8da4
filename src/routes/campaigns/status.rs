//! `POST /api/campaigns/{id}/activate`, `/pause`, `/resume` and `/archive`.
//!
//! draft → active (needs at least one step), active ⇄ paused, any → archived. Archived
//! is final: every other action on it, and any edit, is a 409. An action that leaves the
//! status where it is (pausing a paused campaign) is a no-op answered with the campaign.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use drip_store::db::campaigns::{CampaignStatus, Refusal, StatusAction};

use super::crud::campaign_id;
use super::view::CampaignView;
use crate::auth::{MondayClaims, SessionAuth};
use crate::error::{Error, Result, UserError};
use crate::startup::AppState;

pub async fn activate(state: State<AppState>, auth: SessionAuth, id: Path<String>) -> Result<Json<CampaignView>> {
    apply(state, auth, id, StatusAction::Activate).await
}

pub async fn pause(state: State<AppState>, auth: SessionAuth, id: Path<String>) -> Result<Json<CampaignView>> {
    apply(state, auth, id, StatusAction::Pause).await
}

pub async fn resume(state: State<AppState>, auth: SessionAuth, id: Path<String>) -> Result<Json<CampaignView>> {
    apply(state, auth, id, StatusAction::Resume).await
}

pub async fn archive(state: State<AppState>, auth: SessionAuth, id: Path<String>) -> Result<Json<CampaignView>> {
    apply(state, auth, id, StatusAction::Archive).await
}

async fn apply(
    State(state): State<AppState>,
    SessionAuth(claims): SessionAuth,
    Path(id): Path<String>,
    action: StatusAction,
) -> Result<Json<CampaignView>> {
    let id = campaign_id(&id)?;
    let detail = state
        .db
        .change_campaign_status(claims.account_id, &id, action, state.clock.now())
        .await?
        .map_err(|refusal| refused(refusal, participle(action)))?;
    log_change(&claims, &id, action, &detail.campaign.status);
    notify_enrolments(&state, claims.account_id, &id);
    Ok(Json(detail.into()))
}

/// Tells the account's actor, which ends (archive) or re-arms (resume) the campaign's
/// enrolments. Best effort: due steps of a resumed campaign are also found by the overdue
/// sweep.
pub(super) fn notify_enrolments(state: &AppState, account: drip_domain::AccountId, campaign_id: &str) {
    let message = drip_actors::AccountMessage::CampaignChanged(campaign_id.to_owned());
    if state.accounts.cast(account, message).is_err() {
        tracing::warn!(account = %account, "could not tell the account about a campaign change");
    }
}

fn log_change(claims: &MondayClaims, id: &str, action: StatusAction, status: &str) {
    let user = claims.user_id.map(|user| user.get());
    tracing::info!(account = %claims.account_id, user, campaign = %id, action = verb(action), status, "campaign status");
}

fn verb(action: StatusAction) -> &'static str {
    match action {
        StatusAction::Activate => "activate",
        StatusAction::Pause => "pause",
        StatusAction::Resume => "resume",
        StatusAction::Archive => "archive",
    }
}

fn participle(action: StatusAction) -> &'static str {
    match action {
        StatusAction::Activate => "activated",
        StatusAction::Pause => "paused",
        StatusAction::Resume => "resumed",
        StatusAction::Archive => "archived",
    }
}

/// What a refused `PUT` tried.
pub(super) const EDITED: &str = "edited";

/// The answer to a refused write; `attempt` says what was tried, as a participle
/// ("edited", "paused", …).
pub(super) fn refused(refusal: Refusal, attempt: &str) -> Error {
    let conflict =
        |title: &str, description: String| UserError::new(title, description).with_status(StatusCode::CONFLICT);
    let error = match refusal {
        Refusal::NotFound => return Error::NotFound,
        Refusal::Archived => conflict(
            "Campaign archived",
            format!(
                "This campaign is archived, and archived campaigns are final: it cannot be {attempt}. Create a new campaign instead."
            ),
        ),
        Refusal::NeedsSteps if attempt == EDITED => UserError::new(
            "Campaign needs a step",
            "An active or paused campaign needs at least one step: keep a step, or archive the campaign.",
        ),
        Refusal::NeedsSteps => {
            UserError::new("Campaign needs a step", "Add at least one step before activating the campaign.")
        }
        Refusal::NotAllowed { from: CampaignStatus::Draft, .. } => conflict(
            "Campaign not started",
            format!("This campaign is a draft and has not started, so it cannot be {attempt}: activate it first."),
        ),
        Refusal::NotAllowed { from, .. } => {
            conflict("Campaign paused", format!("This campaign is {}: resume it instead.", from.as_str()))
        }
        Refusal::ChangedMeanwhile => conflict(
            "Campaign changed meanwhile",
            "Someone changed this campaign at the same moment: reload it and try again.".to_owned(),
        ),
    };
    error.into()
}
