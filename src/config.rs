//! Configuration: `config/default.toml`, then `config/<profile>.toml`, then environment
//! variables (`APP_SECTION__KEY`, plus the conventional `DATABASE_URL`, `REDIS_URL` and
//! `PORT`), validated as a whole at start.
//!
//! Profiles: `development` (default), `test`, `production`, chosen by `APP_ENVIRONMENT`.
//! In development, missing secrets are generated once and kept in
//! `<data_dir>/dev-secrets.toml` so that a restart still opens what the last run sealed;
//! the service warns loudly. In production, a missing secret or a dev value stops the start
//! with a message naming it. Secrets are `SecretString`s: never in `Debug` output or logs.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use drip_actors::deliveries::TriggerAuthorization;
use drip_actors::sending::{Quotas, SenderRates};
use drip_clients::monday::MondayClientSettings;
use drip_clients::twilio::TwilioClientSettings;
use drip_domain::crypto::{KeyRing, KeyedHasher, Pepper};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The whole configuration. Every field is documented in `config/default.toml`.
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub environment: Environment,
    pub application: ApplicationSettings,
    pub database: DatabaseSettings,
    pub kv: KvSettings,
    pub monday: MondaySettings,
    pub crypto: CryptoSettings,
    pub actors: ActorsSettings,
    pub scheduler: SchedulerSettings,
    pub twilio: TwilioSettings,
    pub plans: Quotas,
    /// Set when development secrets were generated or read from the data directory, so
    /// that the service can warn loudly once logging is up.
    #[serde(skip)]
    pub dev_secrets_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Development,
    Test,
    Production,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ApplicationSettings {
    pub host: String,
    pub port: u16,
    pub public_base_url: String,
    pub data_dir: PathBuf,
    pub request_body_limit_bytes: usize,
    pub request_timeout_milliseconds: u64,
    pub shutdown_grace_seconds: u64,
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    /// Empty: SQLite under `data_dir`.
    pub url: String,
    pub max_connections: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct KvSettings {
    /// Empty: the embedded store under `data_dir`.
    pub redis_url: String,
    pub pool_size: u32,
    pub prefix: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MondaySettings {
    pub signing_secret: SecretString,
    /// Numeric in monday, but an id: kept as text. Environment variables holding digits
    /// arrive as numbers, hence the lenient reader.
    #[serde(deserialize_with = "string_or_number")]
    pub app_id: String,
    /// The `Authorization` forms that fire a trigger (monday's docs disagree).
    pub trigger_authorization: TriggerAuthorization,
    pub jwt_audience: AudienceCheck,
    pub jwt_leeway_seconds: u64,
    pub oauth_scopes: String,
    pub oauth_state_ttl_seconds: u64,
    pub token_refresh_margin_seconds: u64,
    pub api: MondayClientSettings,
    pub deliveries: MondayDeliverySettings,
}

/// The durable queue of item updates and trigger calls to monday.
#[derive(Debug, Clone, Deserialize)]
pub struct MondayDeliverySettings {
    /// A delivery monday has not taken by then is dropped (and counted as expired).
    pub ttl_hours: u64,
    /// The first retry waits this long when monday gave no wait of its own; each further
    /// one doubles it (with jitter), up to `max_backoff_seconds`.
    pub first_backoff_seconds: u64,
    pub max_backoff_seconds: u64,
    /// Calls to monday running at once per account.
    pub max_in_flight: usize,
}

/// How the `aud` claim of monday's JWTs is checked. monday documents `aud` as the endpoint
/// URL, but behind a proxy the exact string may differ from ours (spec/monday.md §1.3).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "mode", content = "value", rename_all = "lowercase")]
pub enum AudienceCheck {
    Off,
    Exact(String),
    Prefix(String),
}

#[derive(Debug, Clone, Deserialize)]
pub struct CryptoSettings {
    /// `[{ id = 1, key = "<base64 of 64 bytes>" }, …]`
    pub keys: Vec<KeyEntry>,
    pub current_key_id: u8,
    pub pepper: SecretString,
}

#[derive(Debug, Clone, Deserialize)]
pub struct KeyEntry {
    pub id: u8,
    pub key: SecretString,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ActorsSettings {
    pub idle_timeout_seconds: u64,
    pub idle_sweep_interval_seconds: u64,
    pub restart_limit: usize,
    pub restart_window_seconds: u64,
    pub call_timeout_milliseconds: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SchedulerSettings {
    pub poll_interval_milliseconds: u64,
    pub batch_size: usize,
}

fn string_or_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Number(u64),
    }
    Ok(match Id::deserialize(deserializer)? {
        Id::Text(text) => text,
        Id::Number(number) => number.to_string(),
    })
}

#[derive(Debug, Clone, Deserialize)]
pub struct TwilioSettings {
    pub api: TwilioClientSettings,
    /// Sender throughput in segments per second, by sender type (spec/twilio.md §6.1).
    pub rates: SenderRates,
    /// How long a sender pauses after 20429 or 21611 when Twilio gives no `Retry-After`.
    pub rate_limit_pause_seconds: u64,
    /// Most sends one account may have waiting; past it an action fails for monday to retry.
    pub send_queue_limit: usize,
    /// How long a queued send may wait before it is dropped with a recorded reason.
    pub send_job_ttl_hours: u64,
    /// How long a Send One Message request waits for Twilio's answer before it answers
    /// monday "queued" (monday's own budget is one minute).
    pub action_wait_seconds: u64,
    /// Attempts at a send that keeps failing before anything reached Twilio.
    pub max_send_attempts: u32,
    pub retry_backoff_seconds: u64,
    /// How long a conversation stays routable after our last message (reply routing).
    pub conversation_ttl_hours: u64,
    /// How long status callbacks of a sent message are accepted.
    pub message_tracking_ttl_hours: u64,
}

const DEFAULT_TOML: &str = include_str!("../config/default.toml");

/// Loads the settings for the profile named by `APP_ENVIRONMENT` from `config_dir`.
pub fn load(config_dir: &Path) -> anyhow::Result<Settings> {
    let profile = std::env::var("APP_ENVIRONMENT").unwrap_or_else(|_| "development".into());
    let figment = Figment::new()
        .merge(Toml::string(DEFAULT_TOML))
        .merge(Toml::file(config_dir.join("default.toml")))
        .merge(Toml::file(config_dir.join(format!("{profile}.toml"))))
        .merge(Serialized::default("environment", &profile))
        .merge(Env::prefixed("APP_").split("__"))
        .merge(Env::raw().only(&["DATABASE_URL"]).map(|_| "database.url".into()))
        .merge(Env::raw().only(&["REDIS_URL"]).map(|_| "kv.redis_url".into()))
        .merge(Env::raw().only(&["PORT"]).map(|_| "application.port".into()));
    let mut settings: Settings = figment.extract().context("reading configuration")?;
    if settings.environment == Environment::Development {
        fill_dev_secrets(&mut settings)?;
    }
    settings.validate()?;
    Ok(settings)
}

impl Settings {
    /// Checks the whole configuration; names every problem at once.
    pub fn validate(&self) -> anyhow::Result<()> {
        let mut problems = Vec::new();
        for (name, value) in self.secrets() {
            if value.expose_secret().is_empty() {
                problems.push(format!("{name} is missing"));
            } else if self.environment == Environment::Production && is_dev_value(value.expose_secret()) {
                problems.push(format!("{name} holds a development value"));
            }
        }
        if self.environment == Environment::Production {
            for (name, value) in
                [("monday.api.client_id", &self.monday.api.client_id), ("monday.app_id", &self.monday.app_id)]
            {
                if value.is_empty() {
                    problems.push(format!("{name} is missing"));
                }
            }
            if self.monday.api.allow_insecure_http || self.twilio.api.allow_insecure_http {
                problems.push("allow_insecure_http (monday.api, twilio.api) must be false in production".into());
            }
            if !self.application.public_base_url.starts_with("https://") {
                problems.push("application.public_base_url must be https:// in production".into());
            }
        }
        let deliveries = &self.monday.deliveries;
        if deliveries.ttl_hours == 0 || deliveries.max_in_flight == 0 {
            problems.push("monday.deliveries.ttl_hours and max_in_flight must be at least 1".into());
        }
        if deliveries.first_backoff_seconds == 0 || deliveries.first_backoff_seconds > deliveries.max_backoff_seconds {
            problems.push(
                "monday.deliveries.first_backoff_seconds must be at least 1 and at most max_backoff_seconds".into(),
            );
        }
        if let Err(error) = self.key_ring() {
            problems.push(format!("crypto.keys: {error:#}"));
        }
        if let Err(error) = self.hasher() {
            problems.push(format!("crypto.pepper: {error:#}"));
        }
        if problems.is_empty() {
            return Ok(());
        }
        bail!("invalid configuration ({} profile):\n  - {}", self.environment.as_str(), problems.join("\n  - "))
    }

    fn secrets(&self) -> Vec<(&'static str, &SecretString)> {
        let mut secrets = vec![
            ("monday.signing_secret", &self.monday.signing_secret),
            ("monday.api.client_secret", &self.monday.api.client_secret),
            ("crypto.pepper", &self.crypto.pepper),
        ];
        secrets.extend(self.crypto.keys.iter().map(|entry| ("crypto.keys[].key", &entry.key)));
        secrets
    }

    pub fn key_ring(&self) -> anyhow::Result<KeyRing> {
        if self.crypto.keys.is_empty() {
            bail!("no key configured");
        }
        let entries: Vec<(u8, &str)> = self.crypto.keys.iter().map(|e| (e.id, e.key.expose_secret())).collect();
        Ok(KeyRing::from_base64(&entries, self.crypto.current_key_id)?)
    }

    pub fn hasher(&self) -> anyhow::Result<KeyedHasher> {
        Ok(KeyedHasher::new(Pepper::from_base64(self.crypto.pepper.expose_secret())?))
    }

    /// The Db URL: the configured one, or SQLite under the data directory.
    pub fn database_url(&self) -> String {
        if self.database.url.is_empty() {
            format!("sqlite://{}?mode=rwc", self.application.data_dir.join("sms-drip.db").display())
        } else {
            self.database.url.clone()
        }
    }
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Development => "development",
            Self::Test => "test",
            Self::Production => "production",
        }
    }
}

