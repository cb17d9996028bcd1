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
//! What a job does in this build: nothing yet. The interviewer session is not
//! built, and joining a room's media needs the `livekit-rtc` feature (libwebrtc),
//! so each job is logged and reported to LiveKit as failed, with the reason.

use std::process::ExitCode;

use interview::config::Config;
use interview::voice::livekit::{JobContext, JobError, JobHandler, Worker, WorkerOptions};

/// The job handler of this build: says plainly that it cannot interview yet.
struct NotYetAnInterviewer;

#[async_trait::async_trait]
impl JobHandler for NotYetAnInterviewer {
    async fn run(&self, ctx: JobContext) -> Result<(), JobError> {
        tracing::warn!(
            job_id = ctx.job_id(),
            room = ctx.room_name(),
            has_resume = ctx.resume_text().is_some(),
            has_booking = ctx.booking_token().is_some(),
            "job received, but this build cannot run it: no interviewer session yet, and no \
             room media without the livekit-rtc feature; reporting it as failed"
        );
        Err(JobError::Unsupported(
            "this worker build cannot join room media (built without livekit-rtc) and has no \
             interviewer session yet"
                .to_owned(),
        ))
    }
}

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
    let Some(livekit) = config.livekit else {
        eprintln!(
            "LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET must be set: a worker \
             registers with a LiveKit server. See docs/livekit.md."
        );
        return ExitCode::from(2);
    };
    tracing::warn!(
        "this build accepts jobs but cannot interview yet (no interviewer session, no \
         livekit-rtc media); each job will be reported as failed"
    );
    let worker = match Worker::start(WorkerOptions::new(&livekit), NotYetAnInterviewer) {
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
