//! The Twilio client against the in-process Twilio stand-in: sends with both credential
//! kinds, error classes from scripted codes, retries, timeouts settled by lookup, and the
//! refusal of plain http. One test binary, a file per feature under `tests/twilio/`.

mod twilio {
    mod errors;
    mod lookup;
    mod retries;
    mod send;
    mod settings;

    use drip_clients::twilio::{
        AccountSid, SendRequest, Sender, TwilioClient, TwilioClientSettings, TwilioCredentials,
    };
    use drip_testkit::twilio::TwilioStandIn;
    use secrecy::SecretString;

    pub const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
    pub const AUTH_TOKEN: &str = "0123456789abcdef0123456789abcdef";
    pub const KEY_SID: &str = "SKfedcba9876543210fedcba9876543210";
    pub const KEY_SECRET: &str = "keysecret-fedcba9876543210fedcba";
    pub const SERVICE: &str = "MG0123456789abcdef0123456789abcdef";
    pub const FROM: &str = "+14155550100";
    pub const TO: &str = "+14155550123";

    /// Settings pointing at the stand-in, with retries that wait about a millisecond.
    pub fn settings_for(twilio: &TwilioStandIn) -> TwilioClientSettings {
        TwilioClientSettings {
            api_base_url: twilio.base_url(),
            timeout_milliseconds: 2_000,
            allow_insecure_http: true,
            max_retries: 3,
            base_backoff_milliseconds: 1,
            max_backoff_milliseconds: 50,
        }
    }

    /// A stand-in with one account (token, API key, number, Messaging Service) and a client
    /// pointed at it.
    pub async fn spawn_twilio() -> (TwilioStandIn, TwilioClient) {
        let twilio = TwilioStandIn::start().await;
        twilio.add_account(ACCOUNT, AUTH_TOKEN);
        twilio.add_api_key(ACCOUNT, KEY_SID, KEY_SECRET);
        twilio.add_number(ACCOUNT, FROM);
        twilio.add_messaging_service(ACCOUNT, SERVICE);
        let client = TwilioClient::new(settings_for(&twilio)).expect("valid test settings");
        (twilio, client)
    }

    pub fn token_credentials() -> TwilioCredentials {
        TwilioCredentials::with_auth_token(account(), SecretString::from(AUTH_TOKEN))
    }

    pub fn key_credentials() -> TwilioCredentials {
        TwilioCredentials::with_api_key(account(), KEY_SID, SecretString::from(KEY_SECRET)).expect("valid key SID")
    }

    pub fn account() -> AccountSid {
        AccountSid::parse(ACCOUNT).expect("valid Account SID")
    }

    /// A plain SMS from our number.
    pub fn sms(body: &str) -> SendRequest {
        SendRequest::new(TO, Sender::parse(FROM).expect("valid sender"), body)
    }
}
