//! Which failures are worth retrying, which are about the recipient, and which need an
//! admin to fix something (spec §1.5): the code table, and HTTP-status defaults for codes it
//! does not list.

/// Error code for "too many concurrent requests": never processed, safe to retry.
pub const TOO_MANY_REQUESTS: i64 = 20429;
/// Error code for a recipient who replied STOP.
pub const OPTED_OUT: i64 = 21610;
/// Error code for a sender whose queue is full.
pub const QUEUE_FULL: i64 = 21611;
/// Error code for "resource not found".
pub const NOT_FOUND: i64 = 20404;

/// What the caller should do after a failure (spec §1.5 "Class").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// Transient: retry with backoff. After errors that
    /// [`may_have_been_sent`](super::TwilioError::may_have_been_sent), look the message up
    /// first.
    RetryLater,
    /// This recipient or this message cannot be sent to: stop it, do not retry. 21610 also
    /// means "mark the contact opted out".
    PermanentForRecipient,
    /// Credentials, sender or account settings are wrong: pause the account or campaign
    /// and tell the admin what to fix.
    FixConfiguration,
}

/// The spec §1.5 table. `None` for codes it does not list.
pub(crate) fn known_class(code: i64) -> Option<ErrorClass> {
    use ErrorClass::{FixConfiguration, PermanentForRecipient, RetryLater};
    let class = match code {
        // 20404 is "P/C" in the spec; on a create it means the account path does not
        // resolve, which no recipient change can fix.
        20003 | 20404 | 21408 | 21606 | 21659 | 21660 => FixConfiguration,
        // 30007 is carrier filtering (spam, content, unregistered): do not blind-retry;
        // 30034 is unregistered 10DLC traffic (spec §6.1).
        30007 | 30034 => FixConfiguration,
        TOO_MANY_REQUESTS | QUEUE_FULL => RetryLater,
        // 30001 queue overflow, 30003 handset unreachable, 30008 unknown (retry at most once).
        30001 | 30003 | 30008 => RetryLater,
        // 21617 (body too long) cannot succeed as sent; the content must change.
        21211 | OPTED_OUT | 21614 | 21617 | 30004 | 30005 | 30006 => PermanentForRecipient,
        _ => return None,
    };
    Some(class)
}

/// The class for a Twilio error code alone, e.g. `ErrorCode` in a status callback.
///
/// Codes outside the spec §1.5 table are `PermanentForRecipient`: with no HTTP status to go
/// by, stopping this one message is the choice that neither spams nor pauses a whole
/// account by mistake. [`TwilioError::class`](super::TwilioError::class) uses the HTTP
/// status for such codes instead.
pub fn classify_code(code: i64) -> ErrorClass {
    known_class(code).unwrap_or(ErrorClass::PermanentForRecipient)
}

pub(crate) fn class_for_status(status: u16) -> ErrorClass {
    match status {
        429 | 500..=599 => ErrorClass::RetryLater,
        // A redirect means the base URL is wrong (we never follow one with credentials).
        401 | 403 | 300..=399 => ErrorClass::FixConfiguration,
        400..=499 => ErrorClass::PermanentForRecipient,
        _ => ErrorClass::RetryLater,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_code_table_decides_for_known_codes() {
        use ErrorClass::*;
        let table = [
            (20003, FixConfiguration),
            (20404, FixConfiguration),
            (20429, RetryLater),
            (21211, PermanentForRecipient),
            (21408, FixConfiguration),
            (21610, PermanentForRecipient),
            (21614, PermanentForRecipient),
            (21606, FixConfiguration),
            (21659, FixConfiguration),
            (21660, FixConfiguration),
            (21611, RetryLater),
            (21617, PermanentForRecipient),
            (30001, RetryLater),
            (30003, RetryLater),
            (30004, PermanentForRecipient),
            (30005, PermanentForRecipient),
            (30006, PermanentForRecipient),
            (30007, FixConfiguration),
            (30008, RetryLater),
        ];
        for (code, class) in table {
            assert_eq!(classify_code(code), class, "{code}");
        }
        assert_eq!(classify_code(39999), PermanentForRecipient);
    }

    #[test]
    fn http_statuses_decide_for_unlisted_codes() {
        assert_eq!(class_for_status(429), ErrorClass::RetryLater);
        assert_eq!(class_for_status(503), ErrorClass::RetryLater);
        assert_eq!(class_for_status(401), ErrorClass::FixConfiguration);
        assert_eq!(class_for_status(403), ErrorClass::FixConfiguration);
        assert_eq!(class_for_status(404), ErrorClass::PermanentForRecipient);
    }
}
