//! `POST /monday/options/campaigns`: monday's remote-options request for the Sequence
//! Starter's campaign field. Signed with the Signing Secret like every block request
//! (spec/monday.md §1.1), so [`BlockAuth`] verifies it; the account comes from the token.
//!
//! The answer is the account's **active** campaigns as a plain list,
//! `[{"title": <name>, "value": <id>}]`, sorted by name. spec/monday.md describes no
//! remote-options pagination, and monday's own quickstart answers a plain array
//! (github mondaycom/welcome-apps, apps/quickstart-integrations, `getRemoteListOptions`).
//! monday also accepts a paginated form, `{"options", "isPaginated", "nextPageRequestData"}`
//! (developer.monday.com/apps/docs/paginating-remote-options), but an account's active
//! campaigns are few, so one page holds them all and the simpler form is kept. The
//! request body (`payload.pageRequestData`, `dependencyData`, …) is not needed and not read.

use axum::Json;
use axum::extract::State;
use drip_store::db::campaigns::CampaignStatus;
use serde_json::{Value, json};

use crate::auth::BlockAuth;
use crate::error::Result;
use crate::startup::AppState;

pub async fn campaign_options(State(state): State<AppState>, BlockAuth(claims): BlockAuth) -> Result<Json<Value>> {
    let mut campaigns = state.db.list_campaigns(claims.account_id, Some(CampaignStatus::Active)).await?;
    campaigns.sort_by_cached_key(|summary| summary.campaign.name.to_lowercase());
    let options: Vec<Value> = campaigns
        .into_iter()
        .map(|summary| json!({ "title": summary.campaign.name, "value": summary.campaign.id }))
        .collect();
    Ok(Json(Value::Array(options)))
}
