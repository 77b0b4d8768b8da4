//! Deliveries already handled, so a retried webhook or action changes nothing.
//!
//! A claim is an insert that does nothing on conflict: of two concurrent deliveries of one
//! key, exactly one inserts the row and goes on; the other sees `AlreadyClaimed`.

use anyhow::Context;
use chrono::{DateTime, Utc};
use drip_domain::AccountId;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, Set};

use super::entities::idempotency_key;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimOutcome {
    Claimed,
    AlreadyClaimed,
}

/// Claims `(account, scope, key_hash)` inside the caller's transaction or connection.
pub async fn claim_in<C: ConnectionTrait>(
    conn: &C,
    account: AccountId,
    scope: &str,
    key_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> anyhow::Result<ClaimOutcome> {
    let row = idempotency_key::ActiveModel {
        account_id: Set(account.get()),
        scope: Set(scope.to_owned()),
        key_hash: Set(key_hash.to_owned()),
        response_status: Set(None),
        response_body: Set(None),
        created_at: Set(now),
        expires_at: Set(expires_at),
    };
    let on_conflict = OnConflict::columns([
        idempotency_key::Column::AccountId,
        idempotency_key::Column::Scope,
        idempotency_key::Column::KeyHash,
    ])
    .do_nothing()
    .to_owned();
    let inserted = idempotency_key::Entity::insert(row)
        .on_conflict(on_conflict)
        .exec_without_returning(conn)
        .await
        .context("claiming idempotency key")?;
    Ok(if inserted == 1 {
        ClaimOutcome::Claimed
    } else {
        ClaimOutcome::AlreadyClaimed
    })
}
