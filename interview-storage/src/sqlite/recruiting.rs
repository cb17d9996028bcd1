//! The recruiter's side of [`SqliteBookingStore`]: API keys, the listing,
//! rescheduling and erasure.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use interview_core::access::{ApiKey, ApiKeyId};
use interview_core::store::{
    ApiKeyStore, Erasure, InterviewPage, InterviewQuery, Recording, RecordingStore, Rescheduled,
    StoreError, StoredInterview, Tombstone,
};
use interview_core::{BookingStatus, BookingToken, ScheduledTime};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};

use super::{SqliteBookingStore, booking_from_row, store_error, timestamp};
use crate::record::{self, ApiKeyColumns, TombstoneColumns};

/// The columns of `interview_api_keys` an [`ApiKey`] is read from.
const API_KEY_COLUMNS: &str = "id, name, scopes, secret_hash, created_at, last_used_at, revoked_at";

/// The columns a listing reads: a booking's without its resume text, and when
/// it was erased.
const LISTING_COLUMNS: &str = "token, position_id, name, email, phone, scheduled_at, time_zone, \
     NULL AS resume_text, resume_url, status, evaluation_status, evaluation_reason, created_at, reschedules, \
     erased_at";

/// The columns a [`Tombstone`] is read from.
const TOMBSTONE_COLUMNS: &str = "token, position_id, scheduled_at, created_at, erased_at";

pub(super) fn stored_time(at: DateTime<Utc>) -> String {
    record::format_timestamp(record::to_stored_precision(at))
}

pub(super) fn optional_timestamp(
    row: &SqliteRow,
    column: &str,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let text: Option<String> = row.try_get(column).map_err(store_error)?;
    text.map(|text| record::parse_timestamp(column, &text))
        .transpose()
}

fn api_key_from_row(row: &SqliteRow) -> Result<ApiKey, StoreError> {
    let text = |column: &str| row.try_get::<String, _>(column).map_err(store_error);
    ApiKeyColumns {
        id: text("id")?,
        name: text("name")?,
        scopes: text("scopes")?,
        secret_hash: text("secret_hash")?,
        created_at: timestamp(row, "created_at")?,
        last_used_at: optional_timestamp(row, "last_used_at")?,
        revoked_at: optional_timestamp(row, "revoked_at")?,
    }
    .into_api_key()
}

/// A tombstone from a row that has `erased_at`; `None` when it has none.
fn tombstone_from_row(row: &SqliteRow) -> Result<Option<Tombstone>, StoreError> {
    let Some(erased_at) = optional_timestamp(row, "erased_at")? else {
        return Ok(None);
    };
    let text = |column: &str| row.try_get::<String, _>(column).map_err(store_error);
    TombstoneColumns {
        token: text("token")?,
        position_id: text("position_id")?,
        scheduled_at: timestamp(row, "scheduled_at")?,
        created_at: timestamp(row, "created_at")?,
        erased_at,
    }
    .into_tombstone()
    .map(Some)
}

fn interview_from_row(row: &SqliteRow) -> Result<StoredInterview, StoreError> {
    match tombstone_from_row(row)? {
        Some(tombstone) => Ok(StoredInterview::Erased(tombstone)),
        None => booking_from_row(row).map(StoredInterview::Live),
    }
}

#[async_trait]
impl RecordingStore for SqliteBookingStore {
    async fn add_recording(
        &self,
        token: &BookingToken,
        recording: &Recording,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "INSERT INTO interview_recordings (token, id, location, started_at) \
             SELECT token, ?, ?, ? FROM interview_bookings WHERE token = ? AND erased_at IS NULL \
             ON CONFLICT (token, id) DO NOTHING",
        )
        .bind(&recording.id)
        .bind(&recording.location)
        .bind(stored_time(recording.started_at))
        .bind(token.as_str())
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        if done.rows_affected() == 0
            && self
                .recordings_of(token, Some(&recording.id))
                .await?
                .is_empty()
        {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn recordings(&self, token: &BookingToken) -> Result<Vec<Recording>, StoreError> {
        self.recordings_of(token, None).await
    }
}

impl SqliteBookingStore {
    /// The recordings of a live booking (only the one with `id`, when given).
    async fn recordings_of(
        &self,
        token: &BookingToken,
        id: Option<&str>,
    ) -> Result<Vec<Recording>, StoreError> {
        let rows = sqlx::query(
            "SELECT r.id, r.location, r.started_at FROM interview_recordings r \
             JOIN interview_bookings b ON b.token = r.token \
             WHERE r.token = ? AND b.erased_at IS NULL AND (? IS NULL OR r.id = ?) \
             ORDER BY r.started_at, r.id",
        )
        .bind(token.as_str())
        .bind(id)
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                Ok(Recording {
                    id: row.try_get("id").map_err(store_error)?,
                    location: row.try_get("location").map_err(store_error)?,
                    started_at: timestamp(row, "started_at")?,
                })
            })
            .collect()
    }
}

