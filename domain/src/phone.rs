//! `PhoneNumber`: an E.164 number, normalised from whatever a monday phone column holds.
//!
//! Owns the rules that turn board text into the one canonical spelling (`+12025550169`)
//! that we send to, hash and encrypt. Every spelling of a number must end up identical,
//! or opt-outs and conversation lookups (keyed hashes of the E.164 form) would miss.
//!
//! Phone numbers are personal data: `Debug` masks the middle digits, there is no
//! `Display`, and no error message carries more than the last two digits.

use std::fmt;

use phonenumber::{Mode, ParseError, country};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longest raw input considered; anything longer is not a phone number and is refused
/// before it reaches the parser.
const MAX_RAW_LEN: usize = 64;
/// Fewer digits than this cannot be a number we can text, in any country.
const MIN_DIGITS: usize = 4;
/// E.164 caps a number at 15 digits including the country code.
const MAX_E164_DIGITS: usize = 15;
/// Without a `+`, room for an international dialling prefix such as `011`.
const MAX_DIALLED_DIGITS: usize = MAX_E164_DIGITS + 3;

/// Why text is not a phone number we can use. Messages are safe to show to the monday
/// user: they never contain more than the last two digits of the number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PhoneError {
    #[error("the phone number is empty")]
    Empty,
    #[error(
        "the phone number contains letters; only digits, spaces, dashes, dots, brackets and a leading + are allowed"
    )]
    Letters,
    #[error("the phone number contains characters other than digits, spaces, dashes, dots, brackets and a leading +")]
    InvalidCharacters,
    #[error("the phone number is too short")]
    TooShort,
    #[error("the phone number is too long")]
    TooLong,
    #[error(
        "the phone number has no known country code; write it with + and the country code, or set the country on the phone column"
    )]
    UnknownCountryCode,
    #[error("the phone column's country is not a known two-letter country code")]
    UnknownRegion,
    #[error("the phone number ending in {ending} is not a valid phone number")]
    Invalid { ending: String },
    #[error("the phone number is not in E.164 form (a + followed by digits only)")]
    NotE164,
    #[error("the phone column value is not in the expected format")]
    MalformedColumnValue,
}

/// A valid phone number in E.164 form. Construct it only through the parsers here, so
/// holding one means the number passed libphonenumber's validation.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber {
    e164: String,
    country_code: u16,
}

impl PhoneNumber {
    /// Parses a number as typed on a board. `default_region` (ISO 3166 alpha-2, any case)
    /// places numbers written without a country code. Digits without `+` are tried as
    /// international when no region is given, or when they are not a valid number in it.
    pub fn parse(raw: &str, default_region: Option<&str>) -> Result<Self, PhoneError> {
        let cleaned = Cleaned::from_raw(raw)?;
        let region = default_region.map(str::trim).filter(|r| !r.is_empty());
        match region {
            Some(region) if !cleaned.plus => {
                national(&cleaned.digits, region).or_else(|first| international(&cleaned.digits).map_err(|_| first))
            }
            _ => international(&cleaned.digits),
        }
    }

    /// Parses only the canonical form, for values we stored or received ourselves: a
    /// different spelling there means a bug or corruption, not a user's typing.
    pub fn from_e164(e164: &str) -> Result<Self, PhoneError> {
        let number = Self::parse(e164, None)?;
        if number.e164 != e164 {
            return Err(PhoneError::NotE164);
        }
        Ok(number)
    }

    /// Parses a phone column's raw `value` JSON, e.g.
    /// `{"phone":"12025550169","countryShortName":"US","changed_at":"..."}`. The country
    /// (optional) is the default region. A JSON string holding that JSON is also accepted,
    /// since the GraphQL `value` field is itself a JSON-encoded string.
    pub fn from_monday_value(value_json: &str) -> Result<Self, PhoneError> {
        let value = parse_json(value_json)?;
        let value = match value {
            serde_json::Value::String(inner) => parse_json(&inner)?,
            other => other,
        };
        let column = match value {
            serde_json::Value::Null => return Err(PhoneError::Empty),
            serde_json::Value::Object(_) => {
                serde_json::from_value::<MondayPhoneValue>(value).map_err(|_| PhoneError::MalformedColumnValue)?
            }
            _ => return Err(PhoneError::MalformedColumnValue),
        };
        let phone = column.phone_text()?;
        Self::from_monday_text(&phone, column.country_short_name.as_deref())
    }

