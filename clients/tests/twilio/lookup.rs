//! Looking messages up: settling a timed-out send, fetching by SID, paging.

use std::time::Duration;

use drip_clients::twilio::{MessageSid, MessageStatus, SendRequest, Sender, TwilioClient};

use super::{FROM, SERVICE, TO, settings_for, sms, spawn_twilio, token_credentials};

#[tokio::test]
async fn after_a_timeout_find_message_finds_the_message_twilio_created() {
    let (twilio, _) = spawn_twilio().await;
    let mut settings = settings_for(&twilio);
    settings.timeout_milliseconds = 200;
    let client = TwilioClient::new(settings).unwrap();
    twilio.push_delay(Duration::from_secs(2));
    let creds = token_credentials();
    client.send_message(&creds, &sms("step 1")).await.expect_err("times out");
    let created = twilio.sent_messages()[0].sid.clone();
    let sent_on = twilio.message(&created).unwrap().date_sent.unwrap().date_naive();

    let found = client.find_message(&creds, TO, Some(FROM), sent_on).await.expect("the list call works");

    assert_eq!(found.len(), 1);
    assert_eq!(found[0].sid.as_deref(), Some(created.as_str()));
    assert_eq!(found[0].body.as_deref(), Some("step 1"));
    let query = twilio.requests().last().unwrap().query.clone().unwrap();
    assert!(query.contains("To=%2B14155550123"), "{query}");
    assert!(query.contains("From=%2B14155550100"), "{query}");
    assert!(query.contains(&format!("DateSent={}", sent_on.format("%Y-%m-%d"))), "{query}");
}

#[tokio::test]
async fn find_message_without_a_sender_finds_messaging_service_sends() {
    let (twilio, client) = spawn_twilio().await;
    let creds = token_credentials();
    let request = SendRequest::new(TO, Sender::parse(SERVICE).unwrap(), "via service");
    let sent = client.send_message(&creds, &request).await.unwrap();
    let sent_on = twilio.message(sent.sid.as_str()).unwrap().date_sent.unwrap().date_naive();

    let found = client.find_message(&creds, TO, None, sent_on).await.unwrap();

    assert_eq!(found.len(), 1);
    assert_eq!(found[0].message_sid(), Some(sent.sid));
    let query = twilio.requests().last().unwrap().query.clone().unwrap();
    assert!(!query.contains("From="), "{query}");
}

#[tokio::test]
async fn find_message_returns_nothing_for_another_day() {
    let (twilio, client) = spawn_twilio().await;
    let creds = token_credentials();
    let sent = client.send_message(&creds, &sms("hi")).await.unwrap();
    let sent_on = twilio.message(sent.sid.as_str()).unwrap().date_sent.unwrap().date_naive();

    let found = client.find_message(&creds, TO, Some(FROM), sent_on.pred_opt().unwrap()).await.unwrap();

    assert!(found.is_empty());
}

#[tokio::test]
async fn find_message_follows_next_page_uri() {
    let (twilio, client) = spawn_twilio().await;
    let creds = token_credentials();
    // One more than a page of 100.
    for step in 0..101 {
        client.send_message(&creds, &sms(&format!("step {step}"))).await.unwrap();
    }
    let sid = twilio.sent_messages()[0].sid.clone();
    let sent_on = twilio.message(&sid).unwrap().date_sent.unwrap().date_naive();
    twilio.clear_records();

    let found = client.find_message(&creds, TO, Some(FROM), sent_on).await.unwrap();

    assert_eq!(found.len(), 101);
    assert_eq!(twilio.requests().len(), 2, "two pages");
}

#[tokio::test]
async fn fetch_message_reads_the_current_status() {
    let (twilio, client) = spawn_twilio().await;
    let creds = token_credentials();
    let sent = client.send_message(&creds, &sms("hi")).await.unwrap();
    twilio.set_status(sent.sid.as_str(), "undelivered", Some(30003));

    let message = client.fetch_message(&creds, &sent.sid).await.unwrap();

    assert_eq!(message.status, MessageStatus::Undelivered);
    assert_eq!(message.error_code, Some(30003));
    assert_eq!(drip_clients::twilio::classify_code(30003), drip_clients::twilio::ErrorClass::RetryLater);
}

#[tokio::test]
async fn fetching_an_unknown_sid_is_not_found() {
    let (_twilio, client) = spawn_twilio().await;
    let unknown = MessageSid::parse("SM00000000000000000000000000000000").unwrap();

    let error = client.fetch_message(&token_credentials(), &unknown).await.expect_err("no such message");

    assert!(error.is_not_found());
    assert_eq!(error.http_status(), Some(404));
}
