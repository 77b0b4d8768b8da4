//! Retries: 20429 and refused connections are retried with backoff; a timeout never is.

use std::time::Duration;

use drip_clients::twilio::{ErrorClass, TwilioClient, TwilioError};
use drip_testkit::twilio::TwilioStandIn;

use super::{settings_for, sms, spawn_twilio, token_credentials};

#[tokio::test]
async fn too_many_requests_is_retried_until_twilio_accepts() {
    let (twilio, client) = spawn_twilio().await;
    twilio.fail_next(2, 20429, 429);

    let sent = client.send_message(&token_credentials(), &sms("hi")).await.expect("the third attempt goes through");

    assert_eq!(sent.retries, 2);
    assert_eq!(twilio.requests().len(), 3);
    assert_eq!(twilio.sent_messages().len(), 1);
}

#[tokio::test]
async fn too_many_requests_gives_up_after_the_configured_retries() {
    let (twilio, client) = spawn_twilio().await;
    twilio.fail_next(5, 20429, 429);

    let error =
        client.send_message(&token_credentials(), &sms("hi")).await.expect_err("still refused after three retries");

    assert_eq!(error.code(), Some(20429));
    assert!(error.is_rate_limited());
    assert_eq!(error.class(), ErrorClass::RetryLater);
    assert_eq!(twilio.requests().len(), 4, "one attempt and three retries");
    assert!(twilio.sent_messages().is_empty());
}

#[tokio::test]
async fn no_retries_are_made_when_they_are_disabled() {
    let twilio = TwilioStandIn::start().await;
    twilio.add_account(super::ACCOUNT, super::AUTH_TOKEN);
    twilio.add_number(super::ACCOUNT, super::FROM);
    let mut settings = settings_for(&twilio);
    settings.max_retries = 0;
    let client = TwilioClient::new(settings).unwrap();
    twilio.push_error(20429, 429);

    let error = client.send_message(&token_credentials(), &sms("hi")).await.expect_err("no retry");

    assert_eq!(error.code(), Some(20429));
    assert_eq!(twilio.requests().len(), 1);
}

#[tokio::test]
async fn a_timeout_is_reported_once_and_never_resent() {
    let (twilio, _) = spawn_twilio().await;
    let mut settings = settings_for(&twilio);
    settings.timeout_milliseconds = 200;
    let client = TwilioClient::new(settings).unwrap();
    twilio.push_delay(Duration::from_secs(2));

    let error = client.send_message(&token_credentials(), &sms("hi")).await.expect_err("the answer comes too late");

    assert!(matches!(error, TwilioError::Timeout), "{error:?}");
    assert!(error.may_have_been_sent());
    assert_eq!(twilio.requests().len(), 1, "a timeout is never retried");
    assert_eq!(twilio.sent_messages().len(), 1, "yet Twilio created it");
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error_that_sent_nothing() {
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let twilio = TwilioStandIn::start().await;
    let mut settings = settings_for(&twilio);
    settings.api_base_url = format!("http://127.0.0.1:{closed_port}");
    let client = TwilioClient::new(settings).unwrap();

    let error = client.send_message(&token_credentials(), &sms("hi")).await.expect_err("nobody listens");

    match &error {
        TwilioError::Transport { detail } => {
            assert_eq!(detail, "connection refused, 3 retries");
        }
        other => panic!("expected a transport error, got {other:?}"),
    }
    assert!(!error.may_have_been_sent());
    assert_eq!(error.class(), ErrorClass::RetryLater);
    assert!(!error.to_string().contains(super::ACCOUNT), "errors never name the account: {error}");
}
