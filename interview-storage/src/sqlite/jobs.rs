//! The job queue in the SQLite file: apalis-sqlite's `Jobs` and `Workers` tables,
//! written in the store's own transactions and worked in process.

use std::sync::Arc;

use apalis::prelude::{Attempt, BackendExt, TaskId, WorkerBuilder};
use apalis_sqlite::{Config, SqliteStorage};
use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use interview_core::jobs::{FailedJob, JobHandler, JobStore, NewJob};
use interview_core::store::StoreError;
use interview_core::store::{InterviewState, Rescheduled};
use interview_core::{Booking, BookingToken, ScheduledTime};
use sqlx::migrate::Migrator;
use sqlx::{Row, SqliteConnection, SqlitePool};

use super::{SqliteBookingStore, insert_booking, replace_state, store_error};
use crate::queue::{
    FailedRow, JobWorker, QUEUE_MIGRATIONS_TABLE, QUEUE_NAME, Reschedule, Runner, WorkerSettings,
    supervise, task_for,
};

/// apalis-sqlite's migrations, recorded in their own table. (Its `setup` would also
/// turn `synchronous` off, which the store does not want: it keeps WAL + NORMAL.)
pub(super) fn queue_migrator() -> Migrator {
    let mut migrator = SqliteStorage::<()>::migrations();
    migrator.dangerous_set_table_name(QUEUE_MIGRATIONS_TABLE);
    migrator
}

fn queue_error(error: apalis_sqlite::Error) -> StoreError {
    match error {
        apalis_sqlite::Error::Database(error) => store_error(error),
        other => StoreError::Backend(Box::new(other)),
    }
}

/// Writes `jobs` through `connection` (a transaction). A job whose idempotency key is
/// known is skipped by apalis's `ON CONFLICT DO NOTHING`.
async fn push(connection: &mut SqliteConnection, jobs: &[NewJob]) -> Result<(), StoreError> {
    let tasks = jobs.iter().map(task_for).collect::<Result<Vec<_>, _>>()?;
    apalis_sqlite::queries::push_tasks(connection, QUEUE_NAME, &tasks)
        .await
        .map_err(queue_error)
}

#[async_trait]
impl JobStore for SqliteBookingStore {
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
            "SELECT id, job, status, attempts, max_attempts, last_result, run_at FROM Jobs \
             WHERE job_type = ? AND status IN ('Failed', 'Killed') \
             ORDER BY done_at DESC, id DESC LIMIT ?",
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
                    run_at: from_epoch_seconds(row.try_get("run_at")?),
                }
                .into_failed_job())
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(store_error)
    }
}

struct SqliteReschedule(SqlitePool);

impl Reschedule for SqliteReschedule {
    async fn reschedule(&self, id: String, run_at: DateTime<Utc>) -> Result<(), sqlx::Error> {
        // `run_at` is whole seconds here; round up so the delay is never shortened.
        let seconds = run_at.timestamp() + i64::from(run_at.timestamp_subsec_nanos() > 0);
        sqlx::query("UPDATE Jobs SET run_at = ? WHERE id = ?")
            .bind(seconds)
            .bind(id)
            .execute(&self.0)
            .await?;
        Ok(())
    }
}

impl SqliteBookingStore {
    /// Starts an apalis worker in this process that runs the queue's jobs with
    /// `handler`, on the store's pool. Stop it with [`JobWorker::stop`].
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
            reschedule: SqliteReschedule(self.pool.clone()),
        });
        let service = move |payload: serde_json::Value, id: TaskId, attempt: Attempt| {
            let runner = Arc::clone(&runner);
            async move { runner.run(payload, id, attempt).await }
        };
        let pool = self.pool.clone();
        let poll_interval = settings.poll_interval;
        supervise(settings, move |name, stop| {
            let storage = SqliteStorage::<serde_json::Value>::new(&pool)
                .with_config(config.clone())
                .poll_with_interval(poll_interval);
            WorkerBuilder::new(name)
                .backend(storage)
                .build(service.clone())
                .run_until(stop)
        })
    }
}

/// Seconds since the epoch as a time (apalis-sqlite keeps `run_at` so).
fn from_epoch_seconds(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(seconds, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}