/// Placeholder or generated development values (generated ones carry the `dev-` prefix;
/// generated keys are never read outside the development profile).
fn is_dev_value(value: &str) -> bool {
    value.starts_with("dev-") || value.eq_ignore_ascii_case("changeme")
}

/// Development secrets as stored in `<data_dir>/dev-secrets.toml`.
#[derive(Debug, serde::Serialize, Deserialize)]
struct DevSecrets {
    signing_secret: String,
    client_secret: String,
    key: String,
    pepper: String,
}

/// Fills every missing secret from `<data_dir>/dev-secrets.toml`, generating that file on
/// first use.
fn fill_dev_secrets(settings: &mut Settings) -> anyhow::Result<()> {
    let missing =
        settings.secrets().iter().any(|(_, value)| value.expose_secret().is_empty()) || settings.crypto.keys.is_empty();
    if !missing {
        return Ok(());
    }
    let path = settings.application.data_dir.join("dev-secrets.toml");
    let secrets = read_or_create_dev_secrets(&path)?;
    settings.dev_secrets_file = Some(path);
    let monday = &mut settings.monday;
    fill(&mut monday.signing_secret, secrets.signing_secret);
    fill(&mut monday.api.client_secret, secrets.client_secret);
    fill(&mut settings.crypto.pepper, secrets.pepper);
    if settings.crypto.keys.is_empty() {
        settings.crypto.keys = vec![KeyEntry { id: 1, key: SecretString::from(secrets.key) }];
        settings.crypto.current_key_id = 1;
    }
    Ok(())
}

