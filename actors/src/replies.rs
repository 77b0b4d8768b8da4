//! Replies: what an inbound SMS does once it has reached its account (the edge has routed
//! it through the session registry and verified its signature).
//!
//! 1. Keywords (spec/twilio.md §5): the whole body, trimmed, in any case, or Twilio's
//!    `OptOutType` when present. An opt-out is stored as a keyed hash of (Twilio account,
//!    recipient) and ends every enrolment of that recipient; an opt-in lifts it; HELP needs
//!    nothing from us (Twilio answers it).
//! 2. Stop on reply: the item's enrolments in campaigns that stop on reply end.
//! 3. monday: an update on the item and the "When an SMS reply arrives" trigger, both as
//!    durable deliveries, so a slow or rate-limited monday loses nothing. The reply text is
//!    processed, never stored: it lives only inside those sealed deliveries until sent.

use chrono::{DateTime, Utc};
use drip_domain::PhoneNumber;
use drip_store::db::enrolments::STOPPED;

use crate::account::AccountState;
use crate::deliveries::{self, Delivery};
use crate::drip::{StopReason, stop_item};

/// A verified inbound SMS for one of the account's conversations.
pub struct InboundReply {
    pub board_id: i64,
    pub item_id: i64,
    pub account_sid: String,
    pub from: PhoneNumber,
    pub body: String,
    /// Twilio's `OptOutType` (`STOP`, `START`, `HELP`), sent only with Advanced Opt-Out.
    pub opt_out_type: Option<String>,
    pub received_at: DateTime<Utc>,
}

impl std::fmt::Debug for InboundReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InboundReply").field("item_id", &self.item_id).finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    OptOut,
    OptIn,
    Help,
}

impl Keyword {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OptOut => "STOP",
            Self::OptIn => "START",
            Self::Help => "HELP",
        }
    }
}

/// The keyword a reply is, if any: Twilio's `OptOutType` first, else the whole body.
pub fn keyword_of(body: &str, opt_out_type: Option<&str>) -> Option<Keyword> {
    let by_type = match opt_out_type.map(str::trim).map(str::to_ascii_uppercase).as_deref() {
        Some("STOP") => Some(Keyword::OptOut),
        Some("START") => Some(Keyword::OptIn),
        Some("HELP") => Some(Keyword::Help),
        _ => None,
    };
    by_type.or_else(|| match body.trim().to_ascii_uppercase().as_str() {
        "STOP" | "STOPALL" | "UNSUBSCRIBE" | "CANCEL" | "END" | "QUIT" | "REVOKE" | "OPTOUT" => Some(Keyword::OptOut),
        "START" | "YES" | "UNSTOP" => Some(Keyword::OptIn),
        "HELP" | "INFO" => Some(Keyword::Help),
        _ => None,
    })
}

pub(crate) async fn handle_reply(state: &mut AccountState, reply: InboundReply) {
    if let Err(error) = process(state, &reply).await {
        tracing::error!(account = %state.account, error = %format!("{error:#}"), "a reply could not be processed");
    }
}

async fn process(state: &mut AccountState, reply: &InboundReply) -> anyhow::Result<()> {
    let services = state.services.clone();
    let now = services.clock.now();
    let keyword = keyword_of(&reply.body, reply.opt_out_type.as_deref());
    let opt_out_key = services.crypto.hasher.opt_out(&reply.account_sid, &reply.from).to_hex();
    match keyword {
        Some(Keyword::OptOut) => {
            services.db.record_opt_out(state.account, &opt_out_key, "keyword", now).await?;
            end_enrolments_under_opt_out(state, &opt_out_key, &reply.from).await?;
        }
        Some(Keyword::OptIn) => {
            services.db.remove_opt_out(state.account, &opt_out_key).await?;
        }
        Some(Keyword::Help) | None => {}
    }
    let answers = what_it_answers(state, reply.item_id).await?;
    let stopped = stop_item(state, reply.item_id, None, StopReason::Replied).await?;
    tracing::info!(account = %state.account, item = reply.item_id, keyword = keyword.map(Keyword::as_str), stopped, "reply received");
    let update = Delivery::PostUpdate { item_id: reply.item_id, body: update_text(reply, keyword, &answers) };
    deliveries::enqueue(state, update).await?;
    for subscription in services.db.subscriptions_for_board(state.account, reply.board_id).await? {
        let output_fields = serde_json::json!({
            "itemId": reply.item_id,
            "boardId": reply.board_id,
            "replyText": reply.body,
            "fromPhone": reply.from.as_e164(),
            "keyword": keyword.map(Keyword::as_str),
            "receivedAt": reply.received_at.to_rfc3339(),
        });
        let fire = Delivery::FireTrigger {
            subscription_id: subscription.subscription_id,
            webhook_url: subscription.webhook_url,
            output_fields,
        };
        deliveries::enqueue(state, fire).await?;
    }
    Ok(())
}

