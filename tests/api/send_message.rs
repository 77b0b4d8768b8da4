//! Send One Message end to end: monday's block request in, exactly one Twilio request out,
//! the right answer to monday, a forward-only delivery record and a routable conversation.

use std::time::Duration;

use drip_domain::AccountId;
use serde_json::Value;

use crate::helpers::{OUR_NUMBER, TWILIO_SID, TWILIO_TOKEN, TestApp, spawn_app, spawn_app_with};

const JANE: &str = "+13125550101";
const ACCOUNT: i64 = 4242;

async fn ready_app() -> TestApp {
    let app = spawn_app().await;
    app.connect_twilio();
    app.install(ACCOUNT).await;
    app.add_contact(1, "Jane Doe", JANE);
    app
}

#[tokio::test]
async fn one_action_sends_one_sms_with_the_rendered_text_and_answers_with_its_sid() {
    let app = ready_app().await;
    let (status, body) = app.send(ACCOUNT, 1, "Hi {First name}, your order shipped", "uuid-1").await;
    assert_eq!(status, 200, "{body}");
    let sent = app.twilio.sent_messages();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, JANE);
    assert_eq!(sent[0].from.as_deref(), Some(OUR_NUMBER));
    assert_eq!(sent[0].body.as_deref(), Some("Hi Jane, your order shipped"));
    assert_eq!(sent[0].status_callback.as_deref(), Some("https://sms.example.test/twilio/status"));
    let sid = body["outputFields"]["messageSid"].as_str().unwrap();
    assert!(sid.starts_with("SM"));
    assert_eq!(body["outputFields"]["status"], "queued");
    assert_eq!(body["outputFields"]["segments"], 1);
}

#[tokio::test]
async fn a_retried_action_sends_once_and_repeats_the_first_answer() {
    let app = ready_app().await;
    let (first, _) = app.send(ACCOUNT, 1, "Hello", "uuid-2").await;
    let (second, body) = app.send(ACCOUNT, 1, "Hello", "uuid-2").await;
    assert_eq!((first, second), (200, 200));
    assert_eq!(body["outputFields"]["status"], "queued");
    assert_eq!(app.twilio.sent_messages().len(), 1);
}

#[tokio::test]
async fn two_copies_of_one_action_arriving_at_once_send_once() {
    let app = ready_app().await;
    let (a, b) = tokio::join!(app.send(ACCOUNT, 1, "Hello", "uuid-3"), app.send(ACCOUNT, 1, "Hello", "uuid-3"));
    assert_eq!((a.0, b.0), (200, 200));
    assert_eq!(app.twilio.sent_messages().len(), 1);
}

#[tokio::test]
async fn different_actions_each_send() {
    let app = ready_app().await;
    app.send(ACCOUNT, 1, "One", "uuid-a").await;
    app.clock.advance(Duration::from_secs(1)); // the sender's next slot
    app.send(ACCOUNT, 1, "Two", "uuid-b").await;
    assert_eq!(app.twilio.sent_messages().len(), 2);
}

#[tokio::test]
async fn a_send_interrupted_by_a_restart_is_looked_up_in_twilio_and_not_sent_again() {
    let app = ready_app().await;
    // Twilio takes the message at once but answers late; the service stops meanwhile.
    app.twilio.push_delay(Duration::from_secs(3));
    let pending = app.spawn_send(ACCOUNT, 1, "Hello", "uuid-restart");
    app.twilio.wait_for_sent(1, Duration::from_secs(10)).await;
    let app = app.restart().await;
    let _ = pending.await;

    // monday retries the action: the job is found mid-call, looked up, and recorded.
    let (status, body) = app.send(ACCOUNT, 1, "Hello", "uuid-restart").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.twilio.sent_messages().len(), 1, "sent exactly once");
    let (again, _) = app.send(ACCOUNT, 1, "Hello", "uuid-restart").await;
    assert_eq!(again, 200);
    assert_eq!(app.twilio.sent_messages().len(), 1);
}

#[tokio::test]
async fn a_timed_out_call_is_looked_up_before_any_resend() {
    let app = ready_app().await;
    // Longer than the client's timeout (2 s in tests): Twilio has it, we do not know.
    app.twilio.push_delay(Duration::from_secs(3));
    let (status, body) = app.send(ACCOUNT, 1, "Hello", "uuid-timeout").await;
    assert_eq!(status, 200);
    assert_eq!(body["outputFields"]["status"], "queued", "uncertain: answered queued");
    app.advance_and_run(Duration::from_secs(31)).await;
    wait_until(|| app.twilio.sent_messages().len() == 1).await;
    let logged = wait_for_log(&app).await;
    assert_eq!(logged, 1, "the message found in Twilio is logged");
    assert_eq!(app.twilio.sent_messages().len(), 1, "and not sent again");
}

