//! The message log and opt-outs: what was sent (hashed numbers and SID, status, error
//! code, segments; never the body) and who asked not to be texted.

use anyhow::Context;
use chrono::{DateTime, Datelike, TimeZone, Utc};
use drip_domain::AccountId;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set};

use super::Db;
use super::entities::{message_log, opt_out};

/// A message Twilio accepted, or refused for good, ready to log.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub id: String,
    /// The drip step this message is, if any (unique per enrolment and step).
    pub step: Option<(String, i32)>,
    pub sid_hash: Option<String>,
    pub recipient_hash: String,
    pub sender_hash: String,
    pub status: String,
    pub error_code: Option<i32>,
    pub segments: Option<i32>,
    pub encoding: Option<String>,
}

/// The status of a drip step's row between its claim and Twilio's answer.
pub const STEP_CLAIMED: &str = "claimed";

/// What a status callback did to the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusChange {
    Moved,
    /// Same or an earlier status: a duplicate or a late callback.
    Unchanged,
    UnknownMessage,
}

impl Db {
    pub async fn log_message(&self, account: AccountId, message: NewMessage, now: DateTime<Utc>) -> anyhow::Result<()> {
        let row = message_log::ActiveModel {
            id: Set(message.id),
            account_id: Set(account.get()),
            enrolment_id: Set(message.step.as_ref().map(|(id, _)| id.clone())),
            step_position: Set(message.step.as_ref().map(|(_, position)| *position)),
            sid_hash: Set(message.sid_hash),
            recipient_hash: Set(message.recipient_hash),
            sender_hash: Set(message.sender_hash),
            status: Set(message.status),
            error_code: Set(message.error_code),
            segments: Set(message.segments),
            encoding: Set(message.encoding),
            created_at: Set(now),
            updated_at: Set(now),
        };
        row.insert(self.conn()).await.context("logging a message")?;
        Ok(())
    }

    /// Moves a message's status forward only: `moves_forward(current, next)` decides.
    pub async fn update_message_status(
        &self,
        account: AccountId,
        sid_hash: &str,
        status: &str,
        error_code: Option<i32>,
        moves_forward: impl Fn(&str, &str) -> bool,
        now: DateTime<Utc>,
    ) -> anyhow::Result<StatusChange> {
        let row = message_log::Entity::find()
            .filter(message_log::Column::AccountId.eq(account.get()))
            .filter(message_log::Column::SidHash.eq(sid_hash))
            .one(self.conn())
            .await
            .context("reading a logged message")?;
        let Some(row) = row else { return Ok(StatusChange::UnknownMessage) };
        if !moves_forward(&row.status, status) {
            return Ok(StatusChange::Unchanged);
        }
        let mut model = row.into_active_model();
        model.status = Set(status.to_owned());
        if error_code.is_some() {
            model.error_code = Set(error_code);
        }
        model.updated_at = Set(now);
        model.update(self.conn()).await.context("updating a message status")?;
        Ok(StatusChange::Moved)
    }

    pub async fn find_message(&self, account: AccountId, sid_hash: &str) -> anyhow::Result<Option<message_log::Model>> {
        message_log::Entity::find()
            .filter(message_log::Column::AccountId.eq(account.get()))
            .filter(message_log::Column::SidHash.eq(sid_hash))
            .one(self.conn())
            .await
            .context("reading a logged message")
    }

    /// Messages the account sent since the start of `now`'s calendar month (UTC): the
    /// quota counts them.
    pub async fn messages_this_month(&self, account: AccountId, now: DateTime<Utc>) -> anyhow::Result<u64> {
        let month_start = Utc.with_ymd_and_hms(now.year(), now.month(), 1, 0, 0, 0).single().unwrap_or(now);
        message_log::Entity::find()
            .filter(message_log::Column::AccountId.eq(account.get()))
            .filter(message_log::Column::SidHash.is_not_null())
            .filter(message_log::Column::CreatedAt.gte(month_start))
            .count(self.conn())
            .await
            .context("counting this month's messages")
    }

