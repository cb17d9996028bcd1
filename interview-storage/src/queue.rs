//! The durable job queue: [apalis](https://docs.rs/apalis) 1.0 over the booking
//! database, what the SQLite and PostgreSQL stores share.
//!
//! - Jobs are apalis rows (`Jobs` in SQLite, `apalis.jobs` in PostgreSQL), written by
//!   apalis's own `push_tasks` inside the store's transaction, so that a booking and
//!   its jobs commit together ([`JobStore`](interview_core::jobs::JobStore)).
//! - Workers are apalis workers. A failed attempt keeps its error in `last_result`
//!   (apalis writes it) and, before apalis marks it `Failed`, the worker moves the
//!   job's `run_at` to now + the backoff delay: apalis only takes a `Failed` job again
//!   once `run_at` has passed, so the delay is in the database and survives restarts.
//! - apalis's migrations run in the store's constructor, recorded in their own table
//!   ([`QUEUE_MIGRATIONS_TABLE`]) so that neither our migrations nor an integrator's
//!   `_sqlx_migrations` ever see them.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use apalis::prelude::{AbortError, Attempt, BoxDynError, TaskBuilder, TaskId, WorkerError};
use chrono::{DateTime, Utc};
use futures_util::FutureExt;
use interview_core::backoff::Backoff;
use interview_core::jobs::{
    DEFAULT_JOB_BACKOFF, FailedJob, FailedJobStatus, Job, JobError, JobHandler, NewJob,
};
use interview_core::store::StoreError;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The apalis queue (its `job_type` column) that holds every [`Job`].
pub const QUEUE_NAME: &str = "interview.jobs";

/// The table that records which of apalis's migrations ran.
pub const QUEUE_MIGRATIONS_TABLE: &str = "_interview_queue_migrations";

/// The apalis version whose tables the stores write and read; a test checks the
/// columns they rely on.
pub const APALIS_VERSION: &str = "1.0.0";

/// How a queue worker runs.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerSettings {
    /// The worker's name prefix; a random suffix makes each start unique (apalis
    /// refuses a name that was alive within the last heartbeat).
    pub name: String,
    /// How often the worker looks for due jobs when it has nothing to do.
    pub poll_interval: Duration,
    /// How often the worker reports it is alive. A job held by a worker silent for
    /// two heartbeats goes back to the queue (a crashed instance's jobs are not lost).
    pub heartbeat: Duration,
    /// The delay before a failed job's next attempt.
    pub backoff: Backoff,
    /// How many jobs the worker takes per poll.
    pub batch_size: usize,
}

impl Default for WorkerSettings {
    /// Polls every second, heartbeats every 30 s, [`DEFAULT_JOB_BACKOFF`], 10 jobs per
    /// poll.
    fn default() -> Self {
        Self {
            name: "interview-worker".to_owned(),
            poll_interval: Duration::from_secs(1),
            heartbeat: Duration::from_secs(30),
            backoff: DEFAULT_JOB_BACKOFF,
            batch_size: 10,
        }
    }
}

impl WorkerSettings {
    pub(crate) fn unique_name(&self) -> String {
        let suffix = interview_core::random::hex_string(6).unwrap_or_else(|_| {
            let nanos = Utc::now().timestamp_subsec_nanos();
            format!("{nanos:012x}")
        });
        format!("{}-{suffix}", self.name)
    }
}

/// A failure of the queue itself (not of a job).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueueError {
    /// The worker stopped with an error.
    #[error("the job worker failed: {0}")]
    Worker(String),
    /// The worker's task panicked or was cancelled.
    #[error("the job worker's task ended abnormally")]
    Join(#[source] tokio::task::JoinError),
}

/// A running queue worker. [`JobWorker::stop`] lets the jobs in hand finish and
/// records their results before it returns; dropping the handle leaves the worker
/// running.
#[derive(Debug)]
pub struct JobWorker {
    name: String,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), WorkerError>>,
}

impl JobWorker {
    pub(crate) fn new(
        name: String,
        stop: oneshot::Sender<()>,
        task: JoinHandle<Result<(), WorkerError>>,
    ) -> Self {
        Self {
            name,
            stop: Some(stop),
            task,
        }
    }

    /// The worker's name, as in the queue's `Workers` table and `lock_by` columns.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Stops taking jobs, waits for the jobs in hand and their results, and returns.
    pub async fn stop(mut self) -> Result<(), QueueError> {
        if let Some(stop) = self.stop.take() {
            // The worker may have ended already; then there is nobody to tell.
            let _ = stop.send(());
        }
        match (&mut self.task).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(QueueError::Worker(error.to_string())),
            Err(error) => Err(QueueError::Join(error)),
        }
    }

    /// Ends the worker at once, as a crash would: jobs in hand stay locked until
    /// another worker sees this one miss its heartbeats. For tests of recovery.
    pub fn abort(self) {
        self.task.abort();
    }
}

/// The signal `run_until` waits for: the stop sender was used or dropped.
pub(crate) async fn stop_signal(receiver: oneshot::Receiver<()>) -> Result<(), WorkerError> {
    let _ = receiver.await;
    Ok(())
}