#[tokio::test]
async fn a_burst_is_paced_at_the_senders_rate() {
    let app = ready_app().await;
    for item in 2..=5 {
        app.add_contact(item, &format!("Contact {item}"), &format!("+1312555010{item}"));
    }
    let mut requests = Vec::new();
    for item in 1..=5u64 {
        requests.push(app.spawn_send(ACCOUNT, item, "Sale today", &format!("burst-{item}")));
    }
    wait_until(|| app.twilio.sent_messages().len() == 1).await;
    // A long code sends one segment a second: each second of the clock lets one more go.
    for second in 1..=4 {
        app.advance_and_run(Duration::from_secs(1)).await;
        wait_until(|| app.twilio.sent_messages().len() == second + 1).await;
        assert_eq!(app.twilio.sent_messages().len(), second + 1, "after {second} s");
    }
    for request in requests {
        assert_eq!(request.await.unwrap(), 200);
    }
}

#[tokio::test]
async fn a_rate_limited_sender_backs_off_and_resumes_by_itself() {
    let app = ready_app().await;
    for _ in 0..4 {
        app.twilio.push_error(20429, 429);
    }
    let (status, body) = app.send(ACCOUNT, 1, "Hello", "uuid-429").await;
    assert_eq!((status, body["outputFields"]["status"].as_str()), (200, Some("queued")));
    assert_eq!(app.twilio.sent_messages().len(), 0);
    assert_eq!(app.advance_and_run(Duration::from_secs(10)).await, 0, "still paused");
    app.advance_and_run(Duration::from_secs(25)).await;
    wait_until(|| app.twilio.sent_messages().len() == 1).await;
}

#[tokio::test]
async fn a_full_sender_queue_21611_pauses_the_sender_then_it_recovers() {
    let app = ready_app().await;
    app.twilio.push_error(21611, 400);
    let (status, _) = app.send(ACCOUNT, 1, "Hello", "uuid-21611").await;
    assert_eq!(status, 200);
    assert_eq!(app.twilio.sent_messages().len(), 0);
    app.advance_and_run(Duration::from_secs(31)).await;
    wait_until(|| app.twilio.sent_messages().len() == 1).await;
}

#[tokio::test]
async fn each_twilio_error_reaches_monday_as_the_right_outcome() {
    // (code, HTTP status at Twilio, our status to monday, severity, title)
    let table: [(u32, u16, u16, Option<u64>, &str); 8] = [
        (20003, 401, 422, Some(6000), "Twilio rejected the credentials"),
        (21211, 400, 422, Some(4000), "Phone number cannot receive SMS"),
        (21614, 400, 422, Some(4000), "Phone number cannot receive SMS"),
        (21610, 400, 422, Some(4000), "Recipient opted out"),
        (21606, 400, 422, Some(6000), "Sender not usable"),
        (21660, 400, 422, Some(6000), "Sender not usable"),
        (21408, 400, 422, Some(4000), "Twilio rejected the message"),
        (21617, 400, 422, Some(4000), "Phone number cannot receive SMS"),
    ];
    let app = ready_app().await;
    for (index, (code, twilio_status, status, severity, title)) in table.into_iter().enumerate() {
        let item = 100 + index as u64;
        app.add_contact(item, "Sam Roe", &format!("+1312555020{index}"));
        app.twilio.push_error(code, twilio_status);
        app.clock.advance(Duration::from_secs(1)); // the sender's next slot
        let (got, body) = app.send(ACCOUNT, item, "Hello", &format!("err-{code}")).await;
        assert_eq!(got, status, "{code}: {body}");
        assert_eq!(body.get("severityCode").and_then(Value::as_u64), severity, "{code}");
        assert_eq!(body["notificationErrorTitle"], title, "{code}");
    }
}

#[tokio::test]
async fn an_opted_out_recipient_gets_nothing_and_the_action_says_why() {
    let app = ready_app().await;
    app.twilio.push_error(21610, 400);
    let (status, _) = app.send(ACCOUNT, 1, "Hello", "uuid-stop-1").await;
    assert_eq!(status, 422);
    let requests_before = app.twilio.requests().len();
    let (status, body) = app.send(ACCOUNT, 1, "Hello again", "uuid-stop-2").await;
    assert_eq!(status, 422);
    assert_eq!(body["notificationErrorTitle"], "Recipient opted out");
    assert_eq!(app.twilio.requests().len(), requests_before, "refused before reaching Twilio");
}

