//! Drip campaigns: their settings and ordered SMS steps (configuration, kept plain:
//! DESIGN §4).
//!
//! Every query is scoped to one account: another account's campaign id reads as absent,
//! so a caller answers "not found" and never learns that it exists. A campaign and its
//! steps are written in one transaction. Each write changes the campaign row first, on
//! the condition that its status is still the one read (compare-and-set): that takes the
//! row's lock before the steps are touched or counted, so concurrent edits and status
//! changes serialise, and an archived campaign is never edited or revived.
//!
//! Values arrive validated by the edge (`src/routes/campaigns/`); the status rules live
//! here, because they must hold whoever writes.

use anyhow::Context;
use chrono::{DateTime, Utc};
use drip_domain::AccountId;
use drip_domain::send_window::{DelayUnit, StepDelay};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::Db;
use super::entities::{campaign, campaign_step};

/// Where a campaign is in its life. Stored as its `as_str` text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CampaignStatus {
    /// Being written; enrols nobody.
    Draft,
    /// Enrols items and sends their steps.
    Active,
    /// Enrolments are kept but no step is sent until it is resumed.
    Paused,
    /// Finished for good: no edits, no status changes, every enrolment ends.
    Archived,
}

impl CampaignStatus {
    pub const ALL: [Self; 4] = [Self::Draft, Self::Active, Self::Paused, Self::Archived];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Active => "active",
            Self::Paused => "paused",
            Self::Archived => "archived",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }

    /// The status `action` leads to: `Ok(None)` when the campaign is already there (the
    /// action is then a no-op), a refusal when the action does not apply.
    pub fn after(self, action: StatusAction) -> Result<Option<Self>, Refusal> {
        use CampaignStatus::*;
        use StatusAction::*;
        match (self, action) {
            (Archived, Archive) => Ok(None),
            (Archived, _) => Err(Refusal::Archived),
            (_, Archive) => Ok(Some(Archived)),
            (Draft, Activate) | (Paused, Resume) => Ok(Some(Active)),
            (Active, Pause) => Ok(Some(Paused)),
            (Active, Activate | Resume) | (Paused, Pause) => Ok(None),
            (Draft, Pause | Resume) | (Paused, Activate) => Err(Refusal::NotAllowed { from: self, action }),
        }
    }
}

/// A change of status a user can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusAction {
    /// draft → active
    Activate,
    /// active → paused
    Pause,
    /// paused → active
    Resume,
    /// draft, active or paused → archived (final)
    Archive,
}

/// What enrolling an item that is already enrolled (or was) does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnReenrol {
    /// Keep the running enrolment; a finished one is not started again.
    #[default]
    Ignore,
    /// End the running enrolment and start over from the first step.
    Restart,
}

impl OnReenrol {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ignore => "ignore",
            Self::Restart => "restart",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Ignore, Self::Restart].into_iter().find(|value| value.as_str() == text)
    }
}

/// The name a delay unit is stored and shown under: `minutes`, `hours` or `days`.
pub fn delay_unit_name(unit: DelayUnit) -> &'static str {
    match unit {
        DelayUnit::Minutes => "minutes",
        DelayUnit::Hours => "hours",
        DelayUnit::Days => "days",
    }
}

/// Reads a delay unit: `minutes`, `hours` or `days` (or the singular), any case.
pub fn parse_delay_unit(text: &str) -> Option<DelayUnit> {
    match text.trim().to_ascii_lowercase().as_str() {
        "minutes" | "minute" => Some(DelayUnit::Minutes),
        "hours" | "hour" => Some(DelayUnit::Hours),
        "days" | "day" => Some(DelayUnit::Days),
        _ => None,
    }
}

fn unit_seconds(unit: DelayUnit) -> u64 {
    match unit {
        DelayUnit::Minutes => 60,
        DelayUnit::Hours => 3_600,
        DelayUnit::Days => 86_400,
    }
}

/// The delay in seconds, as `delay_seconds` stores it (a day counts 86,400 s there; the
/// scheduler counts days on the campaign's clocks, see [`StepDelay::after`]).
pub fn delay_seconds(delay: StepDelay) -> i64 {
    i64::from(delay.amount) * unit_seconds(delay.unit) as i64
}

/// A stored step's delay in the unit its author chose, which matters to the scheduler: "2
/// days" are calendar days, "48 hours" elapsed time. For a row without a unit (or whose
/// unit does not divide the seconds), the largest unit that does.
pub fn step_delay(step: &campaign_step::Model) -> StepDelay {
    let seconds = u64::try_from(step.delay_seconds).unwrap_or(0);
    let divides = |unit: &DelayUnit| seconds.is_multiple_of(unit_seconds(*unit));
    let unit = step
        .delay_unit
        .as_deref()
        .and_then(parse_delay_unit)
        .filter(divides)
        .or_else(|| [DelayUnit::Days, DelayUnit::Hours].into_iter().filter(|_| seconds > 0).find(divides))
        .unwrap_or(DelayUnit::Minutes);
    StepDelay { amount: u32::try_from(seconds.div_ceil(unit_seconds(unit))).unwrap_or(u32::MAX), unit }
}

