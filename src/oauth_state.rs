//! The OAuth `state` parameter: the account, user, PKCE verifier and return URL of one
//! authorization attempt, sealed with AES-256-SIV and expiring.
//!
//! Sealing (rather than only signing) keeps the PKCE verifier secret while it travels
//! through the browser, and lets the callback work without server-side storage. A random
//! nonce inside is claimed in the Kv on use, so a state works once.

use chrono::{DateTime, Utc};
use drip_domain::AccountId;
use drip_domain::crypto::{KeyRing, Purpose};
use serde::{Deserialize, Serialize};

/// States are sealed under one fixed account id: the real account is inside, and is only
/// known once the state is opened.
const STATE_SEAL_ACCOUNT: AccountId = AccountId(0);

#[derive(Serialize, Deserialize)]
pub struct OAuthState {
    pub account_id: AccountId,
    pub user_id: Option<i64>,
    pub code_verifier: String,
    pub back_to_url: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub nonce: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StateError {
    #[error("the authorization link is not valid: start again from the app")]
    Invalid,
    #[error("the authorization link has expired: start again from the app")]
    Expired,
}

impl OAuthState {
    pub fn seal(&self, keyring: &KeyRing) -> String {
        let json = serde_json::to_vec(self).expect("an OAuth state always serialises");
        keyring.seal_to_string(Purpose::OAuthState, STATE_SEAL_ACCOUNT, &json)
    }

    pub fn open(sealed: &str, keyring: &KeyRing, now: DateTime<Utc>) -> Result<Self, StateError> {
        let json =
            keyring.open_str(Purpose::OAuthState, STATE_SEAL_ACCOUNT, sealed).map_err(|_| StateError::Invalid)?;
        let state: Self = serde_json::from_slice(&json).map_err(|_| StateError::Invalid)?;
        if state.expires_at <= now {
            return Err(StateError::Expired);
        }
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(expires_at: DateTime<Utc>) -> OAuthState {
        OAuthState {
            account_id: AccountId(42),
            user_id: Some(7),
            code_verifier: "v".repeat(43),
            back_to_url: None,
            expires_at,
            nonce: "n".into(),
        }
    }

    #[test]
    fn a_sealed_state_opens_before_it_expires_and_not_after() {
        let keyring = KeyRing::generate(1);
        let now = Utc::now();
        let sealed = state(now + chrono::Duration::minutes(10)).seal(&keyring);
        assert_eq!(OAuthState::open(&sealed, &keyring, now).unwrap().account_id, AccountId(42));
        let later = now + chrono::Duration::minutes(11);
        assert_eq!(OAuthState::open(&sealed, &keyring, later).err(), Some(StateError::Expired));
    }

    #[test]
    fn a_tampered_or_foreign_state_is_invalid() {
        let keyring = KeyRing::generate(1);
        let now = Utc::now();
        let mut sealed = state(now + chrono::Duration::minutes(10)).seal(&keyring);
        assert_eq!(OAuthState::open(&sealed, &KeyRing::generate(1), now).err(), Some(StateError::Invalid));
        sealed.replace_range(10..11, if &sealed[10..11] == "A" { "B" } else { "A" });
        assert_eq!(OAuthState::open(&sealed, &keyring, now).err(), Some(StateError::Invalid));
    }
}
