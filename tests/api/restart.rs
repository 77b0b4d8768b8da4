//! Stopping and starting the service on the same stores: nothing is lost, and what was
//! sealed before the restart still opens after it.

use std::time::Duration;

use drip_actors::AccountMessage;
use drip_domain::plan::SubscriptionStatus;
use drip_domain::{AccountId, Clock};
use secrecy::ExposeSecret;

use crate::helpers::spawn_app;

#[tokio::test]
async fn accounts_tokens_and_timers_survive_a_restart() {
    let app = spawn_app().await;
    app.install(9501).await;
    app.authorize(9501).await;
    let token = app.state.accounts.call(AccountId(9501), AccountMessage::MondayAccessToken).await.unwrap().unwrap();
    let due = app.clock.now() + chrono::Duration::minutes(30);
    app.state.scheduler.timers().schedule(AccountId(9501), "step", due).await.unwrap();

    let app = app.restart().await;

    assert_eq!(app.snapshot(9501).await.plan.unwrap().status, SubscriptionStatus::Active);
    let after = app.state.accounts.call(AccountId(9501), AccountMessage::MondayAccessToken).await.unwrap().unwrap();
    assert_eq!(after.expose_secret(), token.expose_secret());
    app.clock.advance(Duration::from_secs(31 * 60));
    assert_eq!(app.state.scheduler.run_once().await.unwrap(), 1);
}

#[tokio::test]
async fn a_graceful_shutdown_stops_taking_requests_and_stops_the_actors() {
    let app = spawn_app().await;
    app.install(9502).await;
    let address = app.address.clone();
    let accounts = app.state.accounts.clone();
    app.stop().await;
    assert!(reqwest::get(format!("{address}/healthz")).await.is_err(), "no longer listening");
    assert!(accounts.stats().await.is_err(), "the actor tree is stopped");
}
