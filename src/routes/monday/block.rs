//! Reading monday block requests (spec/monday.md §2.1): the input fields, the Twilio
//! credentials and the run's `actionUuid`.
//!
//! Values arrive typed by field type: numbers for ids, strings for column ids and text,
//! objects with a `value` for list and custom fields. An input the user left unmapped is
//! absent. `inboundFieldValues` and `inputFields` carry the same data; the first wins.
//!
//! Twilio credentials come either from monday's credentials feature
//! (`credentialsValues.<key>.accessToken`) or from block input fields. Whether monday's
//! API-token credential can hold two values is unconfirmed (spec §5.1), so the token is
//! parsed by us and accepts every form we document: `AC…:<auth token>`, or
//! `AC…:SK…:<api key secret>`. As input fields: `accountSid` with `authToken`, or with
//! `apiKeySid` and `apiKeySecret`.

use drip_clients::twilio::{AccountSid, Sender, TwilioCredentials};
use drip_domain::AccountId;
use drip_domain::crypto::{HashDomain, KeyedHasher};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::UserError;

#[derive(Debug, Deserialize)]
struct Envelope {
    payload: Payload,
    #[serde(rename = "runtimeMetadata", default)]
    runtime_metadata: RuntimeMetadata,
}

#[derive(Debug, Deserialize)]
struct Payload {
    #[serde(rename = "inboundFieldValues")]
    inbound_field_values: Option<Map<String, Value>>,
    #[serde(rename = "inputFields")]
    input_fields: Option<Map<String, Value>>,
    #[serde(rename = "credentialsValues", default)]
    credentials_values: Map<String, Value>,
}

#[derive(Debug, Default, Deserialize)]
struct RuntimeMetadata {
    #[serde(rename = "actionUuid")]
    action_uuid: Option<String>,
}

/// A parsed block request.
pub struct BlockRequest {
    fields: Map<String, Value>,
    credentials: Map<String, Value>,
    pub action_uuid: Option<String>,
}

impl BlockRequest {
    pub fn parse(body: &[u8]) -> Result<Self, UserError> {
        let envelope: Envelope = serde_json::from_slice(body).map_err(|_| {
            UserError::new(
                "Request not understood",
                "The block request from monday is not valid JSON of the expected shape.",
            )
        })?;
        let payload = envelope.payload;
        Ok(Self {
            fields: payload.inbound_field_values.or(payload.input_fields).unwrap_or_default(),
            credentials: payload.credentials_values,
            action_uuid: envelope.runtime_metadata.action_uuid.filter(|uuid| !uuid.is_empty()),
        })
    }

    /// A field as text: strings as they are, numbers in decimal, `{value}` objects unwrapped.
    pub fn text(&self, key: &str) -> Option<String> {
        as_text(self.fields.get(key)?).filter(|text| !text.trim().is_empty())
    }

    /// A required field as text, with a readable error naming what is missing.
    pub fn required_text(&self, key: &str, label: &str) -> Result<String, UserError> {
        self.text(key).ok_or_else(|| {
            UserError::new(
                format!("{label} missing"),
                format!("The automation gives no {label}: choose one in the recipe."),
            )
        })
    }

    /// A required numeric id (board, item).
    pub fn required_id(&self, key: &str, label: &str) -> Result<i64, UserError> {
        let text = self.required_text(key, label)?;
        text.trim()
            .parse()
            .map_err(|_| UserError::new(format!("{label} not valid"), format!("The {label} must be a number.")))
    }

    /// The keyed hash that identifies this run for idempotency (`actionUuid`, scoped to the
    /// account), if monday sent one.
    pub fn action_key(&self, hasher: &KeyedHasher, account: AccountId) -> Option<String> {
        let account = account.to_string();
        self.action_uuid.as_ref().map(|uuid| {
            let parts: [&[u8]; 3] = [b"monday-action", account.as_bytes(), uuid.as_bytes()];
            hasher.hash(HashDomain::Idempotency, &parts).to_hex()
        })
    }

    /// The `sender` field: a Twilio number, short code, alphanumeric id or Messaging Service.
    pub fn sender(&self) -> Result<Sender, UserError> {
        let text = self.required_text("sender", "sender (Twilio number or Messaging Service)")?;
        Sender::parse(&text).map_err(|error| UserError::new("Sender not valid", error.to_string()).disabling())
    }

    /// The Twilio credentials, from monday's credentials feature or from input fields.
    pub fn twilio_credentials(&self) -> Result<TwilioCredentials, UserError> {
        let from_feature = self.credentials.values().find_map(|entry| entry.get("accessToken").and_then(Value::as_str));
        match from_feature {
            Some(token) => parse_credentials_token(token),
            None => self.credentials_from_fields(),
        }
    }