/// A campaign's settings, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignSettings {
    pub name: String,
    /// An IANA time zone name: the zone of the send windows.
    pub time_zone: String,
    pub stop_on_reply: bool,
    pub on_reenrol: OnReenrol,
}

/// One step as written by the author, validated. Its position is its index in
/// [`CampaignDraft::steps`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepDraft {
    /// A fresh uuid, made by the caller.
    pub id: String,
    pub template: String,
    pub delay: StepDelay,
    /// The send window as the author gave it (`{"days": […], "start": "09:00", "end": "17:00"}`).
    pub send_window: Option<serde_json::Value>,
}

/// A whole campaign as written by the author: settings and every step, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignDraft {
    pub settings: CampaignSettings,
    pub steps: Vec<StepDraft>,
}

/// A campaign with its steps, ordered by position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignDetail {
    pub campaign: campaign::Model,
    pub steps: Vec<campaign_step::Model>,
}

/// A campaign with how many steps it has, for lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignSummary {
    pub campaign: campaign::Model,
    pub step_count: u64,
}

/// Why a write was not made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No such campaign in this account.
    NotFound,
    /// Archived campaigns are final: they are neither edited nor change status.
    Archived,
    /// An active or paused campaign needs at least one step (activating one too).
    NeedsSteps,
    /// `action` does not apply to a campaign that is `from` (e.g. pausing a draft).
    NotAllowed { from: CampaignStatus, action: StatusAction },
    /// Another request changed the campaign's status between our read and our write.
    ChangedMeanwhile,
}

/// The answer of a write: the campaign as it now stands, or why nothing was written.
pub type WriteOutcome = Result<CampaignDetail, Refusal>;

impl Db {
    /// The account's campaigns, newest first, optionally only those in `status`.
    pub async fn list_campaigns(
        &self,
        account: AccountId,
        status: Option<CampaignStatus>,
    ) -> anyhow::Result<Vec<CampaignSummary>> {
        let mut query = campaign::Entity::find().filter(campaign::Column::AccountId.eq(account.get()));
        if let Some(status) = status {
            query = query.filter(campaign::Column::Status.eq(status.as_str()));
        }
        let campaigns = query
            .order_by_desc(campaign::Column::CreatedAt)
            .order_by_asc(campaign::Column::Id)
            .all(self.conn())
            .await
            .context("listing campaigns")?;
        let counts: Vec<(String, i64)> = campaign_step::Entity::find()
            .select_only()
            .column(campaign_step::Column::CampaignId)
            .column_as(campaign_step::Column::Id.count(), "step_count")
            .filter(campaign_step::Column::AccountId.eq(account.get()))
            .group_by(campaign_step::Column::CampaignId)
            .into_tuple()
            .all(self.conn())
            .await
            .context("counting campaign steps")?;
        let count_of = |id: &str| counts.iter().find(|(campaign, _)| campaign == id).map_or(0, |(_, n)| *n);
        Ok(campaigns
            .into_iter()
            .map(|campaign| CampaignSummary {
                step_count: u64::try_from(count_of(&campaign.id)).unwrap_or(0),
                campaign,
            })
            .collect())
    }

    /// A campaign of the account with its ordered steps; `None` for an unknown id or
    /// another account's campaign.
    pub async fn campaign_detail(&self, account: AccountId, id: &str) -> anyhow::Result<Option<CampaignDetail>> {
        read_detail(self.conn(), account, id).await
    }

