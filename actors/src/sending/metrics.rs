//! Counters of what the send path did, registered in the service's `/metrics`.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EncodingLabels {
    pub encoding: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub outcome: String,
}

#[derive(Debug, Clone, Default)]
pub struct SendMetrics {
    /// Messages Twilio accepted, by encoding (GSM-7 or UCS-2).
    pub messages: Family<EncodingLabels, Counter>,
    /// Their segments, by encoding: what Twilio bills and what throughput counts.
    pub segments: Family<EncodingLabels, Counter>,
    /// Sends that ended without a message, by reason.
    pub failures: Family<OutcomeLabels, Counter>,
    /// Sends deferred: rate limits, uncertain calls, far pace slots.
    pub deferrals: Counter,
}

impl SendMetrics {
    pub fn register(&self, registry: &mut Registry) {
        registry.register("sms_messages", "SMS accepted by Twilio, by encoding", self.messages.clone());
        registry.register("sms_segments", "SMS segments accepted by Twilio, by encoding", self.segments.clone());
        registry.register("sms_failures", "Sends that ended without a message, by reason", self.failures.clone());
        registry.register("sms_deferrals", "Sends deferred to a later slot", self.deferrals.clone());
    }

    pub(crate) fn record_sent(&self, encoding: &str, segments: u32) {
        let labels = EncodingLabels { encoding: encoding.to_owned() };
        self.messages.get_or_create(&labels).inc();
        self.segments.get_or_create(&labels).inc_by(u64::from(segments));
    }

    pub(crate) fn record_failure(&self, reason: &str) {
        self.failures.get_or_create(&OutcomeLabels { outcome: reason.to_owned() }).inc();
    }
}
