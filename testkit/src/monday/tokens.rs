//! Tokens the stand-in issued or was told to accept, and whether the API takes them.
//!
//! Access tokens are HS256 JWTs with an `exp` claim, like monday's OAuth 2.1 tokens, so
//! clients can read their expiry; legacy tokens are JWTs without `exp`. Refresh tokens
//! are opaque and single-use.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, TimeDelta, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

/// The stand-in signs its own tokens; nobody verifies the signature but the stand-in.
const TOKEN_SIGNING_KEY: &[u8] = b"monday-stand-in-token-signing-key";

pub(super) struct TokenBook {
    /// Access token -> expiry (`None` = legacy, never expires).
    access: HashMap<String, Option<DateTime<Utc>>>,
    /// Live refresh token -> account id.
    refresh: HashMap<String, u64>,
    /// Registered with `accept_token`: always valid.
    accepted: HashSet<String>,
    pub access_lifetime: TimeDelta,
}

impl Default for TokenBook {
    fn default() -> Self {
        Self {
            access: HashMap::new(),
            refresh: HashMap::new(),
            accepted: HashSet::new(),
            access_lifetime: TimeDelta::hours(1),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TokenCheck {
    Valid,
    Expired,
    Unknown,
}

impl TokenBook {
    /// A new expiring access token and a new refresh token for the account.
    pub fn issue_pair(&mut self, account_id: u64) -> (String, String) {
        let expires_at = Utc::now() + self.access_lifetime;
        let access = mint_jwt(account_id, Some(expires_at));
        self.access.insert(access.clone(), Some(expires_at));
        let refresh = format!("stand-in-refresh-{}", uuid::Uuid::new_v4());
        self.refresh.insert(refresh.clone(), account_id);
        (access, refresh)
    }

    /// A non-expiring access token, as the legacy endpoint hands out.
    pub fn issue_legacy(&mut self, account_id: u64) -> String {
        let access = mint_jwt(account_id, None);
        self.access.insert(access.clone(), None);
        access
    }

    /// Consumes a refresh token: rotation makes every refresh token single-use.
    pub fn redeem_refresh(&mut self, token: &str) -> Option<u64> {
        self.refresh.remove(token)
    }

    pub fn revoke(&mut self, token: &str) {
        self.access.remove(token);
        self.refresh.remove(token);
        self.accepted.remove(token);
    }

    pub fn accept(&mut self, token: &str) {
        self.accepted.insert(token.to_owned());
    }

    /// Makes an issued access token expire now.
    pub fn expire(&mut self, token: &str) {
        if let Some(expiry) = self.access.get_mut(token) {
            *expiry = Some(Utc::now());
        }
    }

    pub fn check(&self, token: &str) -> TokenCheck {
        if self.accepted.contains(token) {
            return TokenCheck::Valid;
        }
        match self.access.get(token) {
            Some(Some(expires_at)) if *expires_at <= Utc::now() => TokenCheck::Expired,
            Some(_) => TokenCheck::Valid,
            None => TokenCheck::Unknown,
        }
    }
}

fn mint_jwt(account_id: u64, expires_at: Option<DateTime<Utc>>) -> String {
    let mut claims = json!({
        "actid": account_id,
        "uid": 1,
        "iat": Utc::now().timestamp(),
        // Two tokens minted in the same second must still differ.
        "jti": uuid::Uuid::new_v4().to_string(),
    });
    if let Some(expires_at) = expires_at {
        claims["exp"] = json!(expires_at.timestamp());
    }
    let key = EncodingKey::from_secret(TOKEN_SIGNING_KEY).expect("non-empty key");
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key).expect("sign token")
}
