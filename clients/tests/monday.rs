//! The monday client against the monday stand-in: OAuth, GraphQL error classes, item
//! reads, trigger firing and the refusal of plain http. One test binary, a file per
//! feature under `tests/monday/`.

mod monday {
    mod graphql;
    mod items;
    mod oauth;
    mod settings;
    mod trigger;

    use drip_clients::monday::{MondayClient, MondayClientSettings};
    use drip_testkit::monday::{CLIENT_ID, CLIENT_SECRET, MondayStandIn};
    use secrecy::SecretString;

    /// Settings that point every endpoint at the stand-in.
    fn settings_for(monday: &MondayStandIn) -> MondayClientSettings {
        let mut settings = MondayClientSettings::new(CLIENT_ID, SecretString::from(CLIENT_SECRET));
        settings.api_url = monday.api_url();
        settings.oauth_authorize_url = monday.authorize_url();
        settings.oauth_token_url = monday.oauth_token_url();
        settings.legacy_token_url = monday.legacy_token_url();
        settings.revoke_url = monday.revoke_url();
        settings.timeout_milliseconds = 2_000;
        settings.allow_insecure_http = true;
        settings
    }

    /// A fresh stand-in and a client pointed at it.
    async fn spawn_monday() -> (MondayStandIn, MondayClient) {
        let monday = MondayStandIn::start().await;
        let client = MondayClient::new(settings_for(&monday)).expect("valid test settings");
        (monday, client)
    }
}
