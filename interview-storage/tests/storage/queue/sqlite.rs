//! The job queue in a SQLite file.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use interview_core::jobs::{FailedJobStatus, Job, JobError, JobStore, NewJob};
use interview_core::store::{BookingStore, StoreError};
use interview_storage::queue::{APALIS_VERSION, QUEUE_MIGRATIONS_TABLE};
use interview_storage::sqlite::{MIGRATIONS_TABLE, SqliteBookingStore};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};
use tempfile::TempDir;

use super::{Recorder, Stuck, eventually, fast_settings, invitation};
use crate::conformance::booking;

async fn store() -> (SqliteBookingStore, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteBookingStore::open(dir.path().join("jobs.db"))
        .await
        .unwrap();
    (store, dir)
}

async fn job_count(store: &SqliteBookingStore) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM Jobs")
        .fetch_one(store.pool())
        .await
        .unwrap()
}

async fn statuses(store: &SqliteBookingStore) -> Vec<String> {
    sqlx::query_scalar("SELECT status FROM Jobs ORDER BY id")
        .fetch_all(store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_booking_and_its_jobs_are_written_together() {
    let (store, _dir) = store().await;
    let new = booking("Ada Lovelace");
    let job = NewJob::new(Job::SendInvitation {
        token: new.token.clone(),
    });
    store
        .create_with_jobs(&new, std::slice::from_ref(&job))
        .await
        .unwrap();
    assert!(store.get(&new.token).await.unwrap().is_some());
    assert_eq!(job_count(&store).await, 1);

    // The same token again: a conflict, and its job is not written either.
    let error = store
        .create_with_jobs(&new, &[invitation(), invitation()])
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Conflict), "{error:?}");
    assert_eq!(job_count(&store).await, 1);
}

#[tokio::test]
async fn a_job_that_cannot_be_written_leaves_no_booking() {
    let (store, _dir) = store().await;
    sqlx::query(
        "CREATE TRIGGER refuse_jobs BEFORE INSERT ON Jobs \
         BEGIN SELECT RAISE(ABORT, 'the queue refuses jobs'); END",
    )
    .execute(store.pool())
    .await
    .unwrap();
    let new = booking("Grace Hopper");
    let error = store
        .create_with_jobs(&new, &[invitation()])
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Backend(_)), "{error:?}");
    assert!(store.get(&new.token).await.unwrap().is_none());
    assert_eq!(job_count(&store).await, 0);
}

#[tokio::test]
async fn an_idempotency_key_keeps_one_job_even_after_it_ran() {
    let (store, _dir) = store().await;
    let reminder = || {
        NewJob::new(Job::SendReminder {
            token: booking("x").token,
            before_secs: 3600,
            scheduled_at: chrono::DateTime::from_timestamp(1_900_000_000, 0).unwrap(),
        })
        .idempotency_key("reminder:abc:3600")
        .unwrap()
    };
    store.enqueue(&[reminder()]).await.unwrap();
    store.enqueue(&[reminder(), reminder()]).await.unwrap();
    assert_eq!(job_count(&store).await, 1);

    let recorder = Recorder::new();
    let worker = store.start_job_worker(recorder.clone(), &fast_settings());
    eventually(Duration::from_secs(10), "the reminder runs", || async {
        recorder.run_count() == 1
    })
    .await;
    store.enqueue(&[reminder()]).await.unwrap();
    let new = booking("Keyed Twice");
    store.create_with_jobs(&new, &[reminder()]).await.unwrap();
    assert!(store.get(&new.token).await.unwrap().is_some());
    worker.stop().await.unwrap();
    assert_eq!(job_count(&store).await, 1);
    assert_eq!(recorder.run_count(), 1);
}

