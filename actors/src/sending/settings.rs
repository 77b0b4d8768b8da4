//! Tunables of sending (config sections `twilio` and `plans`).

use std::collections::HashMap;
use std::time::Duration;

use drip_clients::twilio::SenderKind;
use drip_domain::plan::PlanFacts;
use serde::Deserialize;

use crate::pacing::Rate;

/// Sender throughput in segments per second, by sender type.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct SenderRates {
    pub long_code: f64,
    pub toll_free: f64,
    pub short_code: f64,
    pub alphanumeric: f64,
    pub messaging_service: f64,
}

impl SenderRates {
    pub fn rate_of(&self, kind: SenderKind) -> Rate {
        let segments_per_second = match kind {
            SenderKind::LongCode => self.long_code,
            SenderKind::TollFree => self.toll_free,
            SenderKind::ShortCode => self.short_code,
            SenderKind::Alphanumeric => self.alphanumeric,
            SenderKind::MessagingService => self.messaging_service,
        };
        Rate { segments_per_second }
    }
}

/// Monthly message quotas by plan.
#[derive(Debug, Clone, Deserialize)]
pub struct Quotas {
    pub free_monthly_messages: u64,
    pub paid_monthly_messages: u64,
    #[serde(default)]
    pub monthly_messages_by_plan: HashMap<String, u64>,
}

impl Quotas {
    /// The account's monthly allowance; an account whose install we have not seen gets
    /// the free allowance.
    pub fn monthly_messages(&self, plan: Option<&PlanFacts>) -> u64 {
        match plan {
            Some(plan) if plan.status.has_paid_plan() => plan
                .plan_id
                .as_ref()
                .and_then(|id| self.monthly_messages_by_plan.get(id))
                .copied()
                .unwrap_or(self.paid_monthly_messages),
            _ => self.free_monthly_messages,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SendSettings {
    pub rates: SenderRates,
    pub rate_limit_pause: Duration,
    pub queue_limit: usize,
    pub job_ttl: Duration,
    /// A send whose slot is further away than this is answered "queued" at once.
    pub action_wait: Duration,
    pub max_attempts: u32,
    pub retry_backoff: Duration,
    /// A call with no answer for this long is looked up in Twilio (crash or hang).
    pub call_watchdog: Duration,
    pub conversation_ttl: Duration,
    pub message_tracking_ttl: Duration,
    /// Our status-callback URL, sent with every message.
    pub status_callback_url: String,
    pub quotas: Quotas,
    pub metrics: super::SendMetrics,
}
