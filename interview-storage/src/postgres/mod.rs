//! [`BookingStore`] on a PostgreSQL server, for a company's own database and for
//! running many web servers against one store.
//!
//! The constructor applies the migrations in `migrations/postgres` (under an advisory
//! lock, so servers starting together do not race) and records them in
//! [`MIGRATIONS_TABLE`], not sqlx's default table, so they never mix with the
//! integrator's own migrations in the same database. The migration also upgrades the
//! original application's `interview_bookings` table in place (it adds `status` and
//! `time_zone`), so an existing database keeps its bookings.

mod jobs;
mod recruiting;
mod webhooks;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use interview_core::interview::{Evaluation, TranscriptEntry};
use interview_core::position::{Position, PositionId, Slug};
use interview_core::store::uploads;
use interview_core::store::{
    BookingStore, Erasure, InterviewPage, InterviewQuery, InterviewState, PositionStore,
    Rescheduled, StoreError, Tombstone, UploadRecord, WEBHOOK_EVENT_MEMORY,
};
use interview_core::{Booking, BookingToken, EmailAddress, EvaluationStatus, ScheduledTime};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions, PgRow};
use sqlx::{Connection, Row};

use crate::record::{
    self, BookingRecord, PositionColumns, PositionDefinition, PositionRecord, StateColumns,
    StateRecord, UploadColumns,
};
use crate::sql;

/// How long a call waits for a connection (including opening one) before the store
/// reports itself unavailable.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a health check waits for a pooled connection, and then for a direct one
/// that says why the pool has none: readiness checks give up after 2 s, and a
/// refusal should be reported, with its cause, within that.
pub const PING_TIMEOUT: Duration = Duration::from_secs(1);
/// The most connections the pool opens.
pub const MAX_CONNECTIONS: u32 = 10;
/// The table that records which of this crate's migrations ran.
pub const MIGRATIONS_TABLE: &str = "_interview_storage_migrations";

fn migrator() -> Migrator {
    let mut migrator = sqlx::migrate!("./migrations/postgres");
    migrator.dangerous_set_table_name(MIGRATIONS_TABLE);
    migrator
}

/// The URL could not be parsed. Its text is not repeated, since it may hold a password.
#[derive(Debug, thiserror::Error)]
#[error("the PostgreSQL URL is not valid")]
pub struct InvalidUrl;

/// No connection to the PostgreSQL server could be opened: which server (host, port
/// and database; never the user or the password) and why.
#[derive(Debug, thiserror::Error)]
#[error("cannot connect to PostgreSQL at {server}")]
pub struct ConnectError {
    server: String,
    #[source]
    cause: ConnectCause,
}

impl ConnectError {
    /// The server that could not be reached: `host:port/database` or the socket path.
    pub fn server(&self) -> &str {
        &self.server
    }
}

/// Why a connection could not be opened.
#[derive(Debug, thiserror::Error)]
enum ConnectCause {
    #[error(transparent)]
    Sqlx(sqlx::Error),
    #[error("no answer within {0:?}")]
    TimedOut(Duration),
}

/// `host:port/database` (or the socket path) of `options`, without credentials.
fn server_of(options: &PgConnectOptions) -> String {
    let place = match options.get_socket() {
        Some(socket) => socket.display().to_string(),
        None => format!("{}:{}", options.get_host(), options.get_port()),
    };
    match options.get_database() {
        Some(database) => format!("{place}/{database}"),
        None => place,
    }
}

