//! A customer's Twilio credentials, as the service holds them between sends (spec §1.1).
//!
//! Two kinds exist: Account SID + Auth Token, or Account SID + API key (`SK…` and its
//! secret). Only the Auth Token can check webhook signatures (spec §4.1 caveats), so an
//! API-key-only install cannot validate callbacks: [`TwilioCredentials::auth_token`] says so
//! by returning `None`.
//!
//! `Debug` never shows a secret. Serde does, on purpose, because the service seals these
//! credentials into an encrypted envelope; see the note on the `Serialize` impl.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::ids::{AccountSid, SidError, is_sid};

/// What the client authenticates with. The Account SID always goes in the URL path.
#[derive(Clone)]
pub enum TwilioAuth {
    /// Basic auth `AC…:<auth token>`. Also the key for webhook signatures.
    AuthToken(SecretString),
    /// Basic auth `SK…:<secret>`. Twilio recommends keys for production; they cannot
    /// validate webhooks.
    ApiKey {
        /// `SK` followed by 32 hex digits.
        key_sid: String,
        secret: SecretString,
    },
}

impl fmt::Debug for TwilioAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AuthToken(_) => f.write_str("AuthToken([REDACTED])"),
            // The key SID is a username, not a secret, but it still identifies the customer.
            Self::ApiKey { key_sid, .. } => {
                let tail = key_sid.get(key_sid.len().saturating_sub(4)..).unwrap_or("");
                write!(f, "ApiKey {{ key_sid: SK…{tail}, secret: [REDACTED] }}")
            }
        }
    }
}

/// One Twilio account's credentials, passed to every client call.
#[derive(Debug, Clone)]
pub struct TwilioCredentials {
    pub account_sid: AccountSid,
    pub auth: TwilioAuth,
}

impl TwilioCredentials {
    pub fn with_auth_token(account_sid: AccountSid, auth_token: SecretString) -> Self {
        Self { account_sid, auth: TwilioAuth::AuthToken(auth_token) }
    }

    /// # Errors
    /// When `key_sid` is not `SK` followed by 32 hex digits.
    pub fn with_api_key(account_sid: AccountSid, key_sid: &str, secret: SecretString) -> Result<Self, SidError> {
        Ok(Self { account_sid, auth: TwilioAuth::ApiKey { key_sid: parse_api_key_sid(key_sid)?, secret } })
    }

    /// The Auth Token, the only key Twilio signs webhooks with. `None` for an API-key
    /// install: such an account cannot have its callbacks validated.
    pub fn auth_token(&self) -> Option<&SecretString> {
        match &self.auth {
            TwilioAuth::AuthToken(token) => Some(token),
            TwilioAuth::ApiKey { .. } => None,
        }
    }

    /// Basic-auth username and password.
    pub(crate) fn basic_auth(&self) -> (&str, &SecretString) {
        match &self.auth {
            TwilioAuth::AuthToken(token) => (self.account_sid.as_str(), token),
            TwilioAuth::ApiKey { key_sid, secret } => (key_sid.as_str(), secret),
        }
    }
}

fn parse_api_key_sid(raw: &str) -> Result<String, SidError> {
    let trimmed = raw.trim();
    if is_sid(trimmed, &["SK"]) {
        Ok(trimmed.to_owned())
    } else {
        Err(SidError { kind: "API Key SID", expected: "SK followed by 32 hexadecimal digits" })
    }
}

/// The serialised form. Externally tagged on purpose: internally tagged or flattened enums
/// make serde buffer every value, secrets included, in memory it never zeroes.
#[derive(Serialize)]
struct SealedRef<'a> {
    account_sid: &'a AccountSid,
    auth: SealedAuthRef<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum SealedAuthRef<'a> {
    AuthToken(&'a str),
    ApiKey { key_sid: &'a str, secret: &'a str },
}

#[derive(Deserialize)]
struct Sealed {
    account_sid: AccountSid,
    auth: SealedAuth,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum SealedAuth {
    AuthToken(SecretString),
    ApiKey { key_sid: String, secret: SecretString },
}

/// Writes the secrets in plain text: `{"account_sid":"AC…","auth":{"auth_token":"…"}}` or
/// `{"account_sid":"AC…","auth":{"api_key":{"key_sid":"SK…","secret":"…"}}}`.
///
/// Only ever serialise credentials straight into the encrypted envelope (`KeyRing::seal`).
/// Never into a log, a response, a database row or an error.
impl Serialize for TwilioCredentials {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let auth = match &self.auth {
            TwilioAuth::AuthToken(token) => SealedAuthRef::AuthToken(token.expose_secret()),
            TwilioAuth::ApiKey { key_sid, secret } => SealedAuthRef::ApiKey { key_sid, secret: secret.expose_secret() },
        };
        SealedRef { account_sid: &self.account_sid, auth }.serialize(serializer)
    }
}

