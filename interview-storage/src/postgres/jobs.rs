//! The job queue on the PostgreSQL server: apalis-postgres's `apalis.jobs` and
//! `apalis.workers`, written in the store's own transactions. Any number of
//! application instances may run workers on one database: apalis takes due jobs with
//! `FOR UPDATE SKIP LOCKED`, so each job goes to one worker.

use std::sync::Arc;

use apalis::prelude::{Attempt, BackendExt, TaskId, WorkerBuilder};
use apalis_postgres::{Config, PostgresStorage};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use interview_core::jobs::{FailedJob, JobHandler, JobStore, NewJob};
use interview_core::store::StoreError;
use interview_core::store::{InterviewState, Rescheduled};
use interview_core::{Booking, BookingToken, ScheduledTime};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnection, PgPool};
use sqlx::{Connection, Row};

use super::{PostgresBookingStore, insert_booking, replace_state, store_error};
use crate::queue::{
    FailedRow, JobWorker, QUEUE_MIGRATIONS_TABLE, QUEUE_NAME, Reschedule, Runner, WorkerSettings,
    supervise, task_for,
};

/// The unique index on `(job_type, idempotency_key)` that apalis-postgres creates.
const IDEMPOTENCY_INDEX: &str = "idx_jobs_idempotency_key";

/// apalis-postgres's migrations (schema `apalis`, the `hstore` extension), recorded in
/// their own table.
pub(super) fn queue_migrator() -> Migrator {
    let mut migrator = PostgresStorage::<()>::migrations();
    migrator.dangerous_set_table_name(QUEUE_MIGRATIONS_TABLE);
    migrator
}

fn queue_error(error: apalis_postgres::Error) -> StoreError {
    match error {
        apalis_postgres::Error::Database(error) => store_error(error),
        other => StoreError::Backend(Box::new(other)),
    }
}

fn is_duplicate_key(error: &apalis_postgres::Error) -> bool {
    matches!(
        error,
        apalis_postgres::Error::Database(sqlx::Error::Database(database))
            if database.is_unique_violation() && database.constraint() == Some(IDEMPOTENCY_INDEX)
    )
}

/// Writes `jobs` through `connection` (a transaction). apalis-postgres's insert has
/// no `ON CONFLICT`, so each keyed job goes in under a savepoint and a duplicate key
/// rolls back that job alone: the surrounding transaction (the booking) goes on.
async fn push(connection: &mut PgConnection, jobs: &[NewJob]) -> Result<(), StoreError> {
    for job in jobs {
        let task = task_for(job)?;
        if job.key().is_none() {
            apalis_postgres::queries::push_tasks(connection, QUEUE_NAME, vec![task])
                .await
                .map_err(queue_error)?;
            continue;
        }
        let mut savepoint = connection.begin().await.map_err(store_error)?;
        match apalis_postgres::queries::push_tasks(&mut *savepoint, QUEUE_NAME, vec![task]).await {
            Ok(()) => savepoint.commit().await.map_err(store_error)?,
            Err(error) if is_duplicate_key(&error) => {
                savepoint.rollback().await.map_err(store_error)?;
            }
            Err(error) => return Err(queue_error(error)),
        }
    }
    Ok(())
}

#[async_trait]
impl JobStore for PostgresBookingStore {
    async fn enqueue(&self, jobs: &[NewJob]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        push(&mut tx, jobs).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn create_with_jobs(&self, booking: &Booking, jobs: &[NewJob]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        insert_booking(&mut *tx, booking).await?;
        push(&mut tx, jobs).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn replace_interview_state_with_jobs(
        &self,
        token: &BookingToken,
        expected_version: u64,
        next: &InterviewState,
        jobs: &[NewJob],
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        if !replace_state(&mut tx, token, expected_version, next).await? {
            return Ok(false);
        }
        push(&mut tx, jobs).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(true)
    }

    async fn reschedule_with_jobs(
        &self,
        token: &BookingToken,
        to: &ScheduledTime,
        jobs: &[NewJob],
    ) -> Result<Rescheduled, StoreError> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let moved = super::recruiting::reschedule_booking(&mut tx, token, to).await?;
        if matches!(moved, Rescheduled::Moved(_)) {
            push(&mut tx, jobs).await?;
            tx.commit().await.map_err(store_error)?;
        }
        Ok(moved)
    }

    async fn failed_jobs(&self, limit: u32) -> Result<Vec<FailedJob>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, job, status, attempts::bigint AS attempts, \
             max_attempts::bigint AS max_attempts, last_result::text AS last_result, run_at \
             FROM apalis.jobs WHERE job_type = $1 AND status IN ('Failed', 'Killed') \
             ORDER BY done_at DESC NULLS LAST, id DESC LIMIT $2",
        )
        .bind(QUEUE_NAME)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                Ok(FailedRow {
                    id: row.try_get("id")?,
                    payload: row.try_get("job")?,
                    status: row.try_get("status")?,
                    attempts: row.try_get("attempts")?,
                    max_attempts: row.try_get("max_attempts")?,
                    last_result: row.try_get("last_result")?,
                    run_at: row.try_get("run_at")?,
                }
                .into_failed_job())
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(store_error)
    }
}

struct PgReschedule(PgPool);

impl Reschedule for PgReschedule {
    async fn reschedule(&self, id: String, run_at: DateTime<Utc>) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE apalis.jobs SET run_at = $1 WHERE id = $2")
            .bind(run_at)
            .bind(id)
            .execute(&self.0)
            .await?;
        Ok(())
    }
}

impl PostgresBookingStore {
    /// Starts an apalis worker that runs the queue's jobs with `handler`, on the
    /// store's pool. Every application instance may start one: a job runs on one
    /// worker only. Stop it with [`JobWorker::stop`].
    ///
    /// Must be called within a Tokio runtime.
    pub fn start_job_worker(
        &self,
        handler: Arc<dyn JobHandler>,
        settings: &WorkerSettings,
    ) -> JobWorker {
        let config = Config::default()
            .queue(QUEUE_NAME)
            .heartbeat_interval(settings.heartbeat)
            .batch_size(settings.batch_size.max(1));
        let runner = Arc::new(Runner {
            handler,
            backoff: settings.backoff,
            reschedule: PgReschedule(self.pool.clone()),
        });
        let service = move |payload: serde_json::Value, id: TaskId, attempt: Attempt| {
            let runner = Arc::clone(&runner);
            async move { runner.run(payload, id, attempt).await }
        };
        let pool = self.pool.clone();
        let poll_interval = settings.poll_interval;
        supervise(settings, move |name, stop| {
            let storage = PostgresStorage::<serde_json::Value>::new(&pool)
                .with_config(config.clone())
                .poll_with_interval(poll_interval);
            WorkerBuilder::new(name)
                .backend(storage)
                .build(service.clone())
                .run_until(stop)
        })
    }
}