/// Opens one connection outside the pool within `timeout`, for its error: the pool
/// retries a refused or unknown host silently until its acquire timeout and then
/// reports only that it timed out.
async fn connect_once(options: &PgConnectOptions, timeout: Duration) -> Result<(), StoreError> {
    let server = || server_of(options);
    let cause = match tokio::time::timeout(timeout, PgConnection::connect_with(options)).await {
        Ok(Ok(connection)) => {
            let _ = connection.close().await;
            return Ok(());
        }
        Ok(Err(error)) => {
            let unavailable = sql::is_unavailable(&error, is_transient);
            let error = ConnectError {
                server: server(),
                cause: ConnectCause::Sqlx(error),
            };
            return Err(if unavailable {
                StoreError::Unavailable(Box::new(error))
            } else {
                // Wrong password, unknown database: retrying will not help.
                StoreError::Backend(Box::new(error))
            });
        }
        Err(_) => ConnectCause::TimedOut(timeout),
    };
    Err(StoreError::Unavailable(Box::new(ConnectError {
        server: server(),
        cause,
    })))
}

/// A [`BookingStore`] on PostgreSQL.
///
/// ```no_run
/// # async fn run() -> Result<(), interview_core::store::StoreError> {
/// use interview_storage::postgres::PostgresBookingStore;
/// let store = PostgresBookingStore::connect("postgres://app:password@db.internal/hr").await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct PostgresBookingStore {
    pool: PgPool,
}

