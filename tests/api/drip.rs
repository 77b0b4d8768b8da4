//! Drip campaigns end to end: Sequence Starter enrols, durable timers fire the steps on a
//! controllable clock, windows are kept in the campaign's zone, Smart Stopper ends them,
//! and restarts neither lose nor repeat a step.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use drip_domain::AccountId;
use drip_store::db::entities::{campaign, campaign_step, enrolment};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};

use crate::helpers::{BOARD, SHORT_LIVED_TOKEN, TWILIO_SID, TWILIO_TOKEN, TestApp, spawn_app};

pub(crate) const ACCOUNT: i64 = 5151;

pub(crate) struct Step {
    template: &'static str,
    delay_seconds: i64,
    unit: &'static str,
    window: Option<Value>,
}

pub(crate) fn step(template: &'static str, delay_seconds: i64, unit: &'static str) -> Step {
    Step { template, delay_seconds, unit, window: None }
}

pub(crate) async fn create_campaign(app: &TestApp, name: &str, steps: &[Step], zone: &str, on_reenrol: &str) -> String {
    let id = uuid::Uuid::new_v4().hyphenated().to_string();
    let now = drip_domain::Clock::now(&app.clock);
    let row = campaign::ActiveModel {
        id: Set(id.clone()),
        account_id: Set(ACCOUNT),
        name: Set(name.into()),
        status: Set("active".into()),
        time_zone: Set(zone.into()),
        stop_on_reply: Set(true),
        on_reenrol: Set(on_reenrol.into()),
        created_at: Set(now),
        updated_at: Set(now),
    };
    row.insert(app.state.db.conn()).await.unwrap();
    for (position, step) in steps.iter().enumerate() {
        let row = campaign_step::ActiveModel {
            id: Set(uuid::Uuid::new_v4().simple().to_string()),
            account_id: Set(ACCOUNT),
            campaign_id: Set(id.clone()),
            position: Set(position as i32),
            template: Set(step.template.into()),
            delay_seconds: Set(step.delay_seconds),
            delay_unit: Set(Some(step.unit.into())),
            send_window: Set(step.window.clone()),
        };
        row.insert(app.state.db.conn()).await.unwrap();
    }
    id
}

pub(crate) async fn ready_app() -> TestApp {
    let app = spawn_app().await;
    app.connect_twilio();
    app.install(ACCOUNT).await;
    // Steps run with no monday request in flight: they use the stored OAuth token.
    app.authorize(ACCOUNT).await;
    app
}

fn start_payload(item_id: u64, campaign_id: &str, action_uuid: &str) -> Value {
    start_payload_via(item_id, campaign_id, action_uuid, [TWILIO_SID, TWILIO_TOKEN, crate::helpers::OUR_NUMBER])
}

/// A Sequence Starter request through another Twilio account: `[sid, token, sender]`.
fn start_payload_via(item_id: u64, campaign_id: &str, action_uuid: &str, twilio: [&str; 3]) -> Value {
    let [sid, token, sender] = twilio;
    json!({
        "payload": {
            "credentialsValues": { "twilio": { "accessToken": format!("{sid}:{token}") } },
            "inboundFieldValues": {
                "boardId": BOARD, "itemId": item_id, "phoneColumnId": "phone",
                "sender": sender, "campaignId": { "value": campaign_id, "title": "Welcome" }
            }
        },
        "runtimeMetadata": { "actionUuid": action_uuid }
    })
}

