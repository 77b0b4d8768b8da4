//! OAuth token sets: the wire shape of monday's token responses and the expiry we derive
//! from them.
//!
//! OAuth 2.1 responses carry no `expires_in` (spec §7.2), so the expiry is read from the
//! access token's `exp` claim when it is a JWT. We cannot verify monday's signature and
//! do not need to: the claim is only a hint for refreshing early, and monday still
//! answers 401 if the hint is wrong.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Tokens for one monday account, as returned by a code exchange or a refresh.
///
/// `Debug` prints `[REDACTED]` in place of both tokens.
#[derive(Debug, Clone)]
pub struct TokenSet {
    /// Goes raw (no `Bearer `) into the GraphQL `Authorization` header.
    pub access_token: SecretString,
    /// OAuth 2.1 only. Rotates: the refresh that returns a new one invalidates the old.
    pub refresh_token: Option<SecretString>,
    /// Always `Bearer` in practice; kept for completeness.
    pub token_type: String,
    /// Space-separated scopes granted, if monday said.
    pub scope: Option<String>,
    /// When the access token stops working: from `expires_in`, else the JWT `exp` claim,
    /// else `None` (a legacy token, valid until uninstall).
    pub expires_at: Option<DateTime<Utc>>,
}

impl TokenSet {
    /// True when the access token expires within `margin` of `now`; refresh before use.
    /// Tokens without a known expiry never need refreshing.
    pub fn expires_within(&self, now: DateTime<Utc>, margin: TimeDelta) -> bool {
        self.expires_at.is_some_and(|at| at - margin <= now)
    }
}

/// The JSON body of a successful token response (OAuth 2.1 and legacy alike).
#[derive(Deserialize)]
pub(crate) struct TokenResponse {
    access_token: String,
    refresh_token: Option<String>,
    token_type: Option<String>,
    scope: Option<String>,
    expires_in: Option<i64>,
}

impl TokenResponse {
    pub(crate) fn into_token_set(self, now: DateTime<Utc>) -> TokenSet {
        let expires_at = self
            .expires_in
            .and_then(TimeDelta::try_seconds)
            .map(|lifetime| now + lifetime)
            .or_else(|| jwt_expiry(&self.access_token));
        TokenSet {
            access_token: SecretString::from(self.access_token),
            refresh_token: self.refresh_token.map(SecretString::from),
            token_type: self.token_type.unwrap_or_else(|| "Bearer".into()),
            scope: self.scope,
            expires_at,
        }
    }
}

/// Reads the `exp` claim of a JWT without verifying it. `None` for anything that is not
/// a three-part JWT with a numeric `exp`.
pub(crate) fn jwt_expiry(token: &str) -> Option<DateTime<Utc>> {
    let mut parts = token.split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let exp = claims.get("exp")?;
    let seconds = exp.as_i64().or_else(|| exp.as_f64().map(|f| f as i64))?;
    DateTime::from_timestamp(seconds, 0)
}

/// Keeps the old refresh token when a refresh response carries none: monday documents
/// rotation, but if it ever stops rotating the old token is still the valid one.
pub(crate) fn keep_refresh_token(mut tokens: TokenSet, previous: &SecretString) -> TokenSet {
    if tokens.refresh_token.is_none() {
        tokens.refresh_token = Some(SecretString::from(previous.expose_secret()));
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt_with_payload(payload: &str) -> String {
        format!(
            "{}.{}.signature",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    #[test]
    fn the_exp_claim_of_a_jwt_becomes_the_expiry() {
        let token = jwt_with_payload(r#"{"exp":1900000000,"actid":1}"#);
        assert_eq!(jwt_expiry(&token), DateTime::from_timestamp(1_900_000_000, 0));
    }

    #[test]
    fn opaque_tokens_and_jwts_without_exp_have_no_expiry() {
        assert_eq!(jwt_expiry("opaque-legacy-token"), None);
        assert_eq!(jwt_expiry(&jwt_with_payload(r#"{"actid":1}"#)), None);
        assert_eq!(jwt_expiry("a.%%%.c"), None);
    }

    #[test]
    fn expires_in_wins_over_the_jwt_claim() {
        let now = Utc::now();
        let response = TokenResponse {
            access_token: jwt_with_payload(r#"{"exp":1900000000}"#),
            refresh_token: None,
            token_type: None,
            scope: None,
            expires_in: Some(120),
        };
        let tokens = response.into_token_set(now);
        assert_eq!(tokens.expires_at, Some(now + TimeDelta::seconds(120)));
        assert_eq!(tokens.token_type, "Bearer");
    }

    #[test]
    fn debug_output_never_shows_the_tokens() {
        let response = TokenResponse {
            access_token: "access-secret-value".into(),
            refresh_token: Some("refresh-secret-value".into()),
            token_type: Some("Bearer".into()),
            scope: None,
            expires_in: None,
        };
        let printed = format!("{:?}", response.into_token_set(Utc::now()));
        assert!(!printed.contains("secret-value"), "{printed}");
    }

    #[test]
    fn tokens_expiring_inside_the_margin_need_refreshing() {
        let now = Utc::now();
        let response = TokenResponse {
            access_token: "t".into(),
            refresh_token: None,
            token_type: None,
            scope: None,
            expires_in: Some(30),
        };
        let tokens = response.into_token_set(now);
        assert!(tokens.expires_within(now, TimeDelta::seconds(60)));
        assert!(!tokens.expires_within(now, TimeDelta::seconds(10)));
    }
}
