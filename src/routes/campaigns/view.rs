//! Response bodies of the campaigns API.
//!
//! A campaign answers as
//! `{id, name, status, time_zone, stop_on_reply, on_reenrol, created_at, updated_at, steps}`,
//! each step as `{position, template, delay: {amount, unit}, send_window}`. Lists give
//! the same fields with `step_count` instead of `steps`.

use chrono::{DateTime, Utc};
use drip_store::db::campaigns::{CampaignDetail, CampaignSummary, delay_unit_name, step_delay};
use drip_store::db::entities::{campaign, campaign_step};
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Serialize)]
pub struct CampaignView {
    #[serde(flatten)]
    settings: SettingsView,
    steps: Vec<StepView>,
}

#[derive(Debug, Serialize)]
pub struct CampaignListItem {
    #[serde(flatten)]
    settings: SettingsView,
    step_count: u64,
}

#[derive(Debug, Serialize)]
struct SettingsView {
    id: String,
    name: String,
    status: String,
    time_zone: String,
    stop_on_reply: bool,
    on_reenrol: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
struct StepView {
    position: i32,
    template: String,
    delay: DelayView,
    send_window: Option<Value>,
}

#[derive(Debug, Serialize)]
struct DelayView {
    amount: u32,
    unit: &'static str,
}

impl From<CampaignDetail> for CampaignView {
    fn from(detail: CampaignDetail) -> Self {
        Self { settings: detail.campaign.into(), steps: detail.steps.into_iter().map(StepView::from).collect() }
    }
}

impl From<CampaignSummary> for CampaignListItem {
    fn from(summary: CampaignSummary) -> Self {
        Self { settings: summary.campaign.into(), step_count: summary.step_count }
    }
}

impl From<campaign::Model> for SettingsView {
    fn from(row: campaign::Model) -> Self {
        Self {
            id: row.id,
            name: row.name,
            status: row.status,
            time_zone: row.time_zone,
            stop_on_reply: row.stop_on_reply,
            on_reenrol: row.on_reenrol,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl From<campaign_step::Model> for StepView {
    fn from(step: campaign_step::Model) -> Self {
        let delay = step_delay(&step);
        Self {
            position: step.position,
            template: step.template,
            delay: DelayView { amount: delay.amount, unit: delay_unit_name(delay.unit) },
            send_window: step.send_window,
        }
    }
}
