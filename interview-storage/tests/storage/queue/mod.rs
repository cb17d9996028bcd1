//! The job queue on each SQL backend: jobs written with the booking or not at all,
//! idempotency keys, workers, the durable backoff, failed jobs, and (PostgreSQL) two
//! instances sharing one queue.

#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;
mod webhooks;

pub(crate) use webhooks::webhook_store_conforms;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use interview_core::BookingToken;
use interview_core::backoff::Backoff;
use interview_core::jobs::{Job, JobError, JobHandler, NewJob};
use interview_storage::queue::WorkerSettings;

/// Settings that keep tests short: poll every 100 ms, first retry after 1 s.
pub(crate) fn fast_settings() -> WorkerSettings {
    WorkerSettings {
        name: "test-worker".to_owned(),
        poll_interval: Duration::from_millis(100),
        heartbeat: Duration::from_secs(5),
        backoff: Backoff {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(4),
            jitter: 0.0,
        },
        batch_size: 5,
    }
}

/// An invitation job for a fresh token.
pub(crate) fn invitation() -> NewJob {
    NewJob::new(Job::SendInvitation {
        token: BookingToken::generate().unwrap(),
    })
}

/// What a handler saw: each job's runs, in order, with when they happened.
#[derive(Default)]
pub(crate) struct Recorder {
    runs: Mutex<Vec<(Job, Instant)>>,
    /// How many more times a job (by its JSON) fails before it succeeds.
    failures_left: Mutex<HashMap<String, u32>>,
    /// Fail every run with this error instead.
    always: Option<JobError>,
}

impl Recorder {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// A recorder whose every run fails with `error`.
    pub(crate) fn always_failing(error: JobError) -> Arc<Self> {
        Arc::new(Self {
            always: Some(error),
            ..Self::default()
        })
    }

    /// `job` fails its first `times` runs.
    pub(crate) fn fail_first(&self, job: &Job, times: u32) {
        self.failures_left
            .lock()
            .unwrap()
            .insert(serde_json::to_string(job).unwrap(), times);
    }

    pub(crate) fn runs(&self) -> Vec<(Job, Instant)> {
        self.runs.lock().unwrap().clone()
    }

    pub(crate) fn run_count(&self) -> usize {
        self.runs.lock().unwrap().len()
    }
}

#[async_trait]
impl JobHandler for Recorder {
    async fn run(&self, job: Job) -> Result<(), JobError> {
        self.runs
            .lock()
            .unwrap()
            .push((job.clone(), Instant::now()));
        if let Some(error) = &self.always {
            return Err(error.clone());
        }
        let mut failures = self.failures_left.lock().unwrap();
        if let Some(left) = failures.get_mut(&serde_json::to_string(&job).unwrap())
            && *left > 0
        {
            *left -= 1;
            return Err(JobError::retry("the mail server refused the connection"));
        }
        Ok(())
    }
}

/// Polls `check` until it holds or `within` passes (then panics with `what`).
pub(crate) async fn eventually<F, Fut>(within: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A handler whose first run never ends (as in a process that crashes mid-job) and
/// whose later runs succeed; or, `slow`, whose every run takes that long.
pub(crate) struct Stuck {
    pub(crate) runs: std::sync::atomic::AtomicUsize,
    pub(crate) slow: Option<Duration>,
}

#[async_trait::async_trait]
impl interview_core::jobs::JobHandler for Stuck {
    async fn run(&self, _job: interview_core::jobs::Job) -> Result<(), JobError> {
        let run = self.runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        match self.slow {
            Some(delay) => tokio::time::sleep(delay).await,
            None if run == 0 => std::future::pending::<()>().await,
            None => {}
        }
        Ok(())
    }
}

impl Stuck {
    pub(crate) fn runs(&self) -> usize {
        self.runs.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// What every SQL store does with a change and its jobs: a move enqueues its
/// jobs when it happens, and once `refuse_jobs` makes job inserts fail, neither a
/// move nor a cancellation nor any job is written.
pub(crate) async fn changes_and_their_jobs_commit_together<S>(
    store: &S,
    refuse_jobs: impl Future<Output = ()>,
    job_count: impl AsyncFn() -> i64,
) where
    S: interview_core::store::BookingStore + interview_core::jobs::JobStore,
{
    use interview_core::jobs::JobStore;
    use interview_core::store::{Rescheduled, Transition, lifecycle};
    use interview_core::{BookingStatus, ScheduledTime};

    let booking = crate::conformance::booking("Ada Lovelace");
    store.create(&booking).await.unwrap();
    let later = ScheduledTime::from_parts(booking.scheduled_at + chrono::TimeDelta::days(1), None);
    let moved = store
        .reschedule_with_jobs(&booking.token, &later, &[invitation()])
        .await
        .unwrap();
    assert!(
        matches!(moved, Rescheduled::Moved(ref b) if b.reschedules == booking.reschedules + 1),
        "{moved:?}"
    );
    assert_eq!(job_count().await, 1);
    let cancelled = crate::conformance::booking("Grace Hopper");
    store.create(&cancelled).await.unwrap();
    let jobs = [invitation()];
    let with_jobs: Option<(&dyn JobStore, &[NewJob])> = Some((store, &jobs));
    let cancel =
        lifecycle::transition_with(store, &cancelled.token, BookingStatus::Cancelled, with_jobs)
            .await
            .unwrap();
    assert!(matches!(cancel, Transition::Moved { .. }), "{cancel:?}");
    assert_eq!(job_count().await, 2);
    // Not moved (it is cancelled): nothing is written.
    let refused = store
        .reschedule_with_jobs(&cancelled.token, &later, &[invitation()])
        .await
        .unwrap();
    assert!(matches!(
        refused,
        Rescheduled::NotScheduled(BookingStatus::Cancelled)
    ));
    assert_eq!(job_count().await, 2);

    let other = crate::conformance::booking("Charles Babbage");
    store.create(&other).await.unwrap();
    refuse_jobs.await;
    assert!(
        store
            .reschedule_with_jobs(&other.token, &later, &[invitation()])
            .await
            .is_err()
    );
    assert_eq!(
        store.get(&other.token).await.unwrap().unwrap().reschedules,
        other.reschedules
    );
    assert!(
        lifecycle::transition_with(store, &other.token, BookingStatus::Cancelled, with_jobs)
            .await
            .is_err()
    );
    assert_eq!(
        store.get(&other.token).await.unwrap().unwrap().status,
        BookingStatus::Scheduled
    );
    assert_eq!(job_count().await, 2);
}
