//! The job queue on a PostgreSQL server, one fresh database per test.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use interview_core::jobs::{FailedJobStatus, Job, JobStore, NewJob};
use interview_core::store::{BookingStore, StoreError};
use interview_storage::postgres::PostgresBookingStore;
use interview_storage::queue::QUEUE_MIGRATIONS_TABLE;
use sqlx::postgres::PgPoolOptions;

use super::{Recorder, Stuck, eventually, fast_settings, invitation};
use crate::conformance::booking;
use crate::postgres::TestDatabase;

/// A store on its own pool, as one application instance has.
async fn instance(database: &TestDatabase) -> PostgresBookingStore {
    let pool = PgPoolOptions::new()
        .max_connections(5)
        .connect_with(database.options())
        .await
        .unwrap();
    PostgresBookingStore::from_pool(pool).await.unwrap()
}

async fn job_count(store: &PostgresBookingStore) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM apalis.jobs")
        .fetch_one(store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_booking_and_its_jobs_are_written_together_or_not_at_all() {
    let database = TestDatabase::create().await;
    let store = instance(&database).await;
    let new = booking("Ada Lovelace");
    let keyed = NewJob::new(Job::SendReminder {
        token: new.token.clone(),
        before_secs: 86_400,
        scheduled_at: new.scheduled_at,
    })
    .idempotency_key(format!("reminder:{}:86400", new.token))
    .unwrap();
    store
        .create_with_jobs(&new, &[invitation(), keyed.clone()])
        .await
        .unwrap();
    assert_eq!(job_count(&store).await, 2);

    // A duplicate token writes no job.
    let error = store
        .create_with_jobs(&new, &[invitation()])
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Conflict), "{error:?}");
    assert_eq!(job_count(&store).await, 2);

    // A known idempotency key inside a booking's transaction is skipped, and the
    // booking is still written.
    let other = booking("Charles Babbage");
    store
        .create_with_jobs(&other, &[keyed.clone(), invitation()])
        .await
        .unwrap();
    assert!(store.get(&other.token).await.unwrap().is_some());
    assert_eq!(job_count(&store).await, 3);
    store.enqueue(&[keyed]).await.unwrap();
    assert_eq!(job_count(&store).await, 3);

    // A job insert that fails takes the booking with it.
    sqlx::query(
        "CREATE FUNCTION refuse_jobs() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN RAISE EXCEPTION 'the queue refuses jobs'; END $$",
    )
    .execute(store.pool())
    .await
    .unwrap();
    sqlx::query(
        "CREATE TRIGGER refuse_jobs BEFORE INSERT ON apalis.jobs \
         FOR EACH ROW EXECUTE FUNCTION refuse_jobs()",
    )
    .execute(store.pool())
    .await
    .unwrap();
    let refused = booking("Grace Hopper");
    let error = store
        .create_with_jobs(&refused, &[invitation()])
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Backend(_)), "{error:?}");
    assert!(store.get(&refused.token).await.unwrap().is_none());
    assert_eq!(job_count(&store).await, 3);

    store.pool().close().await;
    database.drop_database().await;
}

#[tokio::test]
async fn two_instances_on_one_database_run_every_job_exactly_once() {
    const JOBS: usize = 60;
    let database = TestDatabase::create().await;
    // Both start at once on the empty database, as instances deployed together do:
    // the migrations (ours and the queue's) must not trip over each other.
    let (first, second) = tokio::join!(instance(&database), instance(&database));
    let jobs: Vec<NewJob> = (0..JOBS).map(|_| invitation()).collect();
    // Half enqueued through each instance.
    first.enqueue(&jobs[..JOBS / 2]).await.unwrap();
    second.enqueue(&jobs[JOBS / 2..]).await.unwrap();

    let settings = fast_settings();
    let one = Recorder::new();
    let two = Recorder::new();
    let worker_one = first.start_job_worker(one.clone(), &settings);
    let worker_two = second.start_job_worker(two.clone(), &settings);
    eventually(Duration::from_secs(30), "every job is done", || async {
        let done: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM apalis.jobs WHERE status = 'Done'")
                .fetch_one(first.pool())
                .await
                .unwrap();
        done as usize == JOBS
    })
    .await;
    worker_one.stop().await.unwrap();
    worker_two.stop().await.unwrap();

    let mut runs: HashMap<String, usize> = HashMap::new();
    for (job, _) in one.runs().into_iter().chain(two.runs()) {
        *runs
            .entry(serde_json::to_string(&job).unwrap())
            .or_default() += 1;
    }
    assert_eq!(runs.len(), JOBS, "every job ran");
    assert!(runs.values().all(|&count| count == 1), "{runs:?}");
    assert!(
        one.run_count() > 0 && two.run_count() > 0,
        "both instances worked: {} and {}",
        one.run_count(),
        two.run_count()
    );
    let queue_migrations: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM {QUEUE_MIGRATIONS_TABLE}"
    )))
    .fetch_one(first.pool())
    .await
    .unwrap();
    assert!(queue_migrations > 0);

    first.pool().close().await;
    second.pool().close().await;
    database.drop_database().await;
}

