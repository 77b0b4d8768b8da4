//! How many SMS segments a body takes (spec §7), so the stand-in's `num_segments` looks like
//! Twilio's.
//!
//! Twilio picks GSM-7 when every character is in the GSM 03.38 default alphabet (extension
//! characters cost two septets) and UCS-2 otherwise (characters outside the BMP cost two code
//! units). One segment holds 160 septets / 70 units; concatenated segments hold 153 / 67
//! because of the 6-byte header, and a character is never split across two segments.
//!
//! This is a stand-in's calculator: no SmartEncoded substitution, no national language tables.

/// The GSM 03.38 default alphabet in 3GPP TS 23.038 table order, 16 code points per row
/// (0x00–0x7F), so it can be checked row by row against the standard. Position 0x1B is the
/// escape to the extension table and is written as a NUL placeholder that never matches text.
const GSM7_BASIC: [&str; 8] = [
    "@£$¥èéùìòÇ\nØø\rÅå",
    "Δ_ΦΓΛΩΠΨΣΘΞ\u{0}ÆæßÉ",
    " !\"#¤%&'()*+,-./",
    "0123456789:;<=>?",
    "¡ABCDEFGHIJKLMNO",
    "PQRSTUVWXYZÄÖÑÜ§",
    "¿abcdefghijklmno",
    "pqrstuvwxyzäöñüà",
];

/// Characters reached through the escape code (ESC + code): two septets each. Form feed,
/// `^ { } \ [ ~ ] |` and the euro sign, as in Twilio's own calculator.
const GSM7_EXTENSION: &str = "\u{c}^{}\\[~]|€";

const GSM7_SINGLE: usize = 160;
const GSM7_CONCATENATED: usize = 153;
const UCS2_SINGLE: usize = 70;
const UCS2_CONCATENATED: usize = 67;

/// The encoding Twilio would choose for a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Gsm7,
    Ucs2,
}

/// The encoding a body needs: GSM-7 when every character is in the default or extension table.
pub fn encoding_of(body: &str) -> Encoding {
    if body.chars().all(|c| gsm7_width(c).is_some()) { Encoding::Gsm7 } else { Encoding::Ucs2 }
}

/// The number of segments `body` takes. An empty body counts as one segment, as an SMS with
/// no text is still one message.
pub fn segment_count(body: &str) -> u32 {
    let (widths, single, concatenated): (Vec<usize>, _, _) = match encoding_of(body) {
        Encoding::Gsm7 => (body.chars().filter_map(gsm7_width).collect(), GSM7_SINGLE, GSM7_CONCATENATED),
        Encoding::Ucs2 => (body.chars().map(char::len_utf16).collect(), UCS2_SINGLE, UCS2_CONCATENATED),
    };
    if widths.iter().sum::<usize>() <= single {
        return 1;
    }
    pack(&widths, concatenated)
}

/// Greedily fills segments of `capacity` units without splitting a character.
fn pack(widths: &[usize], capacity: usize) -> u32 {
    let mut segments = 1;
    let mut used = 0;
    for &width in widths {
        if used + width > capacity {
            segments += 1;
            used = 0;
        }
        used += width;
    }
    segments
}

/// Septets a character costs in GSM-7, or `None` when it is not representable.
fn gsm7_width(c: char) -> Option<usize> {
    if c == '\u{0}' {
        return None; // the ESC placeholder in the basic table, not a real character
    }
    if GSM7_BASIC.iter().any(|row| row.contains(c)) {
        Some(1)
    } else if GSM7_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_basic_table_has_sixteen_code_points_per_row() {
        for row in GSM7_BASIC {
            assert_eq!(row.chars().count(), 16, "{row:?}");
        }
    }

    #[test]
    fn lower_case_c_cedilla_and_backtick_force_ucs2_like_twilios_calculator() {
        assert_eq!(encoding_of("ç"), Encoding::Ucs2);
        assert_eq!(encoding_of("`"), Encoding::Ucs2);
        assert_eq!(encoding_of("Ç€[]"), Encoding::Gsm7);
    }

    #[test]
    fn the_spec_section_7_cases_give_twilios_segment_counts() {
        let a = |n: usize| "A".repeat(n);
        let cases: Vec<(String, u32)> = vec![
            (a(160), 1),
            (a(161), 2),
            (a(306), 2),
            (a(307), 3),
            ("€".repeat(80), 1),
            ("€".repeat(81), 2),
            (a(152) + "€", 1),
            ("ć".repeat(70), 1),
            ("ć".repeat(71), 2),
            (a(68) + "😀", 1),
            (a(69) + "😀", 2),
            ("Hi “quoted”".to_owned(), 1),
        ];
        for (body, expected) in cases {
            assert_eq!(segment_count(&body), expected, "{body:?}");
        }
    }
}
