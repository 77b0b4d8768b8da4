//! The account actors: started on demand, restarted after a failure with their state
//! rebuilt from the stores, quarantined in a restart storm, stopped when idle.

use std::time::Duration;

use drip_actors::{AccountMessage, RouteError};
use drip_domain::plan::SubscriptionStatus;
use drip_domain::{AccountId, Clock};

use crate::helpers::spawn_app;

#[tokio::test]
async fn an_account_actor_starts_on_the_first_event_for_the_account() {
    let app = spawn_app().await;
    assert_eq!(app.state.accounts.stats().await.unwrap().live_actors, 0);
    app.install(9001).await;
    assert_eq!(app.state.accounts.stats().await.unwrap().live_actors, 1);
    app.install(9002).await;
    assert_eq!(app.state.accounts.stats().await.unwrap().live_actors, 2);
}

#[tokio::test]
async fn a_failed_actor_is_restarted_with_its_state_rebuilt_from_the_stores() {
    let app = spawn_app().await;
    app.install(9003).await;
    let before = app.snapshot(9003).await;
    app.clock.advance(Duration::from_secs(1));
    app.state.accounts.cast(AccountId(9003), AccountMessage::Fail("test".into())).unwrap();
    app.wait_for_actors(|stats| stats.restarts == 1).await;
    let after = app.snapshot(9003).await;
    assert_eq!(after.plan, before.plan);
    assert_eq!(after.plan.unwrap().status, SubscriptionStatus::Active);
    assert!(after.started_at > before.started_at, "a new actor instance");
    assert_eq!(app.state.accounts.stats().await.unwrap().live_actors, 1);
}

#[tokio::test]
async fn an_actor_that_keeps_failing_is_quarantined_for_one_window_then_recovers() {
    let app = spawn_app().await;
    app.install(9004).await;
    let limit = app.settings.actors.restart_limit;
    for _ in 0..=limit {
        let restarts_before = app.state.accounts.stats().await.unwrap().restarts;
        app.state.accounts.cast(AccountId(9004), AccountMessage::Fail("storm".into())).unwrap();
        app.wait_for_actors(|stats| stats.restarts > restarts_before || stats.quarantined == 1).await;
    }
    let stats = app.state.accounts.stats().await.unwrap();
    assert_eq!(stats.restarts, limit as u64);
    assert_eq!(stats.quarantined, 1);
    let refused = app.state.accounts.call(AccountId(9004), AccountMessage::Snapshot).await;
    assert!(matches!(refused, Err(RouteError::Unavailable)));

    app.clock.advance(Duration::from_secs(app.settings.actors.restart_window_seconds + 1));
    assert_eq!(app.snapshot(9004).await.plan.unwrap().status, SubscriptionStatus::Active);
}

#[tokio::test]
async fn idle_actors_are_stopped_and_come_back_on_the_next_event() {
    let app = spawn_app().await;
    app.install(9005).await;
    app.install(9006).await;
    app.clock.advance(Duration::from_secs(app.settings.actors.idle_timeout_seconds - 10));
    app.snapshot(9006).await; // 9006 stays busy
    app.clock.advance(Duration::from_secs(20));
    assert_eq!(app.state.accounts.sweep_idle().await.unwrap(), 1);
    assert_eq!(app.state.accounts.stats().await.unwrap().live_actors, 1);
    assert_eq!(app.snapshot(9005).await.plan.unwrap().status, SubscriptionStatus::Active);
    assert_eq!(app.state.accounts.stats().await.unwrap().live_actors, 2);
}

#[tokio::test]
async fn the_scheduler_hands_over_timers_only_once_they_are_due() {
    let app = spawn_app().await;
    app.install(9007).await;
    let scheduler = &app.state.scheduler;
    scheduler.timers().schedule(AccountId(9007), "a", app.clock.now() + chrono::Duration::minutes(10)).await.unwrap();
    scheduler.timers().schedule(AccountId(9007), "b", app.clock.now() + chrono::Duration::minutes(20)).await.unwrap();
    assert_eq!(scheduler.run_once().await.unwrap(), 0);
    app.clock.advance(Duration::from_secs(15 * 60));
    assert_eq!(scheduler.run_once().await.unwrap(), 1);
    assert_eq!(scheduler.run_once().await.unwrap(), 0, "a timer fires once");
    assert!(scheduler.timers().cancel(AccountId(9007), "b").await.unwrap());
    app.clock.advance(Duration::from_secs(3600));
    assert_eq!(scheduler.run_once().await.unwrap(), 0);
}
