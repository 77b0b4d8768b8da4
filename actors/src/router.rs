//! `AccountRouter`: the one interface through which the edge, the scheduler and the tests
//! reach an account's actor.
//!
//! Today it sends to the local supervisor. When accounts are spread over several nodes,
//! this is the type that will forward work for a shard owned elsewhere, so callers must not
//! reach actors any other way.

use std::time::Duration;

use drip_domain::AccountId;
use ractor::concurrency::oneshot;
use ractor::{ActorRef, RpcReplyPort};

use crate::account::AccountMessage;
use crate::supervisor::{SupervisorMessage, SupervisorStats};

#[derive(Debug, thiserror::Error)]
pub enum RouteError {
    #[error("the account's actor is not available (stopped, failing or being uninstalled)")]
    Unavailable,
    #[error("the account's actor did not answer within {0:?}")]
    Timeout(Duration),
}

#[derive(Debug, Clone)]
pub struct AccountRouter {
    supervisor: ActorRef<SupervisorMessage>,
    call_timeout: Duration,
}

impl AccountRouter {
    pub fn new(supervisor: ActorRef<SupervisorMessage>, call_timeout: Duration) -> Self {
        Self { supervisor, call_timeout }
    }

    /// Sends without waiting for an answer.
    pub fn cast(&self, account: AccountId, message: AccountMessage) -> Result<(), RouteError> {
        self.supervisor.send_message(SupervisorMessage::Route(account, message)).map_err(|_| RouteError::Unavailable)
    }

    /// Sends a message built around a reply port and waits for the answer.
    pub async fn call<T: Send + 'static>(
        &self,
        account: AccountId,
        build: impl FnOnce(RpcReplyPort<T>) -> AccountMessage,
    ) -> Result<T, RouteError> {
        self.call_within(account, self.call_timeout, build).await
    }

    /// [`Self::call`] with its own deadline, for work that legitimately takes longer (a
    /// send waiting for Twilio's answer).
    pub async fn call_within<T: Send + 'static>(
        &self,
        account: AccountId,
        deadline: Duration,
        build: impl FnOnce(RpcReplyPort<T>) -> AccountMessage,
    ) -> Result<T, RouteError> {
        let (tx, rx) = oneshot();
        self.cast(account, build(tx.into()))?;
        match tokio::time::timeout(deadline, rx).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(_)) => Err(RouteError::Unavailable),
            Err(_) => Err(RouteError::Timeout(deadline)),
        }
    }

    /// Stops the account's actor and deletes everything of the account. Returns how many
    /// rows and keys were deleted.
    pub async fn uninstall(&self, account: AccountId) -> Result<Result<u64, String>, RouteError> {
        let (tx, rx) = oneshot();
        self.supervisor
            .send_message(SupervisorMessage::Uninstall(account, tx.into()))
            .map_err(|_| RouteError::Unavailable)?;
        self.await_reply(rx).await
    }

    /// Stops actors idle past the idle timeout; returns how many stopped.
    pub async fn sweep_idle(&self) -> Result<usize, RouteError> {
        let (tx, rx) = oneshot();
        self.supervisor.send_message(SupervisorMessage::SweepIdle(tx.into())).map_err(|_| RouteError::Unavailable)?;
        self.await_reply(rx).await
    }

    pub async fn stats(&self) -> Result<SupervisorStats, RouteError> {
        let (tx, rx) = oneshot();
        self.supervisor.send_message(SupervisorMessage::Stats(tx.into())).map_err(|_| RouteError::Unavailable)?;
        self.await_reply(rx).await
    }

    async fn await_reply<T>(&self, rx: ractor::concurrency::OneshotReceiver<T>) -> Result<T, RouteError> {
        match tokio::time::timeout(self.call_timeout, rx).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(_)) => Err(RouteError::Unavailable),
            Err(_) => Err(RouteError::Timeout(self.call_timeout)),
        }
    }
}
