//! `AccountActor`: the single owner of one monday account's state.
//!
//! Everything that changes an account (lifecycle facts, its OAuth tokens, later its
//! enrolments, opt-outs and rate budgets) goes through this actor, so two requests for one
//! account never race. The state is only a cache of the stores: `pre_start` rebuilds it
//! from the Db, which is what makes a restart after a failure safe.
//!
//! Failure: a failed store or monday call is answered to the caller as an
//! [`AccountError`] and the actor carries on. The actor only returns `Err` (and so dies and
//! is restarted by the supervisor) when its state cannot be trusted any more.

use chrono::{DateTime, Utc};
use drip_clients::monday::TokenSet;
use drip_domain::plan::PlanFacts;
use drip_domain::{AccountId, UserId};
use drip_store::db::accounts::{LifecycleEvent, LifecycleOutcome, plan_facts};
use std::collections::{HashMap, HashSet};

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use secrecy::SecretString;

use crate::deliveries;
use crate::drip;
use crate::monday_token;
use crate::outbox::{self, EnrolmentStep, SendJob};
use crate::pacing::Pacer;
use crate::sending::{self, CallResult, SendOrder, SendOutcome};
use crate::services::AccountServices;
use crate::status::{self, StatusUpdate};

/// Why an account could not do what was asked. Messages are safe to show a monday user.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("the app is not connected to monday for this account yet: open the app and authorize it")]
    NotConnected,
    #[error("monday rejected the app's stored authorization: open the app and authorize it again")]
    Reconnect,
    #[error("monday is not answering right now: {0}")]
    MondayUnavailable(String),
    #[error(transparent)]
    Store(#[from] anyhow::Error),
}

/// What an account actor answers to [`AccountMessage::Snapshot`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSnapshot {
    pub account_id: AccountId,
    /// `None` until the account's install has been seen.
    pub plan: Option<PlanFacts>,
    pub started_at: DateTime<Utc>,
}

pub enum AccountMessage {
    /// A lifecycle webhook other than uninstall (the supervisor handles that one).
    Lifecycle(LifecycleEvent, RpcReplyPort<Result<LifecycleOutcome, AccountError>>),
    /// Tokens from a completed OAuth flow.
    StoreMondayTokens(TokenSet, Option<UserId>, RpcReplyPort<Result<(), AccountError>>),
    /// A monday access token valid beyond the refresh margin, refreshed if needed.
    MondayAccessToken(RpcReplyPort<Result<SecretString, AccountError>>),
    /// The actor's current state.
    Snapshot(RpcReplyPort<AccountSnapshot>),
    /// Send one SMS; answered when Twilio answers, or `Queued` when its slot is far off.
    Send(Box<SendOrder>, RpcReplyPort<SendOutcome>),
    /// A Twilio call task finished (sent by the task itself).
    CallFinished(Box<SendJob>, Box<CallResult>),
    /// A verified status callback of one of this account's messages.
    Status(StatusUpdate, RpcReplyPort<Result<status::StatusChange, AccountError>>),
    /// Enrol an item in a campaign (Sequence Starter).
    Enrol(Box<drip::EnrolOrder>, RpcReplyPort<drip::EnrolOutcome>),
    /// End an item's enrolments (Smart Stopper, or a reply).
    StopEnrolments(drip::StopOrder, RpcReplyPort<Result<usize, AccountError>>),
    /// A verified reply from a contact, routed to this account.
    Reply(Box<crate::replies::InboundReply>),
    /// A campaign's status or steps changed: end or re-arm its enrolments.
    CampaignChanged(String),
    /// A drip step's text was rendered (sent by the rendering task).
    StepRendered(drip::StepRendered),
    /// Queue a monday delivery (trigger fire or item update); answered once it is durable.
    Deliver(Box<deliveries::Delivery>, RpcReplyPort<Result<(), AccountError>>),
    /// A monday delivery task finished (sent by the task itself).
    DeliveryFinished(Box<deliveries::DeliveryReport>),
    /// A durable timer of this account fell due.
    TimerFired(String),
    /// Makes the actor fail, to exercise the restart policy.
    #[cfg(feature = "fault-injection")]
    Fail(String),
}

impl std::fmt::Debug for AccountMessage {
    // By hand, so a token inside a message can never reach a log through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self {
            Self::Lifecycle(event, _) => return write!(f, "Lifecycle({})", event.kind.as_str()),
            Self::StoreMondayTokens(..) => "StoreMondayTokens",
            Self::MondayAccessToken(_) => "MondayAccessToken",
            Self::Snapshot(_) => "Snapshot",
            Self::Send(..) => "Send",
            Self::CallFinished(..) => "CallFinished",
            Self::Status(..) => "Status",
            Self::Enrol(..) => "Enrol",
            Self::StopEnrolments(..) => "StopEnrolments",
            Self::StepRendered(..) => "StepRendered",
            Self::CampaignChanged(_) => "CampaignChanged",
            Self::Reply(_) => "Reply",
            Self::Deliver(..) => "Deliver",
            Self::DeliveryFinished(_) => "DeliveryFinished",
            Self::TimerFired(_) => "TimerFired",
            #[cfg(feature = "fault-injection")]
            Self::Fail(_) => "Fail",
        };
        f.write_str(name)
    }
}

