//! Tests of the Twilio stand-in against spec/twilio.md: the signature vectors of §4.2/§4.4,
//! the Messages API of §1 (shape, typing, every error path, API-key auth, the list lookup)
//! and signed webhooks (§2, §3.1) received by a tiny axum receiver.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::HeaderMap;
use chrono::{DateTime, TimeZone, Utc};
use drip_testkit::twilio::{
    self, AuthKind, InboundSms, Signing, TwilioStandIn, sign, sign_form_body, sign_with_explicit_port, string_to_sign,
    with_explicit_port, without_port,
};
use serde_json::Value;

const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "0123456789abcdef0123456789abcdef";
const OTHER_ACCOUNT: &str = "ACfedcba9876543210fedcba9876543210";
const OTHER_TOKEN: &str = "fedcba9876543210fedcba9876543210";
const KEY: &str = "SK0123456789abcdef0123456789abcdef";
const KEY_SECRET: &str = "key-secret";
const SERVICE: &str = "MG0123456789abcdef0123456789abcdef";
const OUR_NUMBER: &str = "+14155550100";
const OTHER_NUMBER: &str = "+14155550999";
const CONTACT: &str = "+14155550123";

// ----- signature vectors (spec §4.2, §4.4) ---------------------------------------------------

const V0_URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";
const V0_TOKEN: &str = "12345";
const V0_PARAMS: [(&str, &str); 5] = [
    ("CallSid", "CA1234567890ABCDE"),
    ("Digits", "1234"),
    ("From", "+14158675309"),
    ("To", "+18005551212"),
    ("Caller", "+14158675309"),
];