async fn post(app: &TestApp, path: &str, payload: &Value) -> (u16, Value) {
    let token = app.block_token(ACCOUNT, json!({ "shortLivedToken": SHORT_LIVED_TOKEN }));
    let response = app.http.post(app.url(path)).header("Authorization", token).json(payload).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn enrol(app: &TestApp, item_id: u64, campaign_id: &str, action_uuid: &str) -> (u16, Value) {
    post(app, "/monday/actions/start-sequence", &start_payload(item_id, campaign_id, action_uuid)).await
}

/// [`enrol`] through another Twilio account: `[sid, token, sender]`.
pub(crate) async fn enrol_via(
    app: &TestApp,
    item_id: u64,
    campaign_id: &str,
    action_uuid: &str,
    twilio: [&str; 3],
) -> (u16, Value) {
    post(app, "/monday/actions/start-sequence", &start_payload_via(item_id, campaign_id, action_uuid, twilio)).await
}

/// Runs due timers until `count` messages went out and were recorded (steps render and
/// send through tasks, so each pass may take a moment).
async fn run_until_sent(app: &TestApp, count: usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while app.twilio.sent_messages().len() < count || logged_messages(app).await < count {
        app.state.scheduler.run_once().await.unwrap();
        assert!(tokio::time::Instant::now() < deadline, "only {} of {count} sent", app.twilio.sent_messages().len());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn logged_messages(app: &TestApp) -> usize {
    let rows = app.state.db.export_account(AccountId(ACCOUNT)).await.unwrap();
    rows["message_log"].as_array().map(|rows| rows.iter().filter(|row| !row["sid_hash"].is_null()).count()).unwrap_or(0)
}

async fn enrolment_row(app: &TestApp, item_id: i64) -> enrolment::Model {
    enrolment::Entity::find()
        .filter(enrolment::Column::AccountId.eq(ACCOUNT))
        .filter(enrolment::Column::ItemId.eq(item_id))
        .one(app.state.db.conn())
        .await
        .unwrap()
        .expect("an enrolment")
}

/// Waits until the item's enrolment has moved on to step `next` (its send's answer is
/// handled by the account actor after the message is logged and its conversation
/// registered, so a reply can find it from then on).
pub(crate) async fn wait_for_next_step(app: &TestApp, item_id: i64, next: i32) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while enrolment_row(app, item_id).await.next_step < next {
        assert!(tokio::time::Instant::now() < deadline, "enrolment never reached step {next}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

pub(crate) async fn wait_for_state(app: &TestApp, item_id: i64, state: &str) -> enrolment::Model {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let row = enrolment_row(app, item_id).await;
        if row.state == state {
            return row;
        }
        assert!(tokio::time::Instant::now() < deadline, "enrolment stuck in {}", row.state);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_multi_day_campaign_runs_its_steps_on_the_clock_and_completes() {
    let app = ready_app().await;
    app.add_contact(1, "Jane Doe", "+13125550101");
    let steps = [
        step("Welcome {First name}!", 0, "minutes"),
        step("Day 1 tip", 86_400, "days"),
        step("Day 3 offer", 2 * 86_400, "days"),
    ];
    let campaign = create_campaign(&app, "Welcome", &steps, "UTC", "ignore").await;

    let (status, body) = enrol(&app, 1, &campaign, "start-1").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["outputFields"]["status"], "enrolled");
    run_until_sent(&app, 1).await;
    assert_eq!(app.twilio.sent_messages()[0].body.as_deref(), Some("Welcome Jane!"));
    wait_for_next_step(&app, 1, 1).await;

    app.clock.advance(Duration::from_secs(86_400 - 60));
    app.state.scheduler.run_once().await.unwrap();
    assert_eq!(app.twilio.sent_messages().len(), 1, "not a minute early");
    app.clock.advance(Duration::from_secs(61));
    run_until_sent(&app, 2).await;
    wait_for_next_step(&app, 1, 2).await;
    app.clock.advance(Duration::from_secs(2 * 86_400));
    run_until_sent(&app, 3).await;
    let row = wait_for_state(&app, 1, "completed").await;
    assert_eq!(row.end_reason.as_deref(), Some("all steps sent"));
    assert!(app.state.kv.get(&drip_actors::drip::envelope_key(&row.id)).await.unwrap().is_none(), "envelope deleted");
}

#[tokio::test]
async fn a_step_outside_its_window_waits_for_the_next_opening_in_the_campaigns_zone() {
    let app = ready_app().await;
    app.add_contact(1, "Jane Doe", "+13125550101");
    // Friday 2026-11-06 18:00 in New York is 23:00 UTC; weekdays 09:00-17:00 New York time.
    app.clock.set(Utc.with_ymd_and_hms(2026, 11, 6, 23, 0, 0).unwrap());
    let window = json!({ "days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00" });
    let steps = [Step { template: "Hello", delay_seconds: 0, unit: "minutes", window: Some(window) }];
    let campaign = create_campaign(&app, "Office hours", &steps, "America/New_York", "ignore").await;
    enrol(&app, 1, &campaign, "window-1").await;
    let due: DateTime<Utc> = enrolment_row(&app, 1).await.next_due_at.unwrap();
    // Monday 09:00 EST (after the 2026-11-01 fall-back) is 14:00 UTC.
    assert_eq!(due, Utc.with_ymd_and_hms(2026, 11, 9, 14, 0, 0).unwrap());
    app.state.scheduler.run_once().await.unwrap();
    assert!(app.twilio.sent_messages().is_empty(), "nothing over the weekend");
    app.clock.set(due);
    run_until_sent(&app, 1).await;
}

#[tokio::test]
async fn a_repeated_action_enrols_once_and_re_enrolment_follows_the_campaigns_option() {
    let app = ready_app().await;
    app.add_contact(1, "Jane Doe", "+13125550101");
    let ignore = create_campaign(&app, "Ignore", &[step("Hi", 3600, "hours")], "UTC", "ignore").await;
    let restart = create_campaign(&app, "Restart", &[step("Hi", 3600, "hours")], "UTC", "restart").await;

    let (_, first) = enrol(&app, 1, &ignore, "same-uuid").await;
    let (_, again) = enrol(&app, 1, &ignore, "same-uuid").await;
    assert_eq!(first, again, "the repeat gets the first answer");
    let (_, other) = enrol(&app, 1, &ignore, "another-run").await;
    assert_eq!(other["outputFields"]["status"], "already_enrolled");

    let (_, first) = enrol(&app, 1, &restart, "r-1").await;
    let (_, second) = enrol(&app, 1, &restart, "r-2").await;
    assert_eq!(second["outputFields"]["status"], "restarted");
    assert_ne!(first["outputFields"]["enrolmentId"], second["outputFields"]["enrolmentId"]);
}

#[tokio::test]
async fn smart_stopper_ends_an_items_campaign_mid_way_and_nothing_more_is_sent() {
    let app = ready_app().await;
    app.add_contact(1, "Jane Doe", "+13125550101");
    let campaign =
        create_campaign(&app, "Welcome", &[step("One", 0, "minutes"), step("Two", 3600, "hours")], "UTC", "ignore")
            .await;
    enrol(&app, 1, &campaign, "stop-1").await;
    run_until_sent(&app, 1).await;
    let (status, body) = post(
        &app,
        "/monday/actions/stop-sequence",
        &json!({
            "payload": { "inboundFieldValues": { "itemId": 1, "campaignId": campaign } }
        }),
    )
    .await;
    assert_eq!((status, body["outputFields"]["stopped"].as_u64()), (200, Some(1)));
    let row = enrolment_row(&app, 1).await;
    assert_eq!((row.state.as_str(), row.end_reason.as_deref()), ("stopped", Some("stopped by Smart Stopper")));
    app.clock.advance(Duration::from_secs(7200));
    app.state.scheduler.run_once().await.unwrap();
    assert_eq!(app.twilio.sent_messages().len(), 1);
    let (_, again) =
        post(&app, "/monday/actions/stop-sequence", &json!({ "payload": { "inboundFieldValues": { "itemId": 1 } } }))
            .await;
    assert_eq!(again["outputFields"]["stopped"], 0, "stopping again stops nothing");
}

#[tokio::test]
async fn enrolments_survive_a_restart_and_every_step_goes_out_exactly_once() {
    let app = ready_app().await;
    let items: Vec<u64> = (1..=8).collect();
    for item in &items {
        app.add_contact(*item, &format!("Contact {item}"), &format!("+1312555{:04}", 200 + item));
    }
    let steps = [step("One", 0, "minutes"), step("Two", 86_400, "days")];
    let campaign = create_campaign(&app, "Welcome", &steps, "UTC", "ignore").await;
    for item in &items {
        enrol(&app, *item, &campaign, &format!("restart-{item}")).await;
    }
    // The first steps go out (paced at one a second on the long code).
    for sent in 1..=items.len() {
        run_until_sent(&app, sent).await;
        app.clock.advance(Duration::from_secs(1));
    }
    for item in &items {
        wait_for_next_step(&app, *item as i64, 1).await;
    }
    let app = app.restart().await;
    app.clock.advance(Duration::from_secs(86_400));
    for sent in items.len() + 1..=2 * items.len() {
        run_until_sent(&app, sent).await;
        app.clock.advance(Duration::from_secs(1));
    }
    app.clock.advance(Duration::from_secs(86_400));
    app.state.scheduler.run_once().await.unwrap();
    let mut per_recipient = std::collections::HashMap::new();
    for message in app.twilio.sent_messages() {
        *per_recipient.entry(message.to.clone()).or_insert(0) += 1;
    }
    assert_eq!(per_recipient.len(), items.len());
    assert!(per_recipient.values().all(|count| *count == 2), "{per_recipient:?}");
}

#[tokio::test]
async fn enrolling_in_a_paused_campaign_or_an_item_without_a_phone_says_why() {
    let app = ready_app().await;
    app.add_contact(1, "Jane Doe", "+13125550101");
    app.add_contact(2, "No Phone", "");
    let campaign = create_campaign(&app, "Welcome", &[step("One", 0, "minutes")], "UTC", "ignore").await;
    let (status, body) = enrol(&app, 2, &campaign, "nophone").await;
    assert_eq!((status, body["notificationErrorTitle"].as_str()), (422, Some("Phone number missing")));
    let mut row: campaign::ActiveModel =
        campaign::Entity::find_by_id(campaign.clone()).one(app.state.db.conn()).await.unwrap().unwrap().into();
    row.status = Set("paused".into());
    row.update(app.state.db.conn()).await.unwrap();
    let (status, body) = enrol(&app, 1, &campaign, "paused").await;
    assert_eq!((status, body["notificationErrorTitle"].as_str()), (422, Some("Campaign not active")));
    let (status, body) = enrol(&app, 1, "no-such-campaign", "missing").await;
    assert_eq!((status, body["severityCode"].as_u64()), (422, Some(6000)));
}

#[tokio::test]
async fn after_a_campaign_the_db_holds_no_number_body_sid_or_token() {
    let app = ready_app().await;
    app.add_contact(1, "Jane Doe", "+13125550101");
    let campaign =
        create_campaign(&app, "Welcome", &[step("Secret offer for {First name}", 0, "minutes")], "UTC", "ignore").await;
    enrol(&app, 1, &campaign, "privacy").await;
    run_until_sent(&app, 1).await;
    wait_for_state(&app, 1, "completed").await;
    let sid = app.twilio.messages()[0].sid.clone();
    let db = app.db_dump().await;
    for secret in ["+13125550101", "3125550101", "Secret offer for Jane", sid.as_str(), TWILIO_SID, TWILIO_TOKEN] {
        assert!(!db.contains(secret), "the Db holds {secret}");
    }
    assert!(
        app.state
            .kv
            .dump_account(AccountId(ACCOUNT))
            .await
            .unwrap()
            .iter()
            .all(|(key, _)| !key.starts_with("enrolment/"))
    );
}

#[tokio::test]
async fn a_step_whose_timer_was_lost_is_found_in_the_db_and_sent_once() {
    let app = ready_app().await;
    app.add_contact(1, "Jane Doe", "+13125550101");
    let campaign = create_campaign(&app, "Welcome", &[step("Later", 3600, "hours")], "UTC", "ignore").await;
    enrol(&app, 1, &campaign, "lost-timer").await;
    let row = enrolment_row(&app, 1).await;
    // As a Valkey restart without persistence would: the timer is gone, the Db row is not.
    assert!(
        app.state.scheduler.timers().cancel(AccountId(ACCOUNT), &drip_actors::drip::step_timer(&row.id)).await.unwrap()
    );
    app.clock.advance(Duration::from_secs(3600 + 180));
    assert_eq!(app.state.scheduler.run_once().await.unwrap(), 0, "no timer left");
    let grace = chrono::Duration::seconds(sms_drip::startup::OVERDUE_STEP_GRACE_SECONDS);
    assert_eq!(app.state.scheduler.sweep_overdue_steps(&app.state.db, grace).await.unwrap(), 1);
    run_until_sent(&app, 1).await;
    wait_for_state(&app, 1, "completed").await;
    assert_eq!(app.state.scheduler.sweep_overdue_steps(&app.state.db, grace).await.unwrap(), 0);
    assert_eq!(app.twilio.sent_messages().len(), 1);
}

#[tokio::test]
async fn a_permanent_delivery_failure_ends_the_enrolment_with_the_code() {
    let app = ready_app().await;
    app.add_contact(1, "Jane Doe", "+13125550101");
    let campaign =
        create_campaign(&app, "Welcome", &[step("One", 0, "minutes"), step("Two", 3600, "hours")], "UTC", "ignore")
            .await;
    enrol(&app, 1, &campaign, "undeliverable").await;
    run_until_sent(&app, 1).await;
    wait_for_next_step(&app, 1, 1).await;
    let sid = app.twilio.messages()[0].sid.clone();
    assert_eq!(app.status_callback(&sid, "undelivered", Some(30005), TWILIO_TOKEN).await, 200);
    let row = wait_for_state(&app, 1, "stopped").await;
    assert_eq!(row.end_reason.as_deref(), Some("Twilio could not deliver to the recipient (30005)"));
}

fn session_token() -> String {
    crate::helpers::jwt(drip_testkit::monday::CLIENT_SECRET, json!({ "dat": { "account_id": ACCOUNT, "user_id": 7 } }))
}

async fn campaign_action(app: &TestApp, campaign: &str, action: &str) -> u16 {
    let url = app.url(&format!("/api/campaigns/{campaign}/{action}"));
    app.http.post(url).header("Authorization", session_token()).send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn pausing_holds_due_steps_and_resuming_sends_them() {
    let app = ready_app().await;
    app.add_contact(1, "Jane Doe", "+13125550101");
    let campaign = create_campaign(&app, "Welcome", &[step("Later", 3600, "hours")], "UTC", "ignore").await;
    enrol(&app, 1, &campaign, "pause-1").await;
    assert_eq!(campaign_action(&app, &campaign, "pause").await, 200);
    app.clock.advance(Duration::from_secs(7200));
    app.state.scheduler.run_once().await.unwrap();
    let grace = chrono::Duration::seconds(sms_drip::startup::OVERDUE_STEP_GRACE_SECONDS);
    assert_eq!(app.state.scheduler.sweep_overdue_steps(&app.state.db, grace).await.unwrap(), 0, "held, not overdue");
    assert!(app.twilio.sent_messages().is_empty());
    assert_eq!(campaign_action(&app, &campaign, "resume").await, 200);
    run_until_sent(&app, 1).await;
}

#[tokio::test]
async fn archiving_a_campaign_ends_its_enrolments_with_the_reason() {
    let app = ready_app().await;
    app.add_contact(1, "Jane Doe", "+13125550101");
    let campaign = create_campaign(&app, "Welcome", &[step("Later", 3600, "hours")], "UTC", "ignore").await;
    enrol(&app, 1, &campaign, "archive-1").await;
    assert_eq!(campaign_action(&app, &campaign, "archive").await, 200);
    let row = wait_for_state(&app, 1, "stopped").await;
    assert_eq!(row.end_reason.as_deref(), Some("campaign archived"));
    app.clock.advance(Duration::from_secs(7200));
    app.state.scheduler.run_once().await.unwrap();
    assert!(app.twilio.sent_messages().is_empty());
}

#[tokio::test]
async fn a_daily_step_keeps_its_local_time_across_a_dst_change_and_a_late_step_waits_for_its_window() {
    let app = ready_app().await;
    app.add_contact(1, "Jane Doe", "+13125550101");
    // Saturday 2026-03-07 09:00 in New York (EST, UTC-5); clocks spring forward on the 8th.
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 7, 14, 0, 0).unwrap());
    let window = json!({ "days": ["sat", "sun", "mon"], "start": "09:00", "end": "10:00" });
    let steps = [
        Step { template: "Day 0", delay_seconds: 0, unit: "minutes", window: Some(window.clone()) },
        Step { template: "Day 1", delay_seconds: 86_400, unit: "days", window: Some(window) },
    ];
    let campaign = create_campaign(&app, "Daily", &steps, "America/New_York", "ignore").await;
    enrol(&app, 1, &campaign, "dst").await;
    run_until_sent(&app, 1).await;
    wait_for_next_step(&app, 1, 1).await;
    // Sunday 09:00 EDT is 13:00 UTC: a calendar day, 23 hours of elapsed time.
    let due = enrolment_row(&app, 1).await.next_due_at.unwrap();
    assert_eq!(due, Utc.with_ymd_and_hms(2026, 3, 8, 13, 0, 0).unwrap());

    // The service was down past the window: the step waits for Monday 09:00 EDT.
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 8, 16, 0, 0).unwrap());
    assert_eq!(app.state.scheduler.run_once().await.unwrap(), 1);
    app.snapshot(ACCOUNT).await; // the account has handled the timer (its mailbox is in order)
    assert_eq!(app.twilio.sent_messages().len(), 1, "not outside the window");
    let monday_opening = Utc.with_ymd_and_hms(2026, 3, 9, 13, 0, 0).unwrap().timestamp_millis();
    let timers = app.state.kv.dump_account(AccountId(ACCOUNT)).await.unwrap();
    assert!(timers.iter().any(|(key, due)| key.contains("step/") && *due == monday_opening.to_string().into_bytes()));
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 9, 13, 0, 0).unwrap());
    run_until_sent(&app, 2).await;
}

