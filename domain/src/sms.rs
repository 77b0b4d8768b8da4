//! SMS segment and encoding arithmetic (`spec/twilio.md` §7): what a body will cost
//! before Twilio says so.
//!
//! Twilio sends a body in GSM-7 when every character is in the GSM 03.38 default alphabet
//! (basic table, or extension table at 2 septets each) and in UCS-2 otherwise: one
//! character outside the alphabet switches the whole message. A single segment holds
//! 160 septets or 70 UTF-16 code units; once a body is longer, each segment gives 6
//! octets to the concatenation header and holds 153 or 67, and a character never
//! straddles two segments.
//!
//! This is a preview (block hints, plan limits, logs). The billed count is the
//! `num_segments` Twilio returns. Twilio's own calculator keeps whole grapheme clusters
//! together where this keeps whole `char`s; they differ only for multi-scalar emoji
//! sequences right at a segment boundary.

use std::fmt;

/// Longest body Twilio accepts; longer ones fail with error 21617.
pub const MAX_BODY_CHARS: usize = 1600;

const GSM7_SINGLE_SEGMENT_SEPTETS: usize = 160;
/// 140 octets less the 6-octet concatenation header is 1,072 bits: 153 whole septets.
const GSM7_CONCATENATED_SEGMENT_SEPTETS: usize = 153;
const UCS2_SINGLE_SEGMENT_UNITS: usize = 70;
/// 140 octets less the 6-octet concatenation header is 134 octets: 67 code units.
const UCS2_CONCATENATED_SEGMENT_UNITS: usize = 67;

/// How Twilio will encode a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// The GSM 03.38 default alphabet, 7 bits a character (2 septets for extension
    /// characters such as `€` and `{`).
    Gsm7,
    /// UTF-16 in practice: 2 octets a character, 4 for characters outside the Basic
    /// Multilingual Plane (most emoji).
    Ucs2,
}

impl Encoding {
    /// GSM-7 only if every character has a GSM-7 code; one that does not forces UCS-2
    /// for the whole body.
    fn of(body: &str) -> Self {
        if body.chars().all(|c| gsm7_septets(c).is_some()) { Self::Gsm7 } else { Self::Ucs2 }
    }

    /// Septets (GSM-7) or UTF-16 code units (UCS-2) that `c` takes.
    fn units_of(self, c: char) -> usize {
        match self {
            Self::Gsm7 => gsm7_septets(c).unwrap_or(1),
            Self::Ucs2 => c.len_utf16(),
        }
    }

    /// Units in a lone segment, and in each segment of a concatenated message.
    fn segment_capacity(self) -> (usize, usize) {
        match self {
            Self::Gsm7 => (GSM7_SINGLE_SEGMENT_SEPTETS, GSM7_CONCATENATED_SEGMENT_SEPTETS),
            Self::Ucs2 => (UCS2_SINGLE_SEGMENT_UNITS, UCS2_CONCATENATED_SEGMENT_UNITS),
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Gsm7 => "GSM-7",
            Self::Ucs2 => "UCS-2",
        })
    }
}

/// The encoding of a body and what it costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentInfo {
    pub encoding: Encoding,
    /// Septets for GSM-7, UTF-16 code units for UCS-2.
    pub units: usize,
    /// Message segments Twilio will send (and bill). 0 only for an empty body, which
    /// Twilio refuses rather than sends.
    pub segments: u32,
}

/// Works out how Twilio will encode `body` and into how many segments it will split it.
pub fn segment_info(body: &str) -> SegmentInfo {
    let encoding = Encoding::of(body);
    let units = body.chars().map(|c| encoding.units_of(c)).sum();
    SegmentInfo { encoding, units, segments: count_segments(body, encoding, units) }
}

/// Fills concatenated segments greedily, moving a character that does not fit whole to
/// the next segment, as Twilio's calculator does.
fn count_segments(body: &str, encoding: Encoding, units: usize) -> u32 {
    let (single, concatenated) = encoding.segment_capacity();
    if units == 0 {
        return 0;
    }
    if units <= single {
        return 1;
    }
    let mut segments: u32 = 1;
    let mut used = 0;
    for size in body.chars().map(|c| encoding.units_of(c)) {
        if used + size > concatenated {
            segments = segments.saturating_add(1);
            used = 0;
        }
        used += size;
    }
    segments
}

/// A body longer than Twilio accepts. Carries only the length, never the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the message is {chars} characters long; an SMS can be at most {max} characters",
    max = MAX_BODY_CHARS
)]
pub struct BodyTooLong {
    pub chars: usize,
}

