//! [`BookingStore`] in a SQLite file: the embedded default, no server to run.
//!
//! The file (and its folder) is created on first use and the migrations in
//! `migrations/sqlite` are applied by the constructor. Connections use WAL journaling
//! (readers never wait for the writer), `synchronous = NORMAL` (safe with WAL), foreign
//! keys, and a busy timeout so that concurrent writers queue instead of failing.

mod jobs;
mod recruiting;
mod webhooks;

use std::path::Path;
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
use sqlx::Row;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};

use crate::record::{
    self, BookingRecord, PositionColumns, PositionDefinition, PositionRecord, StateColumns,
    StateRecord, UploadColumns,
};
use crate::sql;

/// How long a connection waits for another writer before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a call waits for a free connection from the pool.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
/// The most connections the pool opens (WAL lets them read in parallel; writes queue).
pub const MAX_CONNECTIONS: u32 = 8;
/// The table that records which migrations ran (our own, so an integrator's
/// `_sqlx_migrations` in the same database is never mixed up with ours).
pub const MIGRATIONS_TABLE: &str = "_interview_storage_migrations";

fn migrator() -> Migrator {
    let mut migrator = sqlx::migrate!("./migrations/sqlite");
    migrator.dangerous_set_table_name(MIGRATIONS_TABLE);
    migrator
}

/// A [`BookingStore`] in a SQLite database file.
///
/// ```no_run
/// # async fn run() -> Result<(), interview_core::store::StoreError> {
/// use interview_storage::sqlite::SqliteBookingStore;
/// let store = SqliteBookingStore::connect("data/interviews.db").await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SqliteBookingStore {
    pool: SqlitePool,
}

impl SqliteBookingStore {
    /// Opens (creating if missing) the database at a file path or a `sqlite:` URL
    /// (`sqlite:data/interviews.db`, `sqlite://data/interviews.db?mode=rwc`,
    /// `sqlite::memory:`), creates the file's folder, and applies the migrations.
    pub async fn connect(path_or_url: &str) -> Result<Self, StoreError> {
        let options = if path_or_url.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(path_or_url)
                .map_err(|e| StoreError::Backend(Box::new(e)))?
        } else {
            SqliteConnectOptions::new().filename(path_or_url)
        };
        Self::connect_with(options.create_if_missing(true), pool_options()).await
    }

    /// Opens (creating if missing) the database file at `path`, creating its folder,
    /// and applies the migrations. For paths that are not UTF-8.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true);
        Self::connect_with(options, pool_options()).await
    }

    /// Connects with explicit options. WAL journaling, `synchronous = NORMAL`, foreign
    /// keys and [`BUSY_TIMEOUT`] are set on top of `options`; the file's folder is
    /// created when `options` may create the file; the migrations are applied.
    pub async fn connect_with(
        options: SqliteConnectOptions,
        pool: SqlitePoolOptions,
    ) -> Result<Self, StoreError> {
        let options = options
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        create_parent_folder(options.get_filename()).await?;
        let pool = pool.connect_with(options).await.map_err(store_error)?;
        Self::from_pool(pool).await
    }

    /// Wraps an existing pool, applying the migrations (ours, then the job queue's).
    pub async fn from_pool(pool: SqlitePool) -> Result<Self, StoreError> {
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
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Closes every connection; later calls fail with [`StoreError::Unavailable`].
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn pool_options() -> SqlitePoolOptions {
    SqlitePoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .acquire_timeout(ACQUIRE_TIMEOUT)
}

async fn create_parent_folder(file: &Path) -> Result<(), StoreError> {
    // `sqlite::memory:` and plain names have no folder to create.
    let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty()) else {
        return Ok(());
    };
    if file.as_os_str().to_string_lossy().starts_with(':') {
        return Ok(());
    }
    tokio::fs::create_dir_all(parent)
        .await
        .map_err(|e| StoreError::Unavailable(Box::new(e)))
}

/// SQLite result codes that mean "try again later": BUSY, LOCKED, IOERR, FULL,
/// CANTOPEN (primary codes; sqlx reports the extended code, whose low byte they are).
fn is_transient(code: &str) -> bool {
    code.parse::<i64>()
        .is_ok_and(|code| matches!(code & 0xff, 5 | 6 | 10 | 13 | 14))
}

