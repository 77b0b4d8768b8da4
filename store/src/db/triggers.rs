//! Subscriptions to the "When an SMS reply arrives" trigger (spec/monday.md §4.1, §4.3).
//!
//! monday hands us a `webhookUrl` per subscription; we keep it (with the account, the
//! board it watches and the block's input fields) until monday unsubscribes. The rows are
//! configuration, kept plain: they never hold a phone number, token or message body.

use anyhow::Context;
use chrono::{DateTime, Utc};
use drip_domain::AccountId;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Set};

use super::Db;
use super::entities::trigger_subscription;

/// One subscribe request, as monday sent it.
#[derive(Debug, Clone)]
pub struct NewSubscription {
    pub subscription_id: i64,
    pub webhook_url: String,
    /// The block's input fields (`inputFields`), kept as sent.
    pub input_fields: serde_json::Value,
    pub recipe_id: Option<i64>,
    pub integration_id: Option<i64>,
}

impl NewSubscription {
    /// The board the trigger watches: input field `boardId` (a number, a numeric string or
    /// a `{value}` object), if present.
    pub fn board_id(&self) -> Option<i64> {
        fn id(value: &serde_json::Value) -> Option<i64> {
            match value {
                serde_json::Value::Number(number) => number.as_i64(),
                serde_json::Value::String(text) => text.trim().parse().ok(),
                serde_json::Value::Object(object) => object.get("value").and_then(id),
                _ => None,
            }
        }
        self.input_fields.get("boardId").and_then(id)
    }
}

impl Db {
    /// Stores the subscription, or replaces the one with the same id (monday may repeat a
    /// subscribe). The account row is created if this is the first we hear of it.
    pub async fn subscribe(
        &self,
        account: AccountId,
        subscription: NewSubscription,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        self.ensure_account(account, now).await?;
        let board_id = subscription.board_id();
        let row = trigger_subscription::ActiveModel {
            subscription_id: Set(subscription.subscription_id),
            account_id: Set(account.get()),
            webhook_url: Set(subscription.webhook_url),
            board_id: Set(board_id),
            input_fields: Set(subscription.input_fields),
            recipe_id: Set(subscription.recipe_id),
            integration_id: Set(subscription.integration_id),
            created_at: Set(now),
        };
        let on_conflict = OnConflict::column(trigger_subscription::Column::SubscriptionId)
            .update_columns([
                trigger_subscription::Column::AccountId,
                trigger_subscription::Column::WebhookUrl,
                trigger_subscription::Column::BoardId,
                trigger_subscription::Column::InputFields,
                trigger_subscription::Column::RecipeId,
                trigger_subscription::Column::IntegrationId,
            ])
            .to_owned();
        trigger_subscription::Entity::insert(row)
            .on_conflict(on_conflict)
            .exec_without_returning(self.conn())
            .await
            .context("storing a trigger subscription")?;
        Ok(())
    }

    /// Deletes the account's subscription. Tolerant: an unknown id (or one of another
    /// account) is `Ok(false)`.
    pub async fn unsubscribe(&self, account: AccountId, subscription_id: i64) -> anyhow::Result<bool> {
        let result = trigger_subscription::Entity::delete_many()
            .filter(trigger_subscription::Column::SubscriptionId.eq(subscription_id))
            .filter(trigger_subscription::Column::AccountId.eq(account.get()))
            .exec(self.conn())
            .await
            .context("deleting a trigger subscription")?;
        Ok(result.rows_affected > 0)
    }

    /// One subscription by id, if it still exists.
    pub async fn find_subscription(&self, subscription_id: i64) -> anyhow::Result<Option<trigger_subscription::Model>> {
        trigger_subscription::Entity::find_by_id(subscription_id)
            .one(self.conn())
            .await
            .context("reading a trigger subscription")
    }

    /// The account's subscriptions that watch `board_id`, or no board in particular.
    pub async fn subscriptions_for_board(
        &self,
        account: AccountId,
        board_id: i64,
    ) -> anyhow::Result<Vec<trigger_subscription::Model>> {
        trigger_subscription::Entity::find()
            .filter(trigger_subscription::Column::AccountId.eq(account.get()))
            .filter(
                Condition::any()
                    .add(trigger_subscription::Column::BoardId.eq(board_id))
                    .add(trigger_subscription::Column::BoardId.is_null()),
            )
            .order_by_asc(trigger_subscription::Column::SubscriptionId)
            .all(self.conn())
            .await
            .context("reading trigger subscriptions")
    }
}
