//! Successful sends: what goes on the wire and how the 201 is read.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use drip_clients::twilio::{MessageStatus, SendRequest, Sender};
use drip_testkit::twilio::AuthKind;

use super::{
    ACCOUNT, AUTH_TOKEN, FROM, KEY_SECRET, KEY_SID, SERVICE, TO, key_credentials, sms, spawn_twilio, token_credentials,
};

fn full_request() -> SendRequest {
    SendRequest {
        status_callback: Some("https://app.example.com/webhooks/twilio/status?board=42".into()),
        media_urls: vec!["https://example.com/a.png".into(), "https://example.com/b.png".into()],
        validity_period_seconds: Some(3600),
        ..sms("Step 2: hi Ana ✓")
    }
}

#[tokio::test]
async fn a_send_with_the_auth_token_posts_the_form_with_basic_auth() {
    let (twilio, client) = spawn_twilio().await;

    let sent = client.send_message(&token_credentials(), &full_request()).await.expect("the stand-in accepts the send");

    let requests = twilio.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, format!("/2010-04-01/Accounts/{ACCOUNT}/Messages.json"));
    let expected_auth = format!("Basic {}", STANDARD.encode(format!("{ACCOUNT}:{AUTH_TOKEN}")));
    assert_eq!(request.header("authorization"), Some(expected_auth.as_str()));
    assert_eq!(request.header("accept"), Some("application/json"));
    assert_eq!(request.header("content-type"), Some("application/x-www-form-urlencoded"));
    assert_eq!(request.form_value("To"), Some(TO));
    assert_eq!(request.form_value("From"), Some(FROM));
    assert_eq!(request.form_value("Body"), Some("Step 2: hi Ana ✓"));
    assert_eq!(request.form_values("MediaUrl"), ["https://example.com/a.png", "https://example.com/b.png"]);
    assert_eq!(request.form_value("StatusCallback"), Some("https://app.example.com/webhooks/twilio/status?board=42"));
    assert_eq!(request.form_value("ValidityPeriod"), Some("3600"));
    assert_eq!(request.form_value("MessagingServiceSid"), None);

    let recorded = &twilio.sent_messages()[0];
    assert_eq!(recorded.auth, AuthKind::AuthToken);
    assert_eq!(sent.sid.as_str(), recorded.sid);
    assert_eq!(sent.status, MessageStatus::Queued);
    assert_eq!(sent.retries, 0);
    assert_eq!(sent.resource.media_count(), Some(2));
}

#[tokio::test]
async fn a_send_with_an_api_key_uses_the_key_as_username_and_the_account_in_the_path() {
    let (twilio, client) = spawn_twilio().await;

    let sent = client.send_message(&key_credentials(), &sms("hello")).await.expect("the stand-in accepts the key");

    let request = &twilio.requests()[0];
    assert_eq!(request.path, format!("/2010-04-01/Accounts/{ACCOUNT}/Messages.json"));
    let expected_auth = format!("Basic {}", STANDARD.encode(format!("{KEY_SID}:{KEY_SECRET}")));
    assert_eq!(request.header("authorization"), Some(expected_auth.as_str()));
    let recorded = &twilio.sent_messages()[0];
    assert_eq!(recorded.auth, AuthKind::ApiKey { key_sid: KEY_SID.into() });
    assert_eq!(sent.sid.as_str(), recorded.sid);
    assert_eq!(sent.resource.segment_count(), Some(1));
}

#[tokio::test]
async fn a_messaging_service_send_is_accepted_with_no_sender_and_zero_segments() {
    let (twilio, client) = spawn_twilio().await;
    let sender = Sender::parse(SERVICE).unwrap();

    let sent = client
        .send_message(&token_credentials(), &SendRequest::new(TO, sender, "hi"))
        .await
        .expect("the stand-in accepts the service send");

    let request = &twilio.requests()[0];
    assert_eq!(request.form_value("MessagingServiceSid"), Some(SERVICE));
    assert_eq!(request.form_value("From"), None);
    assert_eq!(sent.status, MessageStatus::Accepted);
    assert_eq!(sent.resource.num_segments.as_deref(), Some("0"));
    assert_eq!(sent.resource.from, None);
    assert_eq!(sent.resource.messaging_service_sid.as_deref(), Some(SERVICE));
}