/// Every active enrolment of the recipient under this Twilio account ends: they asked it
/// for no more texts. Their enrolments under another Twilio account of the customer go on,
/// as sends from that account are not blocked either.
async fn end_enrolments_under_opt_out(
    state: &mut AccountState,
    opt_out_key: &str,
    from: &PhoneNumber,
) -> anyhow::Result<()> {
    let recipient = state.services.crypto.hasher.phone(from).to_hex();
    let rows = state.services.db.active_enrolments_under_opt_out(state.account, opt_out_key, &recipient).await?;
    for row in rows {
        crate::drip::end_enrolment(state, row, STOPPED, "recipient opted out").await?;
    }
    Ok(())
}

/// What the reply answers, for the update: the item's running campaigns by name, or the
/// item's last one-off text.
async fn what_it_answers(state: &AccountState, item_id: i64) -> anyhow::Result<String> {
    let db = &state.services.db;
    let mut names = Vec::new();
    for row in db.active_enrolments_of_item(state.account, item_id, None).await? {
        if let Some((campaign, _)) = db.campaign_with_steps(state.account, &row.campaign_id).await? {
            names.push(format!("'{}'", campaign.name));
        }
    }
    Ok(match names.as_slice() {
        [] => "a text sent from this item".to_owned(),
        [one] => format!("the campaign {one}"),
        many => format!("the campaigns {}", many.join(", ")),
    })
}

/// The update posted on the item: the reply, and what it answers.
fn update_text(reply: &InboundReply, keyword: Option<Keyword>, answers: &str) -> String {
    let number = reply.from.as_e164();
    let ending = &number[number.len().saturating_sub(4)..];
    let note = match keyword {
        Some(Keyword::OptOut) => "\n\n(The contact opted out: no more texts go to this number until they reply START.)",
        Some(Keyword::OptIn) => "\n\n(The contact opted back in.)",
        _ => "",
    };
    format!("💬 SMS reply from the number ending {ending}, to {answers}:\n\n{}{note}", reply.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_opt_out_opt_in_and_help_keyword_is_recognised_in_any_case_as_the_whole_body() {
        for word in ["STOP", "stopall", "Unsubscribe", "cancel", "END", "quit", "revoke", "OptOut", " stop \n"] {
            assert_eq!(keyword_of(word, None), Some(Keyword::OptOut), "{word:?}");
        }
        for word in ["START", "yes", "Unstop"] {
            assert_eq!(keyword_of(word, None), Some(Keyword::OptIn), "{word:?}");
        }
        for word in ["HELP", "info"] {
            assert_eq!(keyword_of(word, None), Some(Keyword::Help), "{word:?}");
        }
    }

    #[test]
    fn a_keyword_inside_a_sentence_or_with_a_space_is_not_a_keyword() {
        for body in ["stop please", "OPT OUT", "yes, see you then", "STOP!"] {
            assert_eq!(keyword_of(body, None), None, "{body:?}");
        }
    }

    #[test]
    fn twilios_opt_out_type_wins_over_the_body() {
        assert_eq!(keyword_of("arrêtez", Some("STOP")), Some(Keyword::OptOut));
        assert_eq!(keyword_of("ok", Some("START")), Some(Keyword::OptIn));
    }
}
