//! What the Kv keeps about a sent message so that later webhooks find their way back:
//!
//! - `message/<H(MessageSid)>`: for status callbacks, the owning account and, sealed, the
//!   Auth Token that signs them and the opt-out key of the recipient;
//! - `session/<H(AccountSid, sender, recipient)>`: for replies, the owning account and,
//!   sealed, the board item the conversation belongs to and the Auth Token.
//!
//! Keys are keyed hashes, so the Kv holds no plain number or SID; everything else that
//! identifies a person is inside AES-256-SIV envelopes bound to the account. Both expire
//! (configurable) and go with the account on uninstall.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use drip_domain::AccountId;
use drip_domain::crypto::{HashDomain, KeyRing, KeyedHasher, Purpose};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::services::AccountServices;

/// A Kv value: the owner in plain (to route and to choose the associated data) and the
/// sealed payload.
#[derive(Serialize, Deserialize)]
struct Stored {
    account_id: AccountId,
    sealed: String,
}

/// What a status callback needs.
#[derive(Serialize, Deserialize)]
pub struct MessageTracking {
    /// `None` for an API-key install: its callbacks cannot be verified.
    pub auth_token: Option<String>,
    pub opt_out_hash: String,
}

/// What a reply needs to reach its item.
#[derive(Serialize, Deserialize)]
pub struct Conversation {
    pub board_id: i64,
    pub item_id: i64,
    pub auth_token: Option<String>,
    pub sent_at: chrono::DateTime<chrono::Utc>,
}

pub fn message_key(hasher: &KeyedHasher, message_sid: &str) -> String {
    format!("message/{}", hasher.hash(HashDomain::TwilioSid, &[message_sid.as_bytes()]))
}

pub fn session_key(hasher: &KeyedHasher, account_sid: &str, sender: &str, recipient: &str) -> String {
    let parts: [&[u8]; 3] = [account_sid.as_bytes(), sender.as_bytes(), recipient.as_bytes()];
    format!("session/{}", hasher.hash(HashDomain::Session, &parts))
}

pub async fn put<T: Serialize>(
    services: &AccountServices,
    account: AccountId,
    key: &str,
    purpose: Purpose,
    value: &T,
    ttl: Duration,
) -> anyhow::Result<()> {
    let sealed = services.crypto.keyring.seal(purpose, account, &serde_json::to_vec(value)?);
    let stored = Stored { account_id: account, sealed: STANDARD.encode(sealed) };
    services.kv.put(account, key, &serde_json::to_vec(&stored)?, Some(ttl)).await?;
    Ok(())
}

/// Reads and opens a tracking value: its owner and payload, `None` when absent.
pub fn open<T: DeserializeOwned>(keyring: &KeyRing, purpose: Purpose, raw: &[u8]) -> anyhow::Result<(AccountId, T)> {
    let stored: Stored = serde_json::from_slice(raw)?;
    let sealed = STANDARD.decode(stored.sealed)?;
    let plain = keyring
        .open(purpose, stored.account_id, &sealed)
        .map_err(|error| anyhow::anyhow!("a tracking value does not decrypt: {error}"))?;
    Ok((stored.account_id, serde_json::from_slice(&plain)?))
}

pub fn token_text(token: Option<&SecretString>) -> Option<String> {
    token.map(|token| token.expose_secret().to_owned())
}
