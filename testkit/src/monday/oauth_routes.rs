//! The OAuth HTTP endpoints (spec §7): the authorize redirect, the OAuth 2.1 token
//! endpoint (authorization code with PKCE, refresh with rotation), revocation, and the
//! legacy token endpoint. Every endpoint but authorize checks the client credentials.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::oauth::{Body, OAuthFailure, OAuthState, field, invalid_grant, required};
use super::server::{CLIENT_ID, CLIENT_SECRET};
use super::state::Shared;

/// `GET /oauth2/authorize`: approves at once and redirects back with `code` and `state`.
pub(super) async fn authorize(State(state): State<Shared>, Query(params): Query<HashMap<String, String>>) -> Response {
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
pub(super) async fn token(State(state): State<Shared>, body: Bytes) -> Result<Response, OAuthFailure> {
    let body = authenticated_body(&body)?;
    let oauth = &mut state.lock().oauth;
    match field(&body, "grant_type").unwrap_or("authorization_code") {
        "authorization_code" => grant_code(oauth, &body),
        "refresh_token" => grant_refresh(oauth, &body),
        other => Err(OAuthFailure::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!("grant_type `{other}` is not supported"),
        )),
    }
}

fn grant_code(oauth: &mut OAuthState, body: &Body) -> Result<Response, OAuthFailure> {
    let account_id = oauth.redeem_code(body, true)?;
    let (access, refresh) = oauth.tokens.issue_pair(account_id);
    Ok(oauth.token_response(access, refresh))
}

fn grant_refresh(oauth: &mut OAuthState, body: &Body) -> Result<Response, OAuthFailure> {
    let refresh_token = required(body, "refresh_token")?;
    let account_id = oauth
        .tokens
        .redeem_refresh(refresh_token)
        .ok_or_else(|| invalid_grant("refresh token is invalid, revoked or already used"))?;
    let (access, refresh) = oauth.tokens.issue_pair(account_id);
    Ok(oauth.token_response(access, refresh))
}

/// `POST /oauth_ms/oauth/revoke`: unknown tokens are fine (RFC 7009).
pub(super) async fn revoke(State(state): State<Shared>, body: Bytes) -> Result<Response, OAuthFailure> {
    let body = authenticated_body(&body)?;
    state.lock().oauth.tokens.revoke(required(&body, "token")?);
    Ok(Json(json!({ "success": true })).into_response())
}

/// `POST /oauth2/token`: the legacy flow, no PKCE, no refresh token, no expiry.
pub(super) async fn legacy_token(State(state): State<Shared>, body: Bytes) -> Result<Response, OAuthFailure> {
    let body = authenticated_body(&body)?;
    let oauth = &mut state.lock().oauth;
    let account_id = oauth.redeem_code(&body, false)?;
    let access = oauth.tokens.issue_legacy(account_id);
    let body = json!({ "access_token": access, "token_type": "Bearer", "scope": oauth.scope });
    Ok(Json(body).into_response())
}

/// Parses the JSON body and checks the client credentials in it.
fn authenticated_body(bytes: &[u8]) -> Result<Body, OAuthFailure> {
    let body: Body = serde_json::from_slice(bytes)
        .map_err(|_| OAuthFailure::new(StatusCode::BAD_REQUEST, "invalid_request", "body must be a JSON object"))?;
    if field(&body, "client_id") != Some(CLIENT_ID) || field(&body, "client_secret") != Some(CLIENT_SECRET) {
        return Err(OAuthFailure::new(StatusCode::UNAUTHORIZED, "invalid_client", "client authentication failed"));
    }
    Ok(body)
}
