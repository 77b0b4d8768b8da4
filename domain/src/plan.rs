//! An account's plan facts, as monday's lifecycle webhooks report them, and what each
//! lifecycle event does to them.
//!
//! monday sends 13 event types (spec/monday.md §6). Each maps to a [`LifecycleKind`]; the
//! subscription events move [`SubscriptionStatus`] and refresh the plan facts carried in
//! the body. Whether an account may send is decided from the status: a cancelled
//! subscription stays usable until its period ends (`CancelPending`), a first failed
//! renewal keeps it usable while monday retries (`RenewalFailing`).

use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The 13 app lifecycle and monetization events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LifecycleKind {
    Install,
    Uninstall,
    SubscriptionCreated,
    SubscriptionChanged,
    SubscriptionRenewed,
    SubscriptionCancelledByUser,
    SubscriptionCancelled,
    SubscriptionCancellationRevokedByUser,
    SubscriptionRenewalAttemptFailed,
    SubscriptionRenewalFailed,
    TrialSubscriptionStarted,
    TrialSubscriptionEnded,
    SubscriptionPricingVersionChangeScheduled,
}

impl LifecycleKind {
    pub const ALL: [LifecycleKind; 13] = [
        Self::Install,
        Self::Uninstall,
        Self::SubscriptionCreated,
        Self::SubscriptionChanged,
        Self::SubscriptionRenewed,
        Self::SubscriptionCancelledByUser,
        Self::SubscriptionCancelled,
        Self::SubscriptionCancellationRevokedByUser,
        Self::SubscriptionRenewalAttemptFailed,
        Self::SubscriptionRenewalFailed,
        Self::TrialSubscriptionStarted,
        Self::TrialSubscriptionEnded,
        Self::SubscriptionPricingVersionChangeScheduled,
    ];

    /// The `type` string monday sends.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Install => "install",
            Self::Uninstall => "uninstall",
            Self::SubscriptionCreated => "app_subscription_created",
            Self::SubscriptionChanged => "app_subscription_changed",
            Self::SubscriptionRenewed => "app_subscription_renewed",
            Self::SubscriptionCancelledByUser => "app_subscription_cancelled_by_user",
            Self::SubscriptionCancelled => "app_subscription_cancelled",
            Self::SubscriptionCancellationRevokedByUser => "app_subscription_cancellation_revoked_by_user",
            Self::SubscriptionRenewalAttemptFailed => "app_subscription_renewal_attempt_failed",
            Self::SubscriptionRenewalFailed => "app_subscription_renewal_failed",
            Self::TrialSubscriptionStarted => "app_trial_subscription_started",
            Self::TrialSubscriptionEnded => "app_trial_subscription_ended",
            Self::SubscriptionPricingVersionChangeScheduled => "app_subscription_pricing_version_change_scheduled",
        }
    }

    /// The status an account moves to on this event, or `None` when the event leaves the
    /// status as it is (the pricing notice describes the state *before* a future change).
    fn next_status(self, is_trial: bool) -> Option<SubscriptionStatus> {
        use SubscriptionStatus as S;
        let paid_or_trial = if is_trial { S::Trial } else { S::Active };
        match self {
            Self::Install => Some(S::Free),
            Self::SubscriptionCreated
            | Self::SubscriptionChanged
            | Self::SubscriptionRenewed
            | Self::SubscriptionCancellationRevokedByUser => Some(paid_or_trial),
            Self::SubscriptionCancelledByUser => Some(S::CancelPending),
            Self::SubscriptionCancelled => Some(S::Cancelled),
            Self::SubscriptionRenewalAttemptFailed => Some(S::RenewalFailing),
            Self::SubscriptionRenewalFailed => Some(S::Lapsed),
            Self::TrialSubscriptionStarted => Some(S::Trial),
            Self::TrialSubscriptionEnded => Some(S::TrialEnded),
            Self::Uninstall | Self::SubscriptionPricingVersionChangeScheduled => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown lifecycle event type")]
pub struct UnknownLifecycleKind;

impl FromStr for LifecycleKind {
    type Err = UnknownLifecycleKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == s).ok_or(UnknownLifecycleKind)
    }
}

/// Where the account's subscription to our app stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    /// Installed, no paid subscription (free plan).
    Free,
    Trial,
    TrialEnded,
    Active,
    /// Cancelled by the user; usable until the period ends.
    CancelPending,
    Cancelled,
    /// A renewal attempt failed; monday retries, so the plan stays usable meanwhile.
    RenewalFailing,
    /// The final renewal attempt failed.
    Lapsed,
}

impl SubscriptionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Free => "free",
            Self::Trial => "trial",
            Self::TrialEnded => "trial_ended",
            Self::Active => "active",
            Self::CancelPending => "cancel_pending",
            Self::Cancelled => "cancelled",
            Self::RenewalFailing => "renewal_failing",
            Self::Lapsed => "lapsed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }

    /// Whether the paid plan's limits apply (otherwise the free limits do).
    pub fn has_paid_plan(self) -> bool {
        matches!(self, Self::Trial | Self::Active | Self::CancelPending | Self::RenewalFailing)
    }
}

