//! Accounts: install facts, lifecycle events, and deleting or exporting everything an
//! account owns.

use anyhow::Context;
use chrono::{DateTime, Utc};
use drip_domain::AccountId;
use drip_domain::plan::{LifecycleKind, PlanFacts, SubscriptionFacts, SubscriptionStatus};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::Db;
use super::entities::account;
use super::idempotency::{self, ClaimOutcome};

/// Every table that holds rows owned by an account, children before parents.
pub const ACCOUNT_TABLES: [&str; 8] = [
    "idempotency_keys",
    "message_log",
    "opt_outs",
    "enrolments",
    "campaign_steps",
    "campaigns",
    "trigger_subscriptions",
    "oauth_tokens",
];

/// How long a lifecycle delivery is remembered as handled.
const LIFECYCLE_DEDUPE_DAYS: i64 = 30;

/// A lifecycle webhook, parsed.
#[derive(Debug, Clone)]
pub struct LifecycleEvent {
    pub kind: LifecycleKind,
    pub account_id: AccountId,
    pub account_tier: Option<String>,
    pub subscription: Option<SubscriptionFacts>,
    /// monday's `data.timestamp`: part of the dedupe key and used to ignore stale events.
    pub timestamp: DateTime<Utc>,
    /// Keyed hash of (type, account, timestamp), computed by the caller.
    pub dedupe_key: String,
}

/// What applying a lifecycle event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifecycleOutcome {
    Applied,
    /// This delivery was handled before.
    Duplicate,
    /// Older than the last event applied to the account (monday delivered out of order).
    Stale,
    /// A subscription event for an account we do not know (never installed, or deleted).
    UnknownAccount,
}

impl Db {
    pub async fn find_account(&self, id: AccountId) -> anyhow::Result<Option<account::Model>> {
        account::Entity::find_by_id(id.get()).one(self.conn()).await.context("reading account")
    }

    /// Applies a lifecycle event other than uninstall, once per delivery, in one transaction.
    pub async fn apply_lifecycle_event(
        &self,
        event: &LifecycleEvent,
        now: DateTime<Utc>,
    ) -> anyhow::Result<LifecycleOutcome> {
        let txn = self.begin_write().await.context("starting lifecycle transaction")?;
        let existing = account::Entity::find_by_id(event.account_id.get()).one(&txn).await?;
        match existing {
            None if event.kind != LifecycleKind::Install => {
                return Ok(LifecycleOutcome::UnknownAccount);
            }
            Some(ref row) if event.timestamp < row.last_event_at => {
                return Ok(LifecycleOutcome::Stale);
            }
            _ => {}
        }
        // The account row first: the dedupe claim references it.
        let is_new = existing.is_none();
        let model = updated_account(existing, event, now);
        if is_new {
            model.insert(&txn).await.context("creating account")?;
        } else {
            model.update(&txn).await.context("updating account")?;
        }
        let expires_at = now + chrono::Duration::days(LIFECYCLE_DEDUPE_DAYS);
        let claim =
            idempotency::claim_in(&txn, event.account_id, "lifecycle", &event.dedupe_key, now, expires_at).await?;
        if claim == ClaimOutcome::AlreadyClaimed {
            // Handled before: undo the save, so the repeat changes nothing.
            txn.rollback().await.context("rolling back a duplicate lifecycle event")?;
            return Ok(LifecycleOutcome::Duplicate);
        }
        txn.commit().await.context("committing lifecycle event")?;
        Ok(LifecycleOutcome::Applied)
    }

    /// Deletes every row of the account in every table, in one transaction.
    /// Returns how many rows went.
    pub async fn delete_account(&self, id: AccountId) -> anyhow::Result<u64> {
        let txn = self.begin_write().await.context("starting account deletion")?;
        let mut deleted = 0;
        for table in ACCOUNT_TABLES {
            deleted += delete_rows(&txn, table, id).await?;
        }
        deleted += account::Entity::delete_many()
            .filter(account::Column::AccountId.eq(id.get()))
            .exec(&txn)
            .await
            .context("deleting account")?
            .rows_affected;
        txn.commit().await.context("committing account deletion")?;
        Ok(deleted)
    }