#[tokio::test]
async fn a_worker_runs_each_job_once_and_stops_gracefully() {
    let (store, _dir) = store().await;
    let jobs: Vec<NewJob> = (0..12).map(|_| invitation()).collect();
    store.enqueue(&jobs).await.unwrap();
    let recorder = Recorder::new();
    let worker = store.start_job_worker(recorder.clone(), &fast_settings());
    eventually(
        Duration::from_secs(15),
        "all twelve jobs are done",
        || async { statuses(&store).await.iter().all(|s| s == "Done") },
    )
    .await;
    worker.stop().await.unwrap();
    let mut ran: Vec<String> = recorder
        .runs()
        .iter()
        .map(|(job, _)| serde_json::to_string(job).unwrap())
        .collect();
    ran.sort();
    let mut expected: Vec<String> = jobs
        .iter()
        .map(|job| serde_json::to_string(job.job()).unwrap())
        .collect();
    expected.sort();
    assert_eq!(ran, expected);
}

#[tokio::test]
async fn a_job_for_later_waits_for_its_time() {
    let (store, _dir) = store().await;
    let recorder = Recorder::new();
    let worker = store.start_job_worker(recorder.clone(), &fast_settings());
    let now = Instant::now();
    // Two seconds from the next whole second: the queue keeps whole seconds.
    let due = Utc::now() + chrono::TimeDelta::seconds(2);
    store.enqueue(&[invitation().run_at(due)]).await.unwrap();
    eventually(Duration::from_secs(10), "the job runs", || async {
        recorder.run_count() == 1
    })
    .await;
    worker.stop().await.unwrap();
    let ran_at = recorder.runs()[0].1;
    assert!(
        ran_at.duration_since(now) >= Duration::from_secs(1),
        "ran after {:?}",
        ran_at.duration_since(now)
    );
    assert!(Utc::now() >= due - chrono::TimeDelta::seconds(1));
}

#[tokio::test]
async fn a_failed_job_keeps_its_error_and_is_retried_after_the_backoff_by_a_new_worker() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.db");
    let store = SqliteBookingStore::open(&path).await.unwrap();
    let job = invitation();
    store.enqueue(std::slice::from_ref(&job)).await.unwrap();
    let mut settings = fast_settings();
    settings.backoff.initial = Duration::from_secs(3);

    let first = Recorder::new();
    first.fail_first(job.job(), 1);
    let worker = store.start_job_worker(first.clone(), &settings);
    eventually(
        Duration::from_secs(10),
        "the failure is recorded",
        || async { store.failed_jobs(10).await.unwrap().len() == 1 },
    )
    .await;
    let failed_at = first.runs()[0].1;
    worker.stop().await.unwrap();
    store.close().await;

    // What operators see.
    let store = SqliteBookingStore::open(&path).await.unwrap();
    let failed = store.failed_jobs(10).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].status, FailedJobStatus::Retrying);
    assert_eq!(failed[0].job.as_ref(), Some(job.job()));
    assert_eq!(failed[0].attempts, 1);
    assert_eq!(
        failed[0].last_error,
        "the mail server refused the connection"
    );
    let next = failed[0].next_attempt_at.unwrap();
    assert!(next > Utc::now(), "the retry is delayed: {next}");
    assert!(next <= Utc::now() + chrono::TimeDelta::seconds(4));

    // A new worker (as after a restart) runs it once the delay has passed.
    let second = Recorder::new();
    let worker = store.start_job_worker(second.clone(), &settings);
    eventually(Duration::from_secs(15), "the retry runs", || async {
        second.run_count() == 1
    })
    .await;
    let retried_after = second.runs()[0].1.duration_since(failed_at);
    assert!(
        retried_after >= Duration::from_secs(2),
        "retried after {retried_after:?}"
    );
    eventually(Duration::from_secs(5), "the job is done", || async {
        statuses(&store).await == ["Done"]
    })
    .await;
    worker.stop().await.unwrap();
    assert_eq!(first.run_count(), 1);
    assert!(store.failed_jobs(10).await.unwrap().is_empty());
}

