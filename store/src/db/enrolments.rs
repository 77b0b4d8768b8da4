//! Enrolments: one board item in one campaign, with the due time of its next step.
//!
//! The Db is the source of truth for what is due: the Kv timers only wake the account,
//! and after a loss of the Kv (a Redis restart) they are rebuilt from here in due-time
//! order (see [`Db::due_enrolments`]).

use anyhow::Context;
use chrono::{DateTime, Utc};
use drip_domain::AccountId;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::Db;
use super::entities::{campaign, campaign_step, enrolment};

pub const ACTIVE: &str = "active";
pub const COMPLETED: &str = "completed";
pub const STOPPED: &str = "stopped";

/// A new enrolment, ready to insert.
#[derive(Debug, Clone)]
pub struct NewEnrolment {
    pub id: String,
    pub campaign_id: String,
    pub board_id: i64,
    pub item_id: i64,
    pub recipient_hash: String,
    /// Keyed hash of (Twilio AccountSid, recipient), as opt-outs are stored.
    pub opt_out_hash: String,
    pub next_due_at: DateTime<Utc>,
    pub time_zone: Option<String>,
}

impl Db {
    /// The campaign of `account` with its steps in order, if it exists.
    pub async fn campaign_with_steps(
        &self,
        account: AccountId,
        campaign_id: &str,
    ) -> anyhow::Result<Option<(campaign::Model, Vec<campaign_step::Model>)>> {
        let campaign = campaign::Entity::find_by_id(campaign_id.to_owned())
            .filter(campaign::Column::AccountId.eq(account.get()))
            .one(self.conn())
            .await
            .context("reading a campaign")?;
        let Some(campaign) = campaign else { return Ok(None) };
        let steps = campaign_step::Entity::find()
            .filter(campaign_step::Column::CampaignId.eq(campaign_id))
            .order_by_asc(campaign_step::Column::Position)
            .all(self.conn())
            .await
            .context("reading campaign steps")?;
        Ok(Some((campaign, steps)))
    }

    pub async fn active_enrolment(
        &self,
        account: AccountId,
        campaign_id: &str,
        item_id: i64,
    ) -> anyhow::Result<Option<enrolment::Model>> {
        enrolment::Entity::find()
            .filter(enrolment::Column::AccountId.eq(account.get()))
            .filter(enrolment::Column::CampaignId.eq(campaign_id))
            .filter(enrolment::Column::ItemId.eq(item_id))
            .filter(enrolment::Column::State.eq(ACTIVE))
            .one(self.conn())
            .await
            .context("reading an enrolment")
    }

    pub async fn find_enrolment(&self, account: AccountId, id: &str) -> anyhow::Result<Option<enrolment::Model>> {
        enrolment::Entity::find_by_id(id.to_owned())
            .filter(enrolment::Column::AccountId.eq(account.get()))
            .one(self.conn())
            .await
            .context("reading an enrolment")
    }

    pub async fn insert_enrolment(
        &self,
        account: AccountId,
        new: NewEnrolment,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let row = enrolment::ActiveModel {
            id: Set(new.id),
            account_id: Set(account.get()),
            campaign_id: Set(new.campaign_id),
            board_id: Set(new.board_id),
            item_id: Set(new.item_id),
            recipient_hash: Set(new.recipient_hash),
            next_step: Set(0),
            next_due_at: Set(Some(new.next_due_at)),
            state: Set(ACTIVE.to_owned()),
            end_reason: Set(None),
            time_zone: Set(new.time_zone),
            opt_out_hash: Set(Some(new.opt_out_hash)),
            created_at: Set(now),
            updated_at: Set(now),
        };
        row.insert(self.conn()).await.context("creating an enrolment")?;
        Ok(())
    }

    /// Moves an active enrolment to its next step, due at `due`.
    pub async fn advance_enrolment(
        &self,
        row: enrolment::Model,
        next_step: i32,
        due: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let mut model = row.into_active_model();
        model.next_step = Set(next_step);
        model.next_due_at = Set(Some(due));
        model.updated_at = Set(now);
        model.update(self.conn()).await.context("advancing an enrolment")?;
        Ok(())
    }

