//! Reading messages back: fetch one by SID, or list by recipient, sender and day (spec §1.5).
//!
//! This is how a caller resolves a create that may or may not have gone through (a timeout,
//! a crash between claiming a drip step and recording it): look for the message before
//! sending again, because Messages create has no idempotency key.

use chrono::NaiveDate;
use reqwest::Method;
use serde::Deserialize;
use url::Url;

use super::client::TwilioClient;
use super::credentials::TwilioCredentials;
use super::error::TwilioError;
use super::ids::MessageSid;
use super::message::MessageResource;

/// Twilio's list maximum is 1,000; a recipient rarely gets more than a few a day from us.
const LOOKUP_PAGE_SIZE: u32 = 100;
/// Bounds a lookup to a few requests even for a number that texted a lot that day.
const MAX_LOOKUP_PAGES: usize = 5;

/// The list envelope; only the fields we use.
#[derive(Deserialize)]
struct MessagePage {
    #[serde(default)]
    messages: Vec<MessageResource>,
    #[serde(default)]
    next_page_uri: Option<String>,
}

impl TwilioClient {
    /// Lists the account's messages to `to` (and from `from`, when given) whose send date is
    /// `sent_on` in GMT, newest first: `GET …/Messages.json?To=&From=&DateSent=YYYY-MM-DD`.
    ///
    /// Leave `from` out for a Messaging Service send (the sender is picked later). Near
    /// midnight UTC also check the neighbouring day. Follows `next_page_uri` for at most a
    /// few pages of 100; past that, the newest messages found are returned.
    ///
    /// # Errors
    /// See [`TwilioError`].
    #[tracing::instrument(name = "twilio.find_message", skip_all, fields(with_from = from.is_some()))]
    pub async fn find_message(
        &self,
        credentials: &TwilioCredentials,
        to: &str,
        from: Option<&str>,
        sent_on: NaiveDate,
    ) -> Result<Vec<MessageResource>, TwilioError> {
        let mut url = self.account_url(&credentials.account_sid, "Messages.json");
        url.query_pairs_mut()
            .append_pair("To", to)
            .extend_pairs(from.map(|from| ("From", from)))
            .append_pair("DateSent", &sent_on.format("%Y-%m-%d").to_string())
            .append_pair("PageSize", &LOOKUP_PAGE_SIZE.to_string());
        let mut found = Vec::new();
        let mut next = Some(url);
        for _ in 0..MAX_LOOKUP_PAGES {
            let Some(page_url) = next.take() else {
                break;
            };
            let page = self.list_page(credentials, page_url).await?;
            found.extend(page.messages);
            next = self.next_page(credentials, page.next_page_uri.as_deref());
        }
        if next.is_some() {
            tracing::warn!(found = found.len(), "Twilio lookup stopped at the page limit");
        }
        Ok(found)
    }

    /// `GET …/Messages/{Sid}.json`.
    ///
    /// # Errors
    /// See [`TwilioError`]; an unknown SID is [`TwilioError::is_not_found`].
    #[tracing::instrument(name = "twilio.fetch_message", skip_all)]
    pub async fn fetch_message(
        &self,
        credentials: &TwilioCredentials,
        sid: &MessageSid,
    ) -> Result<MessageResource, TwilioError> {
        let url = self.account_url(&credentials.account_sid, &format!("Messages/{}.json", sid.as_str()));
        let success = self.execute(|| self.request(Method::GET, url.clone(), credentials)).await?;
        serde_json::from_slice(&success.body)
            .map_err(|_| unreadable(success.status, "the answer is not a Message resource"))
    }

    async fn list_page(&self, credentials: &TwilioCredentials, url: Url) -> Result<MessagePage, TwilioError> {
        let success = self.execute(|| self.request(Method::GET, url.clone(), credentials)).await?;
        serde_json::from_slice(&success.body)
            .map_err(|_| unreadable(success.status, "the answer is not a message list"))
    }

    /// The next page's URL, only if it stays under this account's Messages list: the
    /// credentials go wherever the URL points.
    fn next_page(&self, credentials: &TwilioCredentials, uri: Option<&str>) -> Option<Url> {
        let uri = uri.filter(|uri| !uri.is_empty())?;
        let expected = format!("/2010-04-01/Accounts/{}/Messages.json?", credentials.account_sid.as_str());
        if !uri.starts_with(&expected) {
            tracing::warn!("ignoring a next_page_uri outside the account's message list");
            return None;
        }
        self.page_url(uri)
    }
}

fn unreadable(status: u16, detail: &str) -> TwilioError {
    TwilioError::Unexpected { status: Some(status), detail: detail.to_owned() }
}