/// Refuses a body Twilio would reject with 21617, so the user sees why before a send is
/// attempted. Counts Unicode characters, as a person reading the message would.
pub fn check_body_length(body: &str) -> Result<(), BodyTooLong> {
    let chars = body.chars().count();
    if chars > MAX_BODY_CHARS {
        return Err(BodyTooLong { chars });
    }
    Ok(())
}

/// 1 for a basic-table character, 2 for an extension-table one (escape + code), `None`
/// when GSM-7 cannot carry it.
fn gsm7_septets(c: char) -> Option<usize> {
    if GSM7_BASIC.contains(&c) {
        Some(1)
    } else if GSM7_EXTENSION.contains(&c) {
        Some(2)
    } else {
        None
    }
}

// The two tables below were generated, not typed. Source: Twilio's segment calculator,
// TwilioDevEd/message-segment-calculator `src/libs/UnicodeToGSM.ts` (map `UnicodeToGsm`,
// Unicode code point -> GSM-7 code units). A one-off script took each entry with one code
// unit into GSM7_BASIC and each `[0x1b, code]` entry into GSM7_EXTENSION, ordered by
// GSM-7 code, and checked both sets against the 3GPP TS 23.038 default alphabet and its
// extension table as listed by the PyPI package `gsm0338` 1.1.0 (`charset.py`): they
// match exactly. The basic table has 128 codes; 0x1B is the escape to the extension
// table, not a character, hence 127 entries. Twilio maps 0x09 to `Ç` (U+00C7) only, so
// lower-case `ç` is not GSM-7 (spec §7).

