//! [`BookingStore`] over PostgREST (`/rest/v1/{table}`).

mod api_keys;
mod positions;
mod recordings;
mod recruiting;
mod uploads;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use interview_core::interview::{Evaluation, TranscriptEntry};
use interview_core::store::{
    BookingStore, Erasure, InterviewPage, InterviewQuery, InterviewState, Rescheduled, StoreError,
    Tombstone, UploadRecord, WEBHOOK_EVENT_MEMORY,
};
use interview_core::{Booking, BookingToken, EmailAddress, EvaluationStatus, ScheduledTime};
use reqwest::{Method, RequestBuilder};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{SupabaseClient, SupabaseError, postgrest_error, send};
use crate::record::{self, BookingRecord, StateColumns, StateRecord};

const BOOKINGS: &str = "/rest/v1/interview_bookings";
const TRANSCRIPTS: &str = "/rest/v1/interview_transcript_entries";
const EVALUATIONS: &str = "/rest/v1/interview_evaluations";
const WEBHOOK_EVENTS: &str = "/rest/v1/interview_webhook_events";
/// Concurrent appends to one transcript race for the next line number; the loser of
/// a race (a `23505`) reads again and retries. Each round lets at least one writer in.
const APPEND_ATTEMPTS: usize = 10;

/// A [`BookingStore`] on a Supabase project, through PostgREST with the service-role
/// key (row level security stays on, with no policy for the anonymous role).
#[derive(Debug, Clone)]
pub struct SupabaseBookingStore {
    client: SupabaseClient,
}

/// A row of `interview_bookings` as PostgREST sends and receives it.
#[derive(Debug, Serialize, Deserialize)]
struct BookingRow {
    token: String,
    position_id: String,
    name: String,
    email: String,
    phone: String,
    scheduled_at: String,
    time_zone: Option<String>,
    resume_text: Option<String>,
    resume_url: Option<String>,
    status: String,
    evaluation_status: String,
    evaluation_reason: Option<String>,
    created_at: String,
    /// Rows stored before the column existed read as never moved.
    #[serde(default)]
    reschedules: i64,
}

impl BookingRow {
    fn from_booking(booking: &Booking) -> Self {
        let time = |at| record::format_timestamp(record::to_stored_precision(at));
        Self {
            token: booking.token.to_string(),
            position_id: booking.position_id.to_string(),
            name: booking.name.to_string(),
            email: booking.email.to_string(),
            phone: booking.phone.to_string(),
            scheduled_at: time(booking.scheduled_at),
            time_zone: booking.time_zone.map(|zone| zone.name().to_owned()),
            resume_text: booking.resume_text.clone(),
            resume_url: booking.resume_url.clone(),
            status: booking.status.as_str().to_owned(),
            evaluation_status: booking.evaluation_status.as_str().to_owned(),
            evaluation_reason: booking.evaluation_status.reason().map(str::to_owned),
            created_at: time(booking.created_at),
            reschedules: i64::from(booking.reschedules),
        }
    }

    fn into_booking(self) -> Result<Booking, StoreError> {
        BookingRecord {
            scheduled_at: record::parse_timestamp("scheduled_at", &self.scheduled_at)?,
            created_at: record::parse_timestamp("created_at", &self.created_at)?,
            token: self.token,
            position_id: self.position_id,
            name: self.name,
            email: self.email,
            phone: self.phone,
            time_zone: self.time_zone,
            resume_text: self.resume_text,
            resume_url: self.resume_url,
            status: self.status,
            evaluation_status: self.evaluation_status,
            evaluation_reason: self.evaluation_reason,
            reschedules: self.reschedules,
        }
        .into_booking()
    }
}

/// The state machine's columns of `interview_bookings`, as read and as swapped in.
#[derive(Debug, Serialize, Deserialize)]
struct StateRow {
    status: String,
    live_holder: Option<String>,
    live_until: Option<String>,
    elapsed_ms: i64,
    state_version: i64,
}