#[tokio::test]
async fn delays_double_and_a_job_gives_up_after_its_attempts() {
    let (store, _dir) = store().await;
    store
        .enqueue(&[invitation().max_attempts(3)])
        .await
        .unwrap();
    let recorder = Recorder::always_failing(JobError::retry("timed out after 10 s"));
    let worker = store.start_job_worker(recorder.clone(), &fast_settings());
    eventually(Duration::from_secs(20), "three attempts", || async {
        store
            .failed_jobs(10)
            .await
            .unwrap()
            .first()
            .is_some_and(|job| job.status == FailedJobStatus::GaveUp)
    })
    .await;
    worker.stop().await.unwrap();
    let runs: Vec<Instant> = recorder.runs().iter().map(|(_, at)| *at).collect();
    assert_eq!(runs.len(), 3);
    // 1 s then 2 s, in whole seconds, so at least about 0 s and 1 s.
    let gaps = [runs[1] - runs[0], runs[2] - runs[1]];
    assert!(gaps[1] >= Duration::from_secs(1), "{gaps:?}");
    assert!(
        gaps[1] > gaps[0] || gaps[0] >= Duration::from_secs(1),
        "{gaps:?}"
    );
    let failed = &store.failed_jobs(10).await.unwrap()[0];
    assert_eq!(failed.attempts, 3);
    assert_eq!(failed.max_attempts, 3);
    assert_eq!(failed.last_error, "timed out after 10 s");
    assert_eq!(failed.next_attempt_at, None);
}

#[tokio::test]
async fn an_abandoned_job_stops_at_once_with_its_reason() {
    let (store, _dir) = store().await;
    store.enqueue(&[invitation()]).await.unwrap();
    let recorder = Recorder::always_failing(JobError::abandon("the booking was erased"));
    let worker = store.start_job_worker(recorder.clone(), &fast_settings());
    eventually(Duration::from_secs(10), "the job is abandoned", || async {
        !store.failed_jobs(10).await.unwrap().is_empty()
    })
    .await;
    worker.stop().await.unwrap();
    let failed = &store.failed_jobs(10).await.unwrap()[0];
    assert_eq!(failed.status, FailedJobStatus::Abandoned);
    assert_eq!(failed.last_error, "the booking was erased");
    assert_eq!(recorder.run_count(), 1);
}

#[tokio::test]
async fn a_database_from_before_the_queue_gains_it_and_keeps_other_migration_tables_apart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let pool = SqlitePool::connect_with(
        SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true),
    )
    .await
    .unwrap();
    // Our migrations as the version before the queue ran them ...
    let mut ours = Migrator::new(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/migrations/sqlite"
    )))
    .await
    .unwrap();
    ours.dangerous_set_table_name(MIGRATIONS_TABLE);
    ours.run(&pool).await.unwrap();
    // ... and an integrator's own migration in the default `_sqlx_migrations`.
    sqlx::query(
        "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, \
         installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL, \
         checksum BLOB NOT NULL, execution_time BIGINT NOT NULL)",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (1, 'the integrator''s table', 1, x'00', 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    let old = booking("Booked Before Jobs");
    {
        let store = SqliteBookingStore::open(&path).await.unwrap();
        store.create(&old).await.unwrap();
        store.enqueue(&[invitation()]).await.unwrap();
        store.close().await;
    }
    // Opening again applies nothing twice and fails on nothing.
    let store = SqliteBookingStore::open(&path).await.unwrap();
    assert!(store.get(&old.token).await.unwrap().is_some());
    assert_eq!(job_count(&store).await, 1);
    let integrators: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(integrators, [1]);
    let queue: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM {QUEUE_MIGRATIONS_TABLE}"
    )))
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(queue as usize, apalis_sqlite_migration_count());
}

fn apalis_sqlite_migration_count() -> usize {
    // apalis-sqlite 1.0.0 ships eleven migrations.
    11
}

