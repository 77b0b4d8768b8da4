//! Status callbacks: a message's delivery status moves forward only.
//!
//! Twilio may deliver callbacks late, twice, or out of order (a `sent` after `delivered`),
//! so a status only replaces one of lower rank (spec/twilio.md §2). A failure with 21610
//! means the recipient opted out: it is recorded, so later sends are refused before they
//! reach Twilio.

use drip_clients::twilio::MessageStatus;
pub use drip_store::db::messages::StatusChange;

use crate::account::AccountState;

/// A verified status callback, reduced to what we keep.
#[derive(Debug, Clone)]
pub struct StatusUpdate {
    pub sid_hash: String,
    pub status: MessageStatus,
    pub error_code: Option<i64>,
    /// The opt-out key of the message's recipient (from the message's tracking envelope).
    pub opt_out_hash: String,
}

const OPTED_OUT: i64 = 21610;

pub(crate) async fn apply(state: &mut AccountState, update: StatusUpdate) -> anyhow::Result<StatusChange> {
    let services = &state.services;
    let now = services.clock.now();
    let forward =
        |current: &str, next: &str| MessageStatus::parse(next).moves_forward_from(MessageStatus::parse(current));
    let error_code = update.error_code.and_then(|code| i32::try_from(code).ok());
    let change = services
        .db
        .update_message_status(state.account, &update.sid_hash, update.status.as_str(), error_code, forward, now)
        .await?;
    if update.error_code == Some(OPTED_OUT) && !update.opt_out_hash.is_empty() {
        services.db.record_opt_out(state.account, &update.opt_out_hash, "twilio-21610", now).await?;
    }
    Ok(change)
}