#[async_trait]
impl ApiKeyStore for SqliteBookingStore {
    async fn create_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO interview_api_keys \
             (id, name, scopes, secret_hash, created_at, last_used_at, revoked_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(key.id.as_str())
        .bind(key.name.as_str())
        .bind(key.scopes.to_list())
        .bind(key.secret_hash.to_hex())
        .bind(stored_time(key.created_at))
        .bind(key.last_used_at.map(stored_time))
        .bind(key.revoked_at.map(stored_time))
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn api_key(&self, id: &ApiKeyId) -> Result<Option<ApiKey>, StoreError> {
        let sql = format!("SELECT {API_KEY_COLUMNS} FROM interview_api_keys WHERE id = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        row.as_ref().map(api_key_from_row).transpose()
    }

    async fn api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        let sql = format!(
            "SELECT {API_KEY_COLUMNS} FROM interview_api_keys ORDER BY created_at, id COLLATE BINARY"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter().map(api_key_from_row).collect()
    }

    async fn revoke_api_key(&self, id: &ApiKeyId, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE interview_api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
        )
        .bind(stored_time(at))
        .bind(id.as_str())
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(done.rows_affected() == 1)
    }

    async fn touch_api_key(&self, id: &ApiKeyId, at: DateTime<Utc>) -> Result<(), StoreError> {
        // Fixed-width UTC text sorts in time order, so `<` compares times.
        let at = stored_time(at);
        sqlx::query(
            "UPDATE interview_api_keys SET last_used_at = ? \
             WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)",
        )
        .bind(&at)
        .bind(id.as_str())
        .bind(&at)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }
}

impl SqliteBookingStore {
    pub(super) async fn list(&self, query: &InterviewQuery) -> Result<InterviewPage, StoreError> {
        let mut sql = QueryBuilder::<Sqlite>::new(format!(
            "SELECT {LISTING_COLUMNS} FROM interview_bookings WHERE 1 = 1"
        ));
        let (status, erased) = record::status_columns(query.status);
        match erased {
            Some(true) => {
                sql.push(" AND erased_at IS NOT NULL");
            }
            Some(false) => {
                sql.push(" AND erased_at IS NULL");
            }
            None => {}
        }
        if let Some(status) = status {
            sql.push(" AND status = ").push_bind(status);
        }
        if let Some(position) = &query.position {
            sql.push(" AND position_id = ")
                .push_bind(position.as_str().to_owned());
        }
        if let Some(from) = query.scheduled_from {
            sql.push(" AND scheduled_at >= ")
                .push_bind(record::format_timestamp(record::listing_bound(from)));
        }
        if let Some(before) = query.scheduled_before {
            sql.push(" AND scheduled_at < ")
                .push_bind(record::format_timestamp(record::listing_bound(before)));
        }
        if let Some(text) = &query.text {
            // instr, not LIKE: `%` and `_` in the text are text. lower() folds
            // ASCII letters only, on both sides alike.
            sql.push(" AND erased_at IS NULL AND (instr(lower(name), lower(")
                .push_bind(text.clone())
                .push(")) > 0 OR instr(lower(email), lower(")
                .push_bind(text.clone())
                .push(")) > 0)");
        }
        if let Some(after) = &query.after {
            sql.push(" AND (scheduled_at, token) < (")
                .push_bind(record::format_timestamp(after.scheduled_at))
                .push(", ")
                .push_bind(after.token.as_str().to_owned())
                .push(")");
        }
        sql.push(" ORDER BY scheduled_at DESC, token DESC LIMIT ")
            .push_bind(record::fetch_limit(query));
        let rows = sql
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        let interviews = rows
            .iter()
            .map(interview_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(InterviewPage::from_fetched(
            interviews,
            record::page_limit(query),
        ))
    }

    pub(super) async fn find_tombstone(
        &self,
        token: &BookingToken,
    ) -> Result<Option<Tombstone>, StoreError> {
        let sql = format!(
            "SELECT {TOMBSTONE_COLUMNS} FROM interview_bookings \
             WHERE token = ? AND erased_at IS NOT NULL"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(token.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(row.as_ref().map(tombstone_from_row).transpose()?.flatten())
    }

    pub(super) async fn erase_booking(
        &self,
        token: &BookingToken,
        at: DateTime<Utc>,
    ) -> Result<Erasure, StoreError> {
        // IMMEDIATE takes the write lock first: nothing claims the interview or
        // appends to it between the check and the erasure.
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(store_error)?;
        // Zeroes the space the erased values leave in the file's pages, which
        // SQLite would otherwise keep until reused.
        sqlx::query("PRAGMA secure_delete = ON")
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        let sql =
            format!("SELECT status, {TOMBSTONE_COLUMNS} FROM interview_bookings WHERE token = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(token.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(store_error)?;
        let Some(row) = row else {
            return Ok(Erasure::NotFound);
        };
        if let Some(tombstone) = tombstone_from_row(&row)? {
            return Ok(Erasure::AlreadyErased(tombstone));
        }
        let status: String = row.try_get("status").map_err(store_error)?;
        if record::parse_status(&status)? == BookingStatus::InProgress {
            return Ok(Erasure::InProgress);
        }
        let erased_at = record::to_stored_precision(at);
        let done = sqlx::query(
            "UPDATE interview_bookings SET name = '', email = '', phone = '', time_zone = NULL, \
             resume_text = NULL, resume_url = NULL, evaluation_status = 'pending', \
             evaluation_reason = NULL, live_holder = NULL, live_until = NULL, erased_at = ? \
             WHERE token = ? AND erased_at IS NULL AND status <> 'in_progress'",
        )
        .bind(record::format_timestamp(erased_at))
        .bind(token.as_str())
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        if done.rows_affected() != 1 {
            // The write lock makes this unreachable; refuse rather than half-erase.
            return Err(StoreError::Backend(
                "the booking changed while it was being erased".into(),
            ));
        }
        for sql in [
            "DELETE FROM interview_transcript_entries WHERE token = ?",
            "DELETE FROM interview_evaluations WHERE token = ?",
            "DELETE FROM interview_recordings WHERE token = ?",
        ] {
            sqlx::query(sql)
                .bind(token.as_str())
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
        }
        let mut upload_keys: Vec<String> = sqlx::query_scalar(
            "UPDATE interview_uploads SET claimed_by = NULL, resume_text = NULL, retired = 1 \
             WHERE claimed_by = ? RETURNING key",
        )
        .bind(token.as_str())
        .fetch_all(&mut *tx)
        .await
        .map_err(store_error)?;
        upload_keys.sort();
        tx.commit().await.map_err(store_error)?;
        self.clear_write_ahead_log().await;
        let text = |column: &str| row.try_get::<String, _>(column).map_err(store_error);
        let tombstone = TombstoneColumns {
            token: text("token")?,
            position_id: text("position_id")?,
            scheduled_at: timestamp(&row, "scheduled_at")?,
            created_at: timestamp(&row, "created_at")?,
            erased_at,
        }
        .into_tombstone()?;
        Ok(Erasure::Erased {
            tombstone,
            upload_keys,
        })
    }

    /// Copies the write-ahead log into the file and empties it: the log still
    /// holds earlier versions of the erased pages. Best effort: while another
    /// connection reads, SQLite cannot truncate, and the old frames go as the
    /// log is reused; the erasure itself has committed either way.
    async fn clear_write_ahead_log(&self) {
        if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await
        {
            tracing::warn!(%error, "could not empty the write-ahead log after an erasure");
        }
    }
}

/// Moves a scheduled booking, on `connection` (the pool's, or a transaction that
/// writes jobs with it).
pub(super) async fn reschedule_booking(
    connection: &mut sqlx::SqliteConnection,
    token: &BookingToken,
    scheduled: &ScheduledTime,
) -> Result<Rescheduled, StoreError> {
    // The guard is the condition: a booking that left `scheduled` (or was
    // erased) in the meantime is not moved.
    let row = sqlx::query(
        "UPDATE interview_bookings SET scheduled_at = ?, time_zone = ?, reschedules = reschedules + 1 \
         WHERE token = ? AND status = 'scheduled' AND erased_at IS NULL \
         RETURNING token, position_id, name, email, phone, scheduled_at, time_zone, \
         resume_text, resume_url, status, evaluation_status, evaluation_reason, created_at, \
         reschedules",
    )
    .bind(stored_time(scheduled.at()))
    .bind(scheduled.zone().map(|zone| zone.name()))
    .bind(token.as_str())
    .fetch_optional(&mut *connection)
    .await
    .map_err(store_error)?;
    if let Some(row) = row {
        return booking_from_row(&row).map(|booking| Rescheduled::Moved(Box::new(booking)));
    }
    let status: Option<String> = sqlx::query_scalar(
        "SELECT status FROM interview_bookings WHERE token = ? AND erased_at IS NULL",
    )
    .bind(token.as_str())
    .fetch_optional(&mut *connection)
    .await
    .map_err(store_error)?;
    match status {
        None => Ok(Rescheduled::NotFound),
        Some(status) => record::parse_status(&status).map(Rescheduled::NotScheduled),
    }
}