/// GSM 03.38 basic table, in GSM-7 code order; 1 septet each.
const GSM7_BASIC: [char; 127] = [
    '@',        // 0x00 COMMERCIAL AT
    '\u{00a3}', // 0x01 POUND SIGN
    '$',        // 0x02 DOLLAR SIGN
    '\u{00a5}', // 0x03 YEN SIGN
    '\u{00e8}', // 0x04 LATIN SMALL LETTER E WITH GRAVE
    '\u{00e9}', // 0x05 LATIN SMALL LETTER E WITH ACUTE
    '\u{00f9}', // 0x06 LATIN SMALL LETTER U WITH GRAVE
    '\u{00ec}', // 0x07 LATIN SMALL LETTER I WITH GRAVE
    '\u{00f2}', // 0x08 LATIN SMALL LETTER O WITH GRAVE
    '\u{00c7}', // 0x09 LATIN CAPITAL LETTER C WITH CEDILLA
    '\u{0a}',   // 0x0a LINE FEED
    '\u{00d8}', // 0x0b LATIN CAPITAL LETTER O WITH STROKE
    '\u{00f8}', // 0x0c LATIN SMALL LETTER O WITH STROKE
    '\u{0d}',   // 0x0d CARRIAGE RETURN
    '\u{00c5}', // 0x0e LATIN CAPITAL LETTER A WITH RING ABOVE
    '\u{00e5}', // 0x0f LATIN SMALL LETTER A WITH RING ABOVE
    '\u{0394}', // 0x10 GREEK CAPITAL LETTER DELTA
    '_',        // 0x11 LOW LINE
    '\u{03a6}', // 0x12 GREEK CAPITAL LETTER PHI
    '\u{0393}', // 0x13 GREEK CAPITAL LETTER GAMMA
    '\u{039b}', // 0x14 GREEK CAPITAL LETTER LAMDA
    '\u{03a9}', // 0x15 GREEK CAPITAL LETTER OMEGA
    '\u{03a0}', // 0x16 GREEK CAPITAL LETTER PI
    '\u{03a8}', // 0x17 GREEK CAPITAL LETTER PSI
    '\u{03a3}', // 0x18 GREEK CAPITAL LETTER SIGMA
    '\u{0398}', // 0x19 GREEK CAPITAL LETTER THETA
    '\u{039e}', // 0x1a GREEK CAPITAL LETTER XI
    '\u{00c6}', // 0x1c LATIN CAPITAL LETTER AE
    '\u{00e6}', // 0x1d LATIN SMALL LETTER AE
    '\u{00df}', // 0x1e LATIN SMALL LETTER SHARP S
    '\u{00c9}', // 0x1f LATIN CAPITAL LETTER E WITH ACUTE
    ' ',        // 0x20 SPACE
    '!',        // 0x21 EXCLAMATION MARK
    '"',        // 0x22 QUOTATION MARK
    '#',        // 0x23 NUMBER SIGN
    '\u{00a4}', // 0x24 CURRENCY SIGN
    '%',        // 0x25 PERCENT SIGN
    '&',        // 0x26 AMPERSAND
    '\'',       // 0x27 APOSTROPHE
    '(',        // 0x28 LEFT PARENTHESIS
    ')',        // 0x29 RIGHT PARENTHESIS
    '*',        // 0x2a ASTERISK
    '+',        // 0x2b PLUS SIGN
    ',',        // 0x2c COMMA
    '-',        // 0x2d HYPHEN-MINUS
    '.',        // 0x2e FULL STOP
    '/',        // 0x2f SOLIDUS
    '0',        // 0x30 DIGIT ZERO
    '1',        // 0x31 DIGIT ONE
    '2',        // 0x32 DIGIT TWO
    '3',        // 0x33 DIGIT THREE
    '4',        // 0x34 DIGIT FOUR
    '5',        // 0x35 DIGIT FIVE
    '6',        // 0x36 DIGIT SIX
    '7',        // 0x37 DIGIT SEVEN
    '8',        // 0x38 DIGIT EIGHT
    '9',        // 0x39 DIGIT NINE
    ':',        // 0x3a COLON
    ';',        // 0x3b SEMICOLON
    '<',        // 0x3c LESS-THAN SIGN
    '=',        // 0x3d EQUALS SIGN
    '>',        // 0x3e GREATER-THAN SIGN
    '?',        // 0x3f QUESTION MARK
    '\u{00a1}', // 0x40 INVERTED EXCLAMATION MARK
    'A',        // 0x41 LATIN CAPITAL LETTER A
    'B',        // 0x42 LATIN CAPITAL LETTER B
    'C',        // 0x43 LATIN CAPITAL LETTER C
    'D',        // 0x44 LATIN CAPITAL LETTER D
    'E',        // 0x45 LATIN CAPITAL LETTER E
    'F',        // 0x46 LATIN CAPITAL LETTER F
    'G',        // 0x47 LATIN CAPITAL LETTER G
    'H',        // 0x48 LATIN CAPITAL LETTER H
    'I',        // 0x49 LATIN CAPITAL LETTER I
    'J',        // 0x4a LATIN CAPITAL LETTER J
    'K',        // 0x4b LATIN CAPITAL LETTER K
    'L',        // 0x4c LATIN CAPITAL LETTER L
    'M',        // 0x4d LATIN CAPITAL LETTER M
    'N',        // 0x4e LATIN CAPITAL LETTER N
    'O',        // 0x4f LATIN CAPITAL LETTER O
    'P',        // 0x50 LATIN CAPITAL LETTER P
    'Q',        // 0x51 LATIN CAPITAL LETTER Q
    'R',        // 0x52 LATIN CAPITAL LETTER R
    'S',        // 0x53 LATIN CAPITAL LETTER S
    'T',        // 0x54 LATIN CAPITAL LETTER T
    'U',        // 0x55 LATIN CAPITAL LETTER U
    'V',        // 0x56 LATIN CAPITAL LETTER V
    'W',        // 0x57 LATIN CAPITAL LETTER W
    'X',        // 0x58 LATIN CAPITAL LETTER X
    'Y',        // 0x59 LATIN CAPITAL LETTER Y
    'Z',        // 0x5a LATIN CAPITAL LETTER Z
    '\u{00c4}', // 0x5b LATIN CAPITAL LETTER A WITH DIAERESIS
    '\u{00d6}', // 0x5c LATIN CAPITAL LETTER O WITH DIAERESIS
    '\u{00d1}', // 0x5d LATIN CAPITAL LETTER N WITH TILDE
    '\u{00dc}', // 0x5e LATIN CAPITAL LETTER U WITH DIAERESIS
    '\u{00a7}', // 0x5f SECTION SIGN
    '\u{00bf}', // 0x60 INVERTED QUESTION MARK
    'a',        // 0x61 LATIN SMALL LETTER A
    'b',        // 0x62 LATIN SMALL LETTER B
    'c',        // 0x63 LATIN SMALL LETTER C
    'd',        // 0x64 LATIN SMALL LETTER D
    'e',        // 0x65 LATIN SMALL LETTER E
    'f',        // 0x66 LATIN SMALL LETTER F
    'g',        // 0x67 LATIN SMALL LETTER G
    'h',        // 0x68 LATIN SMALL LETTER H
    'i',        // 0x69 LATIN SMALL LETTER I
    'j',        // 0x6a LATIN SMALL LETTER J
    'k',        // 0x6b LATIN SMALL LETTER K
    'l',        // 0x6c LATIN SMALL LETTER L
    'm',        // 0x6d LATIN SMALL LETTER M
    'n',        // 0x6e LATIN SMALL LETTER N
    'o',        // 0x6f LATIN SMALL LETTER O
    'p',        // 0x70 LATIN SMALL LETTER P
    'q',        // 0x71 LATIN SMALL LETTER Q
    'r',        // 0x72 LATIN SMALL LETTER R
    's',        // 0x73 LATIN SMALL LETTER S
    't',        // 0x74 LATIN SMALL LETTER T
    'u',        // 0x75 LATIN SMALL LETTER U
    'v',        // 0x76 LATIN SMALL LETTER V
    'w',        // 0x77 LATIN SMALL LETTER W
    'x',        // 0x78 LATIN SMALL LETTER X
    'y',        // 0x79 LATIN SMALL LETTER Y
    'z',        // 0x7a LATIN SMALL LETTER Z
    '\u{00e4}', // 0x7b LATIN SMALL LETTER A WITH DIAERESIS
    '\u{00f6}', // 0x7c LATIN SMALL LETTER O WITH DIAERESIS
    '\u{00f1}', // 0x7d LATIN SMALL LETTER N WITH TILDE
    '\u{00fc}', // 0x7e LATIN SMALL LETTER U WITH DIAERESIS
    '\u{00e0}', // 0x7f LATIN SMALL LETTER A WITH GRAVE
];

