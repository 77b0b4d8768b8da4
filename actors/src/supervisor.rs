//! `AccountSupervisor`: starts one `AccountActor` per account on demand, restarts it after
//! a failure, stops it when idle, and runs uninstall.
//!
//! Every message for an account passes through here (see `router`), which is what makes
//! "one owner per account" hold: the supervisor is the only place that spawns account
//! actors, and it keeps the map from account to actor.
//!
//! Restart policy: ractor has none built in. A failed actor is restarted at once (its
//! `pre_start` rebuilds the state from the stores) unless it already failed
//! `restart_limit` times within `restart_window`; then the account is *quarantined* for one
//! window, during which messages for it are refused (their callers get an error and monday
//! retries), so a poison message cannot spin the process.
//!
//! Idle stop: the supervisor notes when it last routed a message to each account; a sweep
//! drains and stops actors idle longer than `idle_timeout`, so a quiet account costs no
//! memory. Draining (not killing) lets a message that slipped in finish first.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Utc};
use drip_domain::AccountId;
use ractor::{Actor, ActorCell, ActorId, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};

use crate::account::{AccountActor, AccountArgs, AccountMessage};
use crate::services::AccountServices;

pub enum SupervisorMessage {
    /// Deliver a message to an account's actor, starting the actor if needed.
    Route(AccountId, AccountMessage),
    /// Stop the account's actor, then delete everything of the account from both stores.
    Uninstall(AccountId, RpcReplyPort<Result<u64, String>>),
    /// Sent by the uninstall task when the deletion finished.
    UninstallFinished(AccountId),
    /// Stop every actor idle longer than the idle timeout; answers how many were stopped.
    SweepIdle(RpcReplyPort<usize>),
    Stats(RpcReplyPort<SupervisorStats>),
}

/// Counters for `/metrics` and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SupervisorStats {
    pub live_actors: usize,
    pub restarts: u64,
    pub quarantined: usize,
}

pub struct AccountSupervisor;

pub struct SupervisorArgs {
    /// Unique per process instance, so that actor names never collide when several
    /// services run in one process (the tests do).
    pub instance: String,
    pub services: AccountServices,
}

struct Child {
    actor: ActorRef<AccountMessage>,
    last_routed: DateTime<Utc>,
}

pub struct SupervisorState {
    instance: String,
    services: AccountServices,
    children: HashMap<AccountId, Child>,
    accounts_by_actor: HashMap<ActorId, AccountId>,
    recent_restarts: HashMap<AccountId, VecDeque<DateTime<Utc>>>,
    /// Accounts refused until the given time (restart storm) or until uninstall finishes.
    closed_until: HashMap<AccountId, Option<DateTime<Utc>>>,
    restarts: u64,
}

impl Actor for AccountSupervisor {
    type Msg = SupervisorMessage;
    type State = SupervisorState;
    type Arguments = SupervisorArgs;

    async fn pre_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        args: SupervisorArgs,
    ) -> Result<SupervisorState, ActorProcessingErr> {
        Ok(SupervisorState {
            instance: args.instance,
            services: args.services,
            children: HashMap::new(),
            accounts_by_actor: HashMap::new(),
            recent_restarts: HashMap::new(),
            closed_until: HashMap::new(),
            restarts: 0,
        })
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        message: SupervisorMessage,
        state: &mut SupervisorState,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            SupervisorMessage::Route(account, message) => state.route(&myself, account, message).await,
            SupervisorMessage::Uninstall(account, reply) => state.uninstall(&myself, account, reply),
            SupervisorMessage::UninstallFinished(account) => {
                state.closed_until.remove(&account);
            }
            SupervisorMessage::SweepIdle(reply) => {
                let _ = reply.send(state.sweep_idle());
            }
            SupervisorMessage::Stats(reply) => {
                let _ = reply.send(state.stats());
            }
        }
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        myself: ActorRef<Self::Msg>,
        event: SupervisionEvent,
        state: &mut SupervisorState,
    ) -> Result<(), ActorProcessingErr> {
        match event {
            SupervisionEvent::ActorTerminated(cell, _, reason) => {
                if let Some(account) = state.forget(&cell) {
                    tracing::debug!(account = %account, reason = reason.as_deref().unwrap_or(""), "account actor stopped");
                }
            }
            SupervisionEvent::ActorFailed(cell, error) => {
                if let Some(account) = state.forget(&cell) {
                    tracing::error!(account = %account, error = %error, "account actor failed");
                    state.restart(&myself, account).await;
                }
            }
            _ => {}
        }
        Ok(())
    }

    async fn post_stop(
        &self,
        _myself: ActorRef<Self::Msg>,
        state: &mut SupervisorState,
    ) -> Result<(), ActorProcessingErr> {
        // Children are linked, so ractor stops them with us; drain first so that work
        // already in their mailboxes finishes during a graceful shutdown.
        for child in state.children.values() {
            let _ = child.actor.drain_and_wait(Some(state.services.settings.call_timeout)).await;
        }
        Ok(())
    }
}

