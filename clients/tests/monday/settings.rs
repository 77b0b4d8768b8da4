//! Construction: plain http is refused outside test mode, secrets stay out of `Debug`.

use drip_clients::monday::{MondayClient, SettingsError};

use super::settings_for;
use drip_testkit::monday::{CLIENT_SECRET, MondayStandIn};

#[tokio::test]
async fn plain_http_endpoints_are_refused_unless_insecure_http_is_allowed() {
    let monday = MondayStandIn::start().await;
    let mut settings = settings_for(&monday);
    settings.allow_insecure_http = false;

    let error = MondayClient::new(settings).expect_err("http must be refused");

    assert!(matches!(error, SettingsError::InsecureUrl { field: "api_url" }), "{error:?}");
    assert!(error.to_string().contains("allow_insecure_http"), "{error}");
}

#[tokio::test]
async fn the_client_never_prints_its_client_secret() {
    let monday = MondayStandIn::start().await;

    let client = MondayClient::new(settings_for(&monday)).unwrap();

    assert!(!format!("{client:?}").contains(CLIENT_SECRET));
}

#[test]
fn the_default_settings_build_a_client_for_monday_over_https() {
    let settings = drip_clients::monday::MondayClientSettings::new("id", secrecy::SecretString::from("secret"));

    assert!(MondayClient::new(settings).is_ok());
}
