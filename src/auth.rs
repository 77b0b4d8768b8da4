//! Verifying monday's JWTs (spec/monday.md §1), and the axum extractors that do it.
//!
//! Block requests (actions, triggers, remote options) and the authorization-URL redirect
//! are signed with the app's Signing Secret; lifecycle webhooks and the session tokens of
//! our pages inside monday (the Campaign Dashboard) with the Client Secret.
//! Only HS256 is accepted, `exp` is required, and `aud` is checked as configured.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use drip_domain::{AccountId, UserId};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::config::{AudienceCheck, MondaySettings};
use crate::error::Error;

/// Which of the app's two secrets signed a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedWith {
    SigningSecret,
    ClientSecret,
}

/// The claims we use from a verified monday JWT.
#[derive(Clone)]
pub struct MondayClaims {
    pub account_id: AccountId,
    pub user_id: Option<UserId>,
    /// A 5-minute monday API token, present on block requests.
    pub short_lived_token: Option<SecretString>,
    /// Where to send the user back to after the authorization-URL flow.
    pub back_to_url: Option<String>,
}

impl std::fmt::Debug for MondayClaims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MondayClaims")
            .field("account_id", &self.account_id)
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

/// The claims as monday sends them: camelCase at the top level, or snake_case under `dat`
/// for feature-level tokens (spec/monday.md §1.4).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawClaims {
    account_id: Option<i64>,
    user_id: Option<i64>,
    short_lived_token: Option<String>,
    back_to_url: Option<String>,
    aud: Option<serde_json::Value>,
    dat: Option<RawDat>,
}

#[derive(Deserialize)]
struct RawDat {
    account_id: Option<i64>,
    user_id: Option<i64>,
    short_lived_token: Option<String>,
}

/// Verifies monday JWTs with the app's secrets.
#[derive(Clone)]
pub struct MondayJwtVerifier {
    signing_key: DecodingKey,
    client_key: DecodingKey,
    audience: AudienceCheck,
    leeway_seconds: u64,
}

impl std::fmt::Debug for MondayJwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MondayJwtVerifier").field("audience", &self.audience).finish_non_exhaustive()
    }
}

impl MondayJwtVerifier {
    pub fn new(settings: &MondaySettings) -> anyhow::Result<Self> {
        Ok(Self {
            signing_key: DecodingKey::from_secret(settings.signing_secret.expose_secret().as_bytes())?,
            client_key: DecodingKey::from_secret(settings.api.client_secret.expose_secret().as_bytes())?,
            audience: settings.jwt_audience.clone(),
            leeway_seconds: settings.jwt_leeway_seconds,
        })
    }

    /// Verifies `token` (an optional `Bearer ` prefix is stripped) and reads its claims.
    pub fn verify(&self, token: &str, signed_with: SignedWith) -> Result<MondayClaims, Error> {
        claims_from(self.verify_signature(token, signed_with)?)
    }

    /// Verifies a dashboard session token (see [`SessionAuth`]): Client Secret, expiry, no
    /// audience (these tokens carry none).
    pub fn verify_session(&self, token: &str) -> Result<MondayClaims, Error> {
        claims_from(self.decode(token, SignedWith::ClientSecret)?)
    }

    /// Verifies signature, algorithm, expiry and audience; the claims are not interpreted.
    fn verify_signature(&self, token: &str, signed_with: SignedWith) -> Result<RawClaims, Error> {
        let claims = self.decode(token, signed_with)?;
        self.check_audience(claims.aud.as_ref())?;
        Ok(claims)
    }

    /// Verifies signature, algorithm and expiry.
    fn decode(&self, token: &str, signed_with: SignedWith) -> Result<RawClaims, Error> {
        let token = strip_bearer(token.trim());
        let key = match signed_with {
            SignedWith::SigningSecret => &self.signing_key,
            SignedWith::ClientSecret => &self.client_key,
        };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = self.leeway_seconds;
        validation.set_required_spec_claims(&["exp"]);
        // We check `aud` ourselves: monday's value is a URL that a proxy may change.
        validation.validate_aud = false;
        let data = jsonwebtoken::decode::<RawClaims>(token, key, &validation)
            .map_err(|error| Error::Unauthorized(format!("invalid monday token: {}", reason(&error))))?;
        Ok(data.claims)
    }

    fn check_audience(&self, aud: Option<&serde_json::Value>) -> Result<(), Error> {
        let audiences: Vec<&str> = match aud {
            Some(serde_json::Value::String(one)) => vec![one.as_str()],
            Some(serde_json::Value::Array(many)) => many.iter().filter_map(|v| v.as_str()).collect(),
            _ => vec![],
        };
        let accepted = match &self.audience {
            AudienceCheck::Off => true,
            AudienceCheck::Exact(expected) => audiences.iter().any(|aud| aud == expected),
            AudienceCheck::Prefix(prefix) => audiences.iter().any(|aud| aud.starts_with(prefix.as_str())),
        };
        if accepted { Ok(()) } else { Err(Error::Unauthorized("invalid monday token: wrong audience".into())) }
    }
}