    /// Every row the account owns, table by table, for an access request.
    pub async fn export_account(&self, id: AccountId) -> anyhow::Result<serde_json::Value> {
        let dump = self.dump().await?;
        let owned = dump
            .as_object()
            .into_iter()
            .flatten()
            .map(|(table, rows)| {
                let rows: Vec<_> = rows
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|row| row["account_id"] == serde_json::json!(id.get()))
                    .cloned()
                    .collect();
                (table.clone(), serde_json::Value::Array(rows))
            })
            .collect();
        Ok(serde_json::Value::Object(owned))
    }

    /// Creates the account's row as a free install if it has none (an account authorised
    /// the app before its install webhook reached us). An existing row is left alone.
    pub async fn ensure_account(&self, id: AccountId, now: DateTime<Utc>) -> anyhow::Result<()> {
        let facts = PlanFacts::installed(None);
        let row = account::ActiveModel {
            account_id: Set(id.get()),
            subscription_status: Set(facts.status.as_str().to_owned()),
            plan_id: Set(None),
            account_tier: Set(None),
            max_units: Set(None),
            is_trial: Set(false),
            billing_period: Set(None),
            renewal_date: Set(None),
            pricing_version: Set(None),
            installed_at: Set(now),
            // The epoch, so that the real install event, whenever it comes, is not "stale".
            last_event_at: Set(DateTime::<Utc>::UNIX_EPOCH),
            updated_at: Set(now),
        };
        let on_conflict = sea_orm::sea_query::OnConflict::column(account::Column::AccountId).do_nothing().to_owned();
        account::Entity::insert(row)
            .on_conflict(on_conflict)
            .exec_without_returning(self.conn())
            .await
            .context("creating account")?;
        Ok(())
    }
}

async fn delete_rows<C: ConnectionTrait>(conn: &C, table: &'static str, id: AccountId) -> anyhow::Result<u64> {
    let statement = sea_orm::sea_query::Query::delete()
        .from_table(table)
        .and_where(Expr::col("account_id").eq(id.get()))
        .to_owned();
    let result = conn.execute(&statement).await.with_context(|| format!("deleting from {table}"))?;
    Ok(result.rows_affected())
}

/// The account row as it stands after `event`.
fn updated_account(
    existing: Option<account::Model>,
    event: &LifecycleEvent,
    now: DateTime<Utc>,
) -> account::ActiveModel {
    let mut facts = existing.as_ref().map(plan_facts).unwrap_or_else(|| PlanFacts::installed(None));
    if event.account_tier.is_some() {
        facts.account_tier = event.account_tier.clone();
    }
    facts.apply(event.kind, event.subscription.as_ref());
    let mut model: account::ActiveModel = match existing {
        Some(row) => row.into(),
        None => account::ActiveModel {
            account_id: Set(event.account_id.get()),
            installed_at: Set(now),
            ..Default::default()
        },
    };
    model.subscription_status = Set(facts.status.as_str().to_owned());
    model.plan_id = Set(facts.plan_id);
    model.account_tier = Set(facts.account_tier);
    model.max_units = Set(facts.max_units);
    model.is_trial = Set(facts.is_trial);
    model.billing_period = Set(facts.billing_period);
    model.renewal_date = Set(facts.renewal_date);
    model.pricing_version = Set(facts.pricing_version);
    model.last_event_at = Set(event.timestamp);
    model.updated_at = Set(now);
    model
}

/// The plan facts stored in an account row.
pub fn plan_facts(row: &account::Model) -> PlanFacts {
    PlanFacts {
        status: SubscriptionStatus::parse(&row.subscription_status).unwrap_or(SubscriptionStatus::Free),
        plan_id: row.plan_id.clone(),
        account_tier: row.account_tier.clone(),
        max_units: row.max_units,
        is_trial: row.is_trial,
        billing_period: row.billing_period.clone(),
        renewal_date: row.renewal_date,
        pricing_version: row.pricing_version,
    }
}
