//! AES-256-SIV envelopes under a versioned key ring.
//!
//! Owns the wire format of every value we encrypt at rest (OAuth tokens in the Db, Twilio
//! credentials and pending recipients in the Kv) and the key ring that seals and opens it.
//!
//! Wire format (format version 1):
//!
//! | bytes    | content                                                    |
//! |----------|------------------------------------------------------------|
//! | 0        | format version, `1`                                        |
//! | 1        | key id                                                     |
//! | 2..18    | random 16-byte nonce                                       |
//! | 18..34   | SIV tag (RFC 5297 puts the synthetic IV first)             |
//! | 34..     | ciphertext, same length as the plaintext                   |
//!
//! The associated data is `sms-drip/v1/<purpose label>/<account id>`, so a ciphertext
//! copied to another account's row, or from a token column to a state parameter, fails to
//! open. The key id travels in clear so old keys keep opening old data after a rotation.

use std::collections::BTreeMap;
use std::fmt;

use aes_siv::aead::{AeadInOut, KeyInit};
use aes_siv::{Aes256SivAead, Nonce, Tag};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use secrecy::SecretString;
use zeroize::{Zeroize, Zeroizing};

use crate::ids::AccountId;

/// Length of an AES-256-SIV key: two AES-256 keys, one for S2V/CMAC and one for CTR.
pub const KEY_LEN: usize = 64;
/// The only envelope format this build writes and reads.
pub const FORMAT_VERSION: u8 = 1;

const NONCE_LEN: usize = 16;
const TAG_LEN: usize = 16;
const NONCE_START: usize = 2;
const TAG_START: usize = NONCE_START + NONCE_LEN;
const BODY_START: usize = TAG_START + TAG_LEN;
/// Shortest valid envelope: header and tag around an empty plaintext.
pub const MIN_SEALED_LEN: usize = BODY_START;

/// What a sealed value is for. The label is bound into the associated data, so it must
/// never change for an existing variant; add a variant instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Purpose {
    OAuthAccessToken,
    OAuthRefreshToken,
    OAuthState,
    TwilioCredentials,
    Conversation,
    Enrolment,
    /// A queued SMS (recipient, body, credentials) between acceptance and Twilio's answer.
    SendJob,
    /// A queued monday delivery (a trigger's output fields or an update's text) until
    /// monday accepts it.
    Delivery,
}

impl Purpose {
    /// Every purpose, so tests can check the labels stay distinct.
    pub const ALL: [Purpose; 8] = [
        Purpose::OAuthAccessToken,
        Purpose::OAuthRefreshToken,
        Purpose::OAuthState,
        Purpose::TwilioCredentials,
        Purpose::Conversation,
        Purpose::Enrolment,
        Purpose::SendJob,
        Purpose::Delivery,
    ];

    /// The stable label bound into the associated data.
    pub fn label(self) -> &'static str {
        match self {
            Purpose::OAuthAccessToken => "oauth-access-token",
            Purpose::OAuthRefreshToken => "oauth-refresh-token",
            Purpose::OAuthState => "oauth-state",
            Purpose::TwilioCredentials => "twilio-credentials",
            Purpose::Conversation => "conversation",
            Purpose::Enrolment => "enrolment",
            Purpose::SendJob => "send-job",
            Purpose::Delivery => "delivery",
        }
    }
}

/// A key ring that cannot be built from the configuration. Messages name key ids and
/// lengths only, never key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoConfigError {
    #[error("the key ring has no keys")]
    NoKeys,
    #[error("key id {0} appears more than once in the key ring")]
    DuplicateKeyId(u8),
    #[error("the current key id {0} is not in the key ring")]
    CurrentKeyMissing(u8),
    // The base64 crate's error names the offending symbol, which is a piece of the key.
    #[error("key {key_id} is not valid standard base64")]
    InvalidBase64 { key_id: u8 },
    #[error("key {key_id} decodes to {actual} bytes; AES-256-SIV needs {expected}")]
    WrongKeyLength { key_id: u8, expected: usize, actual: usize },
}

