//! Status callbacks: a message's delivery status moves forward only.
//!
//! Twilio may deliver callbacks late, twice, or out of order (a `sent` after `delivered`),
//! so a status only replaces one of lower rank (spec/twilio.md §2). A failure with 21610
//! means the recipient opted out: it is recorded, so later sends are refused before they
//! reach Twilio.

use drip_clients::twilio::{ErrorClass, MessageStatus, classify_code};
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
    if change == StatusChange::Moved && update.status.is_failure() {
        end_enrolment_on_permanent_failure(state, &update).await?;
    }
    Ok(change)
}

/// A drip step that failed for good for its recipient (21610, 30004-30006, …) ends the
/// enrolment, with the code in the reason; other failures leave it running.
async fn end_enrolment_on_permanent_failure(state: &mut AccountState, update: &StatusUpdate) -> anyhow::Result<()> {
    let Some(code) = update.error_code else { return Ok(()) };
    if classify_code(code) != ErrorClass::PermanentForRecipient {
        return Ok(());
    }
    let services = state.services.clone();
    let Some(message) = services.db.find_message(state.account, &update.sid_hash).await? else { return Ok(()) };
    let Some(enrolment_id) = message.enrolment_id else { return Ok(()) };
    let Some(row) = services.db.find_enrolment(state.account, &enrolment_id).await? else { return Ok(()) };
    if row.state != drip_store::db::enrolments::ACTIVE {
        return Ok(());
    }
    let reason = format!("Twilio could not deliver to the recipient ({code})");
    crate::drip::end_enrolment(state, row, drip_store::db::enrolments::STOPPED, &reason).await
}
