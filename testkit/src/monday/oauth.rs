//! OAuth state of the stand-in (spec §7): issued authorization codes with their PKCE
//! challenges, the token book, and the knobs tests turn. Codes are single-use; errors use
//! the OAuth shape `{"error", "error_description"}`. The endpoints are in `oauth_routes`.

use std::collections::HashMap;
use std::time::Duration;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::TimeDelta;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::server::MondayStandIn;
use super::tokens::TokenBook;

/// The account a permissive (unregistered) code or the authorize redirect belongs to.
const DEFAULT_ACCOUNT_ID: u64 = 1;

pub(super) type Body = Map<String, Value>;

pub(super) struct OAuthState {
    codes: HashMap<String, IssuedCode>,
    pub tokens: TokenBook,
    accept_any_code: bool,
    expires_in_seconds: Option<u64>,
    pub scope: String,
    pub authorize_account_id: u64,
}

impl Default for OAuthState {
    fn default() -> Self {
        Self {
            codes: HashMap::new(),
            tokens: TokenBook::default(),
            accept_any_code: false,
            expires_in_seconds: None,
            scope: "boards:read boards:write updates:write".into(),
            authorize_account_id: DEFAULT_ACCOUNT_ID,
        }
    }
}

struct IssuedCode {
    account_id: u64,
    redirect_uri: String,
    /// Empty when the code was issued without PKCE.
    code_challenge: String,
}

impl MondayStandIn {
    /// Registers a single-use authorization code, as if the user of `account_id` had
    /// approved the app, and returns it.
    pub fn issue_code(&self, account_id: u64, redirect_uri: &str, code_challenge: &str) -> String {
        self.lock().oauth.issue_code(account_id, redirect_uri, code_challenge)
    }

    /// Accept any unregistered code (for account 1, without PKCE). Off by default.
    pub fn set_accept_any_code(&self, accept: bool) {
        self.lock().oauth.accept_any_code = accept;
    }

    /// Lifetime of OAuth 2.1 access tokens (the JWT `exp`). Default one hour.
    pub fn set_access_token_lifetime(&self, lifetime: Duration) {
        let lifetime = TimeDelta::from_std(lifetime).expect("lifetime fits a TimeDelta");
        self.lock().oauth.tokens.access_lifetime = lifetime;
    }

    /// Add `expires_in` to token responses. Off by default: monday was seen omitting it.
    pub fn set_expires_in(&self, seconds: Option<u64>) {
        self.lock().oauth.expires_in_seconds = seconds;
    }

    /// The `scope` token responses report.
    pub fn set_scope(&self, scope: &str) {
        self.lock().oauth.scope = scope.to_owned();
    }

    /// The account the authorize redirect issues codes for. Default 1.
    pub fn set_authorize_account(&self, account_id: u64) {
        self.lock().oauth.authorize_account_id = account_id;
    }

    /// Make the GraphQL API accept `token` (e.g. a block request's `shortLivedToken`).
    pub fn accept_token(&self, token: &str) {
        self.lock().oauth.tokens.accept(token);
    }

    /// Make an issued access token expire now, so the next API call gets a 401.
    pub fn expire_token(&self, token: &str) {
        self.lock().oauth.tokens.expire(token);
    }

    /// Whether the GraphQL API would accept `token` right now.
    pub fn accepts_token(&self, token: &str) -> bool {
        self.lock().oauth.tokens.check(token) == super::tokens::TokenCheck::Valid
    }
}

impl OAuthState {
    pub(super) fn issue_code(&mut self, account_id: u64, redirect_uri: &str, code_challenge: &str) -> String {
        let code = format!("stand-in-code-{}", uuid::Uuid::new_v4());
        let issued =
            IssuedCode { account_id, redirect_uri: redirect_uri.to_owned(), code_challenge: code_challenge.to_owned() };
        self.codes.insert(code.clone(), issued);
        code
    }

    /// Consumes the code whatever the outcome: a code that failed PKCE is burnt too.
    pub(super) fn redeem_code(&mut self, body: &Body, check_pkce: bool) -> Result<u64, OAuthFailure> {
        let code = required(body, "code")?;
        let Some(issued) = self.codes.remove(code) else {
            return if self.accept_any_code {
                Ok(DEFAULT_ACCOUNT_ID)
            } else {
                Err(invalid_grant("unknown or already used authorization code"))
            };
        };
        if field(body, "redirect_uri").is_some_and(|uri| uri != issued.redirect_uri) {
            return Err(invalid_grant("redirect_uri does not match the authorization request"));
        }
        if check_pkce && !issued.code_challenge.is_empty() {
            let verifier = field(body, "code_verifier").unwrap_or_default();
            if s256(verifier) != issued.code_challenge {
                return Err(invalid_grant("PKCE verification failed"));
            }
        }
        Ok(issued.account_id)
    }

    pub(super) fn token_response(&self, access_token: String, refresh_token: String) -> Response {
        let mut body = json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "refresh_token": refresh_token,
            "scope": self.scope,
        });
        if let Some(seconds) = self.expires_in_seconds {
            body["expires_in"] = json!(seconds);
        }
        Json(body).into_response()
    }
}

pub(super) fn field<'a>(body: &'a Body, name: &str) -> Option<&'a str> {
    body.get(name).and_then(Value::as_str)
}

pub(super) fn required<'a>(body: &'a Body, name: &str) -> Result<&'a str, OAuthFailure> {
    field(body, name)
        .ok_or_else(|| OAuthFailure::new(StatusCode::BAD_REQUEST, "invalid_request", format!("`{name}` is required")))
}

/// An OAuth error answer: `{"error", "error_description"}` with its status.
pub(super) struct OAuthFailure {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl OAuthFailure {
    pub(super) fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self { status, error, description: description.into() }
    }
}

impl IntoResponse for OAuthFailure {
    fn into_response(self) -> Response {
        let body = json!({ "error": self.error, "error_description": self.description });
        (self.status, Json(body)).into_response()
    }
}

pub(super) fn invalid_grant(description: &str) -> OAuthFailure {
    OAuthFailure::new(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}
