//! `spawn_app()`: the whole service on port 0 with its own stores, a manual clock, and
//! in-process stand-ins for monday and Twilio.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use drip_actors::{AccountMessage, AccountSnapshot};
use drip_domain::{AccountId, ManualClock};
use drip_testkit::monday::{self as monday_standin, MondayStandIn};
use drip_testkit::twilio::TwilioStandIn;
use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use jsonwebtoken::{EncodingKey, Header};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use sms_drip::config::Settings;
use sms_drip::{AppState, Application};

pub const SIGNING_SECRET: &str = "test-signing-secret-0123456789abcdef";
/// The public URL the service believes it has (as behind a proxy).
pub const PUBLIC_BASE_URL: &str = "https://sms.example.test";
/// 64 bytes of key and 32 of pepper, base64; fixed so that tests can reason about them.
const TEST_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==";
const TEST_PEPPER: &str = "cGVwcGVyLXBlcHBlci1wZXBwZXItcGVwcGVyLXBlcHBlcg==";

pub struct TestApp {
    pub address: String,
    pub state: AppState,
    pub clock: ManualClock,
    pub monday: MondayStandIn,
    #[allow(dead_code)]
    pub twilio: TwilioStandIn,
    pub http: reqwest::Client,
    pub settings: Settings,
    shutdown: tokio_util::sync::CancellationToken,
    server: tokio::task::JoinHandle<anyhow::Result<()>>,
    data_dir: tempfile::TempDir,
}

/// Which stores this run uses.
pub fn services_mode() -> Option<(String, String)> {
    Some((std::env::var("DATABASE_URL").ok()?, std::env::var("REDIS_URL").ok()?))
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(json!({})).await
}

/// [`spawn_app`] with some settings changed (`overrides` has the shape of the config).
pub async fn spawn_app_with(overrides: Value) -> TestApp {
    init_tracing();
    let monday = MondayStandIn::start().await;
    let twilio = TwilioStandIn::start().await;
    let data_dir = tempfile::tempdir().expect("temp dir");
    let settings = test_settings(&monday, &twilio, data_dir.path(), overrides).await;
    let clock = ManualClock::new(Utc::now());
    start(settings, clock, monday, twilio, data_dir).await
}

async fn start(
    settings: Settings,
    clock: ManualClock,
    monday: MondayStandIn,
    twilio: TwilioStandIn,
    data_dir: tempfile::TempDir,
) -> TestApp {
    let app = Application::build_with_clock(settings.clone(), Arc::new(clock.clone())).await.expect("service builds");
    let port = app.port();
    let state = app.state().clone();
    let shutdown = app.shutdown_token();
    let server = tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        state,
        clock,
        monday,
        twilio,
        http: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
        settings,
        shutdown,
        server,
        data_dir,
    }
}

impl TestApp {
    /// Shuts the service down gracefully and waits until it has stopped.
    pub async fn stop(self) -> (Settings, ManualClock, MondayStandIn, TwilioStandIn, tempfile::TempDir) {
        self.shutdown.cancel();
        let stopped = tokio::time::timeout(Duration::from_secs(30), self.server).await;
        stopped.expect("stops within its grace period").expect("server task").expect("clean stop");
        (self.settings, self.clock, self.monday, self.twilio, self.data_dir)
    }

    /// Stops the service and starts a new one on the same stores, clock and stand-ins.
    pub async fn restart(self) -> TestApp {
        let (settings, clock, monday, twilio, data_dir) = self.stop().await;
        start(settings, clock, monday, twilio, data_dir).await
    }
}