/// Why an envelope did not open. No variant carries plaintext, ciphertext or key bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error("the sealed value is not valid URL-safe base64")]
    Encoding,
    #[error("the sealed value is {len} bytes; at least {MIN_SEALED_LEN} are needed")]
    Truncated { len: usize },
    #[error("the sealed value has format version {0}; this build reads version {FORMAT_VERSION}")]
    UnsupportedVersion(u8),
    #[error("the sealed value names key id {0}, which is not in the key ring")]
    UnknownKey(u8),
    /// AES-SIV cannot tell these apart: a changed byte, another account, another purpose
    /// and the wrong key bytes under a known id all fail the same tag check.
    #[error("the sealed value failed authentication (tampered, or sealed for another account or purpose)")]
    Authentication,
}

/// A heap-allocated key that is wiped when dropped. Kept on the heap so moves of the ring
/// do not leave copies of the bytes behind.
struct SecretKey(Zeroizing<Box<[u8]>>);

impl SecretKey {
    fn new(bytes: &[u8; KEY_LEN]) -> Self {
        SecretKey(Zeroizing::new(Box::from(&bytes[..])))
    }

    fn cipher(&self) -> Aes256SivAead {
        Aes256SivAead::new_from_slice(&self.0).expect("a SecretKey always holds KEY_LEN bytes")
    }
}

/// Versioned AES-256-SIV keys. New envelopes use the current key; any key in the ring
/// opens the envelopes it sealed, which is how rotation works: add a key, make it current,
/// keep the old one until its data has been rewritten or has expired.
pub struct KeyRing {
    keys: BTreeMap<u8, SecretKey>,
    current: u8,
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing").field("key_ids", &self.key_ids()).field("current", &self.current).finish()
    }
}

impl KeyRing {
    /// Builds a ring from raw keys. The caller's key arrays are wiped once copied.
    pub fn new(mut keys: Vec<(u8, [u8; KEY_LEN])>, current: u8) -> Result<Self, CryptoConfigError> {
        let mut ring = BTreeMap::new();
        let mut duplicate = None;
        for (id, key) in &keys {
            if ring.insert(*id, SecretKey::new(key)).is_some() {
                duplicate.get_or_insert(*id);
            }
        }
        keys.zeroize();
        Self::checked(ring, current, duplicate)
    }

    /// Builds a ring from standard base64 keys (padding optional, surrounding whitespace
    /// ignored), as they come from configuration or the environment.
    pub fn from_base64(entries: &[(u8, &str)], current: u8) -> Result<Self, CryptoConfigError> {
        let mut ring = BTreeMap::new();
        let mut duplicate = None;
        for &(id, encoded) in entries {
            let key = decode_key(id, encoded)?;
            if ring.insert(id, SecretKey::new(&key)).is_some() {
                duplicate.get_or_insert(id);
            }
        }
        Self::checked(ring, current, duplicate)
    }

    /// A ring holding one fresh random key, for dev mode. Persist it with
    /// [`KeyRing::export_base64`] or every restart loses the data sealed before it.
    pub fn generate(id: u8) -> Self {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        rand::rng().fill_bytes(&mut key[..]);
        let keys = BTreeMap::from([(id, SecretKey::new(&key))]);
        KeyRing { keys, current: id }
    }

    fn checked(keys: BTreeMap<u8, SecretKey>, current: u8, duplicate: Option<u8>) -> Result<Self, CryptoConfigError> {
        if let Some(id) = duplicate {
            return Err(CryptoConfigError::DuplicateKeyId(id));
        }
        if keys.is_empty() {
            return Err(CryptoConfigError::NoKeys);
        }
        if !keys.contains_key(&current) {
            return Err(CryptoConfigError::CurrentKeyMissing(current));
        }
        Ok(KeyRing { keys, current })
    }

