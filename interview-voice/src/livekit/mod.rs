//! The LiveKit agent worker: registration, dispatch and job status.
//!
//! A [`Worker`] registers with a LiveKit server (or LiveKit Cloud) under an agent
//! name, over the agent worker protocol: one WebSocket to `{LIVEKIT_URL}/agent`
//! carrying binary protobuf messages of the `livekit-protocol` crate. LiveKit
//! offers each dispatched job to the registered workers; this one accepts while
//! it is under its job limit and load threshold, runs assigned jobs with a
//! [`JobHandler`], reports its load and each job's status, reconnects with capped
//! backoff when the connection drops, and drains on shutdown. Any number of
//! worker processes on any number of machines may register under the same name:
//! LiveKit balances jobs among them by the load they report.
//!
//! With the `livekit-rtc` feature, the `rtc` module joins a job's room as a
//! [`interview_core::transport::RoomIo`], and `rtc_avatar` sends the agent's
//! audio to a video avatar ([`avatar`]) in that room.
//!
//! ```no_run
//! # use interview_voice::livekit::{JobContext, JobError, JobHandler, Worker, WorkerOptions};
//! struct Interviewer;
//!
//! #[async_trait::async_trait]
//! impl JobHandler for Interviewer {
//!     async fn run(&self, ctx: JobContext) -> Result<(), JobError> {
//!         // Join ctx.url() with ctx.token(), interview until the room ends...
//!         ctx.cancelled().await;
//!         Ok(())
//!     }
//! }
//!
//! # async fn run(config: interview_core::config::LiveKitConfig, stop: impl std::future::Future<Output = ()>) -> Result<(), Box<dyn std::error::Error>> {
//! let worker = Worker::start(WorkerOptions::new(&config).with_max_jobs(4), Interviewer)?;
//! stop.await; // Ctrl-C, SIGTERM...
//! worker.drain(None).await?;
//! # Ok(()) }
//! ```

pub mod avatar;
mod backoff;
mod job;
mod options;
mod protocol;
#[cfg(feature = "livekit-rtc")]
pub mod rtc;
#[cfg(feature = "livekit-rtc")]
pub mod rtc_avatar;
mod worker;

pub use backoff::Backoff;
pub use job::{JobContext, JobError, JobHandler, JobParticipant, RoomMetadata};
pub use options::{
    DEFAULT_ASSIGNMENT_TIMEOUT, DEFAULT_MAX_JOBS, DEFAULT_STATUS_INTERVAL, WorkerLoad,
    WorkerOptions,
};
pub use protocol::agent_url;
pub use worker::{AGENT_NAME_ATTRIBUTE, Worker, WorkerError, WorkerState};
