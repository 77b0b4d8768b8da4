//! Configuration loading, in its own test binary: these tests change environment
//! variables, which would leak into other tests running in the same process.
//! `figment::Jail` serialises them and restores the environment afterwards.

// `Jail::expect_with` fixes the closure type to `Result<(), figment::Error>`, a large error
// type that is not ours to change.
#![allow(clippy::result_large_err)]

use drip_actors::deliveries::TriggerAuthorization;
use figment::Jail;
use secrecy::ExposeSecret;
use sms_drip::config::{self, AudienceCheck, Environment};

fn config_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config")
}

const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==";
const PEPPER: &str = "cGVwcGVyLXBlcHBlci1wZXBwZXItcGVwcGVyLXBlcHBlcg==";

fn set_production_secrets(jail: &mut Jail) {
    jail.set_env("APP_ENVIRONMENT", "production");
    jail.set_env("APP_MONDAY__SIGNING_SECRET", "prod-signing-secret-value");
    jail.set_env("APP_MONDAY__API__CLIENT_SECRET", "prod-client-secret-value");
    jail.set_env("APP_MONDAY__API__CLIENT_ID", "client-id");
    jail.set_env("APP_MONDAY__APP_ID", "10000");
    jail.set_env("APP_CRYPTO__KEYS", format!("[{{id=1,key=\"{KEY}\"}}]"));
    jail.set_env("APP_CRYPTO__PEPPER", PEPPER);
    jail.set_env("APP_APPLICATION__PUBLIC_BASE_URL", "https://sms.example.com");
}

#[test]
fn development_generates_missing_secrets_once_and_reuses_them_after_a_restart() {
    Jail::expect_with(|jail| {
        jail.set_env("APP_APPLICATION__DATA_DIR", jail.directory().join("data").display().to_string());
        let first = config::load(&config_dir()).expect("development starts without secrets");
        assert_eq!(first.environment, Environment::Development);
        assert!(first.monday.signing_secret.expose_secret().starts_with("dev-"));
        assert!(jail.directory().join("data/dev-secrets.toml").exists());
        let second = config::load(&config_dir()).unwrap();
        assert_eq!(first.monday.signing_secret.expose_secret(), second.monday.signing_secret.expose_secret());
        assert_eq!(first.crypto.pepper.expose_secret(), second.crypto.pepper.expose_secret());
        Ok(())
    });
}

#[test]
fn production_refuses_to_start_without_secrets_and_names_each_missing_one() {
    Jail::expect_with(|jail| {
        jail.set_env("APP_ENVIRONMENT", "production");
        let error = format!("{:#}", config::load(&config_dir()).unwrap_err());
        let names = [
            "monday.signing_secret",
            "monday.api.client_secret",
            "monday.api.client_id",
            "monday.app_id",
            "crypto.pepper",
            "crypto.keys",
        ];
        for name in names {
            assert!(error.contains(name), "{name} not named in: {error}");
        }
        Ok(())
    });
}

#[test]
fn production_refuses_development_values() {
    Jail::expect_with(|jail| {
        set_production_secrets(jail);
        jail.set_env("APP_MONDAY__SIGNING_SECRET", "dev-abc");
        let error = format!("{:#}", config::load(&config_dir()).unwrap_err());
        assert!(error.contains("monday.signing_secret holds a development value"), "{error}");
        Ok(())
    });
}

#[test]
fn delivery_tunables_out_of_range_are_named() {
    Jail::expect_with(|jail| {
        jail.set_env("APP_APPLICATION__DATA_DIR", jail.directory().join("data").display().to_string());
        jail.set_env("APP_MONDAY__DELIVERIES__FIRST_BACKOFF_SECONDS", "7200");
        jail.set_env("APP_MONDAY__DELIVERIES__MAX_IN_FLIGHT", "0");
        let error = format!("{:#}", config::load(&config_dir()).unwrap_err());
        assert!(error.contains("first_backoff_seconds must be at least 1 and at most max_backoff_seconds"), "{error}");
        assert!(error.contains("ttl_hours and max_in_flight must be at least 1"), "{error}");
        Ok(())
    });
}

#[test]
fn production_refuses_plain_http_and_starts_with_every_secret_given() {
    Jail::expect_with(|jail| {
        set_production_secrets(jail);
        jail.set_env("APP_APPLICATION__PUBLIC_BASE_URL", "http://sms.example.com");
        assert!(format!("{:#}", config::load(&config_dir()).unwrap_err()).contains("public_base_url must be https"));
        jail.set_env("APP_APPLICATION__PUBLIC_BASE_URL", "https://sms.example.com");
        let settings = config::load(&config_dir()).expect("valid production config");
        assert_eq!(settings.environment, Environment::Production);
        assert_eq!(settings.application.host, "0.0.0.0");
        Ok(())
    });
}

#[test]
fn conventional_variables_and_prefixed_ones_override_the_files() {
    Jail::expect_with(|jail| {
        jail.set_env("APP_APPLICATION__DATA_DIR", jail.directory().join("data").display().to_string());
        jail.set_env("DATABASE_URL", "postgres://postgres@127.0.0.1/app");
        jail.set_env("REDIS_URL", "redis://127.0.0.1:6379");
        jail.set_env("PORT", "9090");
        jail.set_env("APP_ACTORS__IDLE_TIMEOUT_SECONDS", "42");
        jail.set_env("APP_MONDAY__JWT_AUDIENCE", "{mode=\"prefix\",value=\"https://sms.example.com/\"}");
        let defaults = config::load(&config_dir()).unwrap();
        assert_eq!(defaults.monday.trigger_authorization, TriggerAuthorization::JwtWithRawSecretFallback);
        jail.set_env("APP_MONDAY__TRIGGER_AUTHORIZATION", "raw_secret");
        let settings = config::load(&config_dir()).unwrap();
        assert_eq!(settings.monday.trigger_authorization, TriggerAuthorization::RawSecret);
        assert_eq!(settings.database_url(), "postgres://postgres@127.0.0.1/app");
        assert_eq!(settings.kv.redis_url, "redis://127.0.0.1:6379");
        assert_eq!(settings.application.port, 9090);
        assert_eq!(settings.actors.idle_timeout_seconds, 42);
        assert_eq!(settings.monday.jwt_audience, AudienceCheck::Prefix("https://sms.example.com/".into()));
        Ok(())
    });
}

#[test]
fn secrets_never_show_in_debug_output() {
    Jail::expect_with(|jail| {
        set_production_secrets(jail);
        let settings = config::load(&config_dir()).unwrap();
        let debug = format!("{settings:?}");
        for secret in ["prod-signing-secret-value", "prod-client-secret-value", KEY, PEPPER] {
            assert!(!debug.contains(secret), "a secret leaked into Debug output");
        }
        Ok(())
    });
}