    /// Ends an enrolment with its reason; `state` is [`COMPLETED`] or [`STOPPED`].
    pub async fn end_enrolment(
        &self,
        row: enrolment::Model,
        state: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let mut model = row.into_active_model();
        model.state = Set(state.to_owned());
        model.end_reason = Set(Some(reason.to_owned()));
        model.next_due_at = Set(None);
        model.updated_at = Set(now);
        model.update(self.conn()).await.context("ending an enrolment")?;
        Ok(())
    }

    /// Active enrolments of an item, in one campaign or all.
    pub async fn active_enrolments_of_item(
        &self,
        account: AccountId,
        item_id: i64,
        campaign_id: Option<&str>,
    ) -> anyhow::Result<Vec<enrolment::Model>> {
        let mut query = enrolment::Entity::find()
            .filter(enrolment::Column::AccountId.eq(account.get()))
            .filter(enrolment::Column::ItemId.eq(item_id))
            .filter(enrolment::Column::State.eq(ACTIVE));
        if let Some(campaign_id) = campaign_id {
            query = query.filter(enrolment::Column::CampaignId.eq(campaign_id));
        }
        query.all(self.conn()).await.context("reading an item's enrolments")
    }

    /// Active enrolments an opt-out covers: those sending to the recipient under the
    /// opted-out Twilio account (`opt_out_hash`). Rows from before that column are matched
    /// by the recipient alone (`recipient_hash`), erring on the side of sending less.
    pub async fn active_enrolments_under_opt_out(
        &self,
        account: AccountId,
        opt_out_hash: &str,
        recipient_hash: &str,
    ) -> anyhow::Result<Vec<enrolment::Model>> {
        let legacy = Condition::all()
            .add(enrolment::Column::OptOutHash.is_null())
            .add(enrolment::Column::RecipientHash.eq(recipient_hash));
        enrolment::Entity::find()
            .filter(enrolment::Column::AccountId.eq(account.get()))
            .filter(Condition::any().add(enrolment::Column::OptOutHash.eq(opt_out_hash)).add(legacy))
            .filter(enrolment::Column::State.eq(ACTIVE))
            .all(self.conn())
            .await
            .context("reading a recipient's enrolments")
    }

    /// Active enrolments of one campaign.
    pub async fn active_enrolments_of_campaign(
        &self,
        account: AccountId,
        campaign_id: &str,
    ) -> anyhow::Result<Vec<enrolment::Model>> {
        enrolment::Entity::find()
            .filter(enrolment::Column::AccountId.eq(account.get()))
            .filter(enrolment::Column::CampaignId.eq(campaign_id))
            .filter(enrolment::Column::State.eq(ACTIVE))
            .all(self.conn())
            .await
            .context("reading a campaign's enrolments")
    }

    /// Active enrolments of every account due before `before`, earliest first, at most
    /// `limit`, after `(due, id)` for paging: how timers are rebuilt after a Kv loss.
    pub async fn due_enrolments(
        &self,
        before: DateTime<Utc>,
        after: Option<(DateTime<Utc>, String)>,
        limit: u64,
    ) -> anyhow::Result<Vec<enrolment::Model>> {
        // Only campaigns that run: a paused campaign's due steps are held on purpose.
        let running = sea_orm::sea_query::Query::select()
            .column(campaign::Column::Id)
            .from(campaign::Entity)
            .and_where(campaign::Column::Status.eq("active"))
            .to_owned();
        let mut query = enrolment::Entity::find()
            .filter(enrolment::Column::State.eq(ACTIVE))
            .filter(enrolment::Column::NextDueAt.lt(before))
            .filter(enrolment::Column::CampaignId.in_subquery(running));
        if let Some((due, id)) = after {
            query = query.filter(
                enrolment::Column::NextDueAt
                    .gt(due)
                    .or(enrolment::Column::NextDueAt.eq(due).and(enrolment::Column::Id.gt(id))),
            );
        }
        query
            .order_by_asc(enrolment::Column::NextDueAt)
            .order_by_asc(enrolment::Column::Id)
            .limit(limit)
            .all(self.conn())
            .await
            .context("reading due enrolments")
    }
}