fn fill(slot: &mut SecretString, value: String) {
    if slot.expose_secret().is_empty() {
        *slot = SecretString::from(value);
    }
}

fn read_or_create_dev_secrets(path: &Path) -> anyhow::Result<DevSecrets> {
    if let Ok(text) = std::fs::read_to_string(path) {
        return toml_from_str(&text).with_context(|| format!("reading {}", path.display()));
    }
    let secrets = DevSecrets {
        signing_secret: format!("dev-{}", random_base64(32)),
        client_secret: format!("dev-{}", random_base64(32)),
        key: KeyRing::generate(1).export_base64(1).map(|k| k.expose_secret().to_owned()).unwrap_or_default(),
        pepper: Pepper::generate().export_base64().expose_secret().to_owned(),
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let text = toml_to_string(&secrets)?;
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    Ok(secrets)
}

fn toml_from_str(text: &str) -> anyhow::Result<DevSecrets> {
    Ok(Figment::from(Toml::string(text)).extract()?)
}

fn toml_to_string(secrets: &DevSecrets) -> anyhow::Result<String> {
    Ok(format!(
        "# Generated development secrets. Never use in production.\n\
         signing_secret = {:?}\nclient_secret = {:?}\nkey = {:?}\npepper = {:?}\n",
        secrets.signing_secret, secrets.client_secret, secrets.key, secrets.pepper
    ))
}

fn random_base64(bytes: usize) -> String {
    use base64::Engine;
    let buffer: Vec<u8> = (0..bytes).map(|_| rand::random::<u8>()).collect();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buffer)
}