/// The queue writes and reads apalis-sqlite's table directly (inside our
/// transactions, for failed jobs, for the backoff): if an apalis upgrade changes the
/// columns, this fails before anything else does.
#[tokio::test]
async fn the_apalis_schema_is_the_one_the_queue_was_written_for() {
    assert_eq!(APALIS_VERSION, "1.0.0");
    let (store, _dir) = store().await;
    let columns: Vec<(String, String)> =
        sqlx::query_as("SELECT name, type FROM pragma_table_info('Jobs') ORDER BY cid")
            .fetch_all(store.pool())
            .await
            .unwrap();
    let expected = [
        ("job", "BLOB"),
        ("id", "TEXT"),
        ("job_type", "TEXT"),
        ("status", "TEXT"),
        ("attempts", "INTEGER"),
        ("max_attempts", "INTEGER"),
        ("run_at", "INTEGER"),
        ("last_result", "TEXT"),
        ("lock_at", "INTEGER"),
        ("lock_by", "TEXT"),
        ("done_at", "INTEGER"),
        ("priority", "INTEGER"),
        ("metadata", "TEXT"),
        ("idempotency_key", "TEXT"),
    ];
    let columns: Vec<(&str, &str)> = columns
        .iter()
        .map(|(name, kind)| (name.as_str(), kind.as_str()))
        .collect();
    assert_eq!(columns, expected);
    let _: Arc<dyn JobStore> = Arc::new(store);
}

#[tokio::test]
async fn stopping_a_worker_lets_the_job_in_hand_finish_and_records_it() {
    let (store, _dir) = store().await;
    store.enqueue(&[invitation()]).await.unwrap();
    let handler = Arc::new(Stuck {
        runs: 0.into(),
        slow: Some(Duration::from_millis(800)),
    });
    let worker = store.start_job_worker(handler.clone(), &fast_settings());
    eventually(Duration::from_secs(10), "the job starts", || async {
        handler.runs() == 1
    })
    .await;
    worker.stop().await.unwrap();
    assert_eq!(statuses(&store).await, ["Done"]);
}

#[tokio::test]
async fn a_job_held_by_a_crashed_worker_is_run_by_another() {
    let (store, _dir) = store().await;
    store.enqueue(&[invitation()]).await.unwrap();
    let mut settings = fast_settings();
    settings.heartbeat = Duration::from_secs(1);
    let handler = Arc::new(Stuck {
        runs: 0.into(),
        slow: None,
    });
    let crashed = store.start_job_worker(handler.clone(), &settings);
    eventually(Duration::from_secs(10), "the job starts", || async {
        handler.runs() == 1
    })
    .await;
    crashed.abort();
    assert_eq!(statuses(&store).await, ["Running"]);

    // Another instance notices the silent worker after two heartbeats and runs the
    // job (its second attempt: the crashed run counts).
    let worker = store.start_job_worker(handler.clone(), &settings);
    eventually(Duration::from_secs(20), "the job is done", || async {
        statuses(&store).await == ["Done"]
    })
    .await;
    worker.stop().await.unwrap();
    assert_eq!(handler.runs(), 2);
}

/// Panics on its first run, succeeds afterwards.
struct PanicsOnce(std::sync::atomic::AtomicUsize);