#[tokio::test]
async fn a_failed_job_keeps_its_error_and_another_instance_retries_it_after_the_backoff() {
    let database = TestDatabase::create().await;
    let first = instance(&database).await;
    let job = invitation();
    first.enqueue(std::slice::from_ref(&job)).await.unwrap();
    let mut settings = fast_settings();
    settings.backoff.initial = Duration::from_secs(2);

    let failing = Recorder::new();
    failing.fail_first(job.job(), 1);
    let worker = first.start_job_worker(failing.clone(), &settings);
    eventually(
        Duration::from_secs(10),
        "the failure is recorded",
        || async { first.failed_jobs(10).await.unwrap().len() == 1 },
    )
    .await;
    let failed_at = failing.runs()[0].1;
    worker.stop().await.unwrap();
    first.pool().close().await;

    let second = instance(&database).await;
    let failed = second.failed_jobs(10).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].status, FailedJobStatus::Retrying);
    assert_eq!(failed[0].job.as_ref(), Some(job.job()));
    assert_eq!(
        failed[0].last_error,
        "the mail server refused the connection"
    );
    let next = failed[0].next_attempt_at.unwrap();
    assert!(next <= Utc::now() + chrono::TimeDelta::seconds(3), "{next}");

    let succeeding = Recorder::new();
    let worker = second.start_job_worker(succeeding.clone(), &settings);
    eventually(Duration::from_secs(15), "the retry runs", || async {
        succeeding.run_count() == 1
    })
    .await;
    let retried_after = succeeding.runs()[0].1.duration_since(failed_at);
    assert!(
        retried_after >= Duration::from_millis(1900),
        "retried after {retried_after:?}"
    );
    eventually(Duration::from_secs(5), "no failed job is left", || async {
        second.failed_jobs(10).await.unwrap().is_empty()
    })
    .await;
    worker.stop().await.unwrap();

    second.pool().close().await;
    database.drop_database().await;
}

/// The queue writes and reads apalis-postgres's table directly: if an apalis upgrade
/// changes the columns it relies on, this fails first.
#[tokio::test]
async fn the_apalis_schema_is_the_one_the_queue_was_written_for() {
    let database = TestDatabase::create().await;
    let store = instance(&database).await;
    let columns: Vec<(String, String)> = sqlx::query_as(
        "SELECT column_name::text, data_type::text FROM information_schema.columns \
         WHERE table_schema = 'apalis' AND table_name = 'jobs' ORDER BY column_name",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let columns: HashMap<&str, &str> = columns
        .iter()
        .map(|(name, kind)| (name.as_str(), kind.as_str()))
        .collect();
    for (name, kind) in [
        ("id", "text"),
        ("job", "bytea"),
        ("job_type", "text"),
        ("status", "text"),
        ("attempts", "integer"),
        ("max_attempts", "integer"),
        ("run_at", "timestamp with time zone"),
        ("last_result", "jsonb"),
        ("done_at", "timestamp with time zone"),
        ("idempotency_key", "text"),
    ] {
        assert_eq!(columns.get(name), Some(&kind), "apalis.jobs.{name}");
    }
    let index: Option<String> = sqlx::query_scalar(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = 'apalis' \
         AND indexname = 'idx_jobs_idempotency_key'",
    )
    .fetch_optional(store.pool())
    .await
    .unwrap();
    assert!(
        index.is_some_and(|def| def.contains("UNIQUE") && def.contains("idempotency_key")),
        "the idempotency key's unique index"
    );
    let _: Arc<dyn JobStore> = Arc::new(store.clone());
    store.pool().close().await;
    database.drop_database().await;
}

#[tokio::test]
async fn a_job_held_by_a_crashed_instance_is_run_by_the_other() {
    let database = TestDatabase::create().await;
    let first = instance(&database).await;
    let second = instance(&database).await;
    first.enqueue(&[invitation()]).await.unwrap();
    let mut settings = fast_settings();
    settings.heartbeat = Duration::from_secs(1);
    let handler = Arc::new(Stuck {
        runs: 0.into(),
        slow: None,
    });
    let crashed = first.start_job_worker(handler.clone(), &settings);
    eventually(Duration::from_secs(10), "the job starts", || async {
        handler.runs() == 1
    })
    .await;
    crashed.abort();

    let worker = second.start_job_worker(handler.clone(), &settings);
    eventually(
        Duration::from_secs(20),
        "the other instance runs it",
        || async {
            let status: String = sqlx::query_scalar("SELECT status FROM apalis.jobs")
                .fetch_one(second.pool())
                .await
                .unwrap();
            status == "Done"
        },
    )
    .await;
    worker.stop().await.unwrap();
    assert_eq!(handler.runs(), 2);

    first.pool().close().await;
    second.pool().close().await;
    database.drop_database().await;
}

#[tokio::test]
async fn webhook_endpoints_and_deliveries_are_kept_beside_the_queue() {
    let database = TestDatabase::create().await;
    let store = instance(&database).await;
    super::webhooks::webhook_store_conforms(&store).await;
}

#[tokio::test]
async fn a_move_or_a_cancel_and_its_jobs_commit_together() {
    let database = TestDatabase::create().await;
    let store = instance(&database).await;
    let refuse = async {
        sqlx::query(
            "CREATE FUNCTION refuse_jobs() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'the queue refuses jobs'; END $$",
        )
        .execute(store.pool())
        .await
        .unwrap();
        sqlx::query(
            "CREATE TRIGGER refuse_jobs BEFORE INSERT ON apalis.jobs \
             FOR EACH ROW EXECUTE FUNCTION refuse_jobs()",
        )
        .execute(store.pool())
        .await
        .unwrap();
    };
    super::changes_and_their_jobs_commit_together(&store, refuse, async || job_count(&store).await)
        .await;
    store.pool().close().await;
    database.drop_database().await;
}