/// GSM 03.38 extension table, in code order; each is sent as ESC (0x1B) + code, 2 septets.
const GSM7_EXTENSION: [char; 10] = [
    '\u{0c}',   // 0x0a FORM FEED
    '^',        // 0x14 CIRCUMFLEX ACCENT
    '{',        // 0x28 LEFT CURLY BRACKET
    '}',        // 0x29 RIGHT CURLY BRACKET
    '\\',       // 0x2f REVERSE SOLIDUS
    '[',        // 0x3c LEFT SQUARE BRACKET
    '~',        // 0x3d TILDE
    ']',        // 0x3e RIGHT SQUARE BRACKET
    '|',        // 0x40 VERTICAL LINE
    '\u{20ac}', // 0x65 EURO SIGN
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn info(body: &str) -> (Encoding, usize, u32) {
        let info = segment_info(body);
        (info.encoding, info.units, info.segments)
    }

    #[test]
    fn ascii_fits_160_septets_in_one_segment_and_161_needs_two() {
        assert_eq!(info(&"A".repeat(160)), (Encoding::Gsm7, 160, 1));
        assert_eq!(info(&"A".repeat(161)), (Encoding::Gsm7, 161, 2));
    }

    #[test]
    fn concatenated_gsm7_segments_hold_153_septets() {
        assert_eq!(info(&"A".repeat(306)), (Encoding::Gsm7, 306, 2));
        assert_eq!(info(&"A".repeat(307)), (Encoding::Gsm7, 307, 3));
    }

    #[test]
    fn extension_characters_take_two_septets() {
        assert_eq!(info(&"€".repeat(80)), (Encoding::Gsm7, 160, 1));
        assert_eq!(info(&"€".repeat(81)), (Encoding::Gsm7, 162, 2));
        assert_eq!(info(&format!("{}€", "A".repeat(152))), (Encoding::Gsm7, 154, 1));
        for c in ['\u{c}', '[', '\\', ']', '^', '{', '|', '}', '~', '€'] {
            assert_eq!(info(&c.to_string()), (Encoding::Gsm7, 2, 1), "{c:?}");
        }
    }

    #[test]
    fn an_extension_character_is_never_split_across_segments() {
        // 306 septets would fill two segments exactly, but after 152 septets the
        // 2-septet `€` would straddle the 153 boundary, so it moves and a third is needed.
        let body = format!("{}€{}", "A".repeat(152), "A".repeat(152));
        assert_eq!(info(&body), (Encoding::Gsm7, 306, 3));
        let body = format!("{}€{}", "A".repeat(151), "A".repeat(153));
        assert_eq!(info(&body), (Encoding::Gsm7, 306, 2));
    }

    #[test]
    fn non_gsm_letters_switch_to_ucs2_with_70_and_67_units() {
        assert_eq!(info(&"ć".repeat(70)), (Encoding::Ucs2, 70, 1));
        assert_eq!(info(&"ć".repeat(71)), (Encoding::Ucs2, 71, 2));
        assert_eq!(info(&"ć".repeat(134)), (Encoding::Ucs2, 134, 2));
        assert_eq!(info(&"ć".repeat(135)), (Encoding::Ucs2, 135, 3));
    }

    #[test]
    fn an_emoji_takes_two_code_units() {
        assert_eq!(info(&format!("{}😀", "A".repeat(68))), (Encoding::Ucs2, 70, 1));
        assert_eq!(info(&format!("{}😀", "A".repeat(69))), (Encoding::Ucs2, 71, 2));
    }

    #[test]
    fn a_surrogate_pair_is_never_split_across_segments() {
        let body = format!("{}😀{}", "A".repeat(66), "A".repeat(66));
        assert_eq!(info(&body), (Encoding::Ucs2, 134, 3));
        let body = format!("{}😀{}", "A".repeat(65), "A".repeat(67));
        assert_eq!(info(&body), (Encoding::Ucs2, 134, 2));
    }

    #[test]
    fn smart_quotes_force_ucs2() {
        assert_eq!(info("Hi “quoted”"), (Encoding::Ucs2, 11, 1));
        assert_eq!(info("it’s").0, Encoding::Ucs2);
    }

    #[test]
    fn one_non_gsm_character_switches_the_whole_message() {
        let body = format!("{}ć", "A".repeat(100));
        assert_eq!(info(&body), (Encoding::Ucs2, 101, 2));
    }

    #[test]
    fn capital_c_cedilla_is_gsm7_but_lower_case_is_not() {
        assert_eq!(info("Ça va"), (Encoding::Gsm7, 5, 1));
        assert_eq!(info("ça va"), (Encoding::Ucs2, 5, 1));
    }

    #[test]
    fn the_spec_list_of_basic_characters_is_gsm7_and_single_septet() {
        let listed = "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà\n\r !\"#%&'()*+,-./:;<=>?";
        for c in listed.chars().chain('0'..='9').chain('A'..='Z').chain('a'..='z') {
            assert_eq!(gsm7_septets(c), Some(1), "{c:?}");
        }
    }

    #[test]
    fn characters_outside_the_alphabet_are_not_gsm7() {
        for c in ['`', '\u{1b}', '\t', 'ç', 'á', 'ê', '“', '’', '…', 'ć', '😀', '\u{a0}'] {
            assert_eq!(gsm7_septets(c), None, "{c:?}");
        }
    }

    #[test]
    fn the_tables_hold_distinct_characters() {
        let mut all: Vec<char> = GSM7_BASIC.iter().chain(&GSM7_EXTENSION).copied().collect();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 127 + 10);
    }

    #[test]
    fn an_empty_body_has_no_segments() {
        assert_eq!(info(""), (Encoding::Gsm7, 0, 0));
    }

    #[test]
    fn encodings_display_as_twilio_names_them() {
        assert_eq!(Encoding::Gsm7.to_string(), "GSM-7");
        assert_eq!(Encoding::Ucs2.to_string(), "UCS-2");
    }

    #[test]
    fn bodies_up_to_1600_characters_are_accepted() {
        assert_eq!(check_body_length(""), Ok(()));
        assert_eq!(check_body_length(&"ć".repeat(MAX_BODY_CHARS)), Ok(()));
        let err = check_body_length(&"A".repeat(MAX_BODY_CHARS + 1)).unwrap_err();
        assert_eq!(err, BodyTooLong { chars: 1601 });
        assert_eq!(err.to_string(), "the message is 1601 characters long; an SMS can be at most 1600 characters");
    }

    proptest! {
        #[test]
        fn segment_info_never_panics(body in any::<String>()) {
            let _ = segment_info(&body);
            let _ = check_body_length(&body);
        }

        #[test]
        fn a_non_empty_body_has_at_least_one_segment(body in ".+") {
            let info = segment_info(&body);
            prop_assert!(info.segments >= 1);
            prop_assert!(info.units >= body.chars().count());
        }

        #[test]
        fn more_ascii_never_means_fewer_segments(len in 0usize..2_000, extra in 1usize..200) {
            let shorter = segment_info(&"a".repeat(len));
            let longer = segment_info(&"a".repeat(len + extra));
            prop_assert!(longer.segments >= shorter.segments);
        }

        #[test]
        fn segments_are_enough_to_hold_every_unit(body in "[a-z€ć😀]{1,400}") {
            let info = segment_info(&body);
            let (single, concatenated) = info.encoding.segment_capacity();
            let capacity = if info.segments == 1 { single } else { concatenated };
            prop_assert!(info.units <= capacity * info.segments as usize);
        }
    }
}
