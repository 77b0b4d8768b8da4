//! Who a message is sent from: a Twilio number, a short code, an alphanumeric sender ID, or
//! a Messaging Service that picks the sender itself (spec §1.2, §6.1).
//!
//! [`Sender::parse`] reads the text an admin typed into the app's settings and decides by
//! shape. [`SenderKind`] is what throughput pacing needs to know (spec §6.1 gives each kind
//! its own messages-per-second budget).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::ids::MessagingServiceSid;

/// The US/Canada toll-free area codes (`+1 8XX`).
const TOLL_FREE_AREA_CODES: [&str; 7] = ["800", "833", "844", "855", "866", "877", "888"];
/// Twilio's limit for alphanumeric sender IDs.
const MAX_ALPHANUMERIC_CHARS: usize = 11;
/// Characters besides ASCII letters and digits that Twilio allows in an alphanumeric ID
/// (Messaging v1 AlphaSender resource: space, hyphen, plus, underscore, ampersand).
const ALPHANUMERIC_EXTRA_CHARS: [char; 5] = [' ', '-', '+', '_', '&'];

/// The `From` side of a send. Sent as `From`, or as `MessagingServiceSid` for a service.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Sender {
    /// An E.164 number (`+14155550100`) or a short code (`12345`).
    Number(String),
    /// 1–11 characters with at least one letter, e.g. `ACME Shop`.
    AlphanumericId(String),
    MessagingService(MessagingServiceSid),
}

/// The kind of sender, which sets its throughput (spec §6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SenderKind {
    /// A local number (including US 10DLC).
    LongCode,
    /// `+1` followed by 800, 833, 844, 855, 866, 877 or 888.
    TollFree,
    /// 5 or 6 digits, no `+`.
    ShortCode,
    Alphanumeric,
    MessagingService,
}

/// Why the sender text cannot be used. Never repeats the text (it may be a phone number).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SenderError {
    #[error("the sender is empty")]
    Empty,
    #[error("a sender phone number must be in E.164 form: + then the country code and number")]
    NotE164,
    #[error(
        "a numeric sender without + must be a 5 or 6 digit short code; write phone numbers \
         with + and the country code"
    )]
    NotShortCode,
    #[error(
        "an alphanumeric sender ID has 1 to 11 characters (letters, digits, spaces, - + _ &) \
         and at least one letter"
    )]
    InvalidAlphanumericId,
}

impl Sender {
    /// Decides by shape: a valid `MG…` SID is a Messaging Service; text starting with `+`
    /// is an E.164 number (spaces, dashes, dots and brackets are dropped); digits only are a
    /// short code; anything else must be a valid alphanumeric ID.
    ///
    /// # Errors
    /// See [`SenderError`].
    pub fn parse(raw: &str) -> Result<Self, SenderError> {
        let text = raw.trim();
        if text.is_empty() {
            return Err(SenderError::Empty);
        }
        if let Ok(service) = MessagingServiceSid::parse(text) {
            return Ok(Self::MessagingService(service));
        }
        if text.starts_with('+') {
            return parse_e164(text).map(Self::Number);
        }
        if text.chars().all(|c| c.is_ascii_digit()) {
            return if is_short_code(text) {
                Ok(Self::Number(text.to_owned()))
            } else {
                Err(SenderError::NotShortCode)
            };
        }
        if is_alphanumeric_id(text) {
            Ok(Self::AlphanumericId(text.to_owned()))
        } else {
            Err(SenderError::InvalidAlphanumericId)
        }
    }

    pub fn kind(&self) -> SenderKind {
        match self {
            Self::Number(number) if is_short_code(number) => SenderKind::ShortCode,
            Self::Number(number) if is_toll_free(number) => SenderKind::TollFree,
            Self::Number(_) => SenderKind::LongCode,
            Self::AlphanumericId(_) => SenderKind::Alphanumeric,
            Self::MessagingService(_) => SenderKind::MessagingService,
        }
    }

    /// The text as Twilio receives it: the number, the ID or the service SID.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Number(value) | Self::AlphanumericId(value) => value,
            Self::MessagingService(sid) => sid.as_str(),
        }
    }

    /// The create parameter this sender goes in.
    pub(crate) fn form_key(&self) -> &'static str {
        match self {
            Self::MessagingService(_) => "MessagingServiceSid",
            Self::Number(_) | Self::AlphanumericId(_) => "From",
        }
    }
}