/// The `data.subscription` object of a lifecycle webhook.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct SubscriptionFacts {
    pub plan_id: Option<String>,
    #[serde(default)]
    pub is_trial: bool,
    pub billing_period: Option<String>,
    pub renewal_date: Option<DateTime<Utc>>,
    pub pricing_version: Option<i32>,
    pub max_units: Option<i64>,
}

/// What we keep about an account's plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanFacts {
    pub status: SubscriptionStatus,
    pub plan_id: Option<String>,
    pub account_tier: Option<String>,
    pub max_units: Option<i64>,
    pub is_trial: bool,
    pub billing_period: Option<String>,
    pub renewal_date: Option<DateTime<Utc>>,
    pub pricing_version: Option<i32>,
}

impl PlanFacts {
    /// The facts of a fresh install, before any subscription event.
    pub fn installed(account_tier: Option<String>) -> Self {
        Self {
            status: SubscriptionStatus::Free,
            plan_id: None,
            account_tier,
            max_units: None,
            is_trial: false,
            billing_period: None,
            renewal_date: None,
            pricing_version: None,
        }
    }

    /// Applies one lifecycle event. An install that repeats for a paid plan reinstalled
    /// after uninstall carries its subscription, so it keeps the paid status.
    pub fn apply(&mut self, kind: LifecycleKind, subscription: Option<&SubscriptionFacts>) {
        let is_trial = subscription.map(|s| s.is_trial).unwrap_or(self.is_trial);
        let mut next = kind.next_status(is_trial);
        if kind == LifecycleKind::Install && subscription.and_then(|s| s.plan_id.as_ref()).is_some() {
            next = Some(if is_trial { SubscriptionStatus::Trial } else { SubscriptionStatus::Active });
        }
        if let Some(status) = next {
            self.status = status;
        }
        if let Some(s) = subscription.filter(|_| kind != LifecycleKind::SubscriptionPricingVersionChangeScheduled) {
            self.plan_id = s.plan_id.clone();
            self.is_trial = s.is_trial;
            self.billing_period = s.billing_period.clone();
            self.renewal_date = s.renewal_date;
            self.pricing_version = s.pricing_version;
            self.max_units = s.max_units;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paid(plan: &str) -> SubscriptionFacts {
        SubscriptionFacts { plan_id: Some(plan.into()), max_units: Some(100), ..Default::default() }
    }

    #[test]
    fn every_event_type_round_trips_through_its_wire_name() {
        for kind in LifecycleKind::ALL {
            assert_eq!(kind.as_str().parse::<LifecycleKind>().unwrap(), kind);
        }
        assert!("app_subscription_exploded".parse::<LifecycleKind>().is_err());
    }

    #[test]
    fn a_subscription_moves_a_free_account_to_active_with_its_plan() {
        let mut facts = PlanFacts::installed(Some("pro".into()));
        facts.apply(LifecycleKind::SubscriptionCreated, Some(&paid("5")));
        assert_eq!(facts.status, SubscriptionStatus::Active);
        assert_eq!(facts.plan_id.as_deref(), Some("5"));
        assert_eq!(facts.max_units, Some(100));
    }

    #[test]
    fn cancellation_keeps_the_plan_usable_until_it_ends() {
        let mut facts = PlanFacts::installed(None);
        facts.apply(LifecycleKind::SubscriptionCreated, Some(&paid("5")));
        facts.apply(LifecycleKind::SubscriptionCancelledByUser, Some(&paid("5")));
        assert!(facts.status.has_paid_plan());
        facts.apply(LifecycleKind::SubscriptionCancelled, Some(&paid("5")));
        assert!(!facts.status.has_paid_plan());
    }

    #[test]
    fn a_pricing_notice_changes_nothing_because_it_shows_the_state_before_the_change() {
        let mut facts = PlanFacts::installed(None);
        facts.apply(LifecycleKind::SubscriptionCreated, Some(&paid("5")));
        let before = facts.clone();
        facts.apply(LifecycleKind::SubscriptionPricingVersionChangeScheduled, Some(&paid("9")));
        assert_eq!(facts, before);
    }

    #[test]
    fn a_reinstall_that_carries_a_paid_subscription_is_active() {
        let mut facts = PlanFacts::installed(None);
        facts.apply(LifecycleKind::Install, Some(&paid("5")));
        assert_eq!(facts.status, SubscriptionStatus::Active);
    }

    #[test]
    fn statuses_round_trip_through_their_stored_names() {
        for status in [SubscriptionStatus::Free, SubscriptionStatus::CancelPending, SubscriptionStatus::Lapsed] {
            assert_eq!(SubscriptionStatus::parse(status.as_str()), Some(status));
        }
    }
}
