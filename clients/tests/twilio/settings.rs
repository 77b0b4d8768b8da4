//! Construction: plain http is refused outside test mode; the client holds no secrets.

use drip_clients::twilio::{SettingsError, TwilioClient, TwilioClientSettings};
use drip_testkit::twilio::TwilioStandIn;

use super::settings_for;

#[tokio::test]
async fn a_plain_http_base_url_is_refused_unless_insecure_http_is_allowed() {
    let twilio = TwilioStandIn::start().await;
    let mut settings = settings_for(&twilio);
    settings.allow_insecure_http = false;

    let error = TwilioClient::new(settings).expect_err("http must be refused");

    assert!(matches!(error, SettingsError::InsecureUrl), "{error:?}");
    assert!(error.to_string().contains("allow_insecure_http"), "{error}");
}

#[test]
fn the_default_settings_build_a_client_for_twilio_over_https() {
    assert!(TwilioClient::new(TwilioClientSettings::default()).is_ok());
}
