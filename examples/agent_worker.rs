//! A LiveKit agent worker on its own, for running interviewers on machines of their
//! own: `cargo run --example agent_worker --features livekit-agent`.
//!
//! Reads `LIVEKIT_URL`, `LIVEKIT_API_KEY`, `LIVEKIT_API_SECRET` and
//! `LIVEKIT_AGENT_NAME` (default `my-interviewer`), registers with LiveKit under
//! that agent name, and takes the interview jobs LiveKit dispatches until Ctrl-C;
//! then it drains (takes no new jobs, lets running ones finish). A second Ctrl-C
//! stops at once. Start as many as you like, on as many machines: LiveKit spreads
//! jobs among them by the load each reports. See docs/livekit.md.
//!
//! Each job joins the room and holds the interview with the engines the
//! configuration selects (see docs/configuration.md), recording the transcript and
//! the evaluation in the booking store `DATABASE_URL` / `SUPABASE_URL` name (the same
//! one the web application uses). Joining a room's audio needs the `livekit-rtc`
//! feature (its build downloads libwebrtc); built without it, the worker says so at
//! start and reports each job to LiveKit as failed, with the reason. With
//! `TAVUS_API_KEY` and `TAVUS_PERSONA_ID` set (feature `tavus`), each job also puts
//! the Tavus video avatar in the room; if it does not start, the interview goes on
//! with plain TTS audio.

use std::process::ExitCode;
use std::sync::Arc;

use interview::clock::SystemClock;
use interview::config::Config;
use interview::livekit::{Worker, WorkerOptions};
use interview::voice::runner::InterviewJobHandler;
use interview::voice::session::{InterviewSession, SessionConfig};

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();

    let config = match Config::from_env() {
        Ok(config) => config,
        Err(errors) => {
            eprintln!("{errors}See docs/configuration.md for every variable.");
            return ExitCode::from(2);
        }
    };
    let Some(livekit) = config.livekit.clone() else {
        eprintln!(
            "LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET must be set: a worker \
             registers with a LiveKit server. See docs/livekit.md."
        );
        return ExitCode::from(2);
    };
    if !InterviewJobHandler::can_join_rooms() {
        tracing::warn!(
            "built without the livekit-rtc feature: jobs cannot join room audio and will be \
             reported as failed (see docs/livekit.md)"
        );
    }
    let store = match interview::bootstrap::booking_store(&config).await {
        Ok(store) => store,
        Err(error) => {
            eprintln!("error: {}", interview::error::ErrorChain(&error));
            return ExitCode::FAILURE;
        }
    };
    let plan = config.engine_plan();
    let mut handler = InterviewJobHandler::new(InterviewSession::new(
        SessionConfig::from_interview_config(&config.interview),
        plan.engines(),
        store,
        Arc::new(SystemClock),
    ));
    // The avatar speaks for the interviewer; if it does not start, the interview
    // goes on with plain TTS audio.
    if let Some(avatar) = plan.avatar() {
        tracing::info!(
            avatar = avatar.name(),
            "each job puts the avatar in its room"
        );
        handler = handler.with_avatar(avatar, &livekit);
    }
    let worker = match Worker::start(WorkerOptions::new(&livekit), handler) {
        Ok(worker) => worker,
        Err(error) => {
            eprintln!("cannot start the worker: {error}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(
        agent_name = livekit.agent_name,
        url = %livekit.url,
        "worker started; Ctrl-C to drain and stop"
    );

    if let Err(error) = tokio::signal::ctrl_c().await {
        eprintln!("cannot listen for Ctrl-C: {error}");
        return ExitCode::FAILURE;
    }
    tracing::info!("draining: running jobs finish, no new ones; Ctrl-C again stops at once");
    tokio::select! {
        result = worker.drain(None) => match result {
            Ok(()) => {
                tracing::info!("worker stopped");
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("the worker stopped with an error: {error}");
                ExitCode::FAILURE
            }
        },
        // Dropping the drain (and the worker in it) cancels running jobs.
        _ = tokio::signal::ctrl_c() => {
            tracing::warn!("stopping without waiting for running jobs");
            ExitCode::FAILURE
        }
    }
}
