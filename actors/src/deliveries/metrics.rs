//! Counters of the monday delivery queue, registered in the service's `/metrics`.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DeliveryLabels {
    /// `fire_trigger` or `post_update`.
    pub kind: String,
    /// `queued`, `delivered`, `retried`, `dropped` or `expired`.
    pub outcome: String,
}

#[derive(Debug, Clone, Default)]
pub struct DeliveryMetrics {
    pub outcomes: Family<DeliveryLabels, Counter>,
}

impl DeliveryMetrics {
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "monday_deliveries",
            "monday deliveries (trigger fires, item updates) by kind and outcome",
            self.outcomes.clone(),
        );
    }

    pub(crate) fn record(&self, kind: &str, outcome: &str) {
        self.outcomes.get_or_create(&DeliveryLabels { kind: kind.to_owned(), outcome: outcome.to_owned() }).inc();
    }

    /// The count of one kind and outcome so far (for logs and tests).
    pub fn count(&self, kind: &str, outcome: &str) -> u64 {
        self.outcomes.get_or_create(&DeliveryLabels { kind: kind.to_owned(), outcome: outcome.to_owned() }).get()
    }
}