/// Moves a failed job's next attempt: the backend's `UPDATE ... SET run_at`.
pub(crate) trait Reschedule: Send + Sync + 'static {
    fn reschedule(
        &self,
        id: String,
        run_at: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send;
}

/// What each apalis task calls: the integrator's handler, then, on a retryable
/// error, the durable backoff.
pub(crate) struct Runner<R> {
    pub(crate) handler: Arc<dyn JobHandler>,
    pub(crate) backoff: Backoff,
    pub(crate) reschedule: R,
}

impl<R: Reschedule> Runner<R> {
    /// Runs one job. apalis hands over the payload as JSON, not as a [`Job`]: a
    /// payload this version cannot read (written by a later version, say) would
    /// otherwise fail in apalis's decoding and stall the worker; here it is abandoned
    /// with a reason.
    pub(crate) async fn run(
        &self,
        payload: serde_json::Value,
        id: TaskId,
        attempt: Attempt,
    ) -> Result<(), BoxDynError> {
        let job = match serde_json::from_value::<Job>(payload) {
            Ok(job) => job,
            Err(error) => {
                tracing::warn!(%id, "job abandoned, its payload is unreadable: {error}");
                return Err(Box::new(AbortError::new(JobError::abandon(
                    "the job's payload is not one this version can read",
                ))));
            }
        };
        let kind = job.kind();
        let attempt = u32::try_from(attempt.current()).unwrap_or(u32::MAX);
        // apalis polls jobs on the worker's own task: a panic would end the worker.
        let outcome = AssertUnwindSafe(self.handler.run(job))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| Err(JobError::retry("the job's handler panicked")));
        match outcome {
            Ok(()) => Ok(()),
            Err(JobError::Abandon(message)) => {
                tracing::warn!(job = kind, %id, attempt, "job abandoned: {message}");
                Err(Box::new(AbortError::new(JobError::Abandon(message))))
            }
            Err(error) => {
                let delay = self.backoff.next_delay(attempt.saturating_sub(1));
                let run_at = Utc::now() + delay;
                tracing::warn!(job = kind, %id, attempt, ?delay, "job failed: {error}");
                if let Err(db) = self.reschedule.reschedule(id.to_string(), run_at).await {
                    // The job still fails and is retried, only without the delay.
                    tracing::warn!(job = kind, %id, "could not delay the job's retry: {db}");
                }
                Err(Box::new(error))
            }
        }
    }
}

/// apalis's task for a [`NewJob`]: the JSON payload apalis's codec reads back, the
/// first run time in whole seconds, the attempts and the idempotency key.
pub(crate) fn task_for(job: &NewJob) -> Result<apalis::prelude::Task<Vec<u8>>, StoreError> {
    let payload = serde_json::to_vec(job.job()).map_err(|e| StoreError::Backend(Box::new(e)))?;
    let mut builder = TaskBuilder::new(payload)
        .max_attempts(job.attempts_allowed() as usize)
        .run_at_timestamp(
            job.scheduled_for()
                .map_or_else(|| Utc::now().timestamp(), |at| at.timestamp())
                .max(0) as u64,
        );
    if let Some(key) = job.key() {
        builder = builder.idempotency_key(key);
    }
    Ok(builder.build())
}

/// One row of the failed-jobs query, before it becomes a [`FailedJob`].
pub(crate) struct FailedRow {
    pub(crate) id: String,
    pub(crate) payload: Vec<u8>,
    pub(crate) status: String,
    pub(crate) attempts: i64,
    pub(crate) max_attempts: i64,
    pub(crate) last_result: Option<String>,
    pub(crate) run_at: DateTime<Utc>,
}

impl FailedRow {
    pub(crate) fn into_failed_job(self) -> FailedJob {
        let status = if self.status == "Killed" {
            FailedJobStatus::Abandoned
        } else if self.attempts >= self.max_attempts {
            FailedJobStatus::GaveUp
        } else {
            FailedJobStatus::Retrying
        };
        FailedJob {
            id: self.id,
            job: serde_json::from_slice(&self.payload).ok(),
            status,
            attempts: u32::try_from(self.attempts).unwrap_or(0),
            max_attempts: u32::try_from(self.max_attempts).unwrap_or(0),
            last_error: last_error(self.last_result.as_deref()),
            next_attempt_at: (status == FailedJobStatus::Retrying).then_some(self.run_at),
        }
    }
}

/// apalis stores a result as the JSON of `Result<Value, String>` (`{"Err": "..."}`);
/// an abandoned job's message is wrapped once more by apalis's `AbortError`.
fn last_error(stored: Option<&str>) -> String {
    let Some(stored) = stored else {
        return String::new();
    };
    let message = match serde_json::from_str::<serde_json::Value>(stored) {
        Ok(serde_json::Value::Object(map)) => match map.get("Err") {
            Some(serde_json::Value::String(message)) => message.clone(),
            Some(other) => other.to_string(),
            None => stored.to_owned(),
        },
        Ok(serde_json::Value::String(message)) => message,
        _ => stored.to_owned(),
    };
    message
        .strip_prefix("AbortError: ")
        .map_or(message.clone(), str::to_owned)
}