#[tokio::test]
async fn template_and_item_problems_are_readable_user_errors() {
    let app = ready_app().await;
    app.add_contact(2, "Ann", "");
    let cases = [
        (1, "Hi {Nickname}", "Message text incomplete", "Nickname"),
        (1, "Hi {name", "Message text not valid", "never closed"),
        (2, "Hi {name}", "Phone number missing", "Phone"),
        (999, "Hi", "Item not found", "999"),
    ];
    for (item, text, title, mentions) in cases {
        let (status, body) = app.send(ACCOUNT, item, text, &format!("tpl-{item}-{text}")).await;
        assert_eq!(status, 422, "{text}: {body}");
        assert_eq!(body["severityCode"], 4000);
        assert_eq!(body["notificationErrorTitle"], title);
        assert!(body["notificationErrorDescription"].as_str().unwrap().contains(mentions), "{body}");
    }
    assert!(app.twilio.requests().is_empty());
}

#[tokio::test]
async fn status_callbacks_move_the_status_forward_only() {
    let app = ready_app().await;
    let (_, body) = app.send(ACCOUNT, 1, "Hello", "uuid-status").await;
    let sid = body["outputFields"]["messageSid"].as_str().unwrap().to_owned();
    assert_eq!(app.status_callback(&sid, "sent", None, TWILIO_TOKEN).await, 200);
    assert_eq!(logged_status(&app).await, "sent");
    assert_eq!(app.status_callback(&sid, "delivered", None, TWILIO_TOKEN).await, 200);
    assert_eq!(app.status_callback(&sid, "sent", None, TWILIO_TOKEN).await, 200, "a late sent");
    assert_eq!(app.status_callback(&sid, "delivered", None, TWILIO_TOKEN).await, 200, "a duplicate");
    assert_eq!(logged_status(&app).await, "delivered");
}