impl PostgresBookingStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`) and applies
    /// the migrations. A server that refuses the connection or does not answer within
    /// [`ACQUIRE_TIMEOUT`] is [`StoreError::Unavailable`] with a [`ConnectError`]
    /// saying which server and why (a refusal is reported at once); a malformed URL is
    /// [`StoreError::Backend`] with [`InvalidUrl`] (never the URL itself).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|_| StoreError::Backend(Box::new(InvalidUrl)))?;
        Self::connect_with(options, pool_options()).await
    }

    /// Connects with explicit connection and pool options (for example a shorter
    /// `acquire_timeout`) and applies the migrations.
    pub async fn connect_with(
        options: PgConnectOptions,
        pool: PgPoolOptions,
    ) -> Result<Self, StoreError> {
        connect_once(&options, pool.get_acquire_timeout()).await?;
        let pool = pool.connect_with(options).await.map_err(store_error)?;
        Self::from_pool(pool).await
    }

    /// Wraps an existing pool, applying the migrations (ours, then the job queue's).
    pub async fn from_pool(pool: PgPool) -> Result<Self, StoreError> {
        migrator()
            .run(&pool)
            .await
            .map_err(|e| sql::migrate_error(e, is_transient))?;
        jobs::queue_migrator()
            .run(&pool)
            .await
            .map_err(|e| sql::migrate_error(e, is_transient))?;
        Ok(Self { pool })
    }

    /// The connection pool, for queries of the integrator's own.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Closes every connection; later calls fail with [`StoreError::Unavailable`].
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn pool_options() -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .acquire_timeout(ACQUIRE_TIMEOUT)
}

/// SQLSTATEs that mean "try again later": connection exceptions (class 08),
/// insufficient resources (class 53: too many connections, out of memory, disk full),
/// and the server shutting down or starting up (57P01, 57P02, 57P03).
fn is_transient(code: &str) -> bool {
    code.starts_with("08") || code.starts_with("53") || matches!(code, "57P01" | "57P02" | "57P03")
}

/// Inserts a new booking through `executor` (the pool, or a transaction that also
/// writes the booking's jobs).
async fn insert_booking<'e, E>(executor: E, booking: &Booking) -> Result<(), StoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Postgres>,
{
    sqlx::query(
        "INSERT INTO interview_bookings \
         (token, position_id, name, email, phone, scheduled_at, time_zone, resume_text, \
          resume_url, status, evaluation_status, evaluation_reason, created_at, reschedules) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(booking.token.as_str())
    .bind(booking.position_id.as_str())
    .bind(booking.name.as_str())
    .bind(booking.email.as_str())
    .bind(booking.phone.as_str())
    .bind(record::to_stored_precision(booking.scheduled_at))
    .bind(booking.time_zone.map(|zone| zone.name()))
    .bind(booking.resume_text.as_deref())
    .bind(booking.resume_url.as_deref())
    .bind(booking.status.as_str())
    .bind(booking.evaluation_status.as_str())
    .bind(booking.evaluation_status.reason())
    .bind(record::to_stored_precision(booking.created_at))
    .bind(i32::try_from(booking.reschedules).unwrap_or(i32::MAX))
    .execute(executor)
    .await
    .map_err(store_error)?;
    Ok(())
}

/// The state's compare-and-swap, on `connection` (the pool's, or a transaction
/// that writes jobs with it).
async fn replace_state(
    connection: &mut sqlx::PgConnection,
    token: &BookingToken,
    expected_version: u64,
    next: &InterviewState,
) -> Result<bool, StoreError> {
    let columns = StateColumns::of(next);
    let done = sqlx::query(
        "UPDATE interview_bookings SET status = $1, live_holder = $2, live_until = $3, \
         elapsed_ms = $4, state_version = state_version + 1 \
         WHERE token = $5 AND state_version = $6 AND erased_at IS NULL",
    )
    .bind(columns.status)
    .bind(columns.live_holder)
    .bind(columns.live_until)
    .bind(columns.elapsed_ms)
    .bind(token.as_str())
    .bind(record::stored_version(expected_version))
    .execute(connection)
    .await
    .map_err(store_error)?;
    Ok(done.rows_affected() == 1)
}

fn store_error(error: sqlx::Error) -> StoreError {
    sql::store_error(error, is_transient)
}

/// Like [`store_error`], but a foreign key violation means the booking is missing.
fn missing_booking_error(error: sqlx::Error) -> StoreError {
    if sql::is_foreign_key_violation(&error) {
        StoreError::NotFound
    } else {
        store_error(error)
    }
}

fn booking_from_row(row: &PgRow) -> Result<Booking, StoreError> {
    let text = |column: &str| row.try_get::<String, _>(column).map_err(store_error);
    let optional = |column: &str| {
        row.try_get::<Option<String>, _>(column)
            .map_err(store_error)
    };
    let time = |column: &str| row.try_get::<DateTime<Utc>, _>(column).map_err(store_error);
    BookingRecord {
        token: text("token")?,
        position_id: text("position_id")?,
        name: text("name")?,
        email: text("email")?,
        phone: text("phone")?,
        scheduled_at: time("scheduled_at")?,
        time_zone: optional("time_zone")?,
        resume_text: optional("resume_text")?,
        resume_url: optional("resume_url")?,
        status: text("status")?,
        evaluation_status: text("evaluation_status")?,
        evaluation_reason: optional("evaluation_reason")?,
        reschedules: row
            .try_get::<i32, _>("reschedules")
            .map(i64::from)
            .map_err(store_error)?,
        created_at: time("created_at")?,
    }
    .into_booking()
}

/// The columns of `interview_positions` a [`Position`] is read from (the
/// definition as JSON text).
const POSITION_COLUMNS: &str = "id, slug, archived, definition::text AS definition";

fn position_from_row(row: &PgRow) -> Result<Position, StoreError> {
    PositionRecord {
        id: row.try_get("id").map_err(store_error)?,
        slug: row.try_get("slug").map_err(store_error)?,
        archived: row.try_get("archived").map_err(store_error)?,
        definition: PositionDefinition::Text(row.try_get("definition").map_err(store_error)?),
    }
    .into_position()
}

/// The columns of `interview_uploads` an [`UploadRecord`] is read from.
const UPLOAD_COLUMNS: &str =
    "key, url, kind, resume_text, extraction_error, uploaded_at, claimed_by";

fn upload_from_row(row: &PgRow) -> Result<UploadRecord, StoreError> {
    let text = |column: &str| row.try_get::<String, _>(column).map_err(store_error);
    let optional = |column: &str| {
        row.try_get::<Option<String>, _>(column)
            .map_err(store_error)
    };
    UploadColumns {
        key: text("key")?,
        url: text("url")?,
        kind: text("kind")?,
        resume_text: optional("resume_text")?,
        extraction_error: optional("extraction_error")?,
        uploaded_at: row
            .try_get::<DateTime<Utc>, _>("uploaded_at")
            .map_err(store_error)?,
        claimed_by: optional("claimed_by")?,
    }
    .into_upload()
}

/// Writes a booking's evaluation status within `tx`; no booking is
/// [`StoreError::NotFound`].
async fn set_evaluation_status(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    token: &BookingToken,
    status: &EvaluationStatus,
) -> Result<(), StoreError> {
    let done = sqlx::query(
        "UPDATE interview_bookings SET evaluation_status = $1, evaluation_reason = $2 \
         WHERE token = $3 AND erased_at IS NULL",
    )
    .bind(status.as_str())
    .bind(status.reason())
    .bind(token.as_str())
    .execute(&mut **tx)
    .await
    .map_err(store_error)?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

#[async_trait]
impl PositionStore for PostgresBookingStore {
    async fn save_position(&self, position: &Position) -> Result<(), StoreError> {
        let columns = PositionColumns::of(position)?;
        // An upsert by id; another position's slug violates the slug's
        // uniqueness, which is a conflict, and the statement changes nothing.
        sqlx::query(
            "INSERT INTO interview_positions (id, slug, title, archived, definition, updated_at) \
             VALUES ($1, $2, $3, $4, $5::jsonb, now()) \
             ON CONFLICT (id) DO UPDATE SET slug = excluded.slug, title = excluded.title, \
             archived = excluded.archived, definition = excluded.definition, \
             updated_at = excluded.updated_at",
        )
        .bind(columns.id)
        .bind(columns.slug)
        .bind(columns.title)
        .bind(columns.archived)
        .bind(columns.definition_text())
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn position(&self, id: &PositionId) -> Result<Option<Position>, StoreError> {
        let sql = format!("SELECT {POSITION_COLUMNS} FROM interview_positions WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        row.as_ref().map(position_from_row).transpose()
    }

    async fn position_by_slug(&self, slug: &Slug) -> Result<Option<Position>, StoreError> {
        let sql = format!("SELECT {POSITION_COLUMNS} FROM interview_positions WHERE slug = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(slug.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        row.as_ref().map(position_from_row).transpose()
    }

    async fn positions(&self) -> Result<Vec<Position>, StoreError> {
        // Byte order ("C"), as every backend sorts, whatever the database's locale.
        let sql = format!(
            "SELECT {POSITION_COLUMNS} FROM interview_positions \
             ORDER BY title COLLATE \"C\", id COLLATE \"C\""
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter().map(position_from_row).collect()
    }
}

#[async_trait]
impl BookingStore for PostgresBookingStore {
    async fn create(&self, booking: &Booking) -> Result<(), StoreError> {
        insert_booking(&self.pool, booking).await
    }

    async fn get(&self, token: &BookingToken) -> Result<Option<Booking>, StoreError> {
        let row = sqlx::query(
            "SELECT token, position_id, name, email, phone, scheduled_at, time_zone, resume_text, \
             resume_url, status, evaluation_status, evaluation_reason, created_at, reschedules \
             FROM interview_bookings WHERE token = $1 AND erased_at IS NULL",
        )
        .bind(token.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        row.as_ref().map(booking_from_row).transpose()
    }

    async fn interview_state(
        &self,
        token: &BookingToken,
    ) -> Result<Option<InterviewState>, StoreError> {
        let row = sqlx::query(
            "SELECT status, live_holder, live_until, elapsed_ms, state_version \
             FROM interview_bookings WHERE token = $1 AND erased_at IS NULL",
        )
        .bind(token.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        let Some(row) = row else {
            return Ok(None);
        };
        StateRecord {
            status: row.try_get("status").map_err(store_error)?,
            live_holder: row.try_get("live_holder").map_err(store_error)?,
            live_until: row.try_get("live_until").map_err(store_error)?,
            elapsed_ms: row.try_get("elapsed_ms").map_err(store_error)?,
            state_version: row.try_get("state_version").map_err(store_error)?,
        }
        .into_state()
        .map(Some)
    }

    async fn replace_interview_state(
        &self,
        token: &BookingToken,
        expected_version: u64,
        next: &InterviewState,
    ) -> Result<bool, StoreError> {
        let mut connection = self.pool.acquire().await.map_err(store_error)?;
        replace_state(&mut connection, token, expected_version, next).await
    }

    async fn append_transcript(
        &self,
        token: &BookingToken,
        entries: &[TranscriptEntry],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        // Locking the booking's row queues concurrent appends to one transcript, so
        // they never read the same last line number.
        let exists = sqlx::query(
            "SELECT 1 FROM interview_bookings WHERE token = $1 AND erased_at IS NULL FOR UPDATE",
        )
        .bind(token.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(store_error)?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        let last: i32 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(seq), 0) FROM interview_transcript_entries WHERE token = $1",
        )
        .bind(token.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(store_error)?;
        for (seq, entry) in (last + 1..).zip(entries) {
            sqlx::query(
                "INSERT INTO interview_transcript_entries (token, seq, speaker, text, spoken_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token.as_str())
            .bind(seq)
            .bind(entry.speaker.as_str())
            .bind(entry.text.as_str())
            .bind(record::to_stored_precision(entry.at))
            .execute(&mut *tx)
            .await
            .map_err(missing_booking_error)?;
        }
        tx.commit().await.map_err(store_error)
    }

    async fn transcript(&self, token: &BookingToken) -> Result<Vec<TranscriptEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT speaker, text, spoken_at FROM interview_transcript_entries \
             WHERE token = $1 ORDER BY seq",
        )
        .bind(token.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                let speaker: String = row.try_get("speaker").map_err(store_error)?;
                let text: String = row.try_get("text").map_err(store_error)?;
                let at: DateTime<Utc> = row.try_get("spoken_at").map_err(store_error)?;
                record::transcript_entry(&speaker, text, at)
            })
            .collect()
    }

    async fn save_evaluation(
        &self,
        token: &BookingToken,
        evaluation: &Evaluation,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query(
            "INSERT INTO interview_evaluations (token, evaluation) VALUES ($1, $2::jsonb) \
             ON CONFLICT (token) DO UPDATE SET evaluation = excluded.evaluation",
        )
        .bind(token.as_str())
        .bind(record::evaluation_json(evaluation)?)
        .execute(&mut *tx)
        .await
        .map_err(missing_booking_error)?;
        set_evaluation_status(&mut tx, token, &EvaluationStatus::Ready).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn set_evaluation_status(
        &self,
        token: &BookingToken,
        status: &EvaluationStatus,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        set_evaluation_status(&mut tx, token, status).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn record_webhook_event(
        &self,
        id: &str,
        received_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query("DELETE FROM interview_webhook_events WHERE received_at < $1")
            .bind(received_at - WEBHOOK_EVENT_MEMORY)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        let inserted = sqlx::query(
            "INSERT INTO interview_webhook_events (id, received_at) VALUES ($1, $2) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(record::to_stored_precision(received_at))
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        Ok(inserted.rows_affected() == 1)
    }

    async fn count_bookings_for_email(
        &self,
        email: &EmailAddress,
        since: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM interview_bookings WHERE lower(email) = $1 AND created_at >= $2 \
             AND erased_at IS NULL",
        )
        .bind(email.as_str().to_ascii_lowercase())
        .bind(since)
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    async fn evaluation(&self, token: &BookingToken) -> Result<Option<Evaluation>, StoreError> {
        let json: Option<String> = sqlx::query_scalar(
            "SELECT evaluation::text FROM interview_evaluations WHERE token = $1",
        )
        .bind(token.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        json.as_deref().map(record::parse_evaluation).transpose()
    }

    async fn list_interviews(&self, query: &InterviewQuery) -> Result<InterviewPage, StoreError> {
        self.list(query).await
    }

    async fn tombstone(&self, token: &BookingToken) -> Result<Option<Tombstone>, StoreError> {
        self.find_tombstone(token).await
    }

    async fn erase(&self, token: &BookingToken, at: DateTime<Utc>) -> Result<Erasure, StoreError> {
        self.erase_booking(token, at).await
    }

    async fn reschedule(
        &self,
        token: &BookingToken,
        scheduled: &ScheduledTime,
    ) -> Result<Rescheduled, StoreError> {
        let mut connection = self.pool.acquire().await.map_err(store_error)?;
        recruiting::reschedule_booking(&mut connection, token, scheduled).await
    }

    async fn record_upload(&self, upload: &UploadRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO interview_uploads \
             (key, url, kind, resume_text, extraction_error, uploaded_at, claimed_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(upload.key.as_str())
        .bind(upload.url.as_str())
        .bind(uploads::kind_name(upload.kind))
        .bind(upload.resume_text.as_deref())
        .bind(upload.extraction_error.as_deref())
        .bind(record::to_stored_precision(upload.uploaded_at))
        .bind(upload.claimed_by.as_ref().map(BookingToken::as_str))
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn upload(&self, key: &str) -> Result<Option<UploadRecord>, StoreError> {
        let sql = format!("SELECT {UPLOAD_COLUMNS} FROM interview_uploads WHERE key = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        row.as_ref().map(upload_from_row).transpose()
    }

    async fn claim_upload(
        &self,
        key: &str,
        token: &BookingToken,
    ) -> Result<Option<UploadRecord>, StoreError> {
        // One conditional UPDATE: of racing claims, the first one through wins.
        let sql = format!(
            "UPDATE interview_uploads SET claimed_by = $1 \
             WHERE key = $2 AND claimed_by IS NULL AND retired = false \
             RETURNING {UPLOAD_COLUMNS}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(token.as_str())
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        row.as_ref().map(upload_from_row).transpose()
    }

    async fn release_upload(&self, key: &str, token: &BookingToken) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE interview_uploads SET claimed_by = NULL WHERE key = $1 AND claimed_by = $2",
        )
        .bind(key)
        .bind(token.as_str())
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(done.rows_affected() == 1)
    }

    async fn retire_unclaimed_uploads(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        // RETURNING gives rows in no set order: put them oldest first here.
        let mut retired: Vec<(String, DateTime<Utc>)> = sqlx::query_as(
            "UPDATE interview_uploads SET retired = true \
             WHERE claimed_by IS NULL AND key IN (\
                 SELECT key FROM interview_uploads \
                 WHERE claimed_by IS NULL AND uploaded_at < $1 \
                 ORDER BY uploaded_at, key LIMIT $2 FOR UPDATE SKIP LOCKED) \
             RETURNING key, uploaded_at",
        )
        .bind(before)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        retired.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
        Ok(retired.into_iter().map(|(key, _)| key).collect())
    }

    async fn forget_upload(&self, key: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "DELETE FROM interview_uploads \
             WHERE key = $1 AND retired = true AND claimed_by IS NULL",
        )
        .bind(key)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(done.rows_affected() == 1)
    }

    /// Answers within about twice [`PING_TIMEOUT`]. When the pool has no connection
    /// to give, one direct attempt says which server and why.
    async fn ping(&self) -> Result<(), StoreError> {
        let pooled = async {
            let mut connection = self.pool.acquire().await?;
            sqlx::query("SELECT 1").execute(&mut *connection).await
        };
        match tokio::time::timeout(PING_TIMEOUT, pooled).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(sqlx::Error::PoolTimedOut)) | Err(_) => {
                let options = self.pool.connect_options();
                connect_once(&options, PING_TIMEOUT).await?;
                // The server answers now; the pool was only busy.
                Err(StoreError::Unavailable(Box::new(sqlx::Error::PoolTimedOut)))
            }
            Ok(Err(error)) => Err(store_error(error)),
        }
    }
}
