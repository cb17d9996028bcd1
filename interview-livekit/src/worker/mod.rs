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
//! The layers, each in its own file: this module is the handle an application
//! holds ([`Worker`]); `connection` connects, registers, serves one connection
//! and reconnects; `dispatch` answers job offers, runs assigned jobs and writes
//! status reports; `state` is what they share; `protocol` is the wire.
//!
//! ```no_run
//! # use interview_livekit::{JobContext, JobError, JobHandler, Worker, WorkerOptions};
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
//! # async fn run(config: interview_livekit::LiveKitConfig, stop: impl std::future::Future<Output = ()>) -> Result<(), Box<dyn std::error::Error>> {
//! let worker = Worker::start(WorkerOptions::new(&config).with_max_jobs(4), Interviewer)?;
//! stop.await; // Ctrl-C, SIGTERM...
//! worker.drain(None).await?;
//! # Ok(()) }
//! ```

mod connection;
mod dispatch;
mod job;
mod options;
mod protocol;
mod state;

use std::sync::Arc;
use std::time::Duration;

use interview_core::random;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use dispatch::AGENT_NAME_ATTRIBUTE;
pub use job::{JobContext, JobError, JobHandler, JobParticipant};
pub use options::{
    DEFAULT_ASSIGNMENT_TIMEOUT, DEFAULT_MAX_JOBS, DEFAULT_STATUS_INTERVAL, WorkerLoad,
    WorkerOptions,
};
pub use protocol::agent_url;
use state::{Shared, State};

/// Failures of a worker.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorkerError {
    /// The server URL cannot be used.
    #[error("invalid LiveKit URL: {0}")]
    InvalidUrl(String),
    /// The worker token could not be signed.
    #[error("the worker token could not be made: {0}")]
    Token(String),
    /// The connection could not be opened or registered.
    #[error("could not connect to LiveKit: {0}")]
    Connect(String),
    /// The server sent something the protocol does not allow.
    #[error("LiveKit protocol error: {0}")]
    Protocol(String),
    /// The worker stopped trying to connect.
    #[error("gave up connecting to LiveKit after {attempts} attempts: {last_error}")]
    GaveUp {
        /// Failed attempts in a row.
        attempts: u32,
        /// The last attempt's failure.
        last_error: String,
    },
}

/// A snapshot of a worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerState {
    /// The id the server gave at the last registration.
    pub worker_id: Option<String>,
    /// Whether a registered connection is open.
    pub connected: bool,
    /// Whether the worker is draining (taking no new jobs).
    pub draining: bool,
    /// Jobs running.
    pub running_jobs: usize,
}

/// A running worker: registered with LiveKit under an agent name, it answers job
/// offers, runs assigned jobs with a [`JobHandler`], reports its load, and
/// reconnects when its connection drops.
///
/// Stop it with [`Worker::drain`] (finish running jobs first) or
/// [`Worker::shutdown`] (cancel them). Dropping it stops it abruptly.
pub struct Worker {
    shared: Arc<Shared>,
    task: Option<JoinHandle<Result<(), WorkerError>>>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("agent_name", &self.shared.options.agent_name)
            .field("state", &self.state())
            .finish()
    }
}

impl Worker {
    /// Starts a worker on the current tokio runtime. It connects and registers in
    /// the background; only a URL or TLS set-up that can never work fails here.
    pub fn start(options: WorkerOptions, handler: impl JobHandler) -> Result<Self, WorkerError> {
        Self::start_shared(options, Arc::new(handler))
    }