/// The settings of one test: default.toml, then the test's own stores and stand-ins.
pub async fn test_settings(
    monday: &MondayStandIn,
    twilio: &TwilioStandIn,
    data_dir: &std::path::Path,
    extra: Value,
) -> Settings {
    let (database_url, redis_url) = match services_mode() {
        Some((database, redis)) => (create_test_database(&database).await, redis),
        None => (String::new(), String::new()),
    };
    let prefix = format!("test-{}", uuid::Uuid::new_v4().simple());
    let overrides = json!({
        "environment": "test",
        "application": { "host": "127.0.0.1", "port": 0, "public_base_url": PUBLIC_BASE_URL, "data_dir": data_dir },
        "database": { "url": database_url, "max_connections": 5 },
        "kv": { "redis_url": redis_url, "prefix": prefix, "pool_size": 4 },
        "monday": {
            "signing_secret": SIGNING_SECRET,
            "app_id": "10000",
            "api": {
                "api_url": monday.api_url(),
                "oauth_authorize_url": monday.authorize_url(),
                "oauth_token_url": monday.oauth_token_url(),
                "legacy_token_url": monday.legacy_token_url(),
                "revoke_url": monday.revoke_url(),
                "client_id": monday_standin::CLIENT_ID,
                "client_secret": monday_standin::CLIENT_SECRET,
                "allow_insecure_http": true,
            },
        },
        "twilio": {
            "api": {
                "api_base_url": twilio.base_url(),
                "allow_insecure_http": true,
                "timeout_milliseconds": 2000,
                "base_backoff_milliseconds": 1,
                "max_backoff_milliseconds": 5,
            },
        },
        "crypto": { "keys": [{ "id": 1, "key": TEST_KEY }], "current_key_id": 1, "pepper": TEST_PEPPER },
        // The idle sweep and the scheduler are driven by hand in tests.
        "actors": { "idle_sweep_interval_seconds": 3600, "call_timeout_milliseconds": 5000 },
        "scheduler": { "poll_interval_milliseconds": 3600000 },
    });
    Figment::new()
        .merge(Toml::file(concat!(env!("CARGO_MANIFEST_DIR"), "/config/default.toml")))
        .merge(Serialized::defaults(overrides))
        .merge(Serialized::defaults(extra))
        .extract()
        .expect("test settings are valid")
}

/// Creates a fresh PostgreSQL database for one test and returns its URL.
async fn create_test_database(admin_url: &str) -> String {
    let name = format!("test_{}", uuid::Uuid::new_v4().simple());
    let admin = sea_orm::Database::connect(admin_url).await.expect("connect to PostgreSQL");
    admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.expect("create test database");
    let mut url = url::Url::parse(admin_url).expect("DATABASE_URL is a URL");
    url.set_path(&name);
    url.to_string()
}

fn init_tracing() {
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        if std::env::var("TEST_LOG").is_ok() {
            sms_drip::telemetry::init(sms_drip::config::LogFormat::Pretty, std::io::stdout);
        }
    });
}

/// A JWT signed with `secret`, expiring in five minutes of real time (jsonwebtoken checks
/// `exp` against the system clock).
pub fn jwt(secret: &str, claims: Value) -> String {
    let mut claims = claims;
    if claims.get("exp").is_none() {
        claims["exp"] = json!(Utc::now().timestamp() + 300);
    }
    jsonwebtoken::encode(&Header::default(), &claims, &EncodingKey::from_secret(secret.as_bytes()).unwrap())
        .expect("JWT encodes")
}

