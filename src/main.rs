//! The `sms-drip` binary: load config, set up logging, build, run.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use drip_domain::AccountId;
use sms_drip::{Application, config, operator, telemetry};
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(name = "sms-drip", about = "SMS & Drip for Twilio: the monday.com app backend")]
struct Cli {
    /// Folder of the layered config files.
    #[arg(long, default_value = "config", global = true)]
    config_dir: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the service (the default).
    Serve,
    /// Apply pending Db migrations and exit.
    Migrate,
    /// Print every row and key one monday account owns, as JSON (access request).
    ExportAccount { account_id: i64 },
    /// Delete every row and key of one monday account (deletion request).
    DeleteAccount { account_id: i64 },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = config::load(&cli.config_dir)?;
    telemetry::init(settings.application.log_format, std::io::stderr);
    if let Some(path) = &settings.dev_secrets_file {
        tracing::warn!(
            path = %path.display(),
            "DEVELOPMENT SECRETS IN USE: secrets that were not configured come from this file. \
             Never use them in production (the production profile refuses to start without real ones)."
        );
    }
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Migrate => {
            let db = drip_store::db::Db::connect(&settings.database_url(), 1).await?;
            db.migrate().await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::ExportAccount { account_id } => {
            let app = Application::build(settings).await?;
            let export = operator::export_account(&app, AccountId(account_id)).await?;
            println!("{}", serde_json::to_string_pretty(&export)?);
            Ok(())
        }
        Command::DeleteAccount { account_id } => {
            let app = Application::build(settings).await?;
            let deleted = operator::delete_account(&app, AccountId(account_id)).await?;
            println!("deleted {deleted} rows and keys of account {account_id}");
            Ok(())
        }
    }
}

async fn serve(settings: config::Settings) -> anyhow::Result<()> {
    let app = Application::build(settings).await?;
    spawn_signal_listener(app.shutdown_token());
    app.run_until_stopped().await.context("service stopped with an error")
}

/// Cancels `token` on Ctrl-C or SIGTERM.
fn spawn_signal_listener(token: CancellationToken) {
    tokio::spawn(async move {
        let ctrl_c = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        #[cfg(unix)]
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let terminate = std::future::pending::<()>();
        tokio::select! {
            _ = ctrl_c => {},
            _ = terminate => {},
        }
        tracing::info!("shutdown signal received");
        token.cancel();
    });
}
