//! Prometheus metrics for `/metrics`: one registry per running service, so that several
//! services in one test process do not share counters.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatusLabels {
    pub status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LifecycleLabels {
    pub event: String,
    pub outcome: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct InboundLabels {
    pub outcome: String,
}

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub http_responses: Family<StatusLabels, Counter>,
    pub lifecycle_events: Family<LifecycleLabels, Counter>,
    pub auth_failures: Counter,
    /// Inbound SMS by outcome (routed, no_session, bad_signature, duplicate, …).
    pub inbound: Family<InboundLabels, Counter>,
    pub live_account_actors: Gauge,
    pub account_actor_restarts: Gauge,
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("sms_drip");
        let http_responses = Family::<StatusLabels, Counter>::default();
        let lifecycle_events = Family::<LifecycleLabels, Counter>::default();
        let auth_failures = Counter::default();
        let inbound = Family::<InboundLabels, Counter>::default();
        let live_account_actors = Gauge::default();
        let account_actor_restarts = Gauge::default();
        registry.register("http_responses", "HTTP responses by status", http_responses.clone());
        registry.register(
            "lifecycle_events",
            "monday lifecycle webhooks by type and outcome",
            lifecycle_events.clone(),
        );
        registry.register("auth_failures", "Requests refused for a bad monday JWT", auth_failures.clone());
        registry.register("inbound_sms", "Inbound SMS by outcome", inbound.clone());
        registry.register("live_account_actors", "Account actors in memory", live_account_actors.clone());
        registry.register(
            "account_actor_restarts",
            "Account actor restarts since start",
            account_actor_restarts.clone(),
        );
        Self {
            registry,
            http_responses,
            lifecycle_events,
            auth_failures,
            inbound,
            live_account_actors,
            account_actor_restarts,
        }
    }

    /// For other parts of the service to register their own metrics at start.
    pub fn registry_mut(&mut self) -> &mut Registry {
        &mut self.registry
    }

    /// The registry in Prometheus text format.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
