//! Creating a message: `POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json` with a
//! form body (spec §1.1–§1.3).
//!
//! Parameters go out in the order twilio-python sends them, so our body for the spec's
//! example is byte for byte the one captured from the official client. Repeated keys
//! (`MediaUrl`) are written once per value.

use std::fmt;

use reqwest::Method;
use reqwest::header::CONTENT_TYPE;

use super::client::{Success, TwilioClient};
use super::credentials::TwilioCredentials;
use super::error::TwilioError;
use super::ids::MessageSid;
use super::message::MessageResource;
use super::sender::Sender;
use super::status::MessageStatus;

/// One message to create.
///
/// `Debug` shows only the sender kind and sizes: numbers and bodies are personal data.
#[derive(Clone)]
pub struct SendRequest {
    /// Recipient in E.164 (or a channel address such as `whatsapp:+1…`). Twilio validates
    /// it (21211, 21614).
    pub to: String,
    pub sender: Sender,
    /// Up to 1,600 characters (21617 beyond). Left out of the form when empty, so a
    /// media-only MMS is possible.
    pub body: String,
    /// Per-message `StatusCallback`; overrides the Messaging Service's URL.
    pub status_callback: Option<String>,
    /// Public URLs, at most 10; each is sent as its own `MediaUrl`.
    pub media_urls: Vec<String>,
    /// `ValidityPeriod`: 1–36 000 s the message may wait in Twilio's queue.
    pub validity_period_seconds: Option<u32>,
}

impl SendRequest {
    /// A plain SMS with no callback, media or validity period.
    pub fn new(to: impl Into<String>, sender: Sender, body: impl Into<String>) -> Self {
        Self {
            to: to.into(),
            sender,
            body: body.into(),
            status_callback: None,
            media_urls: Vec::new(),
            validity_period_seconds: None,
        }
    }

    /// The `application/x-www-form-urlencoded` body.
    pub(crate) fn form_body(&self) -> String {
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("To", &self.to);
        if let Some(url) = &self.status_callback {
            form.append_pair("StatusCallback", url);
        }
        if let Some(seconds) = self.validity_period_seconds {
            form.append_pair("ValidityPeriod", &seconds.to_string());
        }
        form.append_pair(self.sender.form_key(), self.sender.as_str());
        if !self.body.is_empty() {
            form.append_pair("Body", &self.body);
        }
        for url in &self.media_urls {
            form.append_pair("MediaUrl", url);
        }
        form.finish()
    }
}

impl fmt::Debug for SendRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendRequest")
            .field("sender_kind", &self.sender.kind())
            .field("body_chars", &self.body.chars().count())
            .field("has_status_callback", &self.status_callback.is_some())
            .field("media_urls", &self.media_urls.len())
            .field("validity_period_seconds", &self.validity_period_seconds)
            .finish_non_exhaustive()
    }
}

/// A message Twilio accepted (HTTP 201).
#[derive(Debug, Clone)]
pub struct SentMessage {
    pub sid: MessageSid,
    /// The initial status: `queued`, or `accepted` for a Messaging Service. No callback
    /// is sent for it (spec §2), so record it from here.
    pub status: MessageStatus,
    /// The whole resource, e.g. for `num_segments` (`"0"` while a service picks a sender).
    pub resource: MessageResource,
    /// How many 20429s or refused connections were retried before it went through.
    pub retries: u32,
}