pub struct AccountActor;

pub struct AccountArgs {
    pub account: AccountId,
    pub services: AccountServices,
}

pub struct AccountState {
    pub(crate) account: AccountId,
    pub(crate) plan: Option<PlanFacts>,
    started_at: DateTime<Utc>,
    pub(crate) services: AccountServices,
    pub(crate) pacer: Pacer,
    /// Callers waiting for a send's answer, by job id.
    pub(crate) send_waiters: HashMap<String, Vec<RpcReplyPort<SendOutcome>>>,
    /// Jobs whose Twilio call runs in this process right now.
    pub(crate) calls_in_flight: HashSet<String>,
    /// Jobs accepted and waiting for their slot (counted since this actor started).
    pub(crate) queued_jobs: usize,
    /// The drip step each in-progress send job carries.
    pub(crate) job_steps: HashMap<String, EnrolmentStep>,
    /// Monday deliveries in flight or waiting for a slot.
    pub(crate) deliveries: deliveries::DeliveryQueue,
    /// This actor, for tasks that report back to it.
    pub(crate) myself: ActorRef<AccountMessage>,
}

impl Actor for AccountActor {
    type Msg = AccountMessage;
    type State = AccountState;
    type Arguments = AccountArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<Self::Msg>,
        args: AccountArgs,
    ) -> Result<AccountState, ActorProcessingErr> {
        let row = args.services.db.find_account(args.account).await?;
        Ok(AccountState {
            account: args.account,
            plan: row.as_ref().map(plan_facts),
            started_at: args.services.clock.now(),
            services: args.services,
            pacer: Pacer::default(),
            send_waiters: HashMap::new(),
            calls_in_flight: HashSet::new(),
            queued_jobs: 0,
            job_steps: HashMap::new(),
            deliveries: deliveries::DeliveryQueue::default(),
            myself,
        })
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        message: AccountMessage,
        state: &mut AccountState,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            AccountMessage::Lifecycle(event, reply) => {
                let outcome = state.apply_lifecycle(&event).await;
                let _ = reply.send(outcome);
            }
            AccountMessage::StoreMondayTokens(tokens, user, reply) => {
                let stored = monday_token::store(&state.services, state.account, &tokens, user).await;
                let _ = reply.send(stored.map_err(AccountError::from));
            }
            AccountMessage::MondayAccessToken(reply) => {
                // Refreshing here, inside the account's mailbox, is what serialises refreshes:
                // monday rotates the refresh token, so two concurrent refreshes would race and
                // one would find its refresh token already spent.
                let _ = reply.send(monday_token::access_token(&state.services, state.account).await);
            }
            AccountMessage::Snapshot(reply) => {
                let _ = reply.send(state.snapshot());
            }
            AccountMessage::Send(order, reply) => sending::handle_send(state, &myself, *order, reply).await,
            AccountMessage::CallFinished(job, result) => {
                sending::handle_call_result(state, &myself, *job, *result).await;
            }
            AccountMessage::Status(update, reply) => {
                let _ = reply.send(status::apply(state, update).await.map_err(AccountError::from));
            }
            AccountMessage::Enrol(order, reply) => drip::handle_enrol(state, *order, reply).await,
            AccountMessage::StopEnrolments(order, reply) => drip::handle_stop(state, order, reply).await,
            AccountMessage::StepRendered(rendered) => drip::handle_step_rendered(state, rendered).await,
            AccountMessage::CampaignChanged(campaign_id) => drip::handle_campaign_changed(state, &campaign_id).await,
            AccountMessage::Reply(reply) => crate::replies::handle_reply(state, *reply).await,
            AccountMessage::Deliver(delivery, reply) => {
                let _ = reply.send(deliveries::enqueue(state, *delivery).await.map_err(AccountError::from));
            }
            AccountMessage::DeliveryFinished(report) => deliveries::handle_delivery_finished(state, *report).await,
            AccountMessage::TimerFired(timer) => {
                if let Some(job_id) = outbox::job_of_timer(&timer) {
                    sending::handle_send_timer(state, &myself, job_id).await;
                } else if let Some(delivery_id) = deliveries::delivery_of_timer(&timer) {
                    deliveries::handle_delivery_timer(state, delivery_id).await;
                } else if let Some(enrolment_id) = drip::enrolment_of_timer(&timer) {
                    drip::handle_step_timer(state, enrolment_id).await;
                } else {
                    tracing::debug!(account = %state.account, timer, "timer fell due with nothing to run");
                }
            }
            #[cfg(feature = "fault-injection")]
            AccountMessage::Fail(reason) => return Err(reason.into()),
        }
        Ok(())
    }
}

impl AccountState {
    async fn apply_lifecycle(&mut self, event: &LifecycleEvent) -> Result<LifecycleOutcome, AccountError> {
        let now = self.services.clock.now();
        let outcome = self.services.db.apply_lifecycle_event(event, now).await?;
        if outcome == LifecycleOutcome::Applied {
            let row = self.services.db.find_account(self.account).await?;
            self.plan = row.as_ref().map(plan_facts);
        }
        Ok(outcome)
    }

    fn snapshot(&self) -> AccountSnapshot {
        AccountSnapshot { account_id: self.account, plan: self.plan.clone(), started_at: self.started_at }
    }
}
