//! Twilio SIDs as newtypes that can only hold a well-formed value (spec §1.1–§1.3):
//! [`AccountSid`] (`AC…`), [`MessagingServiceSid`] (`MG…`) and [`MessageSid`] (`SM…`/`MM…`),
//! each a two-letter prefix and 32 hex digits.
//!
//! The Account SID is half of a credential: its `Debug` shows only the last four digits, it
//! has no `Display`, and no error here repeats the rejected text (a user may have pasted a
//! token into the SID field).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a string is not the SID we expected. Never contains the rejected value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid {kind}: expected {expected}")]
pub struct SidError {
    /// e.g. `Account SID`.
    pub kind: &'static str,
    /// e.g. `AC followed by 32 hexadecimal digits`.
    pub expected: &'static str,
}

/// `^{prefix}[0-9a-fA-F]{32}$` for any of `prefixes`.
pub(crate) fn is_sid(value: &str, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|prefix| {
        value.strip_prefix(prefix).is_some_and(|hex| hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
    })
}

/// The shared parse/serde plumbing of the SID newtypes.
macro_rules! sid_newtype {
    ($name:ident, $kind:literal, $expected:literal, [$($prefix:literal),+]) => {
        impl $name {
            /// Accepts the SID with surrounding whitespace trimmed (values pasted into monday
            /// fields often carry some).
            ///
            /// # Errors
            /// When the trimmed text does not match the SID pattern.
            pub fn parse(raw: &str) -> Result<Self, SidError> {
                let trimmed = raw.trim();
                if is_sid(trimmed, &[$($prefix),+]) {
                    Ok(Self(trimmed.to_owned()))
                } else {
                    Err(SidError { kind: $kind, expected: $expected })
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = SidError;

            fn try_from(raw: String) -> Result<Self, SidError> {
                Self::parse(&raw)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(deserializer)?;
                Self::parse(&raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

/// The Account SID: the path segment of every API call and the Basic-auth username when
/// authenticating with the Auth Token.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct AccountSid(String);

sid_newtype!(AccountSid, "Account SID", "AC followed by 32 hexadecimal digits", ["AC"]);

impl fmt::Debug for AccountSid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tail = &self.0[self.0.len() - 4..];
        write!(f, "AccountSid(AC…{tail})")
    }
}

/// A Messaging Service SID, sent as `MessagingServiceSid` so Twilio picks the sender.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MessagingServiceSid(String);

sid_newtype!(MessagingServiceSid, "Messaging Service SID", "MG followed by 32 hexadecimal digits", ["MG"]);

/// A message's SID: `SM…` for SMS, `MM…` for MMS.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MessageSid(String);

sid_newtype!(MessageSid, "Message SID", "SM or MM followed by 32 hexadecimal digits", ["SM", "MM"]);

impl fmt::Display for MessageSid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "0123456789abcdef0123456789ABCDEF";

    #[test]
    fn sids_need_their_prefix_and_exactly_32_hex_digits() {
        assert!(AccountSid::parse(&format!("AC{HEX}")).is_ok());
        assert!(MessagingServiceSid::parse(&format!("MG{HEX}")).is_ok());
        assert!(MessageSid::parse(&format!("SM{HEX}")).is_ok());
        assert!(MessageSid::parse(&format!("MM{HEX}")).is_ok());
        for bad in [
            format!("MG{HEX}"),
            format!("AC{}", &HEX[1..]),
            format!("AC{HEX}0"),
            format!("AC{}g", &HEX[1..]),
            format!("ac{HEX}"),
            String::new(),
        ] {
            assert!(AccountSid::parse(&bad).is_err(), "{bad}");
        }
        assert!(MessageSid::parse(&format!("MG{HEX}")).is_err());
    }

    #[test]
    fn surrounding_whitespace_is_trimmed() {
        let sid = AccountSid::parse(&format!("  AC{HEX}\n")).unwrap();
        assert_eq!(sid.as_str(), format!("AC{HEX}"));
    }

    #[test]
    fn errors_never_repeat_the_rejected_text() {
        let error = AccountSid::parse("my-secret-token").unwrap_err();
        assert!(!error.to_string().contains("my-secret-token"));
    }

    #[test]
    fn account_sid_debug_shows_only_the_last_four_digits() {
        let sid = AccountSid::parse(&format!("AC{HEX}")).unwrap();
        assert_eq!(format!("{sid:?}"), "AccountSid(AC…CDEF)");
    }

    #[test]
    fn sids_round_trip_through_serde_and_are_validated_on_the_way_in() {
        let sid = MessageSid::parse(&format!("SM{HEX}")).unwrap();
        let json = serde_json::to_string(&sid).unwrap();
        assert_eq!(serde_json::from_str::<MessageSid>(&json).unwrap(), sid);
        assert!(serde_json::from_str::<MessageSid>("\"SMnope\"").is_err());
    }
}
