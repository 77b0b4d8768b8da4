//! The monday OAuth flow (spec/monday.md §7): `/oauth/start` and `/oauth/callback`.
//!
//! monday opens the app's Authorization URL with `?token=<JWT>` signed with the Signing
//! Secret (account, user, `backToUrl`). `start` answers with a redirect to monday's
//! authorize URL, carrying a sealed, expiring `state` and a PKCE challenge. `callback`
//! opens the state (once), trades the code at the token endpoint and hands the tokens to
//! the account's actor, which stores them encrypted; then it sends the user back.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use drip_actors::AccountMessage;
use drip_clients::monday::Pkce;
use drip_domain::UserId;
use secrecy::ExposeSecret;
use serde::Deserialize;

use crate::auth::BlockAuth;
use crate::error::{Error, Result};
use crate::oauth_state::OAuthState;
use crate::startup::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/oauth/start", get(start)).route("/oauth/callback", get(callback))
}

fn redirect_uri(state: &AppState) -> String {
    format!("{}/oauth/callback", state.settings.application.public_base_url.trim_end_matches('/'))
}

async fn start(State(state): State<AppState>, BlockAuth(claims): BlockAuth) -> Result<Redirect> {
    let pkce = Pkce::generate();
    let ttl = chrono::Duration::seconds(state.settings.monday.oauth_state_ttl_seconds as i64);
    let sealed = OAuthState {
        account_id: claims.account_id,
        user_id: claims.user_id.map(UserId::get),
        code_verifier: pkce.verifier.expose_secret().to_owned(),
        back_to_url: claims.back_to_url,
        expires_at: state.clock.now() + ttl,
        nonce: uuid::Uuid::new_v4().simple().to_string(),
    }
    .seal(&state.crypto.keyring);
    let scopes: Vec<&str> = state.settings.monday.oauth_scopes.split_whitespace().collect();
    let url = state.monday.authorize_url(&redirect_uri(&state), &sealed, &pkce.challenge, &scopes);
    Ok(Redirect::to(url.as_str()))
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

async fn callback(State(state): State<AppState>, Query(query): Query<CallbackQuery>) -> Result<Response> {
    if let Some(error) = query.error {
        return Err(Error::BadRequest(format!("monday did not authorize the app ({error}): start again from the app")));
    }
    let (Some(code), Some(sealed)) = (query.code, query.state) else {
        return Err(Error::BadRequest("the authorization callback lacks its code or state".into()));
    };
    let now = state.clock.now();
    let oauth =
        OAuthState::open(&sealed, &state.crypto.keyring, now).map_err(|error| Error::BadRequest(error.to_string()))?;
    claim_nonce(&state, &oauth).await?;
    let tokens =
        state.monday.exchange_code(&code, &redirect_uri(&state), &oauth.code_verifier).await.map_err(|error| {
            if error.is_retryable() {
                Error::Unavailable("monday did not answer: try again in a minute".into())
            } else {
                Error::BadRequest(format!("monday refused the authorization: {error}"))
            }
        })?;
    let user = oauth.user_id.map(UserId);
    state
        .accounts
        .call(oauth.account_id, |reply| AccountMessage::StoreMondayTokens(tokens, user, reply))
        .await
        .map_err(|error| Error::Unavailable(error.to_string()))?
        .map_err(|error| Error::Unexpected(error.into()))?;
    tracing::info!(account = %oauth.account_id, "stored monday OAuth tokens");
    Ok(match oauth.back_to_url.filter(|url| url.starts_with("https://")) {
        Some(url) => Redirect::to(&url).into_response(),
        None => Html(CONNECTED_PAGE).into_response(),
    })
}

/// A state works once: its nonce is claimed for as long as the state could be valid.
async fn claim_nonce(state: &AppState, oauth: &OAuthState) -> Result<()> {
    let ttl = std::time::Duration::from_secs(state.settings.monday.oauth_state_ttl_seconds);
    let key = format!("oauth-state/{}", oauth.nonce);
    let fresh =
        state.kv.put_if_absent(oauth.account_id, &key, b"used", Some(ttl)).await.map_err(anyhow::Error::from)?;
    if fresh {
        Ok(())
    } else {
        Err(Error::BadRequest("this authorization link was already used: start again from the app".into()))
    }
}

const CONNECTED_PAGE: &str = "<!doctype html><meta charset=utf-8><title>SMS &amp; Drip for Twilio</title>\
<p>SMS &amp; Drip for Twilio is connected to your monday account. You can close this tab.</p>";