#[tokio::test]
async fn a_failed_delivery_is_recorded_with_its_code_and_21610_records_an_opt_out() {
    let app = ready_app().await;
    let (_, body) = app.send(ACCOUNT, 1, "Hello", "uuid-undelivered").await;
    let sid = body["outputFields"]["messageSid"].as_str().unwrap().to_owned();
    assert_eq!(app.status_callback(&sid, "failed", Some(21610), TWILIO_TOKEN).await, 200);
    let rows = app.state.db.export_account(AccountId(ACCOUNT)).await.unwrap();
    assert_eq!(rows["message_log"][0]["status"], "failed");
    assert_eq!(rows["message_log"][0]["error_code"], 21610);
    assert_eq!(rows["opt_outs"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_status_callback_with_a_bad_signature_or_an_unknown_sid_is_refused_alike() {
    let app = ready_app().await;
    let (_, body) = app.send(ACCOUNT, 1, "Hello", "uuid-forged").await;
    let sid = body["outputFields"]["messageSid"].as_str().unwrap().to_owned();
    assert_eq!(app.status_callback(&sid, "delivered", None, "not-the-token").await, 403);
    let unknown = [
        ("MessageSid", "SM00000000000000000000000000000000"),
        ("MessageStatus", "delivered"),
        ("AccountSid", TWILIO_SID),
    ];
    let signature = drip_testkit::twilio::sign("https://sms.example.test/twilio/status", &unknown, TWILIO_TOKEN);
    assert_eq!(app.post_status(&unknown, &signature).await, 403);
    assert_eq!(logged_status(&app).await, "queued");
}

#[tokio::test]
async fn the_sends_sender_and_recipient_make_a_routable_conversation_session() {
    let app = ready_app().await;
    app.send(ACCOUNT, 1, "Hello", "uuid-session").await;
    let key = drip_actors::tracking::session_key(&app.state.crypto.hasher, TWILIO_SID, OUR_NUMBER, JANE);
    let raw = app.state.kv.get(&key).await.unwrap().expect("a session");
    let (account, conversation): (AccountId, drip_actors::tracking::Conversation) =
        drip_actors::tracking::open(&app.state.crypto.keyring, drip_domain::crypto::Purpose::Conversation, &raw)
            .unwrap();
    assert_eq!(account, AccountId(ACCOUNT));
    assert_eq!((conversation.board_id, conversation.item_id), (1001, 1));
}

#[tokio::test]
async fn the_stores_hold_no_number_sid_token_or_body_after_a_scenario() {
    let app = ready_app().await;
    let (_, body) = app.send(ACCOUNT, 1, "Secret plans for Jane", "uuid-privacy").await;
    let sid = body["outputFields"]["messageSid"].as_str().unwrap().to_owned();
    app.status_callback(&sid, "delivered", None, TWILIO_TOKEN).await;
    let db = app.db_dump().await;
    let kv = app.kv_dump().await;
    let kv_text: String = kv.iter().map(|(key, value)| format!("{key}={}", String::from_utf8_lossy(value))).collect();
    for secret in [JANE, "3125550101", OUR_NUMBER, "4155550100", &sid, TWILIO_SID, TWILIO_TOKEN, "Secret plans"] {
        assert!(!db.contains(secret), "the Db holds {secret}");
        assert!(!kv_text.contains(secret), "the Kv holds {secret}");
    }
}

#[tokio::test]
async fn an_account_past_its_monthly_quota_is_told_to_upgrade() {
    let app = spawn_app_with(serde_json::json!({ "plans": { "paid_monthly_messages": 2 } })).await;
    app.connect_twilio();
    app.install(ACCOUNT).await;
    app.add_contact(1, "Jane Doe", JANE);
    for n in 0..2 {
        app.clock.advance(Duration::from_secs(1));
        assert_eq!(app.send(ACCOUNT, 1, "Hello", &format!("quota-{n}")).await.0, 200);
    }
    app.clock.advance(Duration::from_secs(1));
    let (status, body) = app.send(ACCOUNT, 1, "Hello", "quota-3").await;
    assert_eq!(status, 402);
    assert_eq!(body["notificationErrorTitle"], "Monthly message limit reached");
    assert_eq!(app.twilio.sent_messages().len(), 2);
}

#[tokio::test]
async fn sent_messages_and_their_segments_are_counted_by_encoding() {
    let app = ready_app().await;
    app.send(ACCOUNT, 1, &"A".repeat(161), "uuid-metrics").await;
    let text = app.http.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(text.contains("sms_drip_sms_messages_total{encoding=\"GSM-7\"} 1"), "{text}");
    assert!(text.contains("sms_drip_sms_segments_total{encoding=\"GSM-7\"} 2"), "{text}");
}

#[tokio::test]
async fn a_status_callback_signed_over_the_url_with_an_explicit_port_is_accepted() {
    let app = ready_app().await;
    let (_, body) = app.send(ACCOUNT, 1, "Hello", "uuid-port").await;
    let sid = body["outputFields"]["messageSid"].as_str().unwrap();
    let params = app.twilio.status_callback_params(sid, "delivered", None);
    let signature = drip_testkit::twilio::sign("https://sms.example.test:443/twilio/status", &params, TWILIO_TOKEN);
    let response = app
        .http
        .post(app.url("/twilio/status"))
        .header("X-Twilio-Signature", signature)
        .form(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(logged_status(&app).await, "delivered");
}

async fn logged_status(app: &TestApp) -> String {
    let rows = app.state.db.export_account(AccountId(ACCOUNT)).await.unwrap();
    rows["message_log"][0]["status"].as_str().unwrap_or_default().to_owned()
}

async fn wait_for_log(app: &TestApp) -> usize {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let rows = app.state.db.export_account(AccountId(ACCOUNT)).await.unwrap();
        let logged = rows["message_log"].as_array().map(Vec::len).unwrap_or(0);
        if logged > 0 || tokio::time::Instant::now() > deadline {
            return logged;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Polls `done` with a deadline: work handed to tasks finishes on its own schedule.
async fn wait_until(done: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "condition not reached in time");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn a_monday_api_out_of_budget_answers_a_retryable_error_and_sends_nothing() {
    let app = ready_app().await;
    app.monday.push_complexity_budget_exhausted(200, 30);
    let (status, body) = app.send(ACCOUNT, 1, "Hello", "uuid-complexity").await;
    assert_eq!(status, 503, "{body}");
    assert!(body.get("severityCode").is_none(), "no severity: monday retries");
    assert!(app.twilio.requests().is_empty());
    // monday's retry of the same run, once the budget is back, sends it.
    let (status, _) = app.send(ACCOUNT, 1, "Hello", "uuid-complexity").await;
    assert_eq!(status, 200);
    assert_eq!(app.twilio.sent_messages().len(), 1);
}
