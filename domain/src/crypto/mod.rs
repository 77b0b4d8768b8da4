//! Cryptography at rest: AES-256-SIV envelopes under a versioned key ring ([`envelope`])
//! and keyed one-way hashes of identifiers under a server pepper ([`keyed_hash`]).

pub mod envelope;
pub mod keyed_hash;

pub use envelope::{CryptoConfigError, KEY_LEN, KeyRing, OpenError, Purpose};
pub use keyed_hash::{HashDomain, KeyedHash, KeyedHashParseError, KeyedHasher, Pepper, PepperError};