    /// Parses a phone column's `text` (or GraphQL `phone`) with its `country_short_name`.
    pub fn from_monday_text(text: &str, country_short_name: Option<&str>) -> Result<Self, PhoneError> {
        Self::parse(text, country_short_name)
    }

    /// The canonical form: `+`, country code, national number, no separators.
    pub fn as_e164(&self) -> &str {
        &self.e164
    }

    /// The ITU country calling code (1 for NANP, 44 for the UK).
    pub fn country_code(&self) -> u16 {
        self.country_code
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code_len = self.country_code.to_string().len();
        let digits = &self.e164[1..];
        let masked = digits.len().saturating_sub(code_len + 2);
        let tail = &digits[code_len + masked..];
        write!(f, "PhoneNumber(+{}{}{})", &digits[..code_len], "*".repeat(masked), tail)
    }
}

impl Serialize for PhoneNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.e164)
    }
}

impl<'de> Deserialize<'de> for PhoneNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        PhoneNumber::from_e164(&s).map_err(serde::de::Error::custom)
    }
}

/// The digits of the input and whether it started with `+`; separators dropped.
struct Cleaned {
    digits: String,
    plus: bool,
}

impl Cleaned {
    fn from_raw(raw: &str) -> Result<Self, PhoneError> {
        let raw = raw.trim();
        if raw.len() > MAX_RAW_LEN {
            return Err(PhoneError::TooLong);
        }
        let mut cleaned = Cleaned { digits: String::with_capacity(raw.len()), plus: false };
        for c in raw.chars() {
            cleaned.push(c)?;
        }
        cleaned.check_length()?;
        Ok(cleaned)
    }

    fn push(&mut self, c: char) -> Result<(), PhoneError> {
        match c {
            '0'..='9' => self.digits.push(c),
            // Only one `+`, before any digit: "1+202" is a typo, not a number.
            '+' if self.digits.is_empty() && !self.plus => self.plus = true,
            c if is_separator(c) => {}
            c if c.is_alphabetic() => return Err(PhoneError::Letters),
            _ => return Err(PhoneError::InvalidCharacters),
        }
        Ok(())
    }

    fn check_length(&self) -> Result<(), PhoneError> {
        let max = if self.plus { MAX_E164_DIGITS } else { MAX_DIALLED_DIGITS };
        match self.digits.len() {
            0 => Err(PhoneError::Empty),
            n if n < MIN_DIGITS => Err(PhoneError::TooShort),
            n if n > max => Err(PhoneError::TooLong),
            _ => Ok(()),
        }
    }
}

/// Spaces, dashes (including the typographic ones word processors insert), dots and
/// brackets: how people group digits, never part of the number.
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '.' | '(' | ')' | '[' | ']' | '\u{2010}'..='\u{2015}' | '\u{2212}')
}

fn national(digits: &str, region: &str) -> Result<PhoneNumber, PhoneError> {
    let id: country::Id = region.to_ascii_uppercase().parse().map_err(|_| PhoneError::UnknownRegion)?;
    validated(phonenumber::parse(Some(id), digits), digits)
}

fn international(digits: &str) -> Result<PhoneNumber, PhoneError> {
    validated(phonenumber::parse(None, format!("+{digits}")), digits)
}

fn validated(parsed: Result<phonenumber::PhoneNumber, ParseError>, digits: &str) -> Result<PhoneNumber, PhoneError> {
    let number = parsed.map_err(|e| parse_error(&e, digits))?;
    if !phonenumber::is_valid(&number) {
        return Err(invalid(digits));
    }
    let e164 = number.format().mode(Mode::E164).to_string();
    // libphonenumber's metadata allows a few national numbers (German ones) longer than
    // E.164's 15 digits; no SMS route accepts those, and they would not parse back.
    if e164.len() > MAX_E164_DIGITS + 1 {
        return Err(PhoneError::TooLong);
    }
    // A few inputs come out in a form that does not parse back (libphonenumber strips a
    // national prefix after the country code, e.g. "+7 8880…"); such a number would fail
    // when we read our own stored or sent value, so it is refused up front.
    if !is_stable(&e164) {
        return Err(invalid(digits));
    }
    Ok(PhoneNumber { e164, country_code: number.code().value() })
}

