//! The lifecycle webhook (spec/monday.md §6): all 13 event types, each delivery processed
//! once, and uninstall deleting everything of the account.

use drip_domain::plan::{LifecycleKind, SubscriptionStatus};
use drip_domain::{AccountId, Clock};
use serde_json::{Value, json};

use crate::helpers::{TestApp, lifecycle_body, spawn_app};

async fn deliver(app: &TestApp, kind: &str, account: i64, timestamp: &str) -> Value {
    let response = app.post_lifecycle(&lifecycle_body(kind, account, timestamp)).await;
    assert_eq!(response.status(), 200, "{kind} accepted");
    response.json().await.unwrap()
}

async fn status_of(app: &TestApp, account: i64) -> SubscriptionStatus {
    app.snapshot(account).await.plan.expect("installed").status
}

#[tokio::test]
async fn install_creates_the_account_with_its_plan_facts() {
    let app = spawn_app().await;
    let answer = deliver(&app, "install", 7001, "2026-12-01T00:00:00.000+00:00").await;
    assert_eq!(answer["status"], "applied");
    let row = app.state.db.find_account(AccountId(7001)).await.unwrap().expect("row");
    assert_eq!(row.plan_id.as_deref(), Some("5"));
    assert_eq!(row.account_tier.as_deref(), Some("pro"));
    assert_eq!(row.max_units, Some(100));
    assert_eq!(status_of(&app, 7001).await, SubscriptionStatus::Active);
}

#[tokio::test]
async fn every_one_of_the_thirteen_event_types_is_accepted() {
    let app = spawn_app().await;
    for (minute, kind) in LifecycleKind::ALL.iter().enumerate() {
        let timestamp = format!("2026-12-01T00:{minute:02}:00.000+00:00");
        let answer = deliver(&app, kind.as_str(), 7002, &timestamp).await;
        assert_eq!(answer["status"], "applied", "{kind:?}");
        if *kind == LifecycleKind::Uninstall {
            deliver(&app, "install", 7002, &format!("2026-12-01T00:{minute:02}:30.000+00:00")).await;
        }
    }
}

#[tokio::test]
async fn a_repeated_delivery_changes_nothing() {
    let app = spawn_app().await;
    deliver(&app, "install", 7003, "2026-12-01T00:00:00.000+00:00").await;
    deliver(&app, "app_subscription_cancelled_by_user", 7003, "2026-12-02T00:00:00.000+00:00").await;
    let before = app.state.db.find_account(AccountId(7003)).await.unwrap();
    let again = deliver(&app, "app_subscription_cancelled_by_user", 7003, "2026-12-02T00:00:00.000+00:00").await;
    assert_eq!(again["status"], "duplicate");
    assert_eq!(app.state.db.find_account(AccountId(7003)).await.unwrap(), before);
}

#[tokio::test]
async fn subscription_events_move_the_plan_status() {
    let app = spawn_app().await;
    deliver(&app, "install", 7004, "2026-12-01T00:00:00.000+00:00").await;
    let steps = [
        ("app_subscription_cancelled_by_user", SubscriptionStatus::CancelPending),
        ("app_subscription_cancellation_revoked_by_user", SubscriptionStatus::Active),
        ("app_subscription_renewal_attempt_failed", SubscriptionStatus::RenewalFailing),
        ("app_subscription_renewal_failed", SubscriptionStatus::Lapsed),
        ("app_trial_subscription_started", SubscriptionStatus::Trial),
        ("app_trial_subscription_ended", SubscriptionStatus::TrialEnded),
        ("app_subscription_created", SubscriptionStatus::Active),
        ("app_subscription_cancelled", SubscriptionStatus::Cancelled),
    ];
    for (hour, (kind, expected)) in steps.into_iter().enumerate() {
        deliver(&app, kind, 7004, &format!("2026-12-02T{:02}:00:00.000+00:00", hour + 1)).await;
        assert_eq!(status_of(&app, 7004).await, expected, "after {kind}");
    }
}

#[tokio::test]
async fn an_event_older_than_the_last_one_applied_is_ignored() {
    let app = spawn_app().await;
    deliver(&app, "install", 7005, "2026-12-01T00:00:00.000+00:00").await;
    deliver(&app, "app_subscription_cancelled", 7005, "2026-12-03T00:00:00.000+00:00").await;
    let late = deliver(&app, "app_subscription_renewed", 7005, "2026-12-02T00:00:00.000+00:00").await;
    assert_eq!(late["status"], "stale");
    assert_eq!(status_of(&app, 7005).await, SubscriptionStatus::Cancelled);
}

