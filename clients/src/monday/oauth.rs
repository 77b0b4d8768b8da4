//! OAuth calls (spec §7): the authorize URL, code exchange (OAuth 2.1 with PKCE, and
//! legacy), refresh with rotation, and revocation. Bodies are JSON, as monday's SDK and
//! migration guide send them.

use chrono::Utc;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use url::Url;

use super::classify::RawResponse;
use super::client::{MondayClient, read_response};
use super::error::{OAuthError, truncate};
use super::token::{TokenResponse, TokenSet, keep_refresh_token};

/// Which kind of token [`MondayClient::revoke`] is given; a hint monday may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenTypeHint {
    AccessToken,
    RefreshToken,
}

impl TokenTypeHint {
    fn as_str(self) -> &'static str {
        match self {
            Self::AccessToken => "access_token",
            Self::RefreshToken => "refresh_token",
        }
    }
}

impl MondayClient {
    /// The URL to send the user's browser to. `state` must be unguessable and checked on
    /// the callback; `code_challenge` is the S256 challenge of a verifier kept for
    /// [`exchange_code`](Self::exchange_code) (see [`Pkce`](super::Pkce)).
    pub fn authorize_url(&self, redirect_uri: &str, state: &str, code_challenge: &str, scopes: &[&str]) -> Url {
        let mut url = self.endpoints.authorize.clone();
        url.query_pairs_mut()
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", &scopes.join(" "))
            .append_pair("state", state)
            .append_pair("code_challenge", code_challenge)
            .append_pair("code_challenge_method", "S256");
        url
    }

    /// Trades an authorization code for OAuth 2.1 tokens. `redirect_uri` must be the one
    /// used in the authorize URL.
    ///
    /// # Errors
    /// [`OAuthError::InvalidGrant`] for a used, unknown or PKCE-mismatched code.
    #[tracing::instrument(name = "monday.oauth.exchange_code", skip_all)]
    pub async fn exchange_code(
        &self,
        code: &str,
        redirect_uri: &str,
        code_verifier: &str,
    ) -> Result<TokenSet, OAuthError> {
        let body = json!({
            "client_id": self.client_id,
            "client_secret": self.client_secret.expose_secret(),
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        });
        self.request_tokens(&self.endpoints.token, &body).await
    }

    /// Trades a code at the legacy OAuth 2.0 endpoint: a non-expiring access token and no
    /// refresh token. Only for apps still on the old flow.
    #[tracing::instrument(name = "monday.oauth.exchange_legacy_code", skip_all)]
    pub async fn exchange_legacy_code(&self, code: &str, redirect_uri: &str) -> Result<TokenSet, OAuthError> {
        let body = json!({
            "client_id": self.client_id,
            "client_secret": self.client_secret.expose_secret(),
            "code": code,
            "redirect_uri": redirect_uri,
        });
        self.request_tokens(&self.endpoints.legacy_token, &body).await
    }

    /// Gets a fresh access token. The returned refresh token replaces `refresh_token`,
    /// which monday invalidates: store the new set before using it, or the account is
    /// locked out on the next refresh.
    ///
    /// # Errors
    /// [`OAuthError::InvalidGrant`] when the refresh token was already used or revoked.
    #[tracing::instrument(name = "monday.oauth.refresh", skip_all)]
    pub async fn refresh(&self, refresh_token: &SecretString) -> Result<TokenSet, OAuthError> {
        let body = json!({
            "client_id": self.client_id,
            "client_secret": self.client_secret.expose_secret(),
            "refresh_token": refresh_token.expose_secret(),
            "grant_type": "refresh_token",
        });
        let tokens = self.request_tokens(&self.endpoints.token, &body).await?;
        Ok(keep_refresh_token(tokens, refresh_token))
    }

    /// Revokes an access or refresh token (e.g. on uninstall or disconnect).
    #[tracing::instrument(name = "monday.oauth.revoke", skip_all)]
    pub async fn revoke(&self, token: &SecretString, hint: TokenTypeHint) -> Result<(), OAuthError> {
        let body = json!({
            "token": token.expose_secret(),
            "client_id": self.client_id,
            "client_secret": self.client_secret.expose_secret(),
            "token_type_hint": hint.as_str(),
        });
        let raw = self.post_oauth(&self.endpoints.revoke, &body).await?;
        if (200..300).contains(&raw.status) { Ok(()) } else { Err(oauth_error(raw)) }
    }

    async fn request_tokens(&self, url: &Url, body: &Value) -> Result<TokenSet, OAuthError> {
        let raw = self.post_oauth(url, body).await?;
        if !(200..300).contains(&raw.status) {
            return Err(oauth_error(raw));
        }
        let response: TokenResponse = raw
            .body
            .and_then(|body| serde_json::from_value(body).ok())
            .ok_or_else(|| OAuthError::Unexpected { detail: format!("HTTP {} without an access_token", raw.status) })?;
        Ok(response.into_token_set(Utc::now()))
    }

    async fn post_oauth(&self, url: &Url, body: &Value) -> Result<RawResponse, OAuthError> {
        let response =
            self.http.post(url.clone()).json(body).send().await.map_err(|e| OAuthError::from_transport(&e))?;
        read_response(response).await.map_err(|e| OAuthError::from_transport(&e))
    }
}

/// Maps an OAuth-style error body (`{"error", "error_description"}`) or a bare status.
fn oauth_error(raw: RawResponse) -> OAuthError {
    let field = |name: &str| raw.body.as_ref().and_then(|b| b.get(name)).and_then(Value::as_str).map(truncate);
    let error = field("error");
    let description = field("error_description").unwrap_or_default();
    if raw.status == 429 || raw.status >= 500 {
        let detail = error.map_or(description.clone(), |e| format!("{e}: {description}"));
        return OAuthError::Transient { status: Some(raw.status), detail };
    }
    match error.as_deref() {
        Some("invalid_grant") => OAuthError::InvalidGrant { description },
        _ => OAuthError::Rejected {
            status: raw.status,
            error: error.unwrap_or_else(|| format!("http_{}", raw.status)),
            description,
        },
    }
}