    fn credentials_from_fields(&self) -> Result<TwilioCredentials, UserError> {
        let Some(account_sid) = self.text("accountSid") else {
            return Err(missing_credentials());
        };
        let account_sid = parse_account_sid(&account_sid)?;
        if let Some(token) = self.text("authToken") {
            return Ok(TwilioCredentials::with_auth_token(account_sid, SecretString::from(token)));
        }
        match (self.text("apiKeySid"), self.text("apiKeySecret")) {
            (Some(key), Some(secret)) => api_key(account_sid, &key, secret),
            _ => Err(missing_credentials()),
        }
    }
}

fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Object(object) => object.get("value").and_then(as_text),
        _ => None,
    }
}

/// `AC…:<auth token>` or `AC…:SK…:<secret>`.
fn parse_credentials_token(token: &str) -> Result<TwilioCredentials, UserError> {
    let parts: Vec<&str> = token.trim().splitn(3, ':').collect();
    match parts.as_slice() {
        [sid, key, secret] if key.starts_with("SK") => api_key(parse_account_sid(sid)?, key, (*secret).to_owned()),
        [sid, token] if !token.is_empty() => {
            Ok(TwilioCredentials::with_auth_token(parse_account_sid(sid)?, SecretString::from((*token).to_owned())))
        }
        _ => Err(bad_credentials()),
    }
}

fn api_key(account_sid: AccountSid, key_sid: &str, secret: String) -> Result<TwilioCredentials, UserError> {
    TwilioCredentials::with_api_key(account_sid, key_sid.trim(), SecretString::from(secret))
        .map_err(|_| bad_credentials())
}

fn parse_account_sid(raw: &str) -> Result<AccountSid, UserError> {
    AccountSid::parse(raw.trim()).map_err(|_| bad_credentials())
}

fn missing_credentials() -> UserError {
    UserError::new(
        "Twilio account not connected",
        "Connect your Twilio account to the automation (Account SID with Auth Token, or with an API key).",
    )
    .disabling()
}

fn bad_credentials() -> UserError {
    UserError::new(
        "Twilio credentials not valid",
        "Enter the Twilio credentials as 'Account SID:Auth Token' or 'Account SID:API key SID:API key secret'. \
         The Account SID starts with AC.",
    )
    .disabling()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SID: &str = "AC0123456789abcdef0123456789abcdef";

    fn request(payload: Value) -> BlockRequest {
        BlockRequest::parse(
            json!({ "payload": payload, "runtimeMetadata": { "actionUuid": "u1" } }).to_string().as_bytes(),
        )
        .unwrap()
    }

    #[test]
    fn fields_are_read_from_inbound_field_values_whatever_their_json_type() {
        let request = request(json!({ "inboundFieldValues": {
            "boardId": 1234567890, "itemId": "9876543210", "phoneColumnId": { "value": "phone" }, "messageText": "Hi"
        }}));
        assert_eq!(request.required_id("boardId", "board").unwrap(), 1234567890);
        assert_eq!(request.required_id("itemId", "item").unwrap(), 9876543210);
        assert_eq!(request.text("phoneColumnId").as_deref(), Some("phone"));
        assert_eq!(request.action_uuid.as_deref(), Some("u1"));
    }

    #[test]
    fn input_fields_are_the_fallback_and_an_unmapped_field_is_a_readable_error() {
        let request = request(json!({ "inputFields": { "boardId": 1 } }));
        assert_eq!(request.required_id("boardId", "board").unwrap(), 1);
        let error = request.required_text("messageText", "message text").unwrap_err();
        assert_eq!(error.title, "message text missing");
    }

    #[test]
    fn a_credentials_feature_token_holds_an_auth_token_or_an_api_key() {
        let with_token = request(json!({ "credentialsValues": { "twilio": { "accessToken": format!("{SID}:tok") } } }));
        let credentials = with_token.twilio_credentials().unwrap();
        assert_eq!(credentials.account_sid.as_str(), SID);
        assert!(credentials.auth_token().is_some());
        let key = "SK0123456789abcdef0123456789abcdef";
        let with_key =
            request(json!({ "credentialsValues": { "twilio": { "accessToken": format!("{SID}:{key}:sec:ret") } } }));
        assert!(with_key.twilio_credentials().unwrap().auth_token().is_none());
    }

    #[test]
    fn credentials_can_come_from_input_fields() {
        let request = request(json!({ "inboundFieldValues": { "accountSid": SID, "authToken": "tok" } }));
        assert!(request.twilio_credentials().unwrap().auth_token().is_some());
    }

    #[test]
    fn missing_or_malformed_credentials_disable_the_automation_with_a_readable_reason() {
        let missing = request(json!({ "inboundFieldValues": {} })).twilio_credentials().unwrap_err();
        assert!(missing.disable_automation);
        let malformed = request(json!({ "credentialsValues": { "t": { "accessToken": "nonsense" } } }));
        let error = malformed.twilio_credentials().unwrap_err();
        assert!(error.description.contains("Account SID:Auth Token"));
    }
}