#[test]
fn the_twilio_python_vector_v0_signs_to_its_published_value() {
    assert_eq!(sign(V0_URL, &V0_PARAMS, V0_TOKEN), "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
}

#[test]
fn v0_signed_over_the_explicit_443_url_gives_the_port_variant() {
    assert_eq!(sign_with_explicit_port(V0_URL, &V0_PARAMS, V0_TOKEN), "kvajT1Ptam85bY51eRf/AJRuM3w=");
    let literal = "https://mycompany.com:443/myapp.php?foo=1&bar=2";
    assert_eq!(with_explicit_port(V0_URL), literal);
    assert_eq!(sign(literal, &V0_PARAMS, V0_TOKEN), "kvajT1Ptam85bY51eRf/AJRuM3w=");
    assert_eq!(sign(&without_port(literal), &V0_PARAMS, V0_TOKEN), "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
}

#[test]
fn v0_over_http_with_port_80_gives_its_published_value() {
    let http = "http://mycompany.com/myapp.php?foo=1&bar=2";
    assert_eq!(sign_with_explicit_port(http, &V0_PARAMS, V0_TOKEN), "0ZXoZLH/DfblKGATFgpif+LLRf4=");
    let literal = "http://mycompany.com:80/myapp.php?foo=1&bar=2";
    assert_eq!(sign(literal, &V0_PARAMS, V0_TOKEN), "0ZXoZLH/DfblKGATFgpif+LLRf4=");
}

#[test]
fn v0_over_http_with_port_1234_is_signed_as_given() {
    let url = "http://mycompany.com:1234/myapp.php?foo=1&bar=2";
    assert_eq!(sign(url, &V0_PARAMS, V0_TOKEN), "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=");
    assert_eq!(sign_with_explicit_port(url, &V0_PARAMS, V0_TOKEN), "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=");
}

#[test]
fn repeated_keys_are_sorted_and_deduplicated_like_the_helper_libraries() {
    let params =
        [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234"), ("Digits", "1234")];
    assert_eq!(sign(V0_URL, &params, V0_TOKEN), "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
}

const VA_URL: &str = "https://sms.example.com/twilio/inbound";
const VA_BODY: &str = "ToCountry=US&ToState=CA&SmsMessageSid=SM0123456789abcdef0123456789abcdef&NumMedia=0&ToCity=SAN+FRANCISCO&FromZip=94105&SmsSid=SM0123456789abcdef0123456789abcdef&FromState=CA&SmsStatus=received&FromCity=SAN+FRANCISCO&Body=Yes+please+%F0%9F%91%8D+caf%C3%A9&FromCountry=US&To=%2B14155550100&MessagingServiceSid=MG0123456789abcdef0123456789abcdef&ToZip=94105&NumSegments=1&MessageSid=SM0123456789abcdef0123456789abcdef&AccountSid=AC0123456789abcdef0123456789abcdef&From=%2B14155550123&ApiVersion=2010-04-01";

#[test]
fn vector_a_inbound_webhook_builds_the_spec_string_and_signature() {
    let params: Vec<(String, String)> = form_urlencoded::parse(VA_BODY.as_bytes()).into_owned().collect();
    let expected = "https://sms.example.com/twilio/inboundAccountSidAC0123456789abcdef0123456789abcdefApiVersion2010-04-01BodyYes please 👍 caféFrom+14155550123FromCitySAN FRANCISCOFromCountryUSFromStateCAFromZip94105MessageSidSM0123456789abcdef0123456789abcdefMessagingServiceSidMG0123456789abcdef0123456789abcdefNumMedia0NumSegments1SmsMessageSidSM0123456789abcdef0123456789abcdefSmsSidSM0123456789abcdef0123456789abcdefSmsStatusreceivedTo+14155550100ToCitySAN FRANCISCOToCountryUSToStateCAToZip94105";
    assert_eq!(string_to_sign(VA_URL, &params), expected);
    assert_eq!(sign(VA_URL, &params, TOKEN), "3Apb+c8L07s1SIRQjShKWQqTtjg=");
    assert_eq!(sign_form_body(VA_URL, VA_BODY.as_bytes(), TOKEN), "3Apb+c8L07s1SIRQjShKWQqTtjg=");
}

const VB_BODY: &str = "AccountSid=AC0123456789abcdef0123456789abcdef&ApiVersion=2010-04-01&From=%2B14155550100&MessageSid=SM89abcdef0123456789abcdef01234567&MessageStatus=undelivered&SmsSid=SM89abcdef0123456789abcdef01234567&SmsStatus=undelivered&To=%2B14155550123&ErrorCode=30003&MessagingServiceSid=MG0123456789abcdef0123456789abcdef";

#[test]
fn vector_b_status_callback_signs_both_port_forms() {
    let url = "https://app.example.com/webhooks/twilio/status?board=42&step=3";
    let params: Vec<(String, String)> = form_urlencoded::parse(VB_BODY.as_bytes()).into_owned().collect();
    let expected = "https://app.example.com/webhooks/twilio/status?board=42&step=3AccountSidAC0123456789abcdef0123456789abcdefApiVersion2010-04-01ErrorCode30003From+14155550100MessageSidSM89abcdef0123456789abcdef01234567MessageStatusundeliveredMessagingServiceSidMG0123456789abcdef0123456789abcdefSmsSidSM89abcdef0123456789abcdef01234567SmsStatusundeliveredTo+14155550123";
    assert_eq!(string_to_sign(url, &params), expected);
    assert_eq!(sign(url, &params, TOKEN), "La8xQfECDPZyxWXx8+SyYL1gm/U=");
    assert_eq!(sign_with_explicit_port(url, &params, TOKEN), "wGZ+dHinopLo2rlFGPQaeyMYirg=");
}

#[test]
fn vector_b_keeps_a_percent_encoded_query_as_sent() {
    let url = "https://app.example.com/webhooks/twilio/status?name=a%20b&x=%2B1";
    assert_eq!(sign_form_body(url, VB_BODY.as_bytes(), TOKEN), "PEbultg63TgfSuFT7ivHQM9cWlA=");
}

#[test]
fn vector_c_sorts_repeated_values_drops_duplicates_and_keeps_empty_values() {
    let url = "https://app.example.com/hook";
    let body = "Body=&Tag=b&Tag=a&Tag=a&AccountSid=AC0123456789abcdef0123456789abcdef";
    let params: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    assert_eq!(
        string_to_sign(url, &params),
        "https://app.example.com/hookAccountSidAC0123456789abcdef0123456789abcdefBodyTagaTagb"
    );
    assert_eq!(sign(url, &params, TOKEN), "zxa8dg5wZcXgi67oxivc43Ye180=");
}

// ----- helpers ------------------------------------------------------------------------------

/// A stand-in with our account (number + service), a second account and an API key.
async fn stand_in() -> TwilioStandIn {
    let twilio = TwilioStandIn::start().await;
    twilio.add_account(ACCOUNT, TOKEN);
    twilio.add_number(ACCOUNT, OUR_NUMBER);
    twilio.add_messaging_service(ACCOUNT, SERVICE);
    twilio.add_api_key(ACCOUNT, KEY, KEY_SECRET);
    twilio.add_account(OTHER_ACCOUNT, OTHER_TOKEN);
    twilio.add_number(OTHER_ACCOUNT, OTHER_NUMBER);
    twilio
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client")
}

/// POSTs a create with Basic auth `user:password` and returns the status and JSON body.
async fn create_as(twilio: &TwilioStandIn, user: &str, password: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let response = client()
        .post(twilio.messages_url(ACCOUNT))
        .basic_auth(user, Some(password))
        .form(form)
        .send()
        .await
        .expect("create request");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

async fn create(twilio: &TwilioStandIn, form: &[(&str, &str)]) -> (u16, Value) {
    create_as(twilio, ACCOUNT, TOKEN, form).await
}

async fn get_json(twilio: &TwilioStandIn, path_and_query: &str) -> (u16, Value) {
    let response = client()
        .get(format!("{}{path_and_query}", twilio.base_url()))
        .basic_auth(ACCOUNT, Some(TOKEN))
        .send()
        .await
        .expect("GET request");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

fn assert_legacy_error(body: &Value, code: u64, status: u64) {
    let object = body.as_object().expect("error body is an object");
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["code", "message", "more_info", "status"], "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status, "{body}");
    assert!(body["message"].is_string());
    assert_eq!(body["more_info"], format!("https://www.twilio.com/docs/errors/{code}"));
}

fn is_sid(value: &Value, prefix: &str) -> bool {
    value
        .as_str()
        .is_some_and(|s| s.len() == 34 && s.starts_with(prefix) && s[2..].bytes().all(|b| b.is_ascii_hexdigit()))
}

fn is_rfc2822(value: &Value) -> bool {
    value.as_str().is_some_and(|s| DateTime::parse_from_rfc2822(s).is_ok() && s.ends_with(" +0000"))
}

// ----- create: success ----------------------------------------------------------------------

#[tokio::test]
async fn a_valid_create_answers_201_with_every_field_typed_as_twilio_types_it() {
    let twilio = stand_in().await;
    let (status, body) = create(&twilio, &[("To", CONTACT), ("From", OUR_NUMBER), ("Body", "Hello! 👍")]).await;

    assert_eq!(status, 201, "{body}");
    assert_eq!(body["account_sid"], ACCOUNT);
    assert_eq!(body["api_version"], "2010-04-01");
    assert_eq!(body["body"], "Hello! 👍");
    for date in ["date_created", "date_sent", "date_updated"] {
        assert!(is_rfc2822(&body[date]), "{date}: {}", body[date]);
    }
    assert_eq!(body["direction"], "outbound-api");
    assert!(body["error_code"].is_null() && body["error_message"].is_null());
    assert_eq!(body["from"], OUR_NUMBER);
    assert_eq!(body["num_media"], "0");
    assert_eq!(body["num_segments"], "1");
    assert!(body["price"].is_null() && body["price_unit"].is_null());
    assert!(body["messaging_service_sid"].is_null());
    assert!(is_sid(&body["sid"], "SM"), "{}", body["sid"]);
    assert_eq!(body["status"], "queued");
    assert_eq!(body["to"], CONTACT);
    let sid = body["sid"].as_str().unwrap();
    let uri = format!("/2010-04-01/Accounts/{ACCOUNT}/Messages/{sid}");
    assert_eq!(body["uri"], format!("{uri}.json"));
    assert_eq!(body["subresource_uris"]["media"], format!("{uri}/Media.json"));
}

#[tokio::test]
async fn a_messaging_service_create_is_accepted_with_zero_segments_and_no_sender_yet() {
    let twilio = stand_in().await;
    let (status, body) = create(&twilio, &[("To", CONTACT), ("MessagingServiceSid", SERVICE), ("Body", "Hi")]).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["status"], "accepted");
    assert_eq!(body["num_segments"], "0");
    assert!(body["from"].is_null());
    assert_eq!(body["messaging_service_sid"], SERVICE);

    let sid = body["sid"].as_str().unwrap();
    twilio.set_status(sid, "sent", None);
    let (_, fetched) = get_json(&twilio, &format!("/2010-04-01/Accounts/{ACCOUNT}/Messages/{sid}.json")).await;
    assert_eq!(fetched["status"], "sent");
    assert_eq!(fetched["from"], OUR_NUMBER, "the pool's sender shows once the message is dequeued");
    assert_eq!(fetched["num_segments"], "1");
}

#[tokio::test]
async fn num_segments_follows_gsm7_and_ucs2_limits() {
    let twilio = stand_in().await;
    let cases = [("A".repeat(160), "1"), ("A".repeat(161), "2"), ("ć".repeat(70), "1"), ("ć".repeat(71), "2")];
    for (text, expected) in cases {
        let (_, body) = create(&twilio, &[("To", CONTACT), ("From", OUR_NUMBER), ("Body", &text)]).await;
        assert_eq!(body["num_segments"], expected, "{} chars of {:?}", text.chars().count(), &text[..2]);
    }
}

#[tokio::test]
async fn the_captured_python_request_is_recorded_with_both_media_urls() {
    let twilio = stand_in().await;
    // Spec §1.2: the request twilio-python 9.13.0 sent, byte for byte.
    let body = "To=%2B14155550123&StatusCallback=https%3A%2F%2Fapp.example.com%2Fwebhooks%2Ftwilio%2Fstatus%3Fboard%3D42%26step%3D3&ValidityPeriod=3600&From=%2B14155550100&Body=Step+2%3A+hi+Ana+%E2%9C%93&MediaUrl=https%3A%2F%2Fexample.com%2Fa.png&MediaUrl=https%3A%2F%2Fexample.com%2Fb.png";
    let response = client()
        .post(twilio.messages_url(ACCOUNT))
        .header(
            "Authorization",
            "Basic QUMwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjowMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZg==",
        )
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let json: Value = response.json().await.unwrap();
    assert!(is_sid(&json["sid"], "MM"), "media messages get MM SIDs: {}", json["sid"]);
    assert_eq!(json["num_media"], "2");

    let request = twilio.requests().pop().unwrap();
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, format!("/2010-04-01/Accounts/{ACCOUNT}/Messages.json"));
    assert_eq!(request.body_text(), body);
    assert!(request.header("authorization").unwrap().starts_with("Basic QUMw"));
    assert_eq!(request.form_values("MediaUrl"), ["https://example.com/a.png", "https://example.com/b.png"]);

    let [sent] = twilio.sent_messages().try_into().unwrap();
    assert_eq!(sent.sid, json["sid"].as_str().unwrap());
    assert_eq!(sent.account_sid, ACCOUNT);
    assert_eq!(sent.auth, AuthKind::AuthToken);
    assert_eq!(sent.to, CONTACT);
    assert_eq!(sent.from.as_deref(), Some(OUR_NUMBER));
    assert_eq!(sent.body.as_deref(), Some("Step 2: hi Ana ✓"));
    assert_eq!(sent.media_urls, ["https://example.com/a.png", "https://example.com/b.png"]);
    assert_eq!(sent.status_callback.as_deref(), Some("https://app.example.com/webhooks/twilio/status?board=42&step=3"));
    assert!(sent.form.contains(&("ValidityPeriod".into(), "3600".into())));
}

#[tokio::test]
async fn an_api_key_authenticates_for_its_own_account_only() {
    let twilio = stand_in().await;
    let form = [("To", CONTACT), ("From", OUR_NUMBER), ("Body", "Hi")];
    let (status, _) = create_as(&twilio, KEY, KEY_SECRET, &form).await;
    assert_eq!(status, 201);
    assert_eq!(twilio.sent_messages()[0].auth, AuthKind::ApiKey { key_sid: KEY.into() });

    let (status, body) = create_as(&twilio, KEY, "wrong-secret", &form).await;
    assert_eq!(status, 401);
    assert_legacy_error(&body, 20003, 401);

    twilio.add_api_key(OTHER_ACCOUNT, "SKfedcba9876543210fedcba9876543210", "other");
    let (status, _) = create_as(&twilio, "SKfedcba9876543210fedcba9876543210", "other", &form).await;
    assert_eq!(status, 401, "a key of another account cannot use this account's path");

    twilio.remove_api_key(KEY);
    let (status, _) = create_as(&twilio, KEY, KEY_SECRET, &form).await;
    assert_eq!(status, 401, "a deleted key fails");
}

// ----- create: errors -----------------------------------------------------------------------

#[tokio::test]
async fn wrong_or_missing_credentials_get_401_with_code_20003() {
    let twilio = stand_in().await;
    let form = [("To", CONTACT), ("From", OUR_NUMBER), ("Body", "Hi")];
    let (status, body) = create_as(&twilio, ACCOUNT, "wrong-token", &form).await;
    assert_eq!(status, 401);
    assert_legacy_error(&body, 20003, 401);
    let (status, _) = create_as(&twilio, OTHER_ACCOUNT, OTHER_TOKEN, &form).await;
    assert_eq!(status, 401, "another account's credentials cannot reach this account");

    let response = client().post(twilio.messages_url(ACCOUNT)).form(&form).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert!(response.headers().contains_key("www-authenticate"));

    twilio.set_auth_token(ACCOUNT, "rotated");
    let (status, _) = create(&twilio, &form).await;
    assert_eq!(status, 401, "a rotated-out token fails");
    assert!(twilio.sent_messages().is_empty());
    assert_eq!(twilio.requests().len(), 4, "rejected requests are recorded too");
}

#[tokio::test]
async fn a_malformed_account_sid_in_the_path_is_not_found() {
    let twilio = stand_in().await;
    let response = client()
        .post(format!("{}/2010-04-01/Accounts/AC123/Messages.json", twilio.base_url()))
        .basic_auth(ACCOUNT, Some(TOKEN))
        .form(&[("To", CONTACT), ("From", OUR_NUMBER), ("Body", "Hi")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_legacy_error(&response.json().await.unwrap(), 20404, 404);
}

#[tokio::test]
async fn each_broken_create_rule_answers_400_with_its_code() {
    let twilio = stand_in().await;
    let long_body = "x".repeat(1601);
    let media: Vec<(&str, &str)> = (0..11).map(|_| ("MediaUrl", "https://example.com/a.png")).collect();
    let mut too_many_media = vec![("To", CONTACT), ("From", OUR_NUMBER)];
    too_many_media.extend(media);
    type Form<'a> = Vec<(&'a str, &'a str)>;
    let cases: Vec<(&str, Form<'_>, u64)> = vec![
        ("missing To", vec![("From", OUR_NUMBER), ("Body", "Hi")], 21604),
        ("no sender", vec![("To", CONTACT), ("Body", "Hi")], 21603),
        ("no content", vec![("To", CONTACT), ("From", OUR_NUMBER)], 21602),
        ("empty Body only", vec![("To", CONTACT), ("From", OUR_NUMBER), ("Body", "")], 21602),
        ("To not E.164", vec![("To", "4155550123"), ("From", OUR_NUMBER), ("Body", "Hi")], 21211),
        ("To with spaces", vec![("To", "+1 415 555 0123"), ("From", OUR_NUMBER), ("Body", "Hi")], 21211),
        ("Body over 1600", vec![("To", CONTACT), ("From", OUR_NUMBER), ("Body", &long_body)], 21617),
        ("eleven media", too_many_media, 21623),
        ("unowned From", vec![("To", CONTACT), ("From", "+15005550006"), ("Body", "Hi")], 21606),
        ("other account's From", vec![("To", CONTACT), ("From", OTHER_NUMBER), ("Body", "Hi")], 21660),
        (
            "unknown service",
            vec![("To", CONTACT), ("MessagingServiceSid", "MGffffffffffffffffffffffffffffffff"), ("Body", "Hi")],
            21701,
        ),
    ];
    for (case, form, code) in cases {
        let (status, body) = create(&twilio, &form).await;
        assert_eq!(status, 400, "{case}: {body}");
        assert_legacy_error(&body, code, 400);
    }
    assert!(twilio.messages().is_empty(), "nothing is created by a rejected request");
}

#[tokio::test]
async fn a_body_of_exactly_1600_characters_is_accepted() {
    let twilio = stand_in().await;
    let body = "é".repeat(1600);
    let (status, json) = create(&twilio, &[("To", CONTACT), ("From", OUR_NUMBER), ("Body", &body)]).await;
    assert_eq!(status, 201, "{json}");
}

#[tokio::test]
async fn a_json_body_is_not_read_as_a_form() {
    let twilio = stand_in().await;
    let response = client()
        .post(twilio.messages_url(ACCOUNT))
        .basic_auth(ACCOUNT, Some(TOKEN))
        .json(&serde_json::json!({"To": CONTACT, "From": OUR_NUMBER, "Body": "Hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_legacy_error(&response.json().await.unwrap(), 21604, 400);
}

// ----- scripted outcomes --------------------------------------------------------------------

#[tokio::test]
async fn a_pushed_429_refuses_one_create_and_the_next_succeeds() {
    let twilio = stand_in().await;
    twilio.push_error(20429, 429);
    let form = [("To", CONTACT), ("From", OUR_NUMBER), ("Body", "Hi")];
    let (status, body) = create(&twilio, &form).await;
    assert_eq!(status, 429);
    assert_legacy_error(&body, 20429, 429);
    assert!(twilio.messages().is_empty());
    let (status, _) = create(&twilio, &form).await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn fail_next_fails_exactly_that_many_creates() {
    let twilio = stand_in().await;
    twilio.fail_next(2, 21611, 400);
    let form = [("To", CONTACT), ("From", OUR_NUMBER), ("Body", "Hi")];
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let (status, body) = create(&twilio, &form).await;
        if status == 400 {
            assert_legacy_error(&body, 21611, 400);
        }
        statuses.push(status);
    }
    assert_eq!(statuses, [400, 400, 201]);
}

#[tokio::test]
async fn a_scripted_error_is_not_consumed_by_an_unauthenticated_request() {
    let twilio = stand_in().await;
    twilio.push_error(21610, 400);
    let form = [("To", CONTACT), ("From", OUR_NUMBER), ("Body", "Hi")];
    let (status, _) = create_as(&twilio, ACCOUNT, "wrong", &form).await;
    assert_eq!(status, 401);
    let (status, body) = create(&twilio, &form).await;
    assert_eq!(status, 400);
    assert_legacy_error(&body, 21610, 400);
}

#[tokio::test]
async fn a_delayed_create_times_out_yet_the_message_exists_and_the_list_finds_it() {
    let twilio = stand_in().await;
    twilio.push_delay(Duration::from_secs(5));
    let impatient = reqwest::Client::builder().timeout(Duration::from_millis(300)).build().unwrap();
    let result = impatient
        .post(twilio.messages_url(ACCOUNT))
        .basic_auth(ACCOUNT, Some(TOKEN))
        .form(&[("To", CONTACT), ("From", OUR_NUMBER), ("Body", "Hi")])
        .send()
        .await;
    assert!(result.is_err_and(|e| e.is_timeout()));
    assert_eq!(twilio.sent_messages().len(), 1);

    let today = twilio.messages()[0].date_created.format("%Y-%m-%d").to_string();
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("To", CONTACT), ("From", OUR_NUMBER), ("DateSent", today.as_str())])
        .finish();
    let (status, page) = get_json(&twilio, &format!("/2010-04-01/Accounts/{ACCOUNT}/Messages.json?{query}")).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["messages"][0]["sid"], twilio.sent_messages()[0].sid.as_str());
}

// ----- fetch and list -----------------------------------------------------------------------

#[tokio::test]
async fn fetch_returns_the_stored_message_and_404_for_unknown_or_foreign_sids() {
    let twilio = stand_in().await;
    let (_, created) = create(&twilio, &[("To", CONTACT), ("From", OUR_NUMBER), ("Body", "Hi")]).await;
    let sid = created["sid"].as_str().unwrap();
    let (status, fetched) = get_json(&twilio, &format!("/2010-04-01/Accounts/{ACCOUNT}/Messages/{sid}.json")).await;
    assert_eq!(status, 200);
    assert_eq!(fetched, created);

    let unknown = format!("/2010-04-01/Accounts/{ACCOUNT}/Messages/SM00000000000000000000000000000000.json");
    let (status, body) = get_json(&twilio, &unknown).await;
    assert_eq!(status, 404);
    assert_legacy_error(&body, 20404, 404);
    assert!(body["message"].as_str().unwrap().contains(&unknown));

    let (status, _) = get_json(&twilio, &format!("/2010-04-01/Accounts/{ACCOUNT}/Messages/{sid}")).await;
    assert_eq!(status, 404, "without .json there is no JSON resource");

    let response = client()
        .get(format!("{}/2010-04-01/Accounts/{OTHER_ACCOUNT}/Messages/{sid}.json", twilio.base_url()))
        .basic_auth(OTHER_ACCOUNT, Some(OTHER_TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404, "another account cannot see the message");
}

/// A settable clock shared with the stand-in.
fn manual_clock(twilio: &TwilioStandIn, start: DateTime<Utc>) -> Arc<Mutex<DateTime<Utc>>> {
    let now = Arc::new(Mutex::new(start));
    let reader = now.clone();
    twilio.set_clock(move || *reader.lock().unwrap());
    now
}

#[tokio::test]
async fn the_list_filters_by_to_from_and_date_sent_newest_first() {
    let twilio = stand_in().await;
    let clock = manual_clock(&twilio, Utc.with_ymd_and_hms(2026, 12, 2, 23, 59, 0).unwrap());
    let send = |to: &'static str| {
        let twilio = twilio.clone();
        async move { create(&twilio, &[("To", to), ("From", OUR_NUMBER), ("Body", "Hi")]).await.1 }
    };
    let yesterday = send(CONTACT).await;
    *clock.lock().unwrap() = Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap();
    let first_today = send(CONTACT).await;
    let _other_contact = send("+14155550124").await;
    *clock.lock().unwrap() = Utc.with_ymd_and_hms(2026, 12, 3, 10, 0, 0).unwrap();
    let second_today = send(CONTACT).await;
    assert_eq!(first_today["date_sent"], "Thu, 03 Dec 2026 09:00:00 +0000");

    let list = |query: &str| {
        let twilio = twilio.clone();
        let path = format!("/2010-04-01/Accounts/{ACCOUNT}/Messages.json?{query}");
        async move { get_json(&twilio, &path).await }
    };
    let sids = |page: &Value| -> Vec<String> {
        page["messages"].as_array().unwrap().iter().map(|m| m["sid"].as_str().unwrap().to_owned()).collect()
    };

    let (status, page) = list("To=%2B14155550123&From=%2B14155550100&DateSent=2026-12-03").await;
    assert_eq!(status, 200);
    assert_eq!(sids(&page), [second_today["sid"].as_str().unwrap(), first_today["sid"].as_str().unwrap()]);

    let (_, page) = list("To=%2B14155550123&DateSent%3C=2026-12-02").await;
    assert_eq!(sids(&page), [yesterday["sid"].as_str().unwrap()]);

    let (_, page) = list("To=%2B14155550123&DateSent%3E=2026-12-03T09:30:00Z").await;
    assert_eq!(sids(&page), [second_today["sid"].as_str().unwrap()]);

    let (_, page) = list("DateSent=2026-12-04").await;
    assert!(sids(&page).is_empty());

    let (status, body) = list("DateSent=yesterday").await;
    assert_eq!(status, 400);
    assert_legacy_error(&body, 20001, 400);
}

#[tokio::test]
async fn the_list_answers_in_twilios_page_envelope_and_pages_with_page_size() {
    let twilio = stand_in().await;
    for _ in 0..3 {
        create(&twilio, &[("To", CONTACT), ("From", OUR_NUMBER), ("Body", "Hi")]).await;
    }
    let path = format!("/2010-04-01/Accounts/{ACCOUNT}/Messages.json");
    let (status, page) = get_json(&twilio, &format!("{path}?To=%2B14155550123&PageSize=2")).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["messages"].as_array().unwrap().len(), 2);
    assert_eq!(page["page"], 0);
    assert_eq!(page["page_size"], 2);
    assert_eq!(page["start"], 0);
    assert_eq!(page["end"], 1);
    assert_eq!(page["uri"], format!("{path}?To=%2B14155550123&PageSize=2&Page=0"));
    assert_eq!(page["first_page_uri"], format!("{path}?To=%2B14155550123&PageSize=2&Page=0"));
    assert!(page["previous_page_uri"].is_null());
    let next = page["next_page_uri"].as_str().expect("a next page");
    assert!(next.starts_with(&format!("{path}?To=%2B14155550123&PageSize=2&Page=1&PageToken=PASM")), "{next}");

    let (_, second) = get_json(&twilio, next).await;
    assert_eq!(second["messages"].as_array().unwrap().len(), 1);
    assert_eq!(second["page"], 1);
    assert_eq!(second["start"], 2);
    assert_eq!(second["end"], 2);
    assert!(second["next_page_uri"].is_null());
    assert_eq!(second["previous_page_uri"], format!("{path}?To=%2B14155550123&PageSize=2&Page=0"));
}

#[tokio::test]
async fn the_list_needs_credentials_like_every_other_call() {
    let twilio = stand_in().await;
    let response = client().get(twilio.messages_url(ACCOUNT)).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_legacy_error(&response.json().await.unwrap(), 20003, 401);
}

// ----- webhooks -----------------------------------------------------------------------------

/// One webhook received by the test's receiver.
#[derive(Debug, Clone)]
struct Hit {
    /// The URL as the sender requested it, rebuilt from `Host` and the request target.
    url: String,
    signature: Option<String>,
    content_type: Option<String>,
    form: Vec<(String, String)>,
}

impl Hit {
    fn value(&self, key: &str) -> Option<&str> {
        self.form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    fn signature_verifies_with(&self, token: &str) -> bool {
        self.signature.as_deref() == Some(sign(&self.url, &self.form, token).as_str())
    }
}

/// A tiny axum receiver that records each POST and answers 200 with an empty TwiML response.
struct Receiver {
    base_url: String,
    hits: Arc<Mutex<Vec<Hit>>>,
}

impl Receiver {
    async fn start() -> Self {
        async fn receive(
            State(hits): State<Arc<Mutex<Vec<Hit>>>>,
            OriginalUri(uri): OriginalUri,
            headers: HeaderMap,
            body: Bytes,
        ) -> ([(&'static str, &'static str); 1], &'static str) {
            let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
            hits.lock().unwrap().push(Hit {
                url: format!("http://{}{uri}", header("host").unwrap()),
                signature: header("x-twilio-signature"),
                content_type: header("content-type"),
                form: form_urlencoded::parse(&body).into_owned().collect(),
            });
            ([("content-type", "text/xml")], "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response />")
        }
        let hits = Arc::new(Mutex::new(Vec::new()));
        let app = Router::new().fallback(receive).with_state(hits.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { base_url, hits }
    }

    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }
}

#[tokio::test]
async fn a_status_callback_reaches_the_receiver_with_a_signature_that_verifies() {
    let twilio = stand_in().await;
    let receiver = Receiver::start().await;
    let callback = format!("{}/webhooks/twilio/status?board=42&step=3", receiver.base_url);
    let (_, created) = create(
        &twilio,
        &[("To", CONTACT), ("MessagingServiceSid", SERVICE), ("Body", "Hi"), ("StatusCallback", &callback)],
    )
    .await;
    let sid = created["sid"].as_str().unwrap();

    let response = twilio.send_status_callback(sid, "undelivered", Some(30003)).await;
    assert_eq!(response.status(), 200);

    let [hit] = receiver.hits().try_into().unwrap();
    assert_eq!(hit.url, callback);
    assert_eq!(hit.content_type.as_deref(), Some("application/x-www-form-urlencoded"));
    assert!(hit.signature_verifies_with(TOKEN), "{hit:?}");
    assert!(!hit.signature_verifies_with(OTHER_TOKEN));
    let keys: Vec<&str> = hit.form.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "AccountSid",
            "ApiVersion",
            "From",
            "MessageSid",
            "MessageStatus",
            "SmsSid",
            "SmsStatus",
            "To",
            "ErrorCode",
            "MessagingServiceSid",
            "RawDlrDoneDate"
        ]
    );
    assert_eq!(hit.value("AccountSid"), Some(ACCOUNT));
    assert_eq!(hit.value("ApiVersion"), Some("2010-04-01"));
    assert_eq!(hit.value("From"), Some(OUR_NUMBER), "the service's sender");
    assert_eq!(hit.value("MessageSid"), Some(sid));
    assert_eq!(hit.value("SmsSid"), Some(sid));
    assert_eq!(hit.value("MessageStatus"), Some("undelivered"));
    assert_eq!(hit.value("SmsStatus"), Some("undelivered"));
    assert_eq!(hit.value("To"), Some(CONTACT));
    assert_eq!(hit.value("ErrorCode"), Some("30003"));
    assert_eq!(hit.value("MessagingServiceSid"), Some(SERVICE));
    let dlr = hit.value("RawDlrDoneDate").unwrap();
    assert!(dlr.len() == 10 && dlr.bytes().all(|b| b.is_ascii_digit()), "{dlr}");

    let message = twilio.message(sid).unwrap();
    assert_eq!((message.status.as_str(), message.error_code), ("undelivered", Some(30003)));
    assert_eq!(twilio.webhooks()[0].response_status, Some(200));
}

#[tokio::test]
async fn a_sent_callback_without_a_service_carries_no_error_code_or_dlr_date() {
    let twilio = stand_in().await;
    let receiver = Receiver::start().await;
    let callback = format!("{}/status", receiver.base_url);
    let form = [("To", CONTACT), ("From", OUR_NUMBER), ("Body", "Hi"), ("StatusCallback", callback.as_str())];
    let (_, created) = create(&twilio, &form).await;
    twilio.send_status_callback(created["sid"].as_str().unwrap(), "sent", None).await;

    let [hit] = receiver.hits().try_into().unwrap();
    assert!(hit.signature_verifies_with(TOKEN));
    for absent in ["ErrorCode", "MessagingServiceSid", "RawDlrDoneDate"] {
        assert_eq!(hit.value(absent), None, "{absent}");
    }
    assert_eq!(hit.value("MessageStatus"), Some("sent"));
}

#[tokio::test]
async fn an_inbound_sms_is_posted_with_the_spec_parameters_and_a_valid_signature() {
    let twilio = stand_in().await;
    let receiver = Receiver::start().await;
    let url = format!("{}/webhooks/twilio/inbound", receiver.base_url);
    let sms = InboundSms::new(ACCOUNT, CONTACT, OUR_NUMBER, "stop").messaging_service(SERVICE).opt_out_type("STOP");

    let response = twilio.send_inbound(&url, &sms).await;
    assert_eq!(response.status(), 200);

    let [hit] = receiver.hits().try_into().unwrap();
    assert!(hit.signature_verifies_with(TOKEN));
    let expected = [
        ("MessageSid", sms.message_sid.as_str()),
        ("SmsSid", sms.message_sid.as_str()),
        ("SmsMessageSid", sms.message_sid.as_str()),
        ("AccountSid", ACCOUNT),
        ("MessagingServiceSid", SERVICE),
        ("From", CONTACT),
        ("To", OUR_NUMBER),
        ("Body", "stop"),
        ("NumMedia", "0"),
        ("NumSegments", "1"),
        ("SmsStatus", "received"),
        ("ApiVersion", "2010-04-01"),
        ("OptOutType", "STOP"),
    ];
    for (key, value) in expected {
        assert_eq!(hit.value(key), Some(value), "{key}");
    }
    let stored = twilio.message(&sms.message_sid).unwrap();
    assert_eq!((stored.direction.as_str(), stored.status.as_str()), ("inbound", "received"));
}

#[tokio::test]
async fn inbound_media_is_numbered_from_zero_and_makes_an_mms_sid() {
    let sms = InboundSms::new(ACCOUNT, CONTACT, OUR_NUMBER, "")
        .media("https://api.twilio.com/m/0", "image/jpeg")
        .media("https://api.twilio.com/m/1", "image/png");
    assert!(sms.message_sid.starts_with("MM"));
    let params = sms.params();
    let value = |key: &str| params.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    assert_eq!(value("NumMedia"), Some("2"));
    assert_eq!(value("MediaUrl0"), Some("https://api.twilio.com/m/0"));
    assert_eq!(value("MediaContentType1"), Some("image/png"));
}

#[tokio::test]
async fn post_form_can_sign_the_port_variant_forge_or_omit_the_signature() {
    let twilio = stand_in().await;
    let receiver = Receiver::start().await;
    let url = format!("{}/hook?x=%2B1", receiver.base_url);
    let params = [("Tag", "b"), ("Tag", "a"), ("Body", "")];

    twilio.post_signed(&url, &params, TOKEN).await;
    twilio.post_form(&url, &params, Signing::AuthTokenExplicitPort(TOKEN)).await.unwrap();
    twilio.post_form(&url, &params, Signing::Forged).await.unwrap();
    twilio.post_form(&url, &params, Signing::Header("not-a-signature")).await.unwrap();
    twilio.post_form(&url, &params, Signing::Unsigned).await.unwrap();

    let hits = receiver.hits();
    assert_eq!(hits.len(), 5);
    assert!(hits[0].signature_verifies_with(TOKEN));
    let sent: Vec<(String, String)> = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    assert_eq!(hits[0].form, sent, "order and repeats are kept on the wire");
    // The receiver URL already names its port, so the "explicit port" form is the same URL.
    assert!(hits[1].signature_verifies_with(TOKEN));
    assert!(!hits[2].signature_verifies_with(TOKEN));
    assert_eq!(hits[2].signature.as_deref(), Some(sign(&url, &params, twilio::FORGED_AUTH_TOKEN).as_str()));
    assert_eq!(hits[3].signature.as_deref(), Some("not-a-signature"));
    assert_eq!(hits[4].signature, None);
}

#[tokio::test]
async fn status_callback_params_preview_a_transition_without_applying_it() {
    let twilio = stand_in().await;
    let (_, created) = create(&twilio, &[("To", CONTACT), ("From", OUR_NUMBER), ("Body", "Hi")]).await;
    let sid = created["sid"].as_str().unwrap();
    let params = twilio.status_callback_params(sid, "failed", None);
    assert!(params.contains(&("ErrorCode".into(), twilio::DEFAULT_DELIVERY_ERROR.to_string())));
    assert_eq!(twilio.message(sid).unwrap().status, "queued");
}

#[tokio::test]
async fn wait_for_sent_returns_once_the_expected_messages_arrive() {
    let twilio = stand_in().await;
    let sender = twilio.clone();
    tokio::spawn(async move {
        for _ in 0..2 {
            create(&sender, &[("To", CONTACT), ("From", OUR_NUMBER), ("Body", "Hi")]).await;
        }
    });
    let sent = twilio.wait_for_sent(2, Duration::from_secs(10)).await;
    assert_eq!(sent.len(), 2);
}