/// A lifecycle webhook body as monday sends it (spec/monday.md §6).
pub fn lifecycle_body(kind: &str, account: i64, timestamp: &str) -> Value {
    json!({
        "type": kind,
        "data": {
            "app_id": 10000, "app_name": "SMS & Drip for Twilio",
            "user_id": 2, "user_email": "admin@acme.example", "user_name": "Ada Admin",
            "user_cluster": "other", "user_country": "IL",
            "account_id": account, "account_name": "Acme", "account_slug": "acme",
            "account_tier": "pro", "account_max_users": 50,
            "version_data": { "major": 4, "minor": 5, "patch": 0, "type": "minor", "number": 16 },
            "timestamp": timestamp,
            "subscription": {
                "plan_id": "5", "renewal_date": "2027-01-10T00:00:00+00:00", "is_trial": false,
                "billing_period": "monthly", "days_left": 14, "pricing_version": 5, "max_units": 100
            }
        }
    })
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn lifecycle_token(&self) -> String {
        jwt(monday_standin::CLIENT_SECRET, json!({ "dat": { "user_id": 2 } }))
    }

    pub fn block_token(&self, account: i64, extra: Value) -> String {
        let mut claims = json!({ "accountId": account, "userId": 4012689, "shortLivedToken": "slt-test" });
        for (key, value) in extra.as_object().into_iter().flatten() {
            claims[key] = value.clone();
        }
        jwt(SIGNING_SECRET, claims)
    }

    pub async fn post_lifecycle(&self, body: &Value) -> reqwest::Response {
        self.post_lifecycle_with_token(body, &self.lifecycle_token()).await
    }

    pub async fn post_lifecycle_with_token(&self, body: &Value, token: &str) -> reqwest::Response {
        self.http.post(self.url("/monday/lifecycle")).header("Authorization", token).json(body).send().await.unwrap()
    }

    pub async fn install(&self, account: i64) {
        let response = self.post_lifecycle(&lifecycle_body("install", account, "2026-12-01T00:00:00.000+00:00")).await;
        assert_eq!(response.status(), 200, "install accepted");
    }

    pub async fn snapshot(&self, account: i64) -> AccountSnapshot {
        self.state.accounts.call(AccountId(account), AccountMessage::Snapshot).await.expect("actor answers")
    }

    /// Runs the whole OAuth flow for `account` and returns the callback's response.
    pub async fn authorize(&self, account: i64) -> reqwest::Response {
        self.monday.set_authorize_account(account as u64);
        let token = self.block_token(account, json!({ "backToUrl": "https://acme.monday.com/apps/installed" }));
        let start = self.http.get(self.url("/oauth/start")).query(&[("token", token)]).send().await.unwrap();
        assert!(start.status().is_redirection(), "start redirects, got {}", start.status());
        let authorize = location(&start);
        let approved = self.http.get(authorize).send().await.unwrap();
        let callback = location(&approved);
        // The callback URL names our public host; reach it through our local address, as
        // a proxy in front of the service would.
        let local = callback.replace(PUBLIC_BASE_URL, &self.address);
        self.http.get(local).send().await.unwrap()
    }

    pub async fn db_dump(&self) -> String {
        self.state.db.dump().await.expect("Db dump").to_string()
    }

    pub async fn kv_dump(&self) -> Vec<(String, Vec<u8>)> {
        self.state.kv.dump().await.expect("Kv dump")
    }

    /// Polls the supervisor until `done(stats)` holds, with a deadline (no fixed sleeps).
    pub async fn wait_for_actors(&self, done: impl Fn(&drip_actors::supervisor::SupervisorStats) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let stats = self.state.accounts.stats().await.expect("supervisor answers");
            if done(&stats) {
                return;
            }
            assert!(tokio::time::Instant::now() < deadline, "actors never reached the expected state: {stats:?}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// The Twilio account of the tests (credentials made up, as in spec/twilio.md §1.2).
pub const TWILIO_SID: &str = "AC0123456789abcdef0123456789abcdef";
pub const TWILIO_TOKEN: &str = "0123456789abcdef0123456789abcdef";
pub const OUR_NUMBER: &str = "+14155550100";
pub const BOARD: u64 = 1001;
pub const SHORT_LIVED_TOKEN: &str = "slt-test";

impl TestApp {
    /// A Twilio account with our number, and monday accepting block tokens.
    pub fn connect_twilio(&self) {
        self.twilio.add_account(TWILIO_SID, TWILIO_TOKEN);
        self.twilio.add_number(TWILIO_SID, OUR_NUMBER);
        let clock = self.clock.clone();
        self.twilio.set_clock(move || drip_domain::Clock::now(&clock));
        self.monday.accept_token(SHORT_LIVED_TOKEN);
    }

    /// A board item with a name, a phone column and a first-name column.
    pub fn add_contact(&self, item_id: u64, name: &str, phone: &str) {
        let phone_value =
            if phone.is_empty() { Value::Null } else { json!({ "phone": phone, "countryShortName": "US" }) };
        let first_name = name.split_whitespace().next().unwrap_or("").to_owned();
        let columns = vec![
            ("phone", "Phone", "phone", phone, phone_value),
            ("text0", "First name", "text", first_name.as_str(), json!(first_name)),
        ];
        self.monday.add_item(BOARD, item_id, name, columns);
    }

    /// A Send One Message block request, as monday sends it (spec/monday.md §2.1).
    pub fn send_payload(&self, item_id: u64, text: &str, action_uuid: &str) -> Value {
        json!({
            "payload": {
                "blockKind": "action",
                "credentialsValues": { "twilio": { "userCredentialsId": 12345, "accessToken": format!("{TWILIO_SID}:{TWILIO_TOKEN}") } },
                "inboundFieldValues": {
                    "boardId": BOARD, "itemId": item_id, "phoneColumnId": "phone",
                    "messageText": text, "sender": OUR_NUMBER
                },
                "recipeId": 30440660, "integrationId": 398759485
            },
            "runtimeMetadata": { "actionUuid": action_uuid, "triggerUuid": "b644926b34fbabf3547bd1bc38ad6cdb" }
        })
    }

    pub async fn post_action(&self, account: i64, payload: &Value) -> reqwest::Response {
        let token = self.block_token(account, json!({ "shortLivedToken": SHORT_LIVED_TOKEN }));
        self.http
            .post(self.url("/monday/actions/send-message"))
            .header("Authorization", token)
            .json(payload)
            .send()
            .await
            .unwrap()
    }

    pub async fn send(&self, account: i64, item_id: u64, text: &str, action_uuid: &str) -> (u16, Value) {
        let response = self.post_action(account, &self.send_payload(item_id, text, action_uuid)).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Returns once the account's actor has handled every message sent to it before (its
    /// mailbox is in order): a round trip, no sleeping.
    pub async fn settle(&self, account: i64) {
        self.snapshot(account).await;
    }

    /// Starts a Send One Message request without waiting for its answer.
    pub fn spawn_send(
        &self,
        account: i64,
        item_id: u64,
        text: &str,
        action_uuid: &str,
    ) -> tokio::task::JoinHandle<u16> {
        let payload = self.send_payload(item_id, text, action_uuid);
        let token = self.block_token(account, json!({ "shortLivedToken": SHORT_LIVED_TOKEN }));
        let request =
            self.http.post(self.url("/monday/actions/send-message")).header("Authorization", token).json(&payload);
        tokio::spawn(async move { request.send().await.map(|response| response.status().as_u16()).unwrap_or(0) })
    }

    /// Drives due timers: advances the clock by `step` and runs one scheduler pass.
    pub async fn advance_and_run(&self, step: Duration) -> usize {
        self.clock.advance(step);
        self.state.scheduler.run_once().await.expect("scheduler pass")
    }

    /// Posts a status callback for `sid` to our endpoint, signed as Twilio signs it: over
    /// our public URL, with the account's Auth Token.
    pub async fn status_callback(&self, sid: &str, status: &str, error_code: Option<u32>, token: &str) -> u16 {
        let params = self.twilio.status_callback_params(sid, status, error_code);
        let public = format!("{PUBLIC_BASE_URL}/twilio/status");
        self.post_status(&params, &drip_testkit::twilio::sign(&public, &params, token)).await
    }

    /// Posts a status callback form with the given `X-Twilio-Signature`.
    pub async fn post_status<K: serde::Serialize, V: serde::Serialize>(
        &self,
        params: &[(K, V)],
        signature: &str,
    ) -> u16 {
        let response = self
            .http
            .post(self.url("/twilio/status"))
            .header("X-Twilio-Signature", signature)
            .form(params)
            .send()
            .await
            .unwrap();
        response.status().as_u16()
    }
}

pub fn location(response: &reqwest::Response) -> String {
    response.headers().get("location").expect("a Location header").to_str().unwrap().to_owned()
}