    /// The key in standard base64, the form [`KeyRing::from_base64`] reads.
    pub fn export_base64(&self, key_id: u8) -> Option<SecretString> {
        let key = self.keys.get(&key_id)?;
        let encoded = base64::engine::general_purpose::STANDARD.encode(&key.0[..]);
        Some(SecretString::from(encoded))
    }

    /// The id new envelopes are sealed under.
    pub fn current_key_id(&self) -> u8 {
        self.current
    }

    /// Every key id in the ring, ascending.
    pub fn key_ids(&self) -> Vec<u8> {
        self.keys.keys().copied().collect()
    }

    /// Seals `plaintext` under the current key with a fresh random nonce.
    pub fn seal(&self, purpose: Purpose, account: AccountId, plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        self.seal_with_nonce(purpose, account, plaintext, nonce)
    }

    /// Deterministic sealing exists only so known-answer tests can pin a ciphertext.
    pub(crate) fn seal_with_nonce(
        &self,
        purpose: Purpose,
        account: AccountId,
        plaintext: &[u8],
        nonce: [u8; NONCE_LEN],
    ) -> Vec<u8> {
        let mut out = Vec::with_capacity(BODY_START + plaintext.len());
        out.extend_from_slice(&[FORMAT_VERSION, self.current]);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&[0u8; TAG_LEN]);
        out.extend_from_slice(plaintext);
        let (head, body) = out.split_at_mut(BODY_START);
        let tag = self.keys[&self.current]
            .cipher()
            .encrypt_inout_detached(&Nonce::from(nonce), &associated_data(purpose, account), body.into())
            // S2V fails only with more than 126 header strings; we pass two.
            .expect("AES-SIV encryption with two header strings cannot fail");
        head[TAG_START..].copy_from_slice(&tag);
        out
    }

    /// Opens an envelope sealed under any key in the ring for this purpose and account.
    pub fn open(&self, purpose: Purpose, account: AccountId, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, OpenError> {
        if sealed.len() < MIN_SEALED_LEN {
            return Err(OpenError::Truncated { len: sealed.len() });
        }
        if sealed[0] != FORMAT_VERSION {
            return Err(OpenError::UnsupportedVersion(sealed[0]));
        }
        let key = self.keys.get(&sealed[1]).ok_or(OpenError::UnknownKey(sealed[1]))?;
        let nonce = Nonce::try_from(&sealed[NONCE_START..TAG_START]).expect("fixed nonce slice");
        let tag = Tag::try_from(&sealed[TAG_START..BODY_START]).expect("fixed tag slice");
        let mut plaintext = Zeroizing::new(sealed[BODY_START..].to_vec());
        key.cipher()
            .decrypt_inout_detached(&nonce, &associated_data(purpose, account), plaintext.as_mut_slice().into(), &tag)
            .map_err(|_| OpenError::Authentication)?;
        Ok(plaintext)
    }

    /// [`KeyRing::seal`] as URL-safe base64 without padding: fits a Db text column and an
    /// OAuth `state` query parameter unescaped.
    pub fn seal_to_string(&self, purpose: Purpose, account: AccountId, plaintext: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(self.seal(purpose, account, plaintext))
    }

    /// Opens what [`KeyRing::seal_to_string`] produced.
    pub fn open_str(
        &self,
        purpose: Purpose,
        account: AccountId,
        sealed: &str,
    ) -> Result<Zeroizing<Vec<u8>>, OpenError> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed.trim()).map_err(|_| OpenError::Encoding)?;
        self.open(purpose, account, &bytes)
    }
}

fn associated_data(purpose: Purpose, account: AccountId) -> Vec<u8> {
    format!("sms-drip/v1/{}/{}", purpose.label(), account.get()).into_bytes()
}

fn decode_key(key_id: u8, encoded: &str) -> Result<Zeroizing<[u8; KEY_LEN]>, CryptoConfigError> {
    let bytes = decode_secret_base64(encoded).ok_or(CryptoConfigError::InvalidBase64 { key_id })?;
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    if bytes.len() != KEY_LEN {
        return Err(CryptoConfigError::WrongKeyLength { key_id, expected: KEY_LEN, actual: bytes.len() });
    }
    key.copy_from_slice(&bytes);
    Ok(key)
}