/// Reads what `Serialize` wrote, validating both SIDs.
impl<'de> Deserialize<'de> for TwilioCredentials {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let sealed = Sealed::deserialize(deserializer)?;
        let auth = match sealed.auth {
            SealedAuth::AuthToken(token) => TwilioAuth::AuthToken(token),
            SealedAuth::ApiKey { key_sid, secret } => {
                TwilioAuth::ApiKey { key_sid: parse_api_key_sid(&key_sid).map_err(serde::de::Error::custom)?, secret }
            }
        };
        Ok(Self { account_sid: sealed.account_sid, auth })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
    const TOKEN: &str = "tok0123456789abcdef0123456789abc";
    const KEY: &str = "SK0123456789abcdef0123456789abcdef";
    const KEY_SECRET: &str = "keysecret0123456789abcdef012345";

    fn token_creds() -> TwilioCredentials {
        let account = AccountSid::parse(ACCOUNT).unwrap();
        TwilioCredentials::with_auth_token(account, SecretString::from(TOKEN))
    }

    fn key_creds() -> TwilioCredentials {
        let account = AccountSid::parse(ACCOUNT).unwrap();
        TwilioCredentials::with_api_key(account, KEY, SecretString::from(KEY_SECRET)).unwrap()
    }

    #[test]
    fn debug_output_never_contains_a_secret_or_a_full_sid() {
        for creds in [token_creds(), key_creds()] {
            let debug = format!("{creds:?}");
            for secret in [TOKEN, KEY_SECRET, ACCOUNT, KEY] {
                assert!(!debug.contains(secret), "{debug}");
            }
        }
    }

    #[test]
    fn only_auth_token_credentials_can_validate_webhooks() {
        assert_eq!(token_creds().auth_token().map(|t| t.expose_secret().to_owned()), Some(TOKEN.to_owned()));
        assert!(key_creds().auth_token().is_none());
    }

    #[test]
    fn basic_auth_uses_the_account_sid_or_the_key_sid_as_username() {
        assert_eq!(token_creds().basic_auth().0, ACCOUNT);
        let creds = key_creds();
        let (user, password) = creds.basic_auth();
        assert_eq!(user, KEY);
        assert_eq!(password.expose_secret(), KEY_SECRET);
    }

    #[test]
    fn api_key_sids_are_validated() {
        let account = AccountSid::parse(ACCOUNT).unwrap();
        let result = TwilioCredentials::with_api_key(account, ACCOUNT, SecretString::from("x"));
        assert!(result.is_err());
    }

    #[test]
    fn credentials_survive_sealing_round_trips() {
        for creds in [token_creds(), key_creds()] {
            let json = serde_json::to_string(&creds).unwrap();
            let back: TwilioCredentials = serde_json::from_str(&json).unwrap();
            assert_eq!(back.account_sid, creds.account_sid);
            let (user, password) = back.basic_auth();
            assert_eq!(user, creds.basic_auth().0);
            assert_eq!(password.expose_secret(), creds.basic_auth().1.expose_secret());
        }
    }

    #[test]
    fn the_sealed_form_is_stable() {
        let json = serde_json::to_value(token_creds()).unwrap();
        assert_eq!(json, serde_json::json!({"account_sid": ACCOUNT, "auth": {"auth_token": TOKEN}}));
        let json = serde_json::to_value(key_creds()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"account_sid": ACCOUNT,
                "auth": {"api_key": {"key_sid": KEY, "secret": KEY_SECRET}}})
        );
    }

    #[test]
    fn unsealing_rejects_malformed_sids() {
        let bad_key = serde_json::json!({"account_sid": ACCOUNT,
            "auth": {"api_key": {"key_sid": "SKnope", "secret": "s"}}});
        assert!(serde_json::from_value::<TwilioCredentials>(bad_key).is_err());
        let bad_account = serde_json::json!({"account_sid": "ACnope", "auth": {"auth_token": "t"}});
        assert!(serde_json::from_value::<TwilioCredentials>(bad_account).is_err());
    }
}