#[tokio::test]
async fn a_crash_between_the_claim_and_the_record_is_resolved_by_a_twilio_lookup_not_a_resend() {
    let app = ready_app().await;
    app.add_contact(1, "Jane Doe", "+13125550101");
    let campaign = create_campaign(&app, "Welcome", &[step("Hello", 0, "minutes")], "UTC", "ignore").await;
    // Twilio takes the message but the answer never arrives before the service dies.
    app.twilio.push_delay(Duration::from_secs(5));
    enrol(&app, 1, &campaign, "crash").await;
    let enrolment = enrolment_row(&app, 1).await.id;
    while app.twilio.sent_messages().is_empty() {
        app.state.scheduler.run_once().await.unwrap();
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let claim = app.state.db.step_message(AccountId(ACCOUNT), &enrolment, 0).await.unwrap().expect("claimed");
    assert_eq!((claim.status.as_str(), claim.sid_hash.as_deref()), ("claimed", None));

    let app = app.restart().await;
    // And the Kv forgot everything about the call (a Valkey restart without persistence).
    let job = format!("{enrolment}-0");
    app.state.kv.delete(&drip_actors::outbox::job_key(&job)).await.unwrap();
    let timers = app.state.scheduler.timers();
    timers.cancel(AccountId(ACCOUNT), &drip_actors::outbox::timer_name(&job)).await.unwrap();
    timers.cancel(AccountId(ACCOUNT), &drip_actors::drip::step_timer(&enrolment)).await.unwrap();

    app.clock.advance(Duration::from_secs(300));
    let grace = chrono::Duration::seconds(sms_drip::startup::OVERDUE_STEP_GRACE_SECONDS);
    assert_eq!(app.state.scheduler.sweep_overdue_steps(&app.state.db, grace).await.unwrap(), 1);
    let row = wait_for_state(&app, 1, "completed").await;
    assert_eq!(row.end_reason.as_deref(), Some("all steps sent"));
    assert_eq!(app.twilio.sent_messages().len(), 1, "found in Twilio, not sent again");
    let recorded = app.state.db.step_message(AccountId(ACCOUNT), &enrolment, 0).await.unwrap().unwrap();
    assert!(recorded.sid_hash.is_some());
}

#[tokio::test]
async fn an_items_own_time_zone_column_overrides_the_campaigns_zone() {
    let app = ready_app().await;
    let columns = vec![
        ("phone", "Phone", "phone", "+13125550101", json!({ "phone": "+13125550101", "countryShortName": "US" })),
        ("world_clock", "Local time", "world_clock", "", json!({ "timezone": "Asia/Tokyo" })),
    ];
    app.monday.add_item(BOARD, 1, "Kenji", columns);
    // 10:00 UTC is 19:00 in Tokyo: after a 09:00-17:00 window there.
    app.clock.set(Utc.with_ymd_and_hms(2026, 6, 10, 10, 0, 0).unwrap());
    let window = json!({ "days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00" });
    let steps = [Step { template: "Hello", delay_seconds: 0, unit: "minutes", window: Some(window) }];
    let campaign = create_campaign(&app, "Local hours", &steps, "UTC", "ignore").await;
    let mut payload = start_payload(1, &campaign, "tz-column");
    payload["payload"]["inboundFieldValues"]["timeZoneColumnId"] = json!("world_clock");
    let (status, body) = post(&app, "/monday/actions/start-sequence", &payload).await;
    assert_eq!(status, 200, "{body}");
    // Thursday 09:00 in Tokyo is 00:00 UTC.
    assert_eq!(enrolment_row(&app, 1).await.next_due_at.unwrap(), Utc.with_ymd_and_hms(2026, 6, 11, 0, 0, 0).unwrap());
}

#[tokio::test]
async fn an_enrolment_whose_recipient_details_vanished_ends_with_that_reason() {
    let app = ready_app().await;
    app.add_contact(1, "Jane Doe", "+13125550101");
    let campaign = create_campaign(&app, "Welcome", &[step("Later", 3600, "hours")], "UTC", "ignore").await;
    enrol(&app, 1, &campaign, "vanished").await;
    let row = enrolment_row(&app, 1).await;
    app.state.kv.delete(&drip_actors::drip::envelope_key(&row.id)).await.unwrap();
    app.clock.advance(Duration::from_secs(3601));
    app.state.scheduler.run_once().await.unwrap();
    let ended = wait_for_state(&app, 1, "stopped").await;
    assert_eq!(ended.end_reason.as_deref(), Some("recipient details expired"));
    assert!(app.twilio.sent_messages().is_empty());
}

#[tokio::test]
async fn an_opted_out_recipient_cannot_be_enrolled() {
    let app = ready_app().await;
    app.add_contact(1, "Jane Doe", "+13125550101");
    let to = drip_domain::PhoneNumber::parse("+13125550101", None).unwrap();
    let key = app.state.crypto.hasher.opt_out(TWILIO_SID, &to).to_hex();
    app.state.db.record_opt_out(AccountId(ACCOUNT), &key, "STOP", drip_domain::Clock::now(&app.clock)).await.unwrap();
    let campaign = create_campaign(&app, "Welcome", &[step("One", 0, "minutes")], "UTC", "ignore").await;
    let (status, body) = enrol(&app, 1, &campaign, "opted-out").await;
    assert_eq!((status, body["notificationErrorTitle"].as_str()), (422, Some("Recipient opted out")));
}
