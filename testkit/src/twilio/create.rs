//! `POST …/Messages.json`: the request rules of spec §1.2 and the resource a valid request
//! creates.
//!
//! Checks run in this order, each answering 400 with the legacy error body:
//! `To` present (21604), `From` or `MessagingServiceSid` present (21603), `Body`, `MediaUrl`
//! or `ContentSid` present (21602), `To` is E.164 (21211), `Body` at most 1,600 characters
//! (21617), at most 10 `MediaUrl`s (21623), the Messaging Service belongs to the account
//! (21701), the `From` belongs to the account (21606, or 21660 when another account the
//! stand-in knows owns it). Empty values count as missing, as they do for Twilio's forms.

use chrono::{DateTime, Utc};

use super::errors::{self, ApiError};
use super::message::{Message, new_sid};
use super::record::{AuthKind, SentMessage};
use super::segments::segment_count;
use super::state::State;

const MAX_BODY_CHARS: usize = 1600;
const MAX_MEDIA: usize = 10;

/// The create parameters the stand-in looks at, taken from the decoded form.
struct CreateParams {
    to: Option<String>,
    from: Option<String>,
    messaging_service_sid: Option<String>,
    body: Option<String>,
    media_urls: Vec<String>,
    content_sid: Option<String>,
    status_callback: Option<String>,
}

impl CreateParams {
    fn from_form(form: &[(String, String)]) -> Self {
        let first = |key: &str| form.iter().find(|(k, v)| k == key && !v.is_empty()).map(|(_, v)| v.clone());
        let media_urls =
            form.iter().filter(|(k, v)| k == "MediaUrl" && !v.is_empty()).map(|(_, v)| v.clone()).collect();
        Self {
            to: first("To"),
            from: first("From"),
            messaging_service_sid: first("MessagingServiceSid"),
            body: first("Body"),
            media_urls,
            content_sid: first("ContentSid"),
            status_callback: first("StatusCallback"),
        }
    }
}

/// Validates a create for `account_sid` and, when valid, stores the new message and records
/// it as sent. Returns the stored message.
pub(crate) fn create_message(
    state: &mut State,
    account_sid: &str,
    auth: AuthKind,
    form: &[(String, String)],
) -> Result<Message, ApiError> {
    let params = CreateParams::from_form(form);
    let to = check_required(&params)?;
    check_content(&params, &to)?;
    check_senders(state, account_sid, &params)?;
    let message = build_message(state, account_sid, &to, &params, state.now());
    state.messages.push(message.clone());
    state.sent.push(sent_message(&message, auth, &params, form));
    Ok(message)
}

/// The two conditional rules of `x-twilio.conditional` plus the required `To`.
fn check_required(params: &CreateParams) -> Result<String, ApiError> {
    let to =
        params.to.clone().ok_or_else(|| ApiError::new(errors::TO_REQUIRED, 400, "A 'To' phone number is required."))?;
    if params.from.is_none() && params.messaging_service_sid.is_none() {
        return Err(ApiError::new(errors::FROM_REQUIRED, 400, "A 'From' phone number is required."));
    }
    if params.body.is_none() && params.media_urls.is_empty() && params.content_sid.is_none() {
        return Err(ApiError::new(errors::BODY_REQUIRED, 400, "Message body is required."));
    }
    Ok(to)
}

fn check_content(params: &CreateParams, to: &str) -> Result<(), ApiError> {
    if !is_e164(to) {
        let message = format!("The 'To' number {to} is not a valid phone number.");
        return Err(ApiError::new(errors::INVALID_TO, 400, message));
    }
    if params.body.as_deref().is_some_and(|b| b.chars().count() > MAX_BODY_CHARS) {
        return Err(ApiError::for_code(errors::BODY_TOO_LONG, 400));
    }
    if params.media_urls.len() > MAX_MEDIA {
        let message = "Number of media files exceeds allowed limit of 10";
        return Err(ApiError::new(errors::TOO_MANY_MEDIA, 400, message));
    }
    Ok(())
}

fn check_senders(state: &State, account_sid: &str, params: &CreateParams) -> Result<(), ApiError> {
    let account = state.account(account_sid);
    if let Some(service) = &params.messaging_service_sid
        && !account.services.contains(service)
    {
        let message = format!("The Messaging Service Sid {service} is invalid.");
        return Err(ApiError::new(errors::INVALID_MESSAGING_SERVICE, 400, message));
    }
    let Some(from) = &params.from else {
        return Ok(());
    };
    if account.numbers.contains(from) {
        return Ok(());
    }
    if state.owner_of_number(from).is_some() {
        return Err(ApiError::for_code(errors::FROM_OTHER_ACCOUNT, 400));
    }
    let message = format!(
        "The From phone number {from} is not a valid, SMS-capable inbound phone number or short code for your account."
    );
    Err(ApiError::new(errors::FROM_NOT_OWNED, 400, message))
}

/// The stored resource. A Messaging Service send starts `accepted` with no `from` and
/// `num_segments` 0 (no sender chosen yet, spec §1.3); a direct send starts `queued`.
fn build_message(state: &State, account_sid: &str, to: &str, params: &CreateParams, now: DateTime<Utc>) -> Message {
    let via_service = params.messaging_service_sid.is_some();
    let has_media = !params.media_urls.is_empty();
    let body = params.body.clone().unwrap_or_default();
    // An MMS is billed as one message whatever its text; SIDs of media messages start `MM`.
    let computed_segments = if has_media { 1 } else { segment_count(&body) };
    let pool_sender =
        if via_service && params.from.is_none() { state.account(account_sid).numbers.first().cloned() } else { None };
    Message {
        sid: new_sid(if has_media { "MM" } else { "SM" }),
        account_sid: account_sid.to_owned(),
        direction: "outbound-api".to_owned(),
        to: to.to_owned(),
        from: params.from.clone(),
        messaging_service_sid: params.messaging_service_sid.clone(),
        body,
        media_urls: params.media_urls.clone(),
        status: if via_service { "accepted" } else { "queued" }.to_owned(),
        error_code: None,
        num_segments: if via_service { 0 } else { computed_segments },
        status_callback: params.status_callback.clone(),
        date_created: now,
        date_updated: now,
        date_sent: Some(now),
        pool_sender,
        computed_segments,
    }
}

fn sent_message(message: &Message, auth: AuthKind, params: &CreateParams, form: &[(String, String)]) -> SentMessage {
    SentMessage {
        sid: message.sid.clone(),
        account_sid: message.account_sid.clone(),
        auth,
        to: message.to.clone(),
        from: params.from.clone(),
        messaging_service_sid: params.messaging_service_sid.clone(),
        body: params.body.clone(),
        media_urls: params.media_urls.clone(),
        status_callback: params.status_callback.clone(),
        form: form.to_vec(),
    }
}

/// E.164 syntax only: `^\+[1-9]\d{1,14}$` (spec §8).
pub(crate) fn is_e164(number: &str) -> bool {
    let Some(digits) = number.strip_prefix('+') else {
        return false;
    };
    (2..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0')
}

#[cfg(test)]
mod tests {
    use super::is_e164;

    #[test]
    fn e164_accepts_plus_country_code_and_up_to_fifteen_digits() {
        for ok in ["+14155552671", "+442071838750", "+12", "+123456789012345"] {
            assert!(is_e164(ok), "{ok}");
        }
        for bad in ["14155552671", "+0123", "+1", "+1234567890123456", "+1 415 555", "+1415555267a", ""] {
            assert!(!is_e164(bad), "{bad}");
        }
    }
}
