//! Two-way conversations: a contact's reply reaches the right item (an update and the
//! reply trigger), STOP/START behave as carriers require, and forged, unknown or repeated
//! deliveries change nothing.

use std::time::Duration;

use drip_testkit::twilio::{InboundSms, sign};
use serde_json::{Value, json};

use crate::helpers::{BOARD, OUR_NUMBER, PUBLIC_BASE_URL, TWILIO_SID, TWILIO_TOKEN, TestApp, spawn_app};

const ACCOUNT: i64 = 6161;
const JANE: &str = "+13125550101";
const SUBSCRIPTION: u64 = 481690204;

async fn ready_app() -> TestApp {
    let app = spawn_app().await;
    app.connect_twilio();
    app.install(ACCOUNT).await;
    app.authorize(ACCOUNT).await;
    app.add_contact(1, "Jane Doe", JANE);
    app
}

async fn subscribe(app: &TestApp) {
    let body = json!({ "payload": {
        "webhookUrl": app.monday.webhook_url(SUBSCRIPTION), "subscriptionId": SUBSCRIPTION,
        "blockMetadata": { "shouldCalculateDynamicMapping": false },
        "inputFields": { "boardId": BOARD }, "inboundFieldValues": { "boardId": BOARD },
        "credentialsValues": {}, "recipeId": 30440657, "integrationId": 398739197 } });
    let token = app.block_token(ACCOUNT, json!({}));
    let response = app
        .http
        .post(app.url("/monday/triggers/reply/subscribe"))
        .header("Authorization", token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

/// Posts an inbound SMS to our endpoint, signed as Twilio signs it (over the public URL).
async fn inbound(app: &TestApp, sms: &InboundSms, token: &str, signed_url: &str) -> (u16, String) {
    let params = sms.params();
    let signature = sign(signed_url, &params, token);
    let response = app
        .http
        .post(app.url("/twilio/inbound"))
        .header("X-Twilio-Signature", signature)
        .form(&params)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

fn public_inbound() -> String {
    format!("{PUBLIC_BASE_URL}/twilio/inbound")
}

async fn reply(app: &TestApp, body: &str) -> (u16, String) {
    inbound(app, &InboundSms::new(TWILIO_SID, JANE, OUR_NUMBER, body), TWILIO_TOKEN, &public_inbound()).await
}

/// Drives due deliveries until `done` holds (they run in tasks), with a deadline.
async fn deliver_until(app: &TestApp, done: impl Fn(&TestApp) -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !done(app) {
        app.state.scheduler.run_once().await.unwrap();
        assert!(tokio::time::Instant::now() < deadline, "deliveries did not complete");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn delivered_triggers(app: &TestApp) -> Vec<Value> {
    app.monday.trigger_calls().into_iter().filter(|call| call.answered_status == 200).map(|call| call.body).collect()
}

#[tokio::test]
async fn a_reply_lands_on_its_item_fires_the_trigger_and_answers_empty_twiml() {
    let app = ready_app().await;
    subscribe(&app).await;
    app.send(ACCOUNT, 1, "Hi {First name}, can you make it?", "out-1").await;
    let (status, twiml) = reply(&app, "Yes, see you then").await;
    assert_eq!(status, 200);
    assert_eq!(twiml, r#"<?xml version="1.0" encoding="UTF-8"?><Response/>"#);
    deliver_until(&app, |app| !app.monday.updates().is_empty() && !delivered_triggers(app).is_empty()).await;
    let update = &app.monday.updates()[0];
    assert_eq!(update.item_id, "1");
    assert!(update.body.contains("Yes, see you then"));
    let fired = &delivered_triggers(&app)[0];
    assert_eq!(fired["trigger"]["outputFields"]["itemId"], 1);
    assert_eq!(fired["trigger"]["outputFields"]["boardId"], BOARD);
    assert_eq!(fired["trigger"]["outputFields"]["replyText"], "Yes, see you then");
}

#[tokio::test]
async fn stop_refuses_further_sends_and_start_allows_them_again() {
    let app = ready_app().await;
    app.send(ACCOUNT, 1, "Hello", "before-stop").await;
    assert_eq!(reply(&app, "Stop").await.0, 200);
    app.settle(ACCOUNT).await;
    app.clock.advance(Duration::from_secs(1));
    let (status, body) = app.send(ACCOUNT, 1, "Hello again", "after-stop").await;
    assert_eq!((status, body["notificationErrorTitle"].as_str()), (422, Some("Recipient opted out")));
    assert_eq!(reply(&app, "START").await.0, 200);
    app.settle(ACCOUNT).await;
    app.clock.advance(Duration::from_secs(1));
    assert_eq!(app.send(ACCOUNT, 1, "Welcome back", "after-start").await.0, 200);
    assert_eq!(app.twilio.sent_messages().len(), 2);
}

#[tokio::test]
async fn twilios_opt_out_type_counts_even_when_the_body_is_not_a_keyword() {
    let app = ready_app().await;
    app.send(ACCOUNT, 1, "Hello", "before").await;
    let sms = InboundSms::new(TWILIO_SID, JANE, OUR_NUMBER, "arrêtez").opt_out_type("STOP");
    inbound(&app, &sms, TWILIO_TOKEN, &public_inbound()).await;
    app.settle(ACCOUNT).await;
    app.clock.advance(Duration::from_secs(1));
    assert_eq!(app.send(ACCOUNT, 1, "Hello again", "after").await.0, 422);
}

#[tokio::test]
async fn an_unknown_sender_or_a_forged_signature_gets_the_same_answer_and_changes_nothing() {
    let app = ready_app().await;
    subscribe(&app).await;
    app.send(ACCOUNT, 1, "Hello", "out").await;
    let stranger = InboundSms::new(TWILIO_SID, "+13125550199", OUR_NUMBER, "who is this?");
    let unknown = inbound(&app, &stranger, TWILIO_TOKEN, &public_inbound()).await;
    let forged =
        inbound(&app, &InboundSms::new(TWILIO_SID, JANE, OUR_NUMBER, "STOP"), "not-the-token", &public_inbound()).await;
    assert_eq!(unknown, forged);
    app.settle(ACCOUNT).await;
    app.clock.advance(Duration::from_secs(1));
    assert_eq!(app.send(ACCOUNT, 1, "Still allowed", "after").await.0, 200, "the forged STOP changed nothing");
    app.state.scheduler.run_once().await.unwrap();
    assert!(app.monday.updates().is_empty());
    let metrics = app.http.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("sms_drip_inbound_sms_total{outcome=\"no_session\"} 1"), "{metrics}");
    assert!(metrics.contains("sms_drip_inbound_sms_total{outcome=\"bad_signature\"} 1"), "{metrics}");
}

#[tokio::test]
async fn a_signature_over_the_url_with_an_explicit_port_is_accepted() {
    let app = ready_app().await;
    app.send(ACCOUNT, 1, "Hello", "out").await;
    let sms = InboundSms::new(TWILIO_SID, JANE, OUR_NUMBER, "Sure");
    inbound(&app, &sms, TWILIO_TOKEN, "https://sms.example.test:443/twilio/inbound").await;
    deliver_until(&app, |app| !app.monday.updates().is_empty()).await;
}

#[tokio::test]
async fn a_repeated_delivery_of_one_message_is_processed_once() {
    let app = ready_app().await;
    app.send(ACCOUNT, 1, "Hello", "out").await;
    let sms = InboundSms::new(TWILIO_SID, JANE, OUR_NUMBER, "Once only");
    inbound(&app, &sms, TWILIO_TOKEN, &public_inbound()).await;
    inbound(&app, &sms, TWILIO_TOKEN, &public_inbound()).await;
    deliver_until(&app, |app| !app.monday.updates().is_empty()).await;
    app.settle(ACCOUNT).await;
    app.state.scheduler.run_once().await.unwrap();
    app.settle(ACCOUNT).await;
    assert_eq!(app.monday.updates().len(), 1);
}

#[tokio::test]
async fn a_contact_texted_from_several_items_replies_to_the_most_recent_conversation() {
    let app = ready_app().await;
    app.add_contact(2, "Jane (second board row)", JANE);
    app.send(ACCOUNT, 1, "From item one", "item-1").await;
    app.clock.advance(Duration::from_secs(1));
    app.send(ACCOUNT, 2, "From item two", "item-2").await;
    reply(&app, "Which one?").await;
    deliver_until(&app, |app| !app.monday.updates().is_empty()).await;
    assert_eq!(app.monday.updates()[0].item_id, "2");
}

#[tokio::test]
async fn messaging_service_traffic_routes_by_the_service() {
    let app = ready_app().await;
    let service = "MG0123456789abcdef0123456789abcdef";
    app.twilio.add_messaging_service(TWILIO_SID, service);
    let mut payload = app.send_payload(1, "Via the service", "svc");
    payload["payload"]["inboundFieldValues"]["sender"] = json!(service);
    let response = app.post_action(ACCOUNT, &payload).await;
    assert_eq!(response.status(), 200);
    let sms = InboundSms::new(TWILIO_SID, JANE, OUR_NUMBER, "Got it").messaging_service(service);
    inbound(&app, &sms, TWILIO_TOKEN, &public_inbound()).await;
    deliver_until(&app, |app| !app.monday.updates().is_empty()).await;
}

#[tokio::test]
async fn a_reply_ends_the_items_drip_when_its_campaign_stops_on_reply() {
    use crate::drip::{create_campaign, enrol, ready_app as drip_app, step, wait_for_next_step, wait_for_state};
    let app = drip_app().await;
    app.add_contact(1, "Jane Doe", JANE);
    let steps = [step("One", 0, "minutes"), step("Two", 86_400, "days")];
    let campaign = create_campaign(&app, "Welcome", &steps, "UTC", "ignore").await;
    enrol(&app, 1, &campaign, "drip-reply").await;
    deliver_until(&app, |app| !app.twilio.sent_messages().is_empty()).await;
    wait_for_next_step(&app, 1, 1).await;
    reply(&app, "Not interested, thanks").await;
    let row = wait_for_state(&app, 1, "stopped").await;
    assert_eq!(row.end_reason.as_deref(), Some("the contact replied"));
    deliver_until(&app, |app| !app.monday.updates().is_empty()).await;
    assert!(app.monday.updates()[0].body.contains("the campaign 'Welcome'"), "the update says what it answers");
}

#[tokio::test]
async fn stop_ends_the_contacts_drips_under_that_twilio_account_only() {
    use crate::drip::{
        create_campaign, enrol, enrol_via, ready_app as drip_app, step, wait_for_next_step, wait_for_state,
    };
    const OTHER_SID: &str = "AC99999999999999999999999999999999";
    const OTHER_TOKEN: &str = "99999999999999999999999999999999";
    const OTHER_NUMBER: &str = "+14155550199";
    let app = drip_app().await;
    app.twilio.add_account(OTHER_SID, OTHER_TOKEN);
    app.twilio.add_number(OTHER_SID, OTHER_NUMBER);
    app.add_contact(1, "Jane Doe", JANE);
    app.add_contact(2, "Jane Doe", JANE);
    let steps = [step("One", 0, "minutes"), step("Two", 86_400, "days")];
    let campaign = create_campaign(&app, "Welcome", &steps, "UTC", "ignore").await;
    assert_eq!(enrol(&app, 1, &campaign, "under-ours").await.0, 200);
    assert_eq!(enrol_via(&app, 2, &campaign, "under-other", [OTHER_SID, OTHER_TOKEN, OTHER_NUMBER]).await.0, 200);
    deliver_until(&app, |app| app.twilio.sent_messages().len() == 2).await;
    wait_for_next_step(&app, 1, 1).await;
    wait_for_next_step(&app, 2, 1).await;

    reply(&app, "STOP").await;
    let stopped = wait_for_state(&app, 1, "stopped").await;
    assert_eq!(stopped.end_reason.as_deref(), Some("recipient opted out"));

    app.clock.advance(Duration::from_secs(86_400));
    deliver_until(&app, |app| app.twilio.sent_messages().len() == 3).await;
    let last = app.twilio.sent_messages().pop().unwrap();
    assert_eq!(
        (last.account_sid.as_str(), last.from.as_deref(), last.body.as_deref()),
        (OTHER_SID, Some(OTHER_NUMBER), Some("Two")),
        "the other Twilio account's drip goes on"
    );
    assert_eq!(wait_for_state(&app, 2, "completed").await.item_id, 2);
}

#[tokio::test]
async fn the_kv_holds_no_plain_number_sid_or_reply_text_after_replies() {
    let app = ready_app().await;
    subscribe(&app).await;
    app.send(ACCOUNT, 1, "Hello", "out").await;
    let sms = InboundSms::new(TWILIO_SID, JANE, OUR_NUMBER, "My private answer");
    inbound(&app, &sms, TWILIO_TOKEN, &public_inbound()).await;
    app.settle(ACCOUNT).await;
    let kv: String =
        app.kv_dump().await.iter().map(|(key, value)| format!("{key}={}", String::from_utf8_lossy(value))).collect();
    for secret in [JANE, "3125550101", OUR_NUMBER, TWILIO_SID, sms.message_sid.as_str(), "My private answer"] {
        assert!(!kv.contains(secret), "the Kv holds {secret}");
    }
}
