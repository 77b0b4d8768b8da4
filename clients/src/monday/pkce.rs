//! PKCE (RFC 7636, S256) for the OAuth 2.1 authorize step: a random verifier kept
//! server-side until the callback, and the challenge derived from it for the URL.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// A fresh PKCE verifier and its S256 challenge.
#[derive(Debug, Clone)]
pub struct Pkce {
    /// Keep it (tied to the OAuth `state`) and pass it to `exchange_code`.
    pub verifier: SecretString,
    /// Goes in the authorize URL.
    pub challenge: String,
}

impl Pkce {
    /// 32 random bytes, base64url: a 43-character verifier, the RFC minimum length.
    pub fn generate() -> Self {
        let bytes: [u8; 32] = rand::random();
        let verifier = URL_SAFE_NO_PAD.encode(bytes);
        Self { challenge: code_challenge_s256(&verifier), verifier: SecretString::from(verifier) }
    }

    pub fn verifier(&self) -> &str {
        self.verifier.expose_secret()
    }
}

/// `BASE64URL(SHA256(verifier))` without padding.
pub fn code_challenge_s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_challenge_matches_the_rfc_7636_example() {
        // RFC 7636 appendix B.
        assert_eq!(
            code_challenge_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn each_generated_verifier_is_new_and_43_characters_long() {
        let (a, b) = (Pkce::generate(), Pkce::generate());
        assert_eq!(a.verifier().len(), 43);
        assert_ne!(a.verifier(), b.verifier());
        assert_eq!(a.challenge, code_challenge_s256(a.verifier()));
    }
}
