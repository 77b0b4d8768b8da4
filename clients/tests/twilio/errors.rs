//! Twilio's refusals, scripted and real, come back as the right [`ErrorClass`] without
//! leaking Twilio's text (which may quote a number) into `Display` or `Debug`.

use drip_clients::twilio::{ErrorClass, SendRequest, Sender, TwilioError};
use drip_testkit::twilio::ApiError;
use secrecy::SecretString;

use super::{AUTH_TOKEN, TO, account, sms, spawn_twilio, token_credentials};

/// Scripts `code`/`status` for the next create and returns what the client made of it.
async fn error_for(code: u32, status: u16) -> TwilioError {
    let (twilio, client) = spawn_twilio().await;
    twilio.push_error(code, status);
    let error = client.send_message(&token_credentials(), &sms("hi")).await.expect_err("the scripted error comes back");
    assert!(twilio.sent_messages().is_empty(), "{code} must create nothing");
    error
}

#[tokio::test]
async fn an_opted_out_recipient_is_a_permanent_opt_out() {
    let error = error_for(21610, 400).await;

    assert!(error.is_opt_out());
    assert_eq!(error.code(), Some(21610));
    assert_eq!(error.http_status(), Some(400));
    assert_eq!(error.class(), ErrorClass::PermanentForRecipient);
    assert!(!error.may_have_been_sent());
    assert_eq!(error.more_info(), Some("https://www.twilio.com/docs/errors/21610"));
}

#[tokio::test]
async fn an_invalid_number_is_permanent_and_its_text_stays_out_of_display_and_debug() {
    let (twilio, client) = spawn_twilio().await;
    let bad_to = "+0555123";
    let request = SendRequest::new(bad_to, Sender::parse(super::FROM).unwrap(), "hi");

    let error =
        client.send_message(&token_credentials(), &request).await.expect_err("the stand-in refuses a non-E.164 To");

    assert_eq!(error.code(), Some(21211));
    assert_eq!(error.class(), ErrorClass::PermanentForRecipient);
    assert!(error.api_message().unwrap().contains(bad_to));
    assert_eq!(error.to_string(), "Twilio error 21211 (HTTP 400)");
    assert!(!format!("{error:?}").contains("0555123"));
    assert!(twilio.sent_messages().is_empty());
}

#[tokio::test]
async fn a_scripted_invalid_number_is_permanent() {
    let error = error_for(21211, 400).await;

    assert_eq!(error.class(), ErrorClass::PermanentForRecipient);
    assert!(!error.is_opt_out());
}

#[tokio::test]
async fn an_authentication_failure_asks_for_new_credentials() {
    let error = error_for(20003, 401).await;

    assert_eq!(error.class(), ErrorClass::FixConfiguration);
}

#[tokio::test]
async fn a_wrong_auth_token_is_refused_with_20003_and_the_token_never_shows() {
    let (twilio, client) = spawn_twilio().await;
    let wrong =
        drip_clients::twilio::TwilioCredentials::with_auth_token(account(), SecretString::from("not-the-token"));

    let error = client.send_message(&wrong, &sms("hi")).await.expect_err("wrong credentials are refused");

    assert_eq!(error.code(), Some(20003));
    assert_eq!(error.http_status(), Some(401));
    assert_eq!(error.class(), ErrorClass::FixConfiguration);
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains("not-the-token") && !shown.contains(AUTH_TOKEN));
    assert!(twilio.sent_messages().is_empty());
}

#[tokio::test]
async fn a_full_sender_queue_is_rate_limited_but_not_retried_inside_the_client() {
    let (twilio, client) = spawn_twilio().await;
    twilio.push_error(21611, 400);

    let error = client.send_message(&token_credentials(), &sms("hi")).await.expect_err("queue full");

    assert!(error.is_rate_limited());
    assert_eq!(error.class(), ErrorClass::RetryLater);
    assert_eq!(twilio.requests().len(), 1, "21611 is the caller's to pace");
}

#[tokio::test]
async fn senders_the_account_does_not_own_ask_for_configuration() {
    let (twilio, client) = spawn_twilio().await;
    let request = SendRequest::new(TO, Sender::parse("+14155559999").unwrap(), "hi");

    let error = client.send_message(&token_credentials(), &request).await.expect_err("the number is not the account's");

    assert_eq!(error.code(), Some(21606));
    assert_eq!(error.class(), ErrorClass::FixConfiguration);
    assert!(twilio.sent_messages().is_empty());
}

#[tokio::test]
async fn geo_permission_refusals_ask_for_configuration() {
    let error = error_for(21408, 400).await;

    assert_eq!(error.class(), ErrorClass::FixConfiguration);
}

#[tokio::test]
async fn an_unknown_code_is_classified_by_its_http_status() {
    let (twilio, client) = spawn_twilio().await;
    twilio.push_api_error(ApiError::new(20500, 500, "Internal Server Error"));

    let error = client.send_message(&token_credentials(), &sms("hi")).await.expect_err("a 500 comes back");

    assert_eq!(error.class(), ErrorClass::RetryLater);
    assert!(error.may_have_been_sent(), "a 5xx may hide a created message");
    assert_eq!(twilio.requests().len(), 1, "5xx is not retried blindly");
}
