//! [`MondayStandIn`]: starts the server, names its URLs, and exposes what it recorded.
//! The control methods for each concern live beside its handlers (`oauth`, `graphql`,
//! `errors`, `board`, `trigger`).

use std::sync::MutexGuard;

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::record::{RecordedRequest, record_request};
use super::state::{Shared, State};
use super::{graphql, oauth_routes as oauth, trigger};

/// The OAuth client id the stand-in expects.
pub const CLIENT_ID: &str = "stand-in-client-id";
/// The OAuth client secret the stand-in expects.
pub const CLIENT_SECRET: &str = "stand-in-client-secret";

/// An in-process monday.com. Stops serving when dropped.
pub struct MondayStandIn {
    base_url: String,
    state: Shared,
    server: JoinHandle<()>,
}

impl MondayStandIn {
    /// Binds `127.0.0.1:0` and serves until dropped.
    ///
    /// # Panics
    /// If no local port can be bound: a test environment problem, not a test failure.
    pub async fn start() -> Self {
        let state = Shared::default();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the monday stand-in");
        let address = listener.local_addr().expect("stand-in address");
        let app = router(state.clone());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("monday stand-in server");
        });
        Self { base_url: format!("http://{address}"), state, server }
    }

    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The GraphQL endpoint, for `MondayClientSettings::api_url`.
    pub fn api_url(&self) -> String {
        format!("{}/v2", self.base_url)
    }

    pub fn authorize_url(&self) -> String {
        format!("{}/oauth2/authorize", self.base_url)
    }

    pub fn oauth_token_url(&self) -> String {
        format!("{}/oauth_ms/oauth/token", self.base_url)
    }

    pub fn legacy_token_url(&self) -> String {
        format!("{}/oauth2/token", self.base_url)
    }

    pub fn revoke_url(&self) -> String {
        format!("{}/oauth_ms/oauth/revoke", self.base_url)
    }

    /// The `webhookUrl` monday would hand out on a trigger subscribe.
    pub fn webhook_url(&self, subscription_id: u64) -> String {
        format!("{}/automations/apps-events/{subscription_id}", self.base_url)
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock()
    }
}

impl Drop for MondayStandIn {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn router(state: Shared) -> Router {
    Router::new()
        .route("/oauth2/authorize", get(oauth::authorize))
        .route("/oauth_ms/oauth/token", post(oauth::token))
        .route("/oauth_ms/oauth/revoke", post(oauth::revoke))
        .route("/oauth2/token", post(oauth::legacy_token))
        .route("/v2", post(graphql::answer))
        .route("/automations/apps-events/{subscription_id}", post(trigger::receive))
        .layer(middleware::from_fn_with_state(state.clone(), record_request))
        .with_state(state)
}
