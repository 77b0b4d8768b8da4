//! The stand-in's shared state: one mutex over everything, because handlers never await
//! while holding it and tests read it between requests.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::board::Board;
use super::graphql::GraphqlState;
use super::oauth::OAuthState;
use super::record::RecordedRequest;
use super::trigger::TriggerState;

#[derive(Default)]
pub(super) struct State {
    pub requests: Vec<RecordedRequest>,
    pub oauth: OAuthState,
    pub graphql: GraphqlState,
    pub board: Board,
    pub triggers: TriggerState,
}

#[derive(Clone, Default)]
pub(super) struct Shared(Arc<Mutex<State>>);

impl Shared {
    /// A panicking test must not poison the stand-in for the assertions that follow.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