/// Standard base64 with or without padding, into a buffer that is wiped when dropped.
/// Shared with the pepper loader so both secrets accept the same forms.
pub(super) fn decode_secret_base64(encoded: &str) -> Option<Zeroizing<Vec<u8>>> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    LENIENT.decode(encoded.trim()).ok().map(Zeroizing::new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const KAT_KEY_HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\
                               202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";
    const KAT_NONCE: [u8; NONCE_LEN] = [0xa0; NONCE_LEN];
    const KAT_PLAINTEXT: &[u8] = b"token-abc";
    // Computed once and cross-checked with an independent implementation (pyca/cryptography
    // `AESSIV(key).encrypt(plaintext, [associated_data, nonce])` behind the 18-byte header).
    const KAT_SEALED_HEX: &str = "0107a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0\
                                  768879f585783f0ab2e3f6de5ffa52cb\
                                  e1aa2838809917a885";

    fn kat_key() -> [u8; KEY_LEN] {
        hex::decode(KAT_KEY_HEX).unwrap().try_into().unwrap()
    }

    fn ring_with(ids: &[u8], current: u8) -> KeyRing {
        let keys = ids.iter().map(|&id| (id, [id; KEY_LEN])).collect();
        KeyRing::new(keys, current).unwrap()
    }

    #[test]
    fn known_answer_is_pinned() {
        let ring = KeyRing::new(vec![(7, kat_key())], 7).unwrap();
        let sealed = ring.seal_with_nonce(Purpose::OAuthAccessToken, AccountId(777777), KAT_PLAINTEXT, KAT_NONCE);
        assert_eq!(hex::encode(&sealed), KAT_SEALED_HEX);
    }

    #[test]
    fn known_answer_opens_with_a_ring_built_from_base64() {
        let encoded = base64::engine::general_purpose::STANDARD.encode(kat_key());
        let ring = KeyRing::from_base64(&[(7, &encoded)], 7).unwrap();
        let sealed = hex::decode(KAT_SEALED_HEX).unwrap();
        let opened = ring.open(Purpose::OAuthAccessToken, AccountId(777777), &sealed).unwrap();
        assert_eq!(&opened[..], KAT_PLAINTEXT);
    }

    #[test]
    fn wire_format_header_is_version_key_id_nonce() {
        let ring = ring_with(&[3], 3);
        let sealed = ring.seal_with_nonce(Purpose::Enrolment, AccountId(1), b"hello", KAT_NONCE);
        assert_eq!(sealed[0], FORMAT_VERSION);
        assert_eq!(sealed[1], 3);
        assert_eq!(sealed[NONCE_START..TAG_START], KAT_NONCE);
        assert_eq!(sealed.len(), MIN_SEALED_LEN + 5);
    }

    #[test]
    fn fresh_nonce_per_seal() {
        let ring = ring_with(&[1], 1);
        let a = ring.seal(Purpose::Conversation, AccountId(1), b"same");
        let b = ring.seal(Purpose::Conversation, AccountId(1), b"same");
        assert_ne!(a, b);
    }

    #[test]
    fn empty_plaintext_round_trips() {
        let ring = ring_with(&[1], 1);
        let sealed = ring.seal(Purpose::OAuthState, AccountId(5), b"");
        assert_eq!(sealed.len(), MIN_SEALED_LEN);
        assert!(ring.open(Purpose::OAuthState, AccountId(5), &sealed).unwrap().is_empty());
    }

    #[test]
    fn open_errors_are_distinct() {
        let ring = ring_with(&[1], 1);
        let (p, a) = (Purpose::TwilioCredentials, AccountId(9));
        let sealed = ring.seal(p, a, b"secret");
        assert_eq!(ring.open(p, a, &sealed[..33]), Err(OpenError::Truncated { len: 33 }));
        let mut bad = sealed.clone();
        bad[0] = 2;
        assert_eq!(ring.open(p, a, &bad), Err(OpenError::UnsupportedVersion(2)));
        let mut bad = sealed.clone();
        bad[1] = 9;
        assert_eq!(ring.open(p, a, &bad), Err(OpenError::UnknownKey(9)));
        let mut bad = sealed.clone();
        *bad.last_mut().unwrap() ^= 1;
        assert_eq!(ring.open(p, a, &bad), Err(OpenError::Authentication));
        assert_eq!(ring.open_str(p, a, "not base64!"), Err(OpenError::Encoding));
    }

    #[test]
    fn errors_never_contain_plaintext_or_key_bytes() {
        let ring = ring_with(&[1], 1);
        let sealed = ring.seal(Purpose::OAuthAccessToken, AccountId(1), b"plaintext-marker");
        let err = ring.open(Purpose::OAuthAccessToken, AccountId(2), &sealed).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("plaintext-marker"));
        assert!(!shown.contains(&hex::encode(&sealed)));
    }

    #[test]
    fn debug_shows_key_ids_only() {
        let ring = KeyRing::new(vec![(1, kat_key()), (2, [0xab; KEY_LEN])], 2).unwrap();
        let shown = format!("{ring:?}");
        assert_eq!(shown, "KeyRing { key_ids: [1, 2], current: 2 }");
    }

    #[test]
    fn ring_construction_errors() {
        assert_eq!(KeyRing::new(vec![], 1).unwrap_err(), CryptoConfigError::NoKeys);
        let dup = vec![(1, [1; KEY_LEN]), (1, [2; KEY_LEN])];
        assert_eq!(KeyRing::new(dup, 1).unwrap_err(), CryptoConfigError::DuplicateKeyId(1));
        let missing = vec![(1, [1; KEY_LEN])];
        assert_eq!(KeyRing::new(missing, 2).unwrap_err(), CryptoConfigError::CurrentKeyMissing(2));
    }

    #[test]
    fn base64_errors_name_the_key_id_and_length() {
        let err = KeyRing::from_base64(&[(4, "***")], 4).unwrap_err();
        assert_eq!(err, CryptoConfigError::InvalidBase64 { key_id: 4 });
        let short = base64::engine::general_purpose::STANDARD.encode([0u8; 32]);
        let err = KeyRing::from_base64(&[(5, &short)], 5).unwrap_err();
        assert_eq!(err, CryptoConfigError::WrongKeyLength { key_id: 5, expected: 64, actual: 32 });
        assert!(err.to_string().contains("key 5"));
    }

    #[test]
    fn base64_accepts_unpadded_and_whitespace() {
        let padded = base64::engine::general_purpose::STANDARD.encode(kat_key());
        let unpadded = padded.trim_end_matches('=').to_owned();
        let spaced = format!("  {padded}\n");
        for encoded in [padded.as_str(), unpadded.as_str(), spaced.as_str()] {
            assert!(KeyRing::from_base64(&[(1, encoded)], 1).is_ok());
        }
    }

    #[test]
    fn generated_key_exports_and_reimports() {
        let ring = KeyRing::generate(3);
        assert_eq!(ring.key_ids(), vec![3]);
        let exported = ring.export_base64(3).unwrap();
        let sealed = ring.seal(Purpose::Enrolment, AccountId(1), b"x");
        use secrecy::ExposeSecret as _;
        let again = KeyRing::from_base64(&[(3, exported.expose_secret())], 3).unwrap();
        assert_eq!(&again.open(Purpose::Enrolment, AccountId(1), &sealed).unwrap()[..], b"x");
        assert!(ring.export_base64(4).is_none());
    }

    #[test]
    fn purpose_labels_are_distinct_and_stable() {
        let labels: std::collections::BTreeSet<_> = Purpose::ALL.iter().map(|p| p.label()).collect();
        assert_eq!(labels.len(), Purpose::ALL.len());
        assert_eq!(Purpose::OAuthAccessToken.label(), "oauth-access-token");
    }

    #[test]
    fn string_form_is_url_safe() {
        let ring = ring_with(&[1], 1);
        let s = ring.seal_to_string(Purpose::OAuthState, AccountId(1), &[0xff; 100]);
        assert!(s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        let opened = ring.open_str(Purpose::OAuthState, AccountId(1), &s).unwrap();
        assert_eq!(&opened[..], &[0xff; 100][..]);
    }

    fn purpose() -> impl Strategy<Value = Purpose> {
        proptest::sample::select(Purpose::ALL.to_vec())
    }

    /// Two different purposes, in either order (generated, not filtered: no rejects).
    fn two_purposes() -> impl Strategy<Value = (Purpose, Purpose)> {
        (proptest::sample::subsequence(Purpose::ALL.to_vec(), 2), any::<bool>())
            .prop_map(|(pair, swap)| if swap { (pair[1], pair[0]) } else { (pair[0], pair[1]) })
    }

    proptest! {
        #[test]
        fn round_trips(plaintext in proptest::collection::vec(any::<u8>(), 0..300),
                       account in any::<i64>(), purpose in purpose()) {
            let ring = ring_with(&[1], 1);
            let sealed = ring.seal(purpose, AccountId(account), &plaintext);
            let opened = ring.open(purpose, AccountId(account), &sealed).unwrap();
            prop_assert_eq!(&opened[..], &plaintext[..]);
            let s = ring.seal_to_string(purpose, AccountId(account), &plaintext);
            prop_assert_eq!(&ring.open_str(purpose, AccountId(account), &s).unwrap()[..], &plaintext[..]);
        }

        #[test]
        fn any_flipped_byte_fails(plaintext in proptest::collection::vec(any::<u8>(), 0..64),
                                  index in any::<proptest::sample::Index>(), flip in 1u8..=255) {
            let ring = ring_with(&[1], 1);
            let mut sealed = ring.seal(Purpose::Conversation, AccountId(1), &plaintext);
            let i = index.index(sealed.len());
            sealed[i] ^= flip;
            prop_assert!(ring.open(Purpose::Conversation, AccountId(1), &sealed).is_err());
        }

        #[test]
        fn other_account_fails(a in any::<i64>(), b in any::<i64>(), purpose in purpose()) {
            prop_assume!(a != b);
            let ring = ring_with(&[1], 1);
            let sealed = ring.seal(purpose, AccountId(a), b"token");
            prop_assert_eq!(ring.open(purpose, AccountId(b), &sealed), Err(OpenError::Authentication));
        }

        #[test]
        fn other_purpose_fails((p, q) in two_purposes(), account in any::<i64>()) {
            let ring = ring_with(&[1], 1);
            let sealed = ring.seal(p, AccountId(account), b"token");
            prop_assert_eq!(ring.open(q, AccountId(account), &sealed), Err(OpenError::Authentication));
        }

        #[test]
        fn rotation_opens_old_and_seals_new(plaintext in proptest::collection::vec(any::<u8>(), 0..64),
                                            account in any::<i64>()) {
            let old = ring_with(&[1], 1);
            let rotated = ring_with(&[1, 2], 2);
            let sealed_old = old.seal(Purpose::OAuthRefreshToken, AccountId(account), &plaintext);
            let opened = rotated.open(Purpose::OAuthRefreshToken, AccountId(account), &sealed_old).unwrap();
            prop_assert_eq!(&opened[..], &plaintext[..]);
            let sealed_new = rotated.seal(Purpose::OAuthRefreshToken, AccountId(account), &plaintext);
            prop_assert_eq!(sealed_new[1], 2);
            prop_assert_eq!(old.open(Purpose::OAuthRefreshToken, AccountId(account), &sealed_new),
                            Err(OpenError::UnknownKey(2)));
        }
    }
}
