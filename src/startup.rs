//! Building and running the service.
//!
//! `Application::build` connects the stores (logging a line as each comes up, so a hung
//! boot shows where it stopped), runs migrations, starts the actor tree and binds the
//! listener (port 0 in tests). `run_until_stopped` serves until the shutdown token is
//! cancelled, then stops in order: stop accepting requests and let in-flight ones finish,
//! stop the background loops, then drain and stop the actors, each with a deadline.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::extract::FromRef;
use drip_actors::deliveries::DeliverySettings;
use drip_actors::scheduler::{Scheduler, Timers};
use drip_actors::sending::{SendMetrics, SendSettings};
use drip_actors::supervisor::SupervisorArgs;
use drip_actors::{AccountRouter, AccountServices, AccountSupervisor, ActorSettings, Crypto, SupervisorMessage};
use drip_clients::monday::MondayClient;
use drip_clients::twilio::TwilioClient;
use drip_domain::clock::{Clock, SharedClock, SystemClock};
use drip_store::SharedKv;
use drip_store::db::Db;
use drip_store::kv::embedded::EmbeddedKv;
use drip_store::kv::redis::RedisKv;
use ractor::{Actor, ActorRef};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::auth::MondayJwtVerifier;
use crate::config::Settings;
use crate::metrics::Metrics;

/// What every handler reaches.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub kv: SharedKv,
    pub clock: SharedClock,
    pub crypto: Arc<Crypto>,
    pub monday: MondayClient,
    pub twilio: TwilioClient,
    pub accounts: AccountRouter,
    pub scheduler: Scheduler,
    pub jwt: MondayJwtVerifier,
    pub metrics: Arc<Metrics>,
}

impl FromRef<AppState> for MondayJwtVerifier {
    fn from_ref(state: &AppState) -> Self {
        state.jwt.clone()
    }
}

pub struct Application {
    listener: TcpListener,
    port: u16,
    state: AppState,
    supervisor: ActorRef<SupervisorMessage>,
    supervisor_task: JoinHandle<()>,
    shutdown: CancellationToken,
}

impl Application {
    /// Builds the service on the wall clock.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// Builds the service on `clock` (tests pass a manual clock).
    pub async fn build_with_clock(settings: Settings, clock: SharedClock) -> anyhow::Result<Self> {
        settings.validate()?;
        let db = connect_db(&settings).await?;
        let kv = connect_kv(&settings, clock.clone()).await?;
        let crypto = Arc::new(Crypto { keyring: settings.key_ring()?, hasher: settings.hasher()? });
        let monday = MondayClient::new(settings.monday.api.clone()).context("building the monday client")?;
        let twilio = TwilioClient::new(settings.twilio.api.clone()).context("building the Twilio client")?;
        let services = AccountServices {
            db: db.clone(),
            kv: kv.clone(),
            clock: clock.clone(),
            crypto: crypto.clone(),
            monday: monday.clone(),
            twilio: twilio.clone(),
            timers: Timers::new(kv.clone()),
            settings: actor_settings(&settings),
            sending: Arc::new(send_settings(&settings)),
            deliveries: Arc::new(delivery_settings(&settings)),
        };
        let mut metrics = Metrics::new();
        services.sending.metrics.register(metrics.registry_mut());
        services.deliveries.metrics.register(metrics.registry_mut());
        let (supervisor, supervisor_task) = start_supervisor(services).await?;
        let accounts = AccountRouter::new(supervisor.clone(), actor_settings(&settings).call_timeout);
        let scheduler = Scheduler::new(kv.clone(), clock.clone(), accounts.clone(), settings.scheduler.batch_size);
        // What fell due while the service was down goes out now, before the periodic
        // loops start: they then tick a full period later, never racing this pass. The
        // Db sweep for lost timers is left to its loop: run here as well, it would wake
        // every overdue step a second time right after this pass.
        if let Err(error) = scheduler.run_once().await {
            tracing::error!(error = %format!("{error:#}"), "start-up timer pass failed");
        }
        let address = format!("{}:{}", settings.application.host, settings.application.port);
        let listener = TcpListener::bind(&address).await.with_context(|| format!("binding {address}"))?;
        let port = listener.local_addr()?.port();
        tracing::info!(port, "listening");
        let state = AppState {
            jwt: MondayJwtVerifier::new(&settings.monday).context("loading the monday secrets")?,
            settings: Arc::new(settings),
            db,
            kv,
            clock,
            crypto,
            monday,
            twilio,
            accounts,
            scheduler,
            metrics: Arc::new(metrics),
        };
        Ok(Self { listener, port, state, supervisor, supervisor_task, shutdown: CancellationToken::new() })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Cancelling this token starts a graceful shutdown.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Serves until the shutdown token is cancelled, then stops everything in order.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let settings = self.state.settings.clone();
        let grace = Duration::from_secs(settings.application.shutdown_grace_seconds);
        let loops = spawn_background_loops(&self.state, self.shutdown.clone());
        let app = crate::routes::router(self.state.clone());
        let shutdown = self.shutdown.clone();
        let served =
            axum::serve(self.listener, app).with_graceful_shutdown(async move { shutdown.cancelled().await }).await;
        tracing::info!("stopped accepting requests");
        self.shutdown.cancel();
        for task in loops {
            let _ = tokio::time::timeout(grace, task).await;
        }
        // The supervisor drains its children in `post_stop`, so in-flight account work ends.
        let _ = self.supervisor.stop_and_wait(Some("shutdown".into()), Some(grace)).await;
        let _ = self.supervisor_task.await;
        tracing::info!("stopped");
        served.context("serving HTTP")
    }
}