/// What a webhook event is stored as.
#[derive(Debug, Serialize, Deserialize)]
struct WebhookEventRow {
    id: String,
    received_at: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct TranscriptRow {
    token: String,
    seq: i64,
    speaker: String,
    text: String,
    spoken_at: String,
}

#[derive(Debug, Deserialize)]
struct SeqRow {
    seq: i64,
}

#[derive(Debug, Serialize, Deserialize)]
struct EvaluationRow {
    token: String,
    evaluation: serde_json::Value,
}

#[derive(Debug, Deserialize)]
struct TokenRow {
    #[allow(dead_code)]
    token: String,
}

fn store_error(error: SupabaseError) -> StoreError {
    if let SupabaseError::PostgRest { status, code, .. } = &error {
        match code.as_deref() {
            Some("23503") => return StoreError::NotFound,
            Some("23505") => return StoreError::Conflict,
            _ if *status == 409 => return StoreError::Conflict,
            _ => {}
        }
    }
    if error.is_transient() {
        StoreError::Unavailable(Box::new(error))
    } else {
        StoreError::Backend(Box::new(error))
    }
}

/// `eq.{token}`: PostgREST's equality filter.
fn eq(token: &BookingToken) -> String {
    format!("eq.{token}")
}

/// An `ilike` pattern matching `address` and, as far as PostgREST can say it, only
/// it, ignoring case: `%` and `_` are escaped. PostgREST reads every `*` as `%`
/// and cannot escape it, so a `*` (allowed in an address, and rare) becomes `_`,
/// any one character: such an address may be counted with its near twins, which
/// errs on the side of the limit.
fn ilike_exact(address: &str) -> String {
    let mut pattern = String::with_capacity(address.len() + 4);
    for c in address.chars() {
        match c {
            '%' | '_' | '\\' => {
                pattern.push('\\');
                pattern.push(c);
            }
            '*' => pattern.push('_'),
            c => pattern.push(c),
        }
    }
    pattern
}

impl SupabaseBookingStore {
    /// A store on the project `client` talks to.
    pub fn new(client: SupabaseClient) -> Self {
        Self { client }
    }

    /// The client this store uses.
    pub fn client(&self) -> &SupabaseClient {
        &self.client
    }

    fn read(&self, path: &str) -> RequestBuilder {
        self.client
            .request(Method::GET, path)
            .header("Accept-Profile", "public")
    }

    fn write(&self, method: Method, path: &str, prefer: &str) -> RequestBuilder {
        self.client
            .request(method, path)
            .header("Content-Profile", "public")
            .header("Prefer", prefer)
    }

    /// Sends and parses a JSON array of rows; an error body becomes a typed error, a
    /// success body of another shape is [`StoreError::Corrupt`] (without its content).
    async fn rows<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
    ) -> Result<Vec<T>, StoreError> {
        let (status, body) = send(request).await.map_err(store_error)?;
        if !status.is_success() {
            return Err(store_error(postgrest_error(status, &body)));
        }
        serde_json::from_slice(&body)
            .map_err(|_| StoreError::Corrupt("PostgREST sent rows of an unexpected shape".into()))
    }

    async fn exists(&self, token: &BookingToken) -> Result<bool, StoreError> {
        let rows: Vec<TokenRow> = self
            .rows(self.read(BOOKINGS).query(&[
                ("select", "token"),
                ("token", &eq(token)),
                ("erased_at", "is.null"),
            ]))
            .await?;
        Ok(!rows.is_empty())
    }

    async fn last_seq(&self, token: &BookingToken) -> Result<i64, StoreError> {
        let rows: Vec<SeqRow> = self
            .rows(self.read(TRANSCRIPTS).query(&[
                ("select", "seq"),
                ("token", &eq(token)),
                ("order", "seq.desc"),
                ("limit", "1"),
            ]))
            .await?;
        Ok(rows.first().map_or(0, |row| row.seq))
    }
}

#[async_trait]
impl BookingStore for SupabaseBookingStore {
    async fn create(&self, booking: &Booking) -> Result<(), StoreError> {
        let request = self
            .write(Method::POST, BOOKINGS, "return=representation")
            .json(&BookingRow::from_booking(booking));
        let created: Vec<TokenRow> = self.rows(request).await?;
        if created.len() != 1 {
            return Err(StoreError::Backend(Box::new(
                SupabaseError::UnexpectedResponse { status: 201 },
            )));
        }
        Ok(())
    }

    async fn get(&self, token: &BookingToken) -> Result<Option<Booking>, StoreError> {
        let rows: Vec<BookingRow> = self
            .rows(self.read(BOOKINGS).query(&[
                ("select", "*"),
                ("token", &eq(token)),
                ("erased_at", "is.null"),
            ]))
            .await?;
        rows.into_iter()
            .next()
            .map(BookingRow::into_booking)
            .transpose()
    }

