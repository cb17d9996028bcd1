//! The whole product on one machine with embedded defaults:
//! `cargo run --example full_stack`.
//!
//! Reads the configuration from the environment (see docs/configuration.md), prints
//! which provider fills each role and why, and serves the application until Ctrl-C
//! or SIGTERM; health checks and metrics on a second, private port.

use std::process::ExitCode;

use interview::bootstrap::{Application, shutdown_signal};
use interview::config::Config;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();

    let config = match Config::from_env() {
        Ok(config) => config,
        Err(errors) => {
            eprintln!("{errors}See docs/configuration.md for every variable.");
            return ExitCode::from(2);
        }
    };
    println!("Each role, and the variable that decided it:");
    for selection in config.selections() {
        println!("  {selection}");
    }

    // The offline voice is a Debian package; without it (and without a vendor voice)
    // interviews cannot speak.
    #[cfg(feature = "voice")]
    if config.engine_plan().voice_is_offline()
        && !interview::voice::offline::EspeakTts::new()
            .is_available()
            .await
    {
        eprintln!(
            "warning: espeak-ng is not installed, so the offline interviewer cannot speak; \
             run scripts/setup.sh (or apt-get install espeak-ng)."
        );
    }

    let mut app = match Application::build(config).await {
        Ok(app) => app,
        Err(error) => {
            eprintln!("error: {}", interview::error::ErrorChain(&error));
            return ExitCode::FAILURE;
        }
    };
    // Each role's OpenAI-compatible server, asked for its models (5 s each).
    for probe in app.engine_probes().await {
        match &probe.problem {
            None => println!("  {probe}"),
            Some(_) => eprintln!("warning: {probe}"),
        }
    }
    let listener = match tokio::net::TcpListener::bind(app.config.bind_address).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!(
                "error: cannot listen on {}: {error}",
                app.config.bind_address
            );
            eprintln!("Set BIND_ADDRESS to a free address, e.g. BIND_ADDRESS=127.0.0.1:3001.");
            return ExitCode::FAILURE;
        }
    };
    let ops_listener = match tokio::net::TcpListener::bind(app.config.ops_bind_address).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!(
                "error: cannot listen on {}: {error}",
                app.config.ops_bind_address
            );
            eprintln!(
                "Set OPS_BIND_ADDRESS to a free address, e.g. OPS_BIND_ADDRESS=127.0.0.1:9091."
            );
            return ExitCode::FAILURE;
        }
    };
    let metrics = match interview::web::ops::install_metrics_recorder() {
        Ok(handle) => Some(handle),
        Err(error) => {
            eprintln!("warning: no metrics at /metrics: {error}");
            None
        }
    };
    println!();
    println!(
        "Open {}apply to book an interview.",
        app.config.public_base_url
    );
    if app.config.smtp.is_none() {
        println!(
            "Invitations are written to {} (SMTP_HOST is not set).",
            app.config.data_dir.join("outbox").display()
        );
    }
    // With LiveKit configured, interviews run in LiveKit rooms: this process also
    // serves as an agent worker (more can run elsewhere: examples/agent_worker.rs).
    #[cfg(feature = "livekit-agent")]
    let worker = match app.start_agent_worker() {
        None => None,
        Some(Ok(worker)) => {
            println!("An interviewer agent worker is registering with LiveKit.");
            if !interview::voice::runner::InterviewJobHandler::can_join_rooms() {
                println!(
                    "This build has no livekit-rtc feature, so it cannot join room audio; run \
                     agent workers built with it (see docs/livekit.md)."
                );
            }
            Some(worker)
        }
        Some(Err(error)) => {
            eprintln!("error: the LiveKit agent worker cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    let ops = app.config.ops_bind_address;
    println!("Health: http://{ops}/livez and http://{ops}/readyz; metrics: http://{ops}/metrics");
    println!("(OPS_BIND_ADDRESS: keep this port off the public network).");
    // Uploaded resumes that no booking claims in time are deleted in the background.
    let sweeper = app.start_sweeper();
    println!("Press Ctrl-C to stop.");

    app.serve(listener, ops_listener, metrics, shutdown_signal())
        .await;
    sweeper.stop().await;
    // Invitations and reminders in hand finish; the rest wait in the database.
    app.stop_job_worker().await;
    #[cfg(feature = "livekit-agent")]
    if let Some(worker) = worker {
        println!(
            "Letting running LiveKit interviews finish; Ctrl-C or SIGTERM again stops at once."
        );
        // Already asked to stop: the drain starts at once.
        if let Err(error) = worker
            .run_until(
                std::future::ready(()),
                shutdown_signal(),
                Some(app.config.agent_drain_timeout),
            )
            .await
        {
            eprintln!("error: the agent worker stopped with an error: {error}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