impl TwilioClient {
    /// Creates one message.
    ///
    /// 20429s and refused connections are retried inside (see the settings); nothing else
    /// is.
    ///
    /// # Errors
    /// See [`TwilioError`]. Check [`TwilioError::class`] for what to do, and when
    /// [`TwilioError::may_have_been_sent`] is true (timeout, unreadable answer, 5xx) look
    /// the message up with [`Self::find_message`] before sending it again.
    #[tracing::instrument(
        name = "twilio.send_message",
        skip_all,
        fields(sender_kind = ?request.sender.kind(), media = request.media_urls.len())
    )]
    pub async fn send_message(
        &self,
        credentials: &TwilioCredentials,
        request: &SendRequest,
    ) -> Result<SentMessage, TwilioError> {
        let url = self.account_url(&credentials.account_sid, "Messages.json");
        let body = request.form_body();
        let success = self
            .execute(|| {
                self.request(Method::POST, url.clone(), credentials)
                    .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(body.clone())
            })
            .await
            .inspect_err(|error| {
                // Display carries only codes and statuses, never Twilio's text.
                tracing::debug!(%error, "Twilio send failed");
            })?;
        let sent = sent_message(success)?;
        // No SID in logs: SIDs are kept only as keyed hashes (privacy policy).
        tracing::debug!(status = %sent.status, retries = sent.retries, "Twilio accepted the message");
        Ok(sent)
    }
}

/// Reads the 201. A 2xx we cannot read still means Twilio created the message, so it comes
/// back as `Unexpected` with the status, which [`TwilioError::may_have_been_sent`] flags.
fn sent_message(success: Success) -> Result<SentMessage, TwilioError> {
    let unreadable = |detail: &str| TwilioError::Unexpected { status: Some(success.status), detail: detail.to_owned() };
    // serde's message could quote a value from the body (a number), so it is not kept.
    let resource: MessageResource =
        serde_json::from_slice(&success.body).map_err(|_| unreadable("the answer is not a Message resource"))?;
    let sid = resource.message_sid().ok_or_else(|| unreadable("the answer has no valid message SID"))?;
    Ok(SentMessage { sid, status: resource.status, resource, retries: success.retries })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_matches_the_body_twilio_python_sends() {
        // Spec §1.2, captured from twilio-python 9.13.0.
        let expected = "To=%2B14155550123&StatusCallback=https%3A%2F%2Fapp.example.com%2Fwebhooks%2Ftwilio%2Fstatus%3Fboard%3D42%26step%3D3&ValidityPeriod=3600&From=%2B14155550100&Body=Step+2%3A+hi+Ana+%E2%9C%93&MediaUrl=https%3A%2F%2Fexample.com%2Fa.png&MediaUrl=https%3A%2F%2Fexample.com%2Fb.png";
        let request = SendRequest {
            status_callback: Some("https://app.example.com/webhooks/twilio/status?board=42&step=3".into()),
            validity_period_seconds: Some(3600),
            media_urls: vec!["https://example.com/a.png".into(), "https://example.com/b.png".into()],
            ..SendRequest::new("+14155550123", Sender::parse("+14155550100").unwrap(), "Step 2: hi Ana ✓")
        };
        assert_eq!(request.form_body(), expected);
    }

    #[test]
    fn a_messaging_service_goes_in_messaging_service_sid_and_empty_bodies_are_left_out() {
        let sender = Sender::parse("MG0123456789abcdef0123456789abcdef").unwrap();
        let mut request = SendRequest::new("+14155550123", sender, "");
        request.media_urls.push("https://example.com/a.png".into());
        assert_eq!(
            request.form_body(),
            "To=%2B14155550123&MessagingServiceSid=MG0123456789abcdef0123456789abcdef\
             &MediaUrl=https%3A%2F%2Fexample.com%2Fa.png"
        );
    }

    #[test]
    fn debug_shows_neither_the_number_nor_the_body() {
        let request = SendRequest::new("+14155550123", Sender::parse("+14155550100").unwrap(), "secret plans");
        let debug = format!("{request:?}");
        assert!(!debug.contains("4155550"), "{debug}");
        assert!(!debug.contains("secret plans"), "{debug}");
    }

    #[test]
    fn an_unreadable_201_is_flagged_as_maybe_sent() {
        let success = Success { status: 201, body: b"<xml/>".to_vec(), retries: 0 };
        let error = sent_message(success).unwrap_err();
        assert!(error.may_have_been_sent());
        assert_eq!(error.http_status(), Some(201));
    }
}