impl SupervisorState {
    async fn route(&mut self, myself: &ActorRef<SupervisorMessage>, account: AccountId, message: AccountMessage) {
        if self.is_closed(account) {
            // Dropping the message drops its reply port: the caller sees the failure.
            tracing::warn!(account = %account, ?message, "refused a message for a closed account");
            return;
        }
        let now = self.services.clock.now();
        let actor = match self.children.get_mut(&account) {
            Some(child) => {
                child.last_routed = now;
                child.actor.clone()
            }
            None => match self.spawn(myself, account).await {
                Some(actor) => actor,
                None => return,
            },
        };
        if let Err(error) = actor.send_message(message) {
            tracing::warn!(account = %account, %error, "account actor refused a message");
        }
    }

    async fn spawn(
        &mut self,
        myself: &ActorRef<SupervisorMessage>,
        account: AccountId,
    ) -> Option<ActorRef<AccountMessage>> {
        let name = format!("{}/account/{}", self.instance, account);
        let args = AccountArgs { account, services: self.services.clone() };
        match Actor::spawn_linked(Some(name), AccountActor, args, myself.get_cell()).await {
            Ok((actor, _)) => {
                self.accounts_by_actor.insert(actor.get_id(), account);
                let child = Child { actor: actor.clone(), last_routed: self.services.clock.now() };
                self.children.insert(account, child);
                Some(actor)
            }
            Err(error) => {
                tracing::error!(account = %account, %error, "could not start account actor");
                None
            }
        }
    }

    fn forget(&mut self, cell: &ActorCell) -> Option<AccountId> {
        let account = self.accounts_by_actor.remove(&cell.get_id())?;
        // Only drop the map entry if it still points at this actor: after an uninstall or an
        // idle stop a newer actor may already serve the account.
        if self.children.get(&account).is_some_and(|child| child.actor.get_id() == cell.get_id()) {
            self.children.remove(&account);
        }
        Some(account)
    }

    async fn restart(&mut self, myself: &ActorRef<SupervisorMessage>, account: AccountId) {
        let now = self.services.clock.now();
        let window = chrono::Duration::from_std(self.services.settings.restart_window).unwrap_or_default();
        let recent = self.recent_restarts.entry(account).or_default();
        recent.retain(|at| *at > now - window);
        if recent.len() >= self.services.settings.restart_limit {
            tracing::error!(account = %account, "account actor keeps failing: quarantined for one restart window");
            self.closed_until.insert(account, Some(now + window));
            recent.clear();
            return;
        }
        recent.push_back(now);
        self.restarts += 1;
        self.spawn(myself, account).await;
    }

    fn uninstall(
        &mut self,
        myself: &ActorRef<SupervisorMessage>,
        account: AccountId,
        reply: RpcReplyPort<Result<u64, String>>,
    ) {
        // Closed until the deletion finishes, so no new actor can start and write rows
        // while they are being deleted.
        self.closed_until.insert(account, None);
        let child = self.children.remove(&account);
        let services = self.services.clone();
        let supervisor = myself.clone();
        tokio::spawn(async move {
            if let Some(child) = child {
                let _ = child.actor.stop_and_wait(Some("uninstall".into()), Some(services.settings.call_timeout)).await;
            }
            let deleted = delete_account_everywhere(&services, account).await;
            let _ = supervisor.send_message(SupervisorMessage::UninstallFinished(account));
            let _ = reply.send(deleted.map_err(|error| format!("{error:#}")));
        });
    }

    fn sweep_idle(&mut self) -> usize {
        let now = self.services.clock.now();
        let idle = chrono::Duration::from_std(self.services.settings.idle_timeout).unwrap_or_default();
        let idle_accounts: Vec<AccountId> = self
            .children
            .iter()
            .filter(|(_, child)| child.last_routed + idle <= now)
            .map(|(account, _)| *account)
            .collect();
        for account in &idle_accounts {
            if let Some(child) = self.children.remove(account) {
                let _ = child.actor.drain();
            }
        }
        idle_accounts.len()
    }

    fn is_closed(&mut self, account: AccountId) -> bool {
        match self.closed_until.get(&account) {
            None => false,
            Some(None) => true,
            Some(Some(until)) if *until > self.services.clock.now() => true,
            Some(Some(_)) => {
                self.closed_until.remove(&account);
                false
            }
        }
    }

    fn stats(&self) -> SupervisorStats {
        SupervisorStats {
            live_actors: self.children.len(),
            restarts: self.restarts,
            quarantined: self.closed_until.len(),
        }
    }
}

/// Deletes every row and key of the account: the Db in one transaction, then the Kv.
async fn delete_account_everywhere(services: &AccountServices, account: AccountId) -> anyhow::Result<u64> {
    let rows = services.db.delete_account(account).await?;
    let keys = services.kv.purge_account(account).await?;
    tracing::info!(account = %account, rows, keys, "deleted every row and key of the account");
    Ok(rows + keys)
}