    /// [`Worker::start`] with a shared handler.
    pub fn start_shared(
        options: WorkerOptions,
        handler: Arc<dyn JobHandler>,
    ) -> Result<Self, WorkerError> {
        let agent_url = agent_url(&options.server_url)?;
        let tls = match agent_url.scheme() {
            "wss" => Some(connection::tls_config()?),
            _ => None,
        };
        let (outbox, outbox_rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            options,
            agent_url,
            tls,
            instance_id: instance_id(),
            handler,
            state: watch::Sender::new(State::default()),
            outbox,
            force: CancellationToken::new(),
            close: CancellationToken::new(),
        });
        let task = tokio::spawn(connection::run(shared.clone(), outbox_rx));
        Ok(Self {
            shared,
            task: Some(task),
        })
    }

    /// The worker's state now.
    pub fn state(&self) -> WorkerState {
        let state = self.shared.state.borrow();
        WorkerState {
            worker_id: state.worker_id.clone(),
            connected: state.connected,
            draining: state.draining,
            running_jobs: state.running.len(),
        }
    }

    /// Stops taking jobs (offers are refused, the server is told the worker is
    /// full) without waiting; [`Worker::drain`] then waits for running jobs.
    pub fn start_draining(&self) {
        self.shared.state.send_modify(|state| state.draining = true);
    }

    /// Drains: stops taking jobs, reports itself full, waits for running jobs
    /// (and accepted ones still to be assigned) to end, then closes the
    /// connection. After `timeout`, remaining jobs are cancelled (and aborted if
    /// they do not stop within the termination grace).
    pub async fn drain(mut self, timeout: Option<Duration>) -> Result<(), WorkerError> {
        if !self.shared.state.borrow().draining {
            tracing::info!(jobs = self.state().running_jobs, "draining the worker");
        }
        self.start_draining();
        let mut state = self.shared.state.subscribe();
        let idle = async move {
            // The sender lives in `shared`, so this only returns once idle.
            let _ = state.wait_for(State::idle).await;
        };
        match timeout {
            None => idle.await,
            Some(limit) => {
                if tokio::time::timeout(limit, idle).await.is_err() {
                    tracing::warn!(?limit, "drain timed out: cancelling the remaining jobs");
                    self.stop_now();
                    let _ = self.shared.state.subscribe().wait_for(State::idle).await;
                }
            }
        }
        self.finish().await
    }

    /// Runs until `stop` completes (a process's SIGTERM or Ctrl-C), then drains
    /// ([`Worker::drain`]) for at most `limit`. If `stop_now` completes while it
    /// drains (the signal again), running jobs are cancelled at once.
    ///
    /// Give it two signal futures that each start listening when first polled
    /// (an `async fn`'s future), so the signal that starts the drain does not also
    /// end it.
    pub async fn run_until(
        self,
        stop: impl Future<Output = ()>,
        stop_now: impl Future<Output = ()>,
        limit: Option<Duration>,
    ) -> Result<(), WorkerError> {
        stop.await;
        tracing::info!(
            jobs = self.state().running_jobs,
            ?limit,
            "draining: running interviews finish, no new ones; the signal again stops at once"
        );
        tokio::select! {
            result = self.drain(limit) => result,
            () = stop_now => {
                // Dropping the drain drops the worker, which cancels its jobs.
                tracing::warn!("stopping at once: running interviews are cancelled");
                Ok(())
            }
        }
    }

    /// Cancels every running job, waits for them to stop (each within the
    /// termination grace), reports them, and closes the connection.
    pub async fn shutdown(mut self) -> Result<(), WorkerError> {
        self.stop_now();
        let _ = self.shared.state.subscribe().wait_for(State::idle).await;
        self.finish().await
    }

    /// Waits until the worker stops by itself: only when it gives up connecting
    /// (see [`WorkerOptions::with_max_reconnect_attempts`]).
    pub async fn wait(&mut self) -> Result<(), WorkerError> {
        match self.task.take() {
            Some(task) => joined(task.await),
            None => Ok(()),
        }
    }

    /// Takes no more jobs, forgets accepted ones not yet assigned, and cancels
    /// the running ones.
    fn stop_now(&self) {
        self.shared.state.send_modify(|state| {
            state.draining = true;
            state.pending.clear();
        });
        self.shared.force.cancel();
    }

    async fn finish(&mut self) -> Result<(), WorkerError> {
        self.shared.close.cancel();
        match self.task.take() {
            Some(task) => joined(task.await),
            None => Ok(()),
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.shared.force.cancel();
        self.shared.close.cancel();
    }
}

fn joined(
    result: Result<Result<(), WorkerError>, tokio::task::JoinError>,
) -> Result<(), WorkerError> {
    result.unwrap_or_else(|e| {
        Err(WorkerError::Protocol(format!(
            "the worker task failed: {e}"
        )))
    })
}

/// 64 random bits as hex: this process's instance id.
fn instance_id() -> String {
    random::hex_string(8).unwrap_or_else(|_| {
        // Only uniqueness across this worker's processes matters; the time will do.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        format!("{nanos:x}")
    })
}