#[tokio::test]
async fn a_subscription_event_for_an_unknown_account_creates_nothing() {
    let app = spawn_app().await;
    let answer = deliver(&app, "app_subscription_created", 7006, "2026-12-01T00:00:00.000+00:00").await;
    assert_eq!(answer["status"], "unknown_account");
    assert!(app.state.db.find_account(AccountId(7006)).await.unwrap().is_none());
}

#[tokio::test]
async fn an_unknown_event_type_is_acknowledged_and_ignored() {
    let app = spawn_app().await;
    let answer = deliver(&app, "app_subscription_exploded", 7007, "2026-12-01T00:00:00.000+00:00").await;
    assert_eq!(answer["status"], "ignored");
}

#[tokio::test]
async fn a_malformed_body_gets_a_400_that_says_so() {
    let app = spawn_app().await;
    let response = app.post_lifecycle(&json!({ "type": "install", "data": { "account": "x" } })).await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("lifecycle body is not valid"));
}

#[tokio::test]
async fn uninstall_deletes_every_row_and_key_of_the_account_and_nothing_of_others() {
    let app = spawn_app().await;
    for account in [7008, 7009] {
        app.install(account).await;
        assert_eq!(app.authorize(account).await.status(), 303);
        app.state
            .scheduler
            .timers()
            .schedule(AccountId(account), "step", app.clock.now() + chrono::Duration::hours(1))
            .await
            .unwrap();
    }
    let answer = deliver(&app, "uninstall", 7008, "2026-12-02T00:00:00.000+00:00").await;
    assert_eq!(answer["status"], "applied");

    let gone = app.state.db.export_account(AccountId(7008)).await.unwrap();
    for (table, rows) in gone.as_object().unwrap() {
        assert_eq!(rows.as_array().unwrap().len(), 0, "{table} still holds rows of the account");
    }
    assert!(app.state.kv.dump_account(AccountId(7008)).await.unwrap().is_empty());
    let kept = app.state.db.export_account(AccountId(7009)).await.unwrap();
    assert_eq!(kept["accounts"].as_array().unwrap().len(), 1);
    assert_eq!(kept["oauth_tokens"].as_array().unwrap().len(), 1);
    assert!(!app.state.kv.dump_account(AccountId(7009)).await.unwrap().is_empty());
}

#[tokio::test]
async fn uninstall_cancels_the_accounts_timers() {
    let app = spawn_app().await;
    app.install(7010).await;
    app.state
        .scheduler
        .timers()
        .schedule(AccountId(7010), "step", app.clock.now() + chrono::Duration::minutes(5))
        .await
        .unwrap();
    deliver(&app, "uninstall", 7010, "2026-12-02T00:00:00.000+00:00").await;
    app.clock.advance(std::time::Duration::from_secs(3600));
    assert_eq!(app.state.scheduler.run_once().await.unwrap(), 0);
}

#[tokio::test]
async fn a_repeated_uninstall_is_harmless_and_a_reinstall_starts_fresh() {
    let app = spawn_app().await;
    app.install(7011).await;
    deliver(&app, "uninstall", 7011, "2026-12-02T00:00:00.000+00:00").await;
    let again = deliver(&app, "uninstall", 7011, "2026-12-02T00:00:00.000+00:00").await;
    assert_eq!(again["status"], "unknown_account");
    deliver(&app, "install", 7011, "2026-12-03T00:00:00.000+00:00").await;
    assert!(app.state.db.find_account(AccountId(7011)).await.unwrap().is_some());
}

#[tokio::test]
async fn expired_idempotency_claims_are_purged_and_live_ones_kept() {
    let app = spawn_app().await;
    app.install(7012).await;
    let now = drip_domain::Clock::now(&app.clock);
    assert_eq!(app.state.db.purge_expired_claims(now).await.unwrap(), 0, "the install's claim is live");
    let later = now + chrono::Duration::days(31);
    assert_eq!(app.state.db.purge_expired_claims(later).await.unwrap(), 1);
}