    /// The step's message row: absent (never tried), claimed (a call started and its
    /// answer was not recorded) or recorded (it has a SID hash, or failed).
    pub async fn step_message(
        &self,
        account: AccountId,
        enrolment_id: &str,
        position: i32,
    ) -> anyhow::Result<Option<message_log::Model>> {
        message_log::Entity::find()
            .filter(message_log::Column::AccountId.eq(account.get()))
            .filter(message_log::Column::EnrolmentId.eq(enrolment_id))
            .filter(message_log::Column::StepPosition.eq(position))
            .one(self.conn())
            .await
            .context("reading a step's message")
    }

    /// Claims a drip step before Twilio is called: a row with status `claimed` and no SID.
    /// Returns `false` when the step was claimed before (an earlier call may have reached
    /// Twilio). The unique (enrolment, step) pair makes this race-free.
    pub async fn claim_step(
        &self,
        account: AccountId,
        message: NewMessage,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        let row = message_log::ActiveModel {
            id: Set(message.id),
            account_id: Set(account.get()),
            enrolment_id: Set(message.step.as_ref().map(|(id, _)| id.clone())),
            step_position: Set(message.step.as_ref().map(|(_, position)| *position)),
            sid_hash: Set(None),
            recipient_hash: Set(message.recipient_hash),
            sender_hash: Set(message.sender_hash),
            status: Set(STEP_CLAIMED.to_owned()),
            error_code: Set(None),
            segments: Set(message.segments),
            encoding: Set(message.encoding),
            created_at: Set(now),
            updated_at: Set(now),
        };
        let on_conflict = OnConflict::columns([message_log::Column::EnrolmentId, message_log::Column::StepPosition])
            .do_nothing()
            .to_owned();
        let inserted = message_log::Entity::insert(row)
            .on_conflict(on_conflict)
            .exec_without_returning(self.conn())
            .await
            .context("claiming a drip step")?;
        Ok(inserted == 1)
    }

    /// Records Twilio's answer on a claimed step (or logs it, if it was never claimed).
    pub async fn record_step_message(
        &self,
        account: AccountId,
        message: NewMessage,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let (enrolment_id, position) = message.step.clone().context("a step message names its step")?;
        let Some(row) = self.step_message(account, &enrolment_id, position).await? else {
            return self.log_message(account, message, now).await;
        };
        let mut model = row.into_active_model();
        model.sid_hash = Set(message.sid_hash);
        model.status = Set(message.status);
        model.error_code = Set(message.error_code);
        model.segments = Set(message.segments);
        model.updated_at = Set(now);
        model.update(self.conn()).await.context("recording a drip step's message")?;
        Ok(())
    }

    pub async fn is_opted_out(&self, account: AccountId, opt_out_hash: &str) -> anyhow::Result<bool> {
        let row = opt_out::Entity::find_by_id((account.get(), opt_out_hash.to_owned()))
            .one(self.conn())
            .await
            .context("reading opt-outs")?;
        Ok(row.is_some())
    }

    /// Records an opt-out; a repeat changes nothing. `source` says why (a keyword, 21610).
    pub async fn record_opt_out(
        &self,
        account: AccountId,
        opt_out_hash: &str,
        source: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let row = opt_out::ActiveModel {
            account_id: Set(account.get()),
            opt_out_hash: Set(opt_out_hash.to_owned()),
            source: Set(source.to_owned()),
            created_at: Set(now),
        };
        let on_conflict =
            OnConflict::columns([opt_out::Column::AccountId, opt_out::Column::OptOutHash]).do_nothing().to_owned();
        opt_out::Entity::insert(row)
            .on_conflict(on_conflict)
            .exec_without_returning(self.conn())
            .await
            .context("recording an opt-out")?;
        Ok(())
    }

    /// Lifts an opt-out (the recipient texted START). Returns whether one existed.
    pub async fn remove_opt_out(&self, account: AccountId, opt_out_hash: &str) -> anyhow::Result<bool> {
        let result = opt_out::Entity::delete_by_id((account.get(), opt_out_hash.to_owned()))
            .exec(self.conn())
            .await
            .context("removing an opt-out")?;
        Ok(result.rows_affected > 0)
    }
}
