//! `GET /api/campaigns` (optional `?status=`), `POST /api/campaigns`,
//! `GET /api/campaigns/{id}` and `PUT /api/campaigns/{id}`.
//!
//! `POST` creates a draft; `PUT` replaces the whole campaign (settings and every step)
//! and keeps its status. What an edit does to items already enrolled is defined in the
//! README ("Campaigns API") and carried out by the enrolment engine, which reads the
//! campaign as it stands when each step falls due.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use drip_store::db::campaigns::CampaignStatus;
use serde::Deserialize;
use serde_json::{Value, json};

use super::input::CampaignBody;
use super::json::AppJson;
use super::status::{EDITED, refused};
use super::view::{CampaignListItem, CampaignView};
use crate::auth::SessionAuth;
use crate::error::{Error, Result};
use crate::startup::AppState;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    SessionAuth(claims): SessionAuth,
    query: std::result::Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Value>> {
    let Query(query) = query.map_err(|rejection| Error::BadRequest(rejection.body_text()))?;
    let status = query.status.filter(|status| !status.is_empty()).map(|status| parse_status(&status)).transpose()?;
    let campaigns = state.db.list_campaigns(claims.account_id, status).await?;
    let campaigns: Vec<CampaignListItem> = campaigns.into_iter().map(CampaignListItem::from).collect();
    Ok(Json(json!({ "campaigns": campaigns })))
}

pub async fn create(
    State(state): State<AppState>,
    SessionAuth(claims): SessionAuth,
    AppJson(body): AppJson<CampaignBody>,
) -> Result<(StatusCode, Json<CampaignView>)> {
    let draft = body.into_draft(new_id)?;
    let id = new_id();
    let detail = state.db.create_campaign(claims.account_id, &id, &draft, state.clock.now()).await?;
    tracing::info!(account = %claims.account_id, campaign = %id, steps = detail.steps.len(), "campaign created");
    Ok((StatusCode::CREATED, Json(detail.into())))
}

pub async fn read(
    State(state): State<AppState>,
    SessionAuth(claims): SessionAuth,
    Path(id): Path<String>,
) -> Result<Json<CampaignView>> {
    let id = campaign_id(&id)?;
    let detail = state.db.campaign_detail(claims.account_id, &id).await?.ok_or(Error::NotFound)?;
    Ok(Json(detail.into()))
}

pub async fn replace(
    State(state): State<AppState>,
    SessionAuth(claims): SessionAuth,
    Path(id): Path<String>,
    AppJson(body): AppJson<CampaignBody>,
) -> Result<Json<CampaignView>> {
    let id = campaign_id(&id)?;
    let draft = body.into_draft(new_id)?;
    let detail = state
        .db
        .update_campaign(claims.account_id, &id, &draft, state.clock.now())
        .await?
        .map_err(|refusal| refused(refusal, EDITED))?;
    tracing::info!(account = %claims.account_id, campaign = %id, steps = detail.steps.len(), "campaign updated");
    super::status::notify_enrolments(&state, claims.account_id, &id);
    Ok(Json(detail.into()))
}

fn parse_status(text: &str) -> Result<CampaignStatus> {
    CampaignStatus::parse(text.trim())
        .ok_or_else(|| Error::BadRequest("status must be one of draft, active, paused or archived".into()))
}

fn new_id() -> String {
    uuid::Uuid::new_v4().hyphenated().to_string()
}

/// A campaign id from the path, normalised. Anything that is not a uuid cannot name a
/// campaign, so it is a 404 like any other unknown id.
pub(super) fn campaign_id(raw: &str) -> Result<String> {
    uuid::Uuid::parse_str(raw).map(|id| id.hyphenated().to_string()).map_err(|_| Error::NotFound)
}
