//! Ending enrolments: Smart Stopper, replies (for campaigns that stop on reply), and every
//! other end, each with its recorded reason. Ending deletes the recipient envelope and the
//! step timer.

use drip_store::db::enrolments::STOPPED;
use drip_store::db::entities::enrolment;
use ractor::RpcReplyPort;

use super::{envelope_key, step_timer};
use crate::account::{AccountError, AccountState};

/// Why enrolments are being stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The Smart Stopper action.
    SmartStopper,
    /// The contact replied: only campaigns that stop on reply end.
    Replied,
}

pub struct StopOrder {
    pub item_id: i64,
    /// `None`: every campaign of the item.
    pub campaign_id: Option<String>,
    pub reason: StopReason,
}

pub(crate) async fn handle_stop(
    state: &mut AccountState,
    order: StopOrder,
    reply: RpcReplyPort<Result<usize, AccountError>>,
) {
    let _ = reply.send(stop(state, order).await.map_err(AccountError::from));
}

async fn stop(state: &mut AccountState, order: StopOrder) -> anyhow::Result<usize> {
    stop_item(state, order.item_id, order.campaign_id.as_deref(), order.reason).await
}

/// Ends the item's active enrolments (one campaign, or all) for `reason`; returns how many.
pub(crate) async fn stop_item(
    state: &mut AccountState,
    item_id: i64,
    campaign_id: Option<&str>,
    reason: StopReason,
) -> anyhow::Result<usize> {
    let order = StopOrder { item_id, campaign_id: campaign_id.map(str::to_owned), reason };
    let db = state.services.db.clone();
    let rows = db.active_enrolments_of_item(state.account, order.item_id, order.campaign_id.as_deref()).await?;
    let mut stopped = 0;
    for row in rows {
        let reason = match order.reason {
            StopReason::SmartStopper => "stopped by Smart Stopper",
            StopReason::Replied => {
                let stops = db
                    .campaign_with_steps(state.account, &row.campaign_id)
                    .await?
                    .is_some_and(|(c, _)| c.stop_on_reply);
                if !stops {
                    continue;
                }
                "the contact replied"
            }
        };
        end(state, row, STOPPED, reason).await?;
        stopped += 1;
    }
    Ok(stopped)
}

/// A campaign's status or steps changed (from the Campaign Dashboard): an archived
/// campaign ends every enrolment; an active one re-arms the timers of its enrolments,
/// whose due steps were held while it was paused.
pub(crate) async fn handle_campaign_changed(state: &mut AccountState, campaign_id: &str) {
    if let Err(error) = campaign_changed(state, campaign_id).await {
        tracing::error!(account = %state.account, error = %format!("{error:#}"), "could not apply a campaign change");
    }
}

async fn campaign_changed(state: &mut AccountState, campaign_id: &str) -> anyhow::Result<()> {
    let services = state.services.clone();
    let Some((campaign, _)) = services.db.campaign_with_steps(state.account, campaign_id).await? else { return Ok(()) };
    let rows = services.db.active_enrolments_of_campaign(state.account, campaign_id).await?;
    let now = services.clock.now();
    for row in rows {
        match campaign.status.as_str() {
            "archived" => end(state, row, STOPPED, "campaign archived").await?,
            "active" => {
                let due = row.next_due_at.unwrap_or(now).max(now);
                services.timers.schedule(state.account, &step_timer(&row.id), due).await?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// Ends one enrolment: records the state and reason, deletes its envelope and timer.
pub(crate) async fn end(
    state: &mut AccountState,
    row: enrolment::Model,
    ended: &str,
    reason: &str,
) -> anyhow::Result<()> {
    let services = state.services.clone();
    let id = row.id.clone();
    // The envelope and timer go first: an enrolment that reads as ended holds nothing.
    services.kv.delete(&envelope_key(&id)).await?;
    services.timers.cancel(state.account, &step_timer(&id)).await?;
    services.db.end_enrolment(row, ended, reason, services.clock.now()).await?;
    tracing::info!(account = %state.account, enrolment = %id, state = ended, reason, "enrolment ended");
    Ok(())
}