/// Whether `e164` parses back, valid, to itself.
fn is_stable(e164: &str) -> bool {
    phonenumber::parse(None, e164)
        .is_ok_and(|again| phonenumber::is_valid(&again) && again.format().mode(Mode::E164).to_string() == e164)
}

fn parse_error(err: &ParseError, digits: &str) -> PhoneError {
    match err {
        ParseError::InvalidCountryCode => PhoneError::UnknownCountryCode,
        ParseError::TooShortAfterIdd | ParseError::TooShortNsn => PhoneError::TooShort,
        ParseError::TooLong => PhoneError::TooLong,
        _ => invalid(digits),
    }
}

fn invalid(digits: &str) -> PhoneError {
    let ending = digits[digits.len().saturating_sub(2)..].to_owned();
    PhoneError::Invalid { ending }
}

/// monday's phone column `value`. Unknown keys such as `changed_at` are ignored.
#[derive(Deserialize)]
struct MondayPhoneValue {
    #[serde(default)]
    phone: serde_json::Value,
    #[serde(default, rename = "countryShortName", alias = "country_short_name")]
    country_short_name: Option<String>,
}

impl MondayPhoneValue {
    /// Boards hold the number as a string, but a bare JSON number has been seen in
    /// imported data; both mean the same digits.
    fn phone_text(&self) -> Result<String, PhoneError> {
        match &self.phone {
            serde_json::Value::String(s) => Ok(s.clone()),
            serde_json::Value::Number(n) if n.is_u64() => Ok(n.to_string()),
            serde_json::Value::Null => Err(PhoneError::Empty),
            _ => Err(PhoneError::MalformedColumnValue),
        }
    }
}