/// Phone numbers are personal data, so `Debug` shows only the kind for them.
impl fmt::Debug for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(_) => write!(f, "Number({:?}, [REDACTED])", self.kind()),
            Self::AlphanumericId(id) => f.debug_tuple("AlphanumericId").field(id).finish(),
            Self::MessagingService(sid) => f.debug_tuple("MessagingService").field(sid).finish(),
        }
    }
}

/// Stored as the plain text [`Sender::parse`] reads back.
impl Serialize for Sender {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Sender {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// `^\+[1-9]\d{1,14}$` (spec §8) after dropping common formatting characters.
fn parse_e164(text: &str) -> Result<String, SenderError> {
    let compact: String = text.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')')).collect();
    let digits = &compact[1..];
    let valid =
        (2..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0');
    if valid { Ok(compact) } else { Err(SenderError::NotE164) }
}

fn is_short_code(text: &str) -> bool {
    (5..=6).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

fn is_toll_free(number: &str) -> bool {
    number
        .strip_prefix("+1")
        .filter(|national| national.len() == 10)
        .is_some_and(|national| TOLL_FREE_AREA_CODES.contains(&&national[..3]))
}

fn is_alphanumeric_id(text: &str) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || ALPHANUMERIC_EXTRA_CHARS.contains(&c);
    text.chars().count() <= MAX_ALPHANUMERIC_CHARS
        && text.chars().all(allowed)
        && text.chars().any(|c| c.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messaging_service_sids_become_a_service_sender() {
        let sender = Sender::parse("MG0123456789abcdef0123456789abcdef").unwrap();
        assert_eq!(sender.kind(), SenderKind::MessagingService);
        assert_eq!(sender.form_key(), "MessagingServiceSid");
    }

    #[test]
    fn numbers_are_sorted_into_long_codes_toll_free_and_short_codes() {
        let cases = [
            ("+14155550100", SenderKind::LongCode),
            ("+442071838750", SenderKind::LongCode),
            ("+18005550100", SenderKind::TollFree),
            ("+18335550100", SenderKind::TollFree),
            ("+18885550100", SenderKind::TollFree),
            ("+18095550100", SenderKind::LongCode),
            ("12345", SenderKind::ShortCode),
            ("123456", SenderKind::ShortCode),
        ];
        for (text, kind) in cases {
            let sender = Sender::parse(text).unwrap();
            assert_eq!(sender.kind(), kind, "{text}");
            assert_eq!(sender.form_key(), "From");
        }
    }

    #[test]
    fn formatted_e164_numbers_are_compacted() {
        let sender = Sender::parse(" +1 (415) 555-0100 ").unwrap();
        assert_eq!(sender, Sender::Number("+14155550100".into()));
    }

    #[test]
    fn malformed_numbers_are_refused() {
        assert_eq!(Sender::parse("+0123456"), Err(SenderError::NotE164));
        assert_eq!(Sender::parse("+1"), Err(SenderError::NotE164));
        assert_eq!(Sender::parse("+1415555O100"), Err(SenderError::NotE164));
        assert_eq!(Sender::parse("14155550100"), Err(SenderError::NotShortCode));
        assert_eq!(Sender::parse("1234"), Err(SenderError::NotShortCode));
        assert_eq!(Sender::parse("  "), Err(SenderError::Empty));
    }

    #[test]
    fn alphanumeric_ids_follow_twilio_rules() {
        for ok in ["ACME", "ACME Shop", "A", "Shop-24+7_&", "2Fast", "MGMT"] {
            let sender = Sender::parse(ok).unwrap();
            assert_eq!(sender.kind(), SenderKind::Alphanumeric, "{ok}");
        }
        for bad in ["TwelveLetter", "Café", "shop!", "12 34"] {
            assert_eq!(Sender::parse(bad), Err(SenderError::InvalidAlphanumericId), "{bad}");
        }
    }

    #[test]
    fn debug_hides_phone_numbers() {
        let debug = format!("{:?}", Sender::parse("+14155550100").unwrap());
        assert!(!debug.contains("4155550100"), "{debug}");
        assert!(debug.contains("LongCode"), "{debug}");
    }

    #[test]
    fn senders_round_trip_through_serde() {
        for text in ["+14155550100", "ACME", "MG0123456789abcdef0123456789abcdef"] {
            let sender = Sender::parse(text).unwrap();
            let json = serde_json::to_string(&sender).unwrap();
            assert_eq!(serde_json::from_str::<Sender>(&json).unwrap(), sender);
        }
    }
}
