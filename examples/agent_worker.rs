//! A LiveKit agent worker on its own, for running interviewers on machines of their
//! own: `cargo run --example agent_worker --features livekit-agent`.
//!
//! Reads `LIVEKIT_URL`, `LIVEKIT_API_KEY`, `LIVEKIT_API_SECRET` and
//! `LIVEKIT_AGENT_NAME` (default `my-interviewer`), registers with LiveKit under
//! that agent name, and takes the interview jobs LiveKit dispatches until SIGTERM
//! (what Kubernetes, systemd and `docker stop` send) or Ctrl-C; then it drains
//! (reports itself draining, takes no new jobs, lets running interviews finish for
//! up to `AGENT_DRAIN_TIMEOUT_SECS`, default an hour, then cancels what is left).
//! The signal again stops at once. Give the process manager a grace period longer
//! than the drain (Kubernetes: `terminationGracePeriodSeconds`). Start as many as you like, on as many machines: LiveKit spreads
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

use interview::bootstrap::shutdown_signal;
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
    // With RECORDING_*, LiveKit Egress records each interview; its location is
    // noted on the booking.
    if let Some(recording) = config.recording.clone() {
        handler = handler.with_recording(interview::livekit::recording::Recorder::new(
            &livekit, recording,
        ));
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
        "worker started; SIGTERM or Ctrl-C drains it and stops"
    );

    // SIGTERM (Kubernetes, systemd, `docker stop`) or Ctrl-C: drain, letting running
    // interviews finish for up to AGENT_DRAIN_TIMEOUT_SECS; the signal again stops
    // at once.
    match worker
        .run_until(
            shutdown_signal(),
            shutdown_signal(),
            Some(config.agent_drain_timeout),
        )
        .await
    {
        Ok(()) => {
            tracing::info!("worker stopped");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("the worker stopped with an error: {error}");
            ExitCode::FAILURE
        }
    }
}