/// serde_json's messages quote the offending input, which here is a phone number, so
/// only the fact of failure is kept.
fn parse_json(text: &str) -> Result<serde_json::Value, PhoneError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(PhoneError::Empty);
    }
    serde_json::from_str(text).map_err(|_| PhoneError::MalformedColumnValue)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn e164(raw: &str, region: Option<&str>) -> String {
        PhoneNumber::parse(raw, region).unwrap_or_else(|e| panic!("{raw:?} in {region:?}: {e}")).as_e164().to_owned()
    }

    #[test]
    fn accepts_e164() {
        assert_eq!(e164("+12025550169", None), "+12025550169");
        assert_eq!(e164("+447975777666", Some("US")), "+447975777666");
    }

    #[test]
    fn accepts_international_digits_without_plus() {
        assert_eq!(e164("12025550169", None), "+12025550169");
        assert_eq!(e164("13125550100", Some("US")), "+13125550100");
        assert_eq!(e164("447975777666", Some("US")), "+447975777666");
        assert_eq!(e164("12025550169", Some("GB")), "+12025550169");
    }

    #[test]
    fn accepts_national_numbers_with_a_region() {
        assert_eq!(e164("2025550169", Some("US")), "+12025550169");
        assert_eq!(e164("07975777666", Some("GB")), "+447975777666");
        assert_eq!(e164("07975777666", Some("gb")), "+447975777666");
        assert_eq!(e164("0044 7975 777666", Some("GB")), "+447975777666");
    }

    #[test]
    fn accepts_separators() {
        for raw in [
            "+1 202 555 0169",
            "+1-202-555-0169",
            "+1.202.555.0169",
            "+1 (202) 555-0169",
            "(202) 555-0169",
            " 202\u{a0}555\u{2013}0169 \n",
        ] {
            assert_eq!(e164(raw, Some("US")), "+12025550169", "{raw:?}");
        }
        assert_eq!(e164("07975 777 666", Some("GB")), "+447975777666");
    }

    #[test]
    fn rejects_empty_and_separator_only() {
        for raw in ["", "   ", "+", "- ( ) ."] {
            assert_eq!(PhoneNumber::parse(raw, Some("US")), Err(PhoneError::Empty), "{raw:?}");
        }
    }

    #[test]
    fn rejects_letters_and_other_characters() {
        assert_eq!(PhoneNumber::parse("1-800-FLOWERS", Some("US")), Err(PhoneError::Letters));
        assert_eq!(PhoneNumber::parse("+1 202 555 0169 ext 7", None), Err(PhoneError::Letters));
        assert_eq!(PhoneNumber::parse("+1 202 555 0169#", None), Err(PhoneError::InvalidCharacters));
        assert_eq!(PhoneNumber::parse("1+2025550169", None), Err(PhoneError::InvalidCharacters));
        assert_eq!(PhoneNumber::parse("++12025550169", None), Err(PhoneError::InvalidCharacters));
    }

    #[test]
    fn rejects_too_short_and_too_long() {
        assert_eq!(PhoneNumber::parse("123", Some("US")), Err(PhoneError::TooShort));
        assert_eq!(PhoneNumber::parse("+1234567890123456", None), Err(PhoneError::TooLong));
        assert_eq!(PhoneNumber::parse("1234567890123456789", Some("US")), Err(PhoneError::TooLong));
        assert_eq!(PhoneNumber::parse(&"1 ".repeat(40), None), Err(PhoneError::TooLong));
    }

    #[test]
    fn rejects_numbers_libphonenumber_calls_invalid() {
        // 555-01xx is fictional-but-valid; the 0 area code is not valid anywhere in NANP.
        assert!(matches!(PhoneNumber::parse("+1 012 555 0169", None), Err(PhoneError::Invalid { .. })));
        assert!(PhoneNumber::parse("12345", Some("US")).is_err());
        assert!(PhoneNumber::parse("+999 1234 5678", None).is_err());
        assert!(PhoneNumber::parse("2025550169", Some("XX")).is_err());
    }

    #[test]
    fn errors_show_at_most_the_last_two_digits() {
        let err = PhoneNumber::parse("+1 012 555 0169", None).unwrap_err();
        assert_eq!(err, PhoneError::Invalid { ending: "69".to_owned() });
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("0169") && !shown.contains("555"), "{shown}");
    }

    #[test]
    fn monday_value_with_country_and_changed_at() {
        let value = r#"{"phone":"+12025550169","countryShortName":"US","changed_at":"2024-01-01T00:00:00.000Z"}"#;
        assert_eq!(PhoneNumber::from_monday_value(value).unwrap().as_e164(), "+12025550169");
    }

    #[test]
    fn monday_value_without_plus_or_country() {
        let no_plus = r#"{"phone":"13125550100","countryShortName":"US"}"#;
        assert_eq!(PhoneNumber::from_monday_value(no_plus).unwrap().as_e164(), "+13125550100");
        // The spec's observed "15555550100" has area code 555, which libphonenumber (and
        // so monday's own validation) rejects.
        let fictional = r#"{"phone":"15555550100","countryShortName":"US"}"#;
        assert!(matches!(PhoneNumber::from_monday_value(fictional), Err(PhoneError::Invalid { .. })));
        let no_country = r#"{"phone":"12025550169"}"#;
        assert_eq!(PhoneNumber::from_monday_value(no_country).unwrap().as_e164(), "+12025550169");
        let national = r#"{"phone":"07975777666","countryShortName":"GB"}"#;
        assert_eq!(PhoneNumber::from_monday_value(national).unwrap().as_e164(), "+447975777666");
    }

    #[test]
    fn monday_value_double_encoded_and_numeric() {
        let double = r#""{\"phone\":\"2025550169\",\"countryShortName\":\"US\"}""#;
        assert_eq!(PhoneNumber::from_monday_value(double).unwrap().as_e164(), "+12025550169");
        let numeric = r#"{"phone":12025550169,"countryShortName":null}"#;
        assert_eq!(PhoneNumber::from_monday_value(numeric).unwrap().as_e164(), "+12025550169");
    }

    #[test]
    fn monday_value_empty_and_malformed() {
        for value in ["", "null", "{}", r#"{"phone":null}"#, r#"{"phone":"","countryShortName":"US"}"#] {
            assert_eq!(PhoneNumber::from_monday_value(value), Err(PhoneError::Empty), "{value:?}");
        }
        for value in ["{", "[1]", r#"{"phone":["+12025550169"]}"#, r#""+12025550169""#] {
            assert!(PhoneNumber::from_monday_value(value).is_err(), "{value:?}");
        }
        let err = PhoneNumber::from_monday_value(r#"{"phone":"+12025550169""#).unwrap_err();
        assert_eq!(err, PhoneError::MalformedColumnValue);
    }

    #[test]
    fn monday_text_uses_the_country() {
        let n = PhoneNumber::from_monday_text("(202) 555-0169", Some("US")).unwrap();
        assert_eq!(n.as_e164(), "+12025550169");
        assert_eq!(n.country_code(), 1);
    }

    #[test]
    fn debug_masks_the_middle() {
        let n = PhoneNumber::parse("+12025550169", None).unwrap();
        assert_eq!(format!("{n:?}"), "PhoneNumber(+1********69)");
        let uk = PhoneNumber::parse("+447975777666", None).unwrap();
        assert_eq!(format!("{uk:?}"), "PhoneNumber(+44********66)");
    }

    #[test]
    fn serde_is_the_e164_string_and_validates() {
        let n = PhoneNumber::parse("2025550169", Some("US")).unwrap();
        assert_eq!(serde_json::to_string(&n).unwrap(), r#""+12025550169""#);
        assert_eq!(serde_json::from_str::<PhoneNumber>(r#""+12025550169""#).unwrap(), n);
        assert!(serde_json::from_str::<PhoneNumber>(r#""12025550169""#).is_err());
        assert!(serde_json::from_str::<PhoneNumber>(r#""+1 202 555 0169""#).is_err());
        assert!(serde_json::from_str::<PhoneNumber>(r#""+1 012 555 0169""#).is_err());
    }

    #[test]
    fn a_number_whose_canonical_form_does_not_parse_back_is_refused() {
        // Found by `parsed_numbers_round_trip`: "+7 888030000000" would come out as an
        // E.164 string that is itself invalid.
        assert_eq!(PhoneNumber::parse("7888030000000", None), Err(PhoneError::Invalid { ending: "00".into() }));
    }

    #[test]
    fn from_e164_requires_the_canonical_form() {
        assert!(PhoneNumber::from_e164("+12025550169").is_ok());
        assert_eq!(PhoneNumber::from_e164("+1 202 555 0169"), Err(PhoneError::NotE164));
    }

    fn phoneish() -> impl Strategy<Value = String> {
        "[+]?[0-9 ()\\-.]{0,24}"
    }

    fn region() -> impl Strategy<Value = Option<String>> {
        proptest::option::of(proptest::sample::select(vec![
            "US", "GB", "DE", "FR", "IN", "BR", "AU", "IT", "us", "XX", "",
        ]))
        .prop_map(|r| r.map(str::to_owned))
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_input(raw in any::<String>(), region in region()) {
            let _ = PhoneNumber::parse(&raw, region.as_deref());
            let _ = PhoneNumber::from_monday_value(&raw);
        }

        #[test]
        fn never_panics_on_phone_like_input(raw in phoneish(), region in region()) {
            let _ = PhoneNumber::parse(&raw, region.as_deref());
        }

        #[test]
        fn parsed_numbers_round_trip(raw in "[+]?[1-9][0-9]{6,13}", region in region()) {
            if let Ok(n) = PhoneNumber::parse(&raw, region.as_deref()) {
                prop_assert_eq!(PhoneNumber::parse(n.as_e164(), None), Ok(n.clone()));
                prop_assert_eq!(PhoneNumber::from_e164(n.as_e164()), Ok(n.clone()));
                let json = serde_json::to_string(&n).unwrap();
                prop_assert_eq!(serde_json::from_str::<PhoneNumber>(&json).unwrap(), n);
            }
        }
    }
}