fn strip_bearer(token: &str) -> &str {
    match token.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("bearer ") => token[7..].trim_start(),
        _ => token,
    }
}

/// A short reason that names the problem without echoing the token.
fn reason(error: &jsonwebtoken::errors::Error) -> &'static str {
    use jsonwebtoken::errors::ErrorKind;
    match error.kind() {
        ErrorKind::ExpiredSignature => "expired",
        ErrorKind::InvalidSignature => "bad signature",
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => "algorithm not allowed",
        ErrorKind::MissingRequiredClaim(_) => "missing exp",
        _ => "malformed",
    }
}

fn claims_from(raw: RawClaims) -> Result<MondayClaims, Error> {
    let dat = raw.dat.unwrap_or(RawDat { account_id: None, user_id: None, short_lived_token: None });
    let account_id = raw
        .account_id
        .or(dat.account_id)
        .ok_or_else(|| Error::Unauthorized("invalid monday token: no account id".into()))?;
    Ok(MondayClaims {
        account_id: AccountId(account_id),
        user_id: raw.user_id.or(dat.user_id).map(UserId),
        short_lived_token: raw.short_lived_token.or(dat.short_lived_token).map(SecretString::from),
        back_to_url: raw.back_to_url,
    })
}

/// The token of a request: `Authorization`, else the `token` or `sessionToken` query
/// parameter (monday uses the query on redirects).
fn token_of(parts: &Parts) -> Option<String> {
    if let Some(header) = parts.headers.get(axum::http::header::AUTHORIZATION) {
        return header.to_str().ok().map(str::to_owned);
    }
    let query = parts.uri.query()?;
    form_pairs(query).find(|(name, _)| name == "token" || name == "sessionToken").map(|(_, value)| value)
}

fn form_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    url::form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned()))
}

/// A block request (or redirect) verified with the Signing Secret.
#[derive(Debug, Clone)]
pub struct BlockAuth(pub MondayClaims);

/// A Campaign Dashboard request, authenticated by the monday session token of the page.
///
/// monday hands the app's iframe a session token (`monday.get("sessionToken")` in the
/// SDK); our page sends it back as `Authorization: <token>` (an optional `Bearer ` is
/// stripped), or as `?sessionToken=`. It is an HS256 JWT signed with the app's **Client
/// Secret** (not the Signing Secret), with the account and user under `dat` and an `exp`:
/// `{"dat": {"client_id", "user_id", "account_id", "slug", "app_id", "is_admin",
/// "is_view_only", …}, "exp": …}`. Sources: monday's SDK documents the token as "a JWT
/// token which is decoded with your app's secret and can be used as a session token
/// between your app's frontend & backend" (github mondaycom/monday-sdk-js, README.md,
/// `monday.get`); which secret, and the claims, come from a monday community thread
/// (community.monday.com/t/provide-more-context-in-sessiontoken-jwt/83150: "JWT signed
/// with our app CLIENT_SECRET", with the `dat` claims above) and from third-party backends
/// that verify it with `jwt.verify(sessionToken, process.env.CLIENT_SECRET)` and read
/// `token.dat.user_id`. It has no `aud`, so the configured audience check does not apply.
///
/// The account in the token scopes everything the request can see or change.
#[derive(Debug, Clone)]
pub struct SessionAuth(pub MondayClaims);

/// Proof that a lifecycle webhook was signed with the Client Secret. Its claims are
/// unconfirmed (spec/monday.md §6): the signature is what counts, and the account comes
/// from the body.
#[derive(Debug, Clone, Copy)]
pub struct LifecycleAuth;

fn verify_parts<S>(parts: &Parts, state: &S, signed_with: SignedWith) -> Result<RawClaims, Error>
where
    MondayJwtVerifier: FromRef<S>,
{
    let token = token_of(parts).ok_or_else(|| Error::Unauthorized("missing monday token".into()))?;
    MondayJwtVerifier::from_ref(state).verify_signature(&token, signed_with)
}

impl<S: Send + Sync> FromRequestParts<S> for BlockAuth
where
    MondayJwtVerifier: FromRef<S>,
{
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        claims_from(verify_parts(parts, state, SignedWith::SigningSecret)?).map(Self)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SessionAuth
where
    MondayJwtVerifier: FromRef<S>,
{
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let token = token_of(parts).ok_or_else(|| Error::Unauthorized("missing monday session token".into()))?;
        MondayJwtVerifier::from_ref(state).verify_session(&token).map(Self)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for LifecycleAuth
where
    MondayJwtVerifier: FromRef<S>,
{
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        verify_parts(parts, state, SignedWith::ClientSecret).map(|_| Self)
    }
}