/// Inserts a new booking through `executor` (the pool, or a transaction that also
/// writes the booking's jobs).
async fn insert_booking<'e, E>(executor: E, booking: &Booking) -> Result<(), StoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Sqlite>,
{
    sqlx::query(
        "INSERT INTO interview_bookings \
         (token, position_id, name, email, phone, scheduled_at, time_zone, resume_text, \
          resume_url, status, evaluation_status, evaluation_reason, created_at, reschedules) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(booking.token.as_str())
    .bind(booking.position_id.as_str())
    .bind(booking.name.as_str())
    .bind(booking.email.as_str())
    .bind(booking.phone.as_str())
    .bind(record::format_timestamp(record::to_stored_precision(
        booking.scheduled_at,
    )))
    .bind(booking.time_zone.map(|zone| zone.name()))
    .bind(booking.resume_text.as_deref())
    .bind(booking.resume_url.as_deref())
    .bind(booking.status.as_str())
    .bind(booking.evaluation_status.as_str())
    .bind(booking.evaluation_status.reason())
    .bind(record::format_timestamp(record::to_stored_precision(
        booking.created_at,
    )))
    .bind(i64::from(booking.reschedules))
    .execute(executor)
    .await
    .map_err(store_error)?;
    Ok(())
}

/// The state's compare-and-swap, on `connection` (the pool's, or a transaction
/// that writes jobs with it).
async fn replace_state(
    connection: &mut sqlx::SqliteConnection,
    token: &BookingToken,
    expected_version: u64,
    next: &InterviewState,
) -> Result<bool, StoreError> {
    let columns = StateColumns::of(next);
    let done = sqlx::query(
        "UPDATE interview_bookings SET status = ?, live_holder = ?, live_until = ?, \
         elapsed_ms = ?, state_version = state_version + 1 \
         WHERE token = ? AND state_version = ? AND erased_at IS NULL",
    )
    .bind(columns.status)
    .bind(columns.live_holder)
    .bind(columns.live_until.map(record::format_timestamp))
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

fn timestamp(row: &SqliteRow, column: &str) -> Result<chrono::DateTime<chrono::Utc>, StoreError> {
    let text: String = row.try_get(column).map_err(store_error)?;
    record::parse_timestamp(column, &text)
}

fn booking_from_row(row: &SqliteRow) -> Result<Booking, StoreError> {
    let text = |column: &str| row.try_get::<String, _>(column).map_err(store_error);
    let optional = |column: &str| {
        row.try_get::<Option<String>, _>(column)
            .map_err(store_error)
    };
    BookingRecord {
        token: text("token")?,
        position_id: text("position_id")?,
        name: text("name")?,
        email: text("email")?,
        phone: text("phone")?,
        scheduled_at: timestamp(row, "scheduled_at")?,
        time_zone: optional("time_zone")?,
        resume_text: optional("resume_text")?,
        resume_url: optional("resume_url")?,
        status: text("status")?,
        evaluation_status: text("evaluation_status")?,
        evaluation_reason: optional("evaluation_reason")?,
        reschedules: row.try_get::<i64, _>("reschedules").map_err(store_error)?,
        created_at: timestamp(row, "created_at")?,
    }
    .into_booking()
}

/// The columns of `interview_positions` a [`Position`] is read from.
const POSITION_COLUMNS: &str = "id, slug, archived, definition";

fn position_from_row(row: &SqliteRow) -> Result<Position, StoreError> {
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

fn upload_from_row(row: &SqliteRow) -> Result<UploadRecord, StoreError> {
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
        uploaded_at: timestamp(row, "uploaded_at")?,
        claimed_by: optional("claimed_by")?,
    }
    .into_upload()
}

/// Writes a booking's evaluation status within `tx`; no booking is
/// [`StoreError::NotFound`].
async fn set_evaluation_status(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    token: &BookingToken,
    status: &EvaluationStatus,
) -> Result<(), StoreError> {
    let done = sqlx::query(
        "UPDATE interview_bookings SET evaluation_status = ?, evaluation_reason = ? \
         WHERE token = ? AND erased_at IS NULL",
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
impl PositionStore for SqliteBookingStore {
    async fn save_position(&self, position: &Position) -> Result<(), StoreError> {
        let columns = PositionColumns::of(position)?;
        // An upsert by id; another position's slug violates the slug's
        // uniqueness, which is a conflict, and the statement changes nothing.
        sqlx::query(
            "INSERT INTO interview_positions (id, slug, title, archived, definition, updated_at) \
             VALUES (?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')) \
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
        let sql = format!("SELECT {POSITION_COLUMNS} FROM interview_positions WHERE id = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        row.as_ref().map(position_from_row).transpose()
    }

    async fn position_by_slug(&self, slug: &Slug) -> Result<Option<Position>, StoreError> {
        let sql = format!("SELECT {POSITION_COLUMNS} FROM interview_positions WHERE slug = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(slug.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        row.as_ref().map(position_from_row).transpose()
    }

    async fn positions(&self) -> Result<Vec<Position>, StoreError> {
        // BINARY (SQLite's default collation) is byte order, as every backend sorts.
        let sql = format!(
            "SELECT {POSITION_COLUMNS} FROM interview_positions \
             ORDER BY title COLLATE BINARY, id COLLATE BINARY"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter().map(position_from_row).collect()
    }
}

#[async_trait]
impl BookingStore for SqliteBookingStore {
    async fn create(&self, booking: &Booking) -> Result<(), StoreError> {
        insert_booking(&self.pool, booking).await
    }

    async fn get(&self, token: &BookingToken) -> Result<Option<Booking>, StoreError> {
        let row = sqlx::query(
            "SELECT token, position_id, name, email, phone, scheduled_at, time_zone, resume_text, \
             resume_url, status, evaluation_status, evaluation_reason, created_at, reschedules \
             FROM interview_bookings WHERE token = ? AND erased_at IS NULL",
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
             FROM interview_bookings WHERE token = ? AND erased_at IS NULL",
        )
        .bind(token.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let live_until: Option<String> = row.try_get("live_until").map_err(store_error)?;
        StateRecord {
            status: row.try_get("status").map_err(store_error)?,
            live_holder: row.try_get("live_holder").map_err(store_error)?,
            live_until: live_until
                .map(|text| record::parse_timestamp("live_until", &text))
                .transpose()?,
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
        // IMMEDIATE takes the write lock first, so two appends never read the same
        // last line number; the busy timeout queues the second.
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(store_error)?;
        let exists =
            sqlx::query("SELECT 1 FROM interview_bookings WHERE token = ? AND erased_at IS NULL")
                .bind(token.as_str())
                .fetch_optional(&mut *tx)
                .await
                .map_err(store_error)?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        let last: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(seq), 0) FROM interview_transcript_entries WHERE token = ?",
        )
        .bind(token.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(store_error)?;
        for (seq, entry) in (last + 1..).zip(entries) {
            sqlx::query(
                "INSERT INTO interview_transcript_entries (token, seq, speaker, text, spoken_at) \
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(token.as_str())
            .bind(seq)
            .bind(entry.speaker.as_str())
            .bind(entry.text.as_str())
            .bind(record::format_timestamp(record::to_stored_precision(
                entry.at,
            )))
            .execute(&mut *tx)
            .await
            .map_err(missing_booking_error)?;
        }
        tx.commit().await.map_err(store_error)
    }

    async fn transcript(&self, token: &BookingToken) -> Result<Vec<TranscriptEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT speaker, text, spoken_at FROM interview_transcript_entries \
             WHERE token = ? ORDER BY seq",
        )
        .bind(token.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                let speaker: String = row.try_get("speaker").map_err(store_error)?;
                let text: String = row.try_get("text").map_err(store_error)?;
                record::transcript_entry(&speaker, text, timestamp(row, "spoken_at")?)
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
            "INSERT INTO interview_evaluations (token, evaluation) VALUES (?, ?) \
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
        sqlx::query("DELETE FROM interview_webhook_events WHERE received_at < ?")
            .bind(record::format_timestamp(received_at - WEBHOOK_EVENT_MEMORY))
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        let inserted = sqlx::query(
            "INSERT INTO interview_webhook_events (id, received_at) VALUES (?, ?) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(record::format_timestamp(record::to_stored_precision(
            received_at,
        )))
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
        // `lower(email)` as the index has it; addresses are ASCII, so SQLite's
        // ASCII-only lower() is exact.
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM interview_bookings WHERE lower(email) = ? AND created_at >= ? \
             AND erased_at IS NULL",
        )
        .bind(email.as_str().to_ascii_lowercase())
        .bind(record::format_timestamp(since))
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    async fn evaluation(&self, token: &BookingToken) -> Result<Option<Evaluation>, StoreError> {
        let json: Option<String> =
            sqlx::query_scalar("SELECT evaluation FROM interview_evaluations WHERE token = ?")
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
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(upload.key.as_str())
        .bind(upload.url.as_str())
        .bind(uploads::kind_name(upload.kind))
        .bind(upload.resume_text.as_deref())
        .bind(upload.extraction_error.as_deref())
        .bind(record::format_timestamp(record::to_stored_precision(
            upload.uploaded_at,
        )))
        .bind(upload.claimed_by.as_ref().map(BookingToken::as_str))
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn upload(&self, key: &str) -> Result<Option<UploadRecord>, StoreError> {
        let sql = format!("SELECT {UPLOAD_COLUMNS} FROM interview_uploads WHERE key = ?");
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
            "UPDATE interview_uploads SET claimed_by = ? \
             WHERE key = ? AND claimed_by IS NULL AND retired = 0 \
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
            "UPDATE interview_uploads SET claimed_by = NULL WHERE key = ? AND claimed_by = ?",
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
        let mut retired: Vec<(String, String)> = sqlx::query_as(
            "UPDATE interview_uploads SET retired = 1 \
             WHERE claimed_by IS NULL AND key IN (\
                 SELECT key FROM interview_uploads \
                 WHERE claimed_by IS NULL AND uploaded_at < ? \
                 ORDER BY uploaded_at, key LIMIT ?) \
             RETURNING key, uploaded_at",
        )
        .bind(record::format_timestamp(before))
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
             WHERE key = ? AND retired = 1 AND claimed_by IS NULL",
        )
        .bind(key)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(done.rows_affected() == 1)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }
}