#[async_trait::async_trait]
impl interview_core::jobs::JobHandler for PanicsOnce {
    async fn run(&self, _job: Job) -> Result<(), JobError> {
        if self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            panic!("a bug in a handler");
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_handler_that_panics_fails_the_job_not_the_worker() {
    let (store, _dir) = store().await;
    store.enqueue(&[invitation()]).await.unwrap();
    let handler = Arc::new(PanicsOnce(0.into()));
    let worker = store.start_job_worker(handler.clone(), &fast_settings());
    eventually(Duration::from_secs(10), "the panic is recorded", || async {
        store
            .failed_jobs(10)
            .await
            .unwrap()
            .first()
            .is_some_and(|job| job.last_error == "the job's handler panicked")
    })
    .await;
    // The same worker retries it after the backoff.
    eventually(Duration::from_secs(15), "the retry succeeds", || async {
        statuses(&store).await == ["Done"]
    })
    .await;
    worker.stop().await.unwrap();
    assert_eq!(handler.0.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_payload_this_version_cannot_read_is_abandoned_and_the_worker_goes_on() {
    let (store, _dir) = store().await;
    // As a job written by a later version, whose kind this one does not know.
    sqlx::query(
        "INSERT INTO Jobs (job, id, job_type, status, attempts, max_attempts, run_at, priority) \
         VALUES (CAST('{\"kind\":\"send_postcard\"}' AS BLOB), '01ARZ3NDEKTSV4RRFFQ69G5FAV', \
         'interview.jobs', 'Pending', 0, 30, strftime('%s', 'now') - 1, 0)",
    )
    .execute(store.pool())
    .await
    .unwrap();
    store.enqueue(&[invitation()]).await.unwrap();
    let recorder = Recorder::new();
    let worker = store.start_job_worker(recorder.clone(), &fast_settings());
    eventually(Duration::from_secs(10), "the readable job runs", || async {
        recorder.run_count() == 1
    })
    .await;
    eventually(
        Duration::from_secs(10),
        "the unreadable one is abandoned",
        || async {
            store
                .failed_jobs(10)
                .await
                .unwrap()
                .first()
                .is_some_and(|job| job.status == FailedJobStatus::Abandoned)
        },
    )
    .await;
    worker.stop().await.unwrap();
    let failed = &store.failed_jobs(10).await.unwrap()[0];
    assert_eq!(failed.job, None);
    assert_eq!(failed.attempts, 1);
    assert!(
        failed.last_error.contains("payload"),
        "{}",
        failed.last_error
    );
}

#[tokio::test]
async fn a_worker_that_a_database_error_ended_is_started_again() {
    let (store, _dir) = store().await;
    // Taking a job fails while this trigger exists (apalis then ends its worker).
    sqlx::query(
        "CREATE TRIGGER refuse_taking BEFORE UPDATE OF lock_by ON Jobs \
         BEGIN SELECT RAISE(ABORT, 'the database is failing'); END",
    )
    .execute(store.pool())
    .await
    .unwrap();
    store.enqueue(&[invitation()]).await.unwrap();
    let recorder = Recorder::new();
    let worker = store.start_job_worker(recorder.clone(), &fast_settings());
    eventually(
        Duration::from_secs(15),
        "a second worker registers",
        || async {
            let workers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM Workers")
                .fetch_one(store.pool())
                .await
                .unwrap();
            workers >= 2
        },
    )
    .await;
    assert_eq!(recorder.run_count(), 0);
    sqlx::query("DROP TRIGGER refuse_taking")
        .execute(store.pool())
        .await
        .unwrap();
    eventually(Duration::from_secs(30), "the job runs", || async {
        recorder.run_count() == 1
    })
    .await;
    worker.stop().await.unwrap();
}

#[tokio::test]
async fn webhook_endpoints_and_deliveries_are_kept_beside_the_queue() {
    let (store, _dir) = store().await;
    super::webhooks::webhook_store_conforms(&store).await;
}

#[tokio::test]
async fn a_move_or_a_cancel_and_its_jobs_commit_together() {
    let (store, _dir) = store().await;
    let refuse = async {
        sqlx::query(
            "CREATE TRIGGER refuse_jobs BEFORE INSERT ON Jobs \
             BEGIN SELECT RAISE(ABORT, 'the queue refuses jobs'); END",
        )
        .execute(store.pool())
        .await
        .unwrap();
    };
    super::changes_and_their_jobs_commit_together(&store, refuse, async || job_count(&store).await)
        .await;
}