    async fn interview_state(
        &self,
        token: &BookingToken,
    ) -> Result<Option<InterviewState>, StoreError> {
        let rows: Vec<StateRow> = self
            .rows(self.read(BOOKINGS).query(&[
                (
                    "select",
                    "status,live_holder,live_until,elapsed_ms,state_version",
                ),
                ("token", &eq(token)),
                ("erased_at", "is.null"),
            ]))
            .await?;
        let Some(row) = rows.into_iter().next() else {
            return Ok(None);
        };
        StateRecord {
            status: row.status,
            live_holder: row.live_holder,
            live_until: row
                .live_until
                .map(|text| record::parse_timestamp("live_until", &text))
                .transpose()?,
            elapsed_ms: row.elapsed_ms,
            state_version: row.state_version,
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
        let columns = StateColumns::of(next);
        let version = record::stored_version(expected_version);
        let row = StateRow {
            status: columns.status.to_owned(),
            live_holder: columns.live_holder.map(str::to_owned),
            live_until: columns.live_until.map(record::format_timestamp),
            elapsed_ms: columns.elapsed_ms,
            state_version: version.saturating_add(1),
        };
        // The version filter makes the PATCH a compare-and-swap: one statement,
        // applied only while the row still has the version that was read.
        let request = self
            .write(Method::PATCH, BOOKINGS, "return=representation")
            .query(&[
                ("token", eq(token).as_str()),
                ("state_version", &format!("eq.{version}")),
                ("erased_at", "is.null"),
                ("select", "token"),
            ])
            .json(&row);
        let updated: Vec<TokenRow> = self.rows(request).await?;
        Ok(updated.len() == 1)
    }

    async fn append_transcript(
        &self,
        token: &BookingToken,
        entries: &[TranscriptEntry],
    ) -> Result<(), StoreError> {
        if entries.is_empty() {
            return if self.exists(token).await? {
                Ok(())
            } else {
                Err(StoreError::NotFound)
            };
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = self.last_seq(token).await?;
            let rows: Vec<TranscriptRow> = (last + 1..)
                .zip(entries)
                .map(|(seq, entry)| TranscriptRow {
                    token: token.to_string(),
                    seq,
                    speaker: entry.speaker.as_str().to_owned(),
                    text: entry.text.clone(),
                    spoken_at: record::format_timestamp(record::to_stored_precision(entry.at)),
                })
                .collect();
            // One request is one statement: the lines go in together or not at all.
            let request = self
                .write(Method::POST, TRANSCRIPTS, "return=minimal")
                .json(&rows);
            let (status, body) = send(request).await.map_err(store_error)?;
            if status.is_success() {
                return Ok(());
            }
            match store_error(postgrest_error(status, &body)) {
                StoreError::Conflict if attempt < APPEND_ATTEMPTS => {
                    tracing::debug!(attempt, "transcript line numbers taken; retrying");
                }
                StoreError::Conflict => {
                    return Err(StoreError::Unavailable(
                        "too many concurrent transcript appends".into(),
                    ));
                }
                other => return Err(other),
            }
        }
    }

    async fn transcript(&self, token: &BookingToken) -> Result<Vec<TranscriptEntry>, StoreError> {
        let rows: Vec<TranscriptRow> = self
            .rows(self.read(TRANSCRIPTS).query(&[
                ("select", "*"),
                ("token", &eq(token)),
                ("order", "seq.asc"),
            ]))
            .await?;
        rows.into_iter()
            .map(|row| {
                let at = record::parse_timestamp("spoken_at", &row.spoken_at)?;
                record::transcript_entry(&row.speaker, row.text, at)
            })
            .collect()
    }

    async fn save_evaluation(
        &self,
        token: &BookingToken,
        evaluation: &Evaluation,
    ) -> Result<(), StoreError> {
        let row = EvaluationRow {
            token: token.to_string(),
            evaluation: serde_json::to_value(evaluation)
                .map_err(|e| StoreError::Backend(Box::new(e)))?,
        };
        let request = self
            .write(
                Method::POST,
                EVALUATIONS,
                "return=representation,resolution=merge-duplicates",
            )
            .query(&[("on_conflict", "token"), ("select", "token")])
            .json(&row);
        let _: Vec<TokenRow> = self.rows(request).await?;
        // PostgREST has no transaction across two tables: the status is marked
        // ready only once the evaluation is stored.
        self.set_evaluation_status(token, &EvaluationStatus::Ready)
            .await
    }

    async fn set_evaluation_status(
        &self,
        token: &BookingToken,
        status: &EvaluationStatus,
    ) -> Result<(), StoreError> {
        let request = self
            .write(Method::PATCH, BOOKINGS, "return=representation")
            .query(&[
                ("token", eq(token).as_str()),
                ("erased_at", "is.null"),
                ("select", "token"),
            ])
            .json(&serde_json::json!({
                "evaluation_status": status.as_str(),
                "evaluation_reason": status.reason(),
            }));
        let updated: Vec<TokenRow> = self.rows(request).await?;
        if updated.is_empty() {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn record_webhook_event(
        &self,
        id: &str,
        received_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let oldest = record::format_timestamp(received_at - WEBHOOK_EVENT_MEMORY);
        let prune = self
            .write(Method::DELETE, WEBHOOK_EVENTS, "return=minimal")
            .query(&[("received_at", format!("lt.{oldest}").as_str())]);
        let (status, body) = send(prune).await.map_err(store_error)?;
        if !status.is_success() {
            return Err(store_error(postgrest_error(status, &body)));
        }
        let row = WebhookEventRow {
            id: id.to_owned(),
            received_at: record::format_timestamp(record::to_stored_precision(received_at)),
        };
        // Only a row actually inserted comes back: a repeated id is ignored.
        let request = self
            .write(
                Method::POST,
                WEBHOOK_EVENTS,
                "return=representation,resolution=ignore-duplicates",
            )
            .query(&[("on_conflict", "id"), ("select", "id")])
            .json(&[row]);
        let inserted: Vec<serde_json::Value> = self.rows(request).await?;
        Ok(inserted.len() == 1)
    }

    async fn count_bookings_for_email(
        &self,
        email: &EmailAddress,
        since: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let request = self
            .client
            .request(Method::HEAD, BOOKINGS)
            .header("Accept-Profile", "public")
            .header("Prefer", "count=exact")
            .query(&[
                ("select", "token".to_owned()),
                ("email", format!("ilike.{}", ilike_exact(email.as_str()))),
                (
                    "created_at",
                    format!("gte.{}", record::format_timestamp(since)),
                ),
                ("erased_at", "is.null".to_owned()),
            ]);
        let response = request
            .send()
            .await
            .map_err(|e| store_error(SupabaseError::Http(e)))?;
        let status = response.status();
        if !status.is_success() {
            // A HEAD answer has no body to read the error from.
            return Err(store_error(postgrest_error(status, &[])));
        }
        response
            .headers()
            .get(reqwest::header::CONTENT_RANGE)
            .and_then(|range| range.to_str().ok())
            .and_then(|range| range.rsplit_once('/'))
            .and_then(|(_, total)| total.parse().ok())
            .ok_or_else(|| StoreError::Corrupt("PostgREST sent no exact count".into()))
    }

    async fn evaluation(&self, token: &BookingToken) -> Result<Option<Evaluation>, StoreError> {
        let rows: Vec<EvaluationRow> = self
            .rows(
                self.read(EVALUATIONS)
                    .query(&[("select", "*"), ("token", &eq(token))]),
            )
            .await?;
        rows.into_iter()
            .next()
            .map(|row| {
                serde_json::from_value(row.evaluation)
                    .map_err(|_| record::corrupt("evaluation", "not an evaluation document"))
            })
            .transpose()
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
        self.reschedule_booking(token, scheduled).await
    }

    async fn record_upload(&self, upload: &UploadRecord) -> Result<(), StoreError> {
        self.insert_upload(upload).await
    }

    async fn upload(&self, key: &str) -> Result<Option<UploadRecord>, StoreError> {
        self.find_upload(key).await
    }

    async fn claim_upload(
        &self,
        key: &str,
        token: &BookingToken,
    ) -> Result<Option<UploadRecord>, StoreError> {
        self.claim_upload_row(key, token).await
    }

    async fn release_upload(&self, key: &str, token: &BookingToken) -> Result<bool, StoreError> {
        self.release_upload_row(key, token).await
    }

    async fn retire_unclaimed_uploads(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        self.retire_uploads(before, limit).await
    }

    async fn forget_upload(&self, key: &str) -> Result<bool, StoreError> {
        self.delete_upload_row(key).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let _: Vec<TokenRow> = self
            .rows(
                self.read(BOOKINGS)
                    .query(&[("select", "token"), ("limit", "1")]),
            )
            .await?;
        Ok(())
    }
}