async fn connect_db(settings: &Settings) -> anyhow::Result<Db> {
    if settings.database.url.is_empty() {
        std::fs::create_dir_all(&settings.application.data_dir).context("creating the data directory")?;
    }
    let db = Db::connect(&settings.database_url(), settings.database.max_connections).await?;
    db.migrate().await?;
    tracing::info!(kind = if settings.database.url.is_empty() { "sqlite" } else { "postgres" }, "Db ready");
    Ok(db)
}

async fn connect_kv(settings: &Settings, clock: SharedClock) -> anyhow::Result<SharedKv> {
    let kv: SharedKv = if settings.kv.redis_url.is_empty() {
        std::fs::create_dir_all(&settings.application.data_dir).context("creating the data directory")?;
        let path = settings.application.data_dir.join("kv.redb");
        Arc::new(EmbeddedKv::open(&path, clock)?)
    } else {
        let kv = &settings.kv;
        Arc::new(RedisKv::connect(&kv.redis_url, &kv.prefix, kv.pool_size, clock).await?)
    };
    kv.ping().await?;
    tracing::info!(kind = if settings.kv.redis_url.is_empty() { "embedded" } else { "redis" }, "Kv ready");
    Ok(kv)
}

fn actor_settings(settings: &Settings) -> ActorSettings {
    let actors = &settings.actors;
    ActorSettings {
        idle_timeout: Duration::from_secs(actors.idle_timeout_seconds),
        restart_limit: actors.restart_limit,
        restart_window: Duration::from_secs(actors.restart_window_seconds),
        call_timeout: Duration::from_millis(actors.call_timeout_milliseconds),
        token_refresh_margin: Duration::from_secs(settings.monday.token_refresh_margin_seconds),
    }
}

/// The public URL of our status-callback endpoint, sent with every message.
pub const STATUS_CALLBACK_PATH: &str = "/twilio/status";

fn send_settings(settings: &Settings) -> SendSettings {
    let twilio = &settings.twilio;
    let hours = |hours: u64| Duration::from_secs(hours * 3600);
    SendSettings {
        rates: twilio.rates,
        rate_limit_pause: Duration::from_secs(twilio.rate_limit_pause_seconds),
        queue_limit: twilio.send_queue_limit,
        job_ttl: hours(twilio.send_job_ttl_hours),
        action_wait: Duration::from_secs(twilio.action_wait_seconds),
        max_attempts: twilio.max_send_attempts,
        retry_backoff: Duration::from_secs(twilio.retry_backoff_seconds),
        // Longer than a Twilio call can take (the client's timeout and its retries).
        call_watchdog: Duration::from_millis(twilio.api.timeout_milliseconds * 4).max(Duration::from_secs(60)),
        conversation_ttl: hours(twilio.conversation_ttl_hours),
        message_tracking_ttl: hours(twilio.message_tracking_ttl_hours),
        status_callback_url: format!(
            "{}{STATUS_CALLBACK_PATH}",
            settings.application.public_base_url.trim_end_matches('/')
        ),
        quotas: settings.plans.clone(),
        metrics: SendMetrics::default(),
    }
}

