//! What every account actor reaches: the stores, the crypto, the clock and the clients.

use std::sync::Arc;
use std::time::Duration;

use drip_clients::monday::MondayClient;
use drip_clients::twilio::TwilioClient;
use drip_domain::clock::SharedClock;
use drip_domain::crypto::{KeyRing, KeyedHasher};
use drip_store::SharedKv;
use drip_store::db::Db;

use crate::deliveries::DeliverySettings;
use crate::scheduler::Timers;
use crate::sending::SendSettings;

/// The key ring for envelopes and the keyed hasher for identifiers.
#[derive(Debug)]
pub struct Crypto {
    pub keyring: KeyRing,
    pub hasher: KeyedHasher,
}

/// Tunables of the actor tree (config section `actors`).
#[derive(Debug, Clone)]
pub struct ActorSettings {
    /// An actor with no message for this long is stopped by the idle sweep.
    pub idle_timeout: Duration,
    /// At most this many restarts of one account within `restart_window`...
    pub restart_limit: usize,
    pub restart_window: Duration,
    /// How long a call to an account actor may take before the caller gives up.
    pub call_timeout: Duration,
    /// Refresh the monday OAuth token when it expires within this margin.
    pub token_refresh_margin: Duration,
}

/// Shared by every actor; cheap to clone.
#[derive(Debug, Clone)]
pub struct AccountServices {
    pub db: Db,
    pub kv: SharedKv,
    pub clock: SharedClock,
    pub crypto: Arc<Crypto>,
    pub monday: MondayClient,
    pub twilio: TwilioClient,
    pub timers: Timers,
    pub settings: ActorSettings,
    pub sending: Arc<SendSettings>,
    pub deliveries: Arc<DeliverySettings>,
}
