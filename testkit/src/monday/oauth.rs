//! OAuth endpoints (spec §7): the authorize redirect, the OAuth 2.1 token endpoint
//! (authorization code with PKCE S256, refresh with rotation), revocation, and the legacy
//! token endpoint. Errors use the OAuth shape `{"error", "error_description"}`.

use std::collections::HashMap;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::TimeDelta;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::server::{CLIENT_ID, CLIENT_SECRET, MondayStandIn};
use super::state::Shared;
use super::tokens::TokenBook;

/// The account a permissive (unregistered) code or the authorize redirect belongs to.
const DEFAULT_ACCOUNT_ID: u64 = 1;

type Body = Map<String, Value>;

pub(super) struct OAuthState {
    codes: HashMap<String, IssuedCode>,
    pub tokens: TokenBook,
    accept_any_code: bool,
    expires_in_seconds: Option<u64>,
    scope: String,
    authorize_account_id: u64,
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
    fn issue_code(&mut self, account_id: u64, redirect_uri: &str, code_challenge: &str) -> String {
        let code = format!("stand-in-code-{}", uuid::Uuid::new_v4());
        let issued = IssuedCode {
            account_id,
            redirect_uri: redirect_uri.to_owned(),
            code_challenge: code_challenge.to_owned(),
        };
        self.codes.insert(code.clone(), issued);
        code
    }

    /// Consumes the code whatever the outcome: a code that failed PKCE is burnt too.
    fn redeem_code(&mut self, body: &Body, check_pkce: bool) -> Result<u64, Response> {
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

    fn token_response(&self, access_token: String, refresh_token: Option<String>) -> Response {
        let mut body = json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "scope": self.scope,
        });
        if let Some(refresh_token) = refresh_token {
            body["refresh_token"] = json!(refresh_token);
        }
        if let Some(seconds) = self.expires_in_seconds {
            body["expires_in"] = json!(seconds);
        }
        Json(body).into_response()
    }
}

/// `GET /oauth2/authorize`: approves at once and redirects back with `code` and `state`.
pub(super) async fn authorize(
    State(state): State<Shared>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let param = |name: &str| params.get(name).map(String::as_str);
    if param("client_id") != Some(CLIENT_ID) {
        return (StatusCode::BAD_REQUEST, "unknown client_id").into_response();
    }
    let Some(redirect_uri) = param("redirect_uri") else {
        return (StatusCode::BAD_REQUEST, "redirect_uri is required").into_response();
    };
    if param("code_challenge").is_some() && param("code_challenge_method") != Some("S256") {
        return (StatusCode::BAD_REQUEST, "code_challenge_method must be S256").into_response();
    }
    let oauth = &mut state.lock().oauth;
    let account_id = oauth.authorize_account_id;
    let code = oauth.issue_code(account_id, redirect_uri, param("code_challenge").unwrap_or(""));
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("code", &code);
    if let Some(state_param) = param("state") {
        query.append_pair("state", state_param);
    }
    let separator = if redirect_uri.contains('?') { '&' } else { '?' };
    let location = format!("{redirect_uri}{separator}{}", query.finish());
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

/// `POST /oauth_ms/oauth/token`.
pub(super) async fn token(State(state): State<Shared>, body: Bytes) -> Response {
    let body = match authenticated_body(&body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let oauth = &mut state.lock().oauth;
    let result = match field(&body, "grant_type").unwrap_or("authorization_code") {
        "authorization_code" => grant_code(oauth, &body),
        "refresh_token" => grant_refresh(oauth, &body),
        other => Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            &format!("grant_type `{other}` is not supported"),
        )),
    };
    result.unwrap_or_else(|response| response)
}

fn grant_code(oauth: &mut OAuthState, body: &Body) -> Result<Response, Response> {
    let account_id = oauth.redeem_code(body, true)?;
    let (access, refresh) = oauth.tokens.issue_pair(account_id);
    Ok(oauth.token_response(access, Some(refresh)))
}

fn grant_refresh(oauth: &mut OAuthState, body: &Body) -> Result<Response, Response> {
    let refresh_token = required(body, "refresh_token")?;
    let account_id = oauth
        .tokens
        .redeem_refresh(refresh_token)
        .ok_or_else(|| invalid_grant("refresh token is invalid, revoked or already used"))?;
    let (access, refresh) = oauth.tokens.issue_pair(account_id);
    Ok(oauth.token_response(access, Some(refresh)))
}

/// `POST /oauth_ms/oauth/revoke`: unknown tokens are fine (RFC 7009).
pub(super) async fn revoke(State(state): State<Shared>, body: Bytes) -> Response {
    let body = match authenticated_body(&body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    match required(&body, "token") {
        Ok(token) => {
            state.lock().oauth.tokens.revoke(token);
            Json(json!({ "success": true })).into_response()
        }
        Err(response) => response,
    }
}

/// `POST /oauth2/token`: the legacy flow, no PKCE, no refresh token, no expiry.
pub(super) async fn legacy_token(State(state): State<Shared>, body: Bytes) -> Response {
    let body = match authenticated_body(&body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let oauth = &mut state.lock().oauth;
    match oauth.redeem_code(&body, false) {
        Ok(account_id) => {
            let access = oauth.tokens.issue_legacy(account_id);
            let response = json!({ "access_token": access, "token_type": "Bearer", "scope": oauth.scope });
            Json(response).into_response()
        }
        Err(response) => response,
    }
}

/// Parses the JSON body and checks the client credentials in it.
fn authenticated_body(bytes: &[u8]) -> Result<Body, Response> {
    let body: Body = serde_json::from_slice(bytes).map_err(|_| {
        oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "body must be a JSON object")
    })?;
    if field(&body, "client_id") != Some(CLIENT_ID)
        || field(&body, "client_secret") != Some(CLIENT_SECRET)
    {
        return Err(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        ));
    }
    Ok(body)
}

fn field<'a>(body: &'a Body, name: &str) -> Option<&'a str> {
    body.get(name).and_then(Value::as_str)
}

fn required<'a>(body: &'a Body, name: &str) -> Result<&'a str, Response> {
    field(body, name).ok_or_else(|| {
        oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &format!("`{name}` is required"),
        )
    })
}

fn invalid_grant(description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = json!({ "error": error, "error_description": description });
    (status, Json(body)).into_response()
}

fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}