fn delivery_settings(settings: &Settings) -> DeliverySettings {
    let app_id = settings.monday.app_id.trim().parse().ok();
    if app_id.is_none() {
        tracing::warn!("monday.app_id is not numeric: triggers are fired with the raw signing secret only");
    }
    let deliveries = &settings.monday.deliveries;
    DeliverySettings {
        app_id,
        signing_secret: settings.monday.signing_secret.clone(),
        trigger_authorization: settings.monday.trigger_authorization,
        job_ttl: Duration::from_secs(deliveries.ttl_hours * 3600),
        first_backoff: Duration::from_secs(deliveries.first_backoff_seconds),
        max_backoff: Duration::from_secs(deliveries.max_backoff_seconds),
        call_watchdog: drip_actors::deliveries::CALL_WATCHDOG,
        max_in_flight: deliveries.max_in_flight,
        metrics: Default::default(),
    }
}

async fn start_supervisor(services: AccountServices) -> anyhow::Result<(ActorRef<SupervisorMessage>, JoinHandle<()>)> {
    let instance = uuid::Uuid::new_v4().simple().to_string();
    let name = format!("{instance}/supervisor");
    let args = SupervisorArgs { instance, services };
    let (supervisor, task) =
        Actor::spawn(Some(name), AccountSupervisor, args).await.context("starting the account supervisor")?;
    tracing::info!("account supervisor ready");
    Ok((supervisor, task))
}

/// The timer scheduler and the idle sweep, as sibling tasks stopped by `shutdown`.
fn spawn_background_loops(state: &AppState, shutdown: CancellationToken) -> Vec<JoinHandle<()>> {
    let settings = &state.settings;
    let poll = Duration::from_millis(settings.scheduler.poll_interval_milliseconds);
    let scheduler = tokio::spawn(state.scheduler.clone().run_until_stopped(poll, shutdown.clone()));
    let sweep_every = Duration::from_secs(settings.actors.idle_sweep_interval_seconds);
    let accounts = state.accounts.clone();
    let overdue = overdue_step_loop(state, shutdown.clone());
    let sweeper = tokio::spawn(async move {
        let mut ticks = drip_actors::scheduler::ticks_after(sweep_every);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = ticks.tick() => {
                    if let Ok(stopped) = accounts.sweep_idle().await && stopped > 0 {
                        tracing::debug!(stopped, "stopped idle account actors");
                    }
                }
            }
        }
    });
    vec![scheduler, overdue, sweeper]
}

/// How overdue a drip step must be before the Db sweep wakes it (its timer should have).
pub const OVERDUE_STEP_GRACE_SECONDS: i64 = 120;

/// Every minute, [`upkeep`].
fn overdue_step_loop(state: &AppState, shutdown: CancellationToken) -> JoinHandle<()> {
    let scheduler = state.scheduler.clone();
    let db = state.db.clone();
    let clock = state.clock.clone();
    let every = Duration::from_secs(60).max(Duration::from_millis(state.settings.scheduler.poll_interval_milliseconds));
    tokio::spawn(async move {
        let mut ticks = drip_actors::scheduler::ticks_after(every);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = ticks.tick() => upkeep(&scheduler, &db, clock.as_ref()).await,
            }
        }
    })
}

/// Wakes drip steps whose timers were lost (see `sweep_overdue_steps`) and deletes
/// expired idempotency claims. Failures are logged; the next round tries again.
async fn upkeep(scheduler: &Scheduler, db: &Db, clock: &dyn Clock) {
    let grace = chrono::Duration::seconds(OVERDUE_STEP_GRACE_SECONDS);
    if let Err(error) = scheduler.sweep_overdue_steps(db, grace).await {
        tracing::error!(error = %format!("{error:#}"), "overdue step sweep failed");
    }
    // Claims outlive monday's and Twilio's retry windows; past their expiry they only
    // take room.
    if let Err(error) = db.purge_expired_claims(clock.now()).await {
        tracing::error!(error = %format!("{error:#}"), "purging expired claims failed");
    }
}
