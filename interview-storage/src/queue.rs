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
use futures_util::future::BoxFuture;
use interview_core::backoff::Backoff;
use interview_core::jobs::{
    DEFAULT_JOB_BACKOFF, FailedJob, FailedJobStatus, Job, JobError, JobHandler, NewJob,
};
use interview_core::store::StoreError;
use tokio::sync::watch;
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
    /// The worker's task panicked or was cancelled.
    #[error("the job worker's task ended abnormally")]
    Join(#[source] tokio::task::JoinError),
}

/// How long the supervisor waits before starting a worker that ended on its own
/// again (apalis ends a worker whose database query failed, e.g. while the server
/// restarts): 1 s doubling to 30 s.
const RESTART_BACKOFF: Backoff = Backoff {
    initial: Duration::from_secs(1),
    max: Duration::from_secs(30),
    jitter: 0.5,
};

/// A worker that ran this long is healthy again: its next restart waits 1 s.
const HEALTHY_RUN: Duration = Duration::from_secs(60);

/// A running queue worker, supervised: if apalis ends it (a database error ends an
/// apalis worker), it is started again under a new name after a short delay.
/// [`JobWorker::stop`] lets the jobs in hand finish and records their results before
/// it returns; dropping the handle stops the worker the same way, without waiting.
#[derive(Debug)]
pub struct JobWorker {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl JobWorker {
    /// Stops taking jobs, waits for the jobs in hand and their results, and returns.
    pub async fn stop(self) -> Result<(), QueueError> {
        // No receiver left means the supervisor has ended already.
        let _ = self.stop.send(true);
        let Self { task, .. } = self;
        task.await.map_err(QueueError::Join)
    }

    /// Ends the worker at once, as a crash would: jobs in hand stay locked until
    /// another worker sees this one miss two heartbeats. For tests of recovery.
    pub fn abort(self) {
        self.task.abort();
    }
}

/// Starts `run` (one apalis worker under the given name, until the given signal)
/// and starts it again whenever it ends without being asked to.
pub(crate) fn supervise<F, Fut>(settings: &WorkerSettings, run: F) -> JobWorker
where
    F: Fn(String, BoxFuture<'static, Result<(), WorkerError>>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(), WorkerError>> + Send + 'static,
{
    let (stop, stopped) = watch::channel(false);
    let settings = settings.clone();
    let task = tokio::spawn(async move {
        let mut restarts = 0_u32;
        loop {
            let name = settings.unique_name();
            let started = std::time::Instant::now();
            let result = run(name.clone(), stop_signal(stopped.clone()).boxed()).await;
            if *stopped.borrow() {
                if let Err(error) = result {
                    tracing::warn!(worker = %name, "the job worker stopped with an error: {error}");
                }
                return;
            }
            if started.elapsed() >= HEALTHY_RUN {
                restarts = 0;
            }
            let delay = RESTART_BACKOFF.next_delay(restarts);
            restarts = restarts.saturating_add(1);
            match result {
                Ok(()) => {
                    tracing::warn!(worker = %name, ?delay, "the job worker ended; restarting")
                }
                Err(error) => tracing::warn!(
                    worker = %name,
                    ?delay,
                    "the job worker failed: {error}; restarting"
                ),
            }
            // Asked to stop (or the handle dropped) during the delay: done.
            let mut stopped = stopped.clone();
            if tokio::time::timeout(delay, stopped.wait_for(|stop| *stop))
                .await
                .is_ok()
            {
                return;
            }
        }
    });
    JobWorker { stop, task }
}

/// Resolves when the stop flag is set or its sender is gone (the handle dropped).
async fn stop_signal(mut stopped: watch::Receiver<bool>) -> Result<(), WorkerError> {
    let _ = stopped.wait_for(|stop| *stop).await;
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

/// The queue of an opened booking store, when its database can hold one (SQLite,
/// PostgreSQL; not Supabase's PostgREST): what enqueues jobs with bookings, and
/// what starts workers.
#[derive(Clone)]
pub enum JobQueue {
    /// In the SQLite file.
    #[cfg(feature = "sqlite")]
    Sqlite(Arc<crate::sqlite::SqliteBookingStore>),
    /// In the PostgreSQL database (shared by every instance).
    #[cfg(feature = "postgres")]
    Postgres(Arc<crate::postgres::PostgresBookingStore>),
}

impl std::fmt::Debug for JobQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let backend = match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite(_) => "sqlite",
            #[cfg(feature = "postgres")]
            Self::Postgres(_) => "postgres",
        };
        f.debug_tuple("JobQueue").field(&backend).finish()
    }
}

impl JobQueue {
    /// The store that writes jobs (with bookings, in one transaction).
    pub fn jobs(&self) -> Arc<dyn interview_core::jobs::JobStore> {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite(store) => store.clone(),
            #[cfg(feature = "postgres")]
            Self::Postgres(store) => store.clone(),
        }
    }

    /// Starts a worker that runs this queue's jobs with `handler`.
    pub fn start_worker(
        &self,
        handler: Arc<dyn JobHandler>,
        settings: &WorkerSettings,
    ) -> JobWorker {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite(store) => store.start_job_worker(handler, settings),
            #[cfg(feature = "postgres")]
            Self::Postgres(store) => store.start_job_worker(handler, settings),
        }
    }
}