    /// Creates a draft campaign with its steps, in one transaction. `id` is a fresh uuid.
    ///
    /// The account's row is created first if monday's install webhook has not reached us:
    /// a session token signed with our Client Secret proves the app is installed.
    pub async fn create_campaign(
        &self,
        account: AccountId,
        id: &str,
        draft: &CampaignDraft,
        now: DateTime<Utc>,
    ) -> anyhow::Result<CampaignDetail> {
        self.ensure_account(account, now).await?;
        let settings = &draft.settings;
        let txn = self.begin_write().await.context("starting campaign creation")?;
        campaign::ActiveModel {
            id: Set(id.to_owned()),
            account_id: Set(account.get()),
            name: Set(settings.name.clone()),
            status: Set(CampaignStatus::Draft.as_str().to_owned()),
            time_zone: Set(settings.time_zone.clone()),
            stop_on_reply: Set(settings.stop_on_reply),
            on_reenrol: Set(settings.on_reenrol.as_str().to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await
        .context("creating a campaign")?;
        insert_steps(&txn, account, id, &draft.steps).await?;
        let detail = read_detail(&txn, account, id).await?.context("reading the campaign just created")?;
        txn.commit().await.context("committing campaign creation")?;
        Ok(detail)
    }

    /// Replaces a campaign's settings and its whole step list, in one transaction. The
    /// status is unchanged. Refused for an archived campaign, and for an active or paused
    /// one left without steps.
    pub async fn update_campaign(
        &self,
        account: AccountId,
        id: &str,
        draft: &CampaignDraft,
        now: DateTime<Utc>,
    ) -> anyhow::Result<WriteOutcome> {
        let txn = self.begin_write().await.context("starting a campaign update")?;
        let Some(row) = find_row(&txn, account, id).await? else { return Ok(Err(Refusal::NotFound)) };
        let status = status_of(&row)?;
        if status == CampaignStatus::Archived {
            return Ok(Err(Refusal::Archived));
        }
        if draft.steps.is_empty() && status != CampaignStatus::Draft {
            return Ok(Err(Refusal::NeedsSteps));
        }
        let settings = &draft.settings;
        let update = campaign::Entity::update_many()
            .col_expr(campaign::Column::Name, Expr::value(settings.name.clone()))
            .col_expr(campaign::Column::TimeZone, Expr::value(settings.time_zone.clone()))
            .col_expr(campaign::Column::StopOnReply, Expr::value(settings.stop_on_reply))
            .col_expr(campaign::Column::OnReenrol, Expr::value(settings.on_reenrol.as_str()))
            .col_expr(campaign::Column::UpdatedAt, Expr::value(now));
        if !compare_and_set(&txn, account, id, status, update).await? {
            return Ok(Err(Refusal::ChangedMeanwhile));
        }
        campaign_step::Entity::delete_many()
            .filter(campaign_step::Column::AccountId.eq(account.get()))
            .filter(campaign_step::Column::CampaignId.eq(id))
            .exec(&txn)
            .await
            .context("removing the old campaign steps")?;
        insert_steps(&txn, account, id, &draft.steps).await?;
        let detail = read_detail(&txn, account, id).await?.context("reading the campaign just updated")?;
        txn.commit().await.context("committing a campaign update")?;
        Ok(Ok(detail))
    }

    /// Applies a status action. An action that leaves the status where it is (pausing a
    /// paused campaign) changes nothing and answers the campaign.
    pub async fn change_campaign_status(
        &self,
        account: AccountId,
        id: &str,
        action: StatusAction,
        now: DateTime<Utc>,
    ) -> anyhow::Result<WriteOutcome> {
        let txn = self.begin_write().await.context("starting a status change")?;
        let Some(row) = find_row(&txn, account, id).await? else { return Ok(Err(Refusal::NotFound)) };
        let from = status_of(&row)?;
        let to = match from.after(action) {
            Err(refusal) => return Ok(Err(refusal)),
            Ok(None) => from,
            Ok(Some(to)) => {
                let update = campaign::Entity::update_many()
                    .col_expr(campaign::Column::Status, Expr::value(to.as_str()))
                    .col_expr(campaign::Column::UpdatedAt, Expr::value(now));
                if !compare_and_set(&txn, account, id, from, update).await? {
                    return Ok(Err(Refusal::ChangedMeanwhile));
                }
                to
            }
        };
        let detail = read_detail(&txn, account, id).await?.context("reading the campaign after a status change")?;
        // Counted after the row's lock is held, so a concurrent edit cannot empty it.
        if to == CampaignStatus::Active && detail.steps.is_empty() {
            return Ok(Err(Refusal::NeedsSteps));
        }
        txn.commit().await.context("committing a status change")?;
        Ok(Ok(detail))
    }
}

/// Applies `update` to the campaign if its status is still `expected`; whether it did.
async fn compare_and_set(
    txn: &DatabaseTransaction,
    account: AccountId,
    id: &str,
    expected: CampaignStatus,
    update: sea_orm::UpdateMany<campaign::Entity>,
) -> anyhow::Result<bool> {
    let result = update
        .filter(campaign::Column::Id.eq(id))
        .filter(campaign::Column::AccountId.eq(account.get()))
        .filter(campaign::Column::Status.eq(expected.as_str()))
        .exec(txn)
        .await
        .context("updating a campaign")?;
    Ok(result.rows_affected == 1)
}

async fn find_row<C: ConnectionTrait>(
    conn: &C,
    account: AccountId,
    id: &str,
) -> anyhow::Result<Option<campaign::Model>> {
    campaign::Entity::find_by_id(id.to_owned())
        .filter(campaign::Column::AccountId.eq(account.get()))
        .one(conn)
        .await
        .context("reading a campaign")
}

async fn read_detail<C: ConnectionTrait>(
    conn: &C,
    account: AccountId,
    id: &str,
) -> anyhow::Result<Option<CampaignDetail>> {
    let Some(campaign) = find_row(conn, account, id).await? else { return Ok(None) };
    let steps = campaign_step::Entity::find()
        .filter(campaign_step::Column::AccountId.eq(account.get()))
        .filter(campaign_step::Column::CampaignId.eq(id))
        .order_by_asc(campaign_step::Column::Position)
        .all(conn)
        .await
        .context("reading campaign steps")?;
    Ok(Some(CampaignDetail { campaign, steps }))
}

async fn insert_steps(
    txn: &DatabaseTransaction,
    account: AccountId,
    campaign_id: &str,
    steps: &[StepDraft],
) -> anyhow::Result<()> {
    let rows = steps.iter().enumerate().map(|(position, step)| campaign_step::ActiveModel {
        id: Set(step.id.clone()),
        account_id: Set(account.get()),
        campaign_id: Set(campaign_id.to_owned()),
        position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
        template: Set(step.template.clone()),
        delay_seconds: Set(delay_seconds(step.delay)),
        delay_unit: Set(Some(delay_unit_name(step.delay.unit).to_owned())),
        send_window: Set(step.send_window.clone()),
    });
    campaign_step::Entity::insert_many(rows).exec_without_returning(txn).await.context("writing campaign steps")?;
    Ok(())
}

fn status_of(row: &campaign::Model) -> anyhow::Result<CampaignStatus> {
    CampaignStatus::parse(&row.status).with_context(|| format!("campaign {} has an unknown status", row.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_actions_follow_the_lifecycle_and_archived_is_final() {
        use CampaignStatus::*;
        use StatusAction::*;
        let table = [
            (Draft, Activate, Ok(Some(Active))),
            (Draft, Archive, Ok(Some(Archived))),
            (Draft, Pause, Err(Refusal::NotAllowed { from: Draft, action: Pause })),
            (Draft, Resume, Err(Refusal::NotAllowed { from: Draft, action: Resume })),
            (Active, Pause, Ok(Some(Paused))),
            (Active, Activate, Ok(None)),
            (Active, Resume, Ok(None)),
            (Active, Archive, Ok(Some(Archived))),
            (Paused, Resume, Ok(Some(Active))),
            (Paused, Pause, Ok(None)),
            (Paused, Activate, Err(Refusal::NotAllowed { from: Paused, action: Activate })),
            (Paused, Archive, Ok(Some(Archived))),
            (Archived, Archive, Ok(None)),
            (Archived, Activate, Err(Refusal::Archived)),
            (Archived, Pause, Err(Refusal::Archived)),
            (Archived, Resume, Err(Refusal::Archived)),
        ];
        for (from, action, expected) in table {
            assert_eq!(from.after(action), expected, "{from:?} {action:?}");
        }
    }

    #[test]
    fn names_round_trip() {
        for status in CampaignStatus::ALL {
            assert_eq!(CampaignStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(OnReenrol::parse("restart"), Some(OnReenrol::Restart));
        for unit in [DelayUnit::Minutes, DelayUnit::Hours, DelayUnit::Days] {
            assert_eq!(parse_delay_unit(delay_unit_name(unit)), Some(unit));
        }
        assert_eq!(parse_delay_unit(" Day "), Some(DelayUnit::Days));
        assert_eq!(parse_delay_unit("weeks"), None);
        assert_eq!(parse_delay_unit("s"), None);
    }

    fn step(delay_seconds: i64, delay_unit: Option<&str>) -> campaign_step::Model {
        campaign_step::Model {
            id: "s".into(),
            account_id: 1,
            campaign_id: "c".into(),
            position: 0,
            template: "Hi".into(),
            delay_seconds,
            delay_unit: delay_unit.map(str::to_owned),
            send_window: None,
        }
    }

    #[test]
    fn a_delay_reads_back_in_the_unit_it_was_written_in() {
        assert_eq!(delay_seconds(StepDelay::days(2)), 172_800);
        assert_eq!(step_delay(&step(172_800, Some("days"))), StepDelay::days(2));
        assert_eq!(step_delay(&step(172_800, Some("hours"))), StepDelay::hours(48));
    }

    #[test]
    fn a_delay_without_a_stored_unit_uses_the_largest_whole_unit() {
        assert_eq!(step_delay(&step(7_200, None)), StepDelay::hours(2));
        assert_eq!(step_delay(&step(90, None)), StepDelay::minutes(2));
        assert_eq!(step_delay(&step(0, None)), StepDelay::minutes(0));
        assert_eq!(step_delay(&step(3_600, Some("days"))), StepDelay::hours(1));
    }
}
