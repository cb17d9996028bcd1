//! The recruiter's side of [`SupabaseBookingStore`]: the listing, tombstones,
//! rescheduling and erasure.
//!
//! PostgREST cannot run several statements in one transaction, nor search text
//! without `LIKE`'s wildcards, so the listing and the erasure are SQL functions
//! called as RPCs (`docs/supabase.sql` defines them): the listing searches with
//! `strpos` as the PostgreSQL store does, and the erasure clears the booking,
//! its transcript, its evaluation and its uploads in one transaction, under the
//! booking's row lock. Rescheduling is one PATCH guarded by its filters.

use chrono::{DateTime, Utc};
use interview_core::store::{
    Erasure, InterviewPage, InterviewQuery, Rescheduled, StoreError, StoredInterview, Tombstone,
};
use interview_core::{BookingStatus, BookingToken, ScheduledTime};
use reqwest::{Method, RequestBuilder};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{BOOKINGS, BookingRow, SupabaseBookingStore, eq, store_error};
use crate::record::{self, BookingRecord, TombstoneColumns};
use crate::supabase::{postgrest_error, send};

const LIST_INTERVIEWS: &str = "/rest/v1/rpc/interview_list_interviews";
const ERASE: &str = "/rest/v1/rpc/interview_erase";
const TOMBSTONE_COLUMNS: &str = "token,position_id,scheduled_at,created_at,erased_at";

/// The arguments of `interview_list_interviews`, every one named (null when
/// the query leaves it open).
#[derive(Debug, Serialize)]
struct ListArgs<'a> {
    p_status: Option<&'a str>,
    p_erased: Option<bool>,
    p_position: Option<&'a str>,
    p_from: Option<String>,
    p_before: Option<String>,
    p_text: Option<&'a str>,
    p_after_at: Option<String>,
    p_after_token: Option<&'a str>,
    p_limit: i64,
}

impl<'a> ListArgs<'a> {
    fn of(query: &'a InterviewQuery) -> Self {
        let (status, erased) = record::status_columns(query.status);
        Self {
            p_status: status,
            p_erased: erased,
            p_position: query.position.as_ref().map(|id| id.as_str()),
            p_from: query
                .scheduled_from
                .map(|at| record::format_timestamp(record::listing_bound(at))),
            p_before: query
                .scheduled_before
                .map(|at| record::format_timestamp(record::listing_bound(at))),
            p_text: query.text.as_deref(),
            p_after_at: query
                .after
                .as_ref()
                .map(|cursor| record::format_timestamp(cursor.scheduled_at)),
            p_after_token: query.after.as_ref().map(|cursor| cursor.token.as_str()),
            p_limit: record::fetch_limit(query),
        }
    }
}

/// How many times a move is tried against concurrent moves of one booking.
const RESCHEDULE_ATTEMPTS: usize = 5;

/// What a move checks before it writes.
#[derive(Debug, Deserialize)]
struct MoveGuardRow {
    status: String,
    reschedules: i64,
}

/// A row of the listing: a booking without its resume text, and when it was
/// erased.
#[derive(Debug, Deserialize)]
struct ListingRow {
    token: String,
    position_id: String,
    name: String,
    email: String,
    phone: String,
    scheduled_at: String,
    time_zone: Option<String>,
    resume_url: Option<String>,
    status: String,
    evaluation_status: String,
    evaluation_reason: Option<String>,
    created_at: String,
    reschedules: i64,
    erased_at: Option<String>,
}

impl ListingRow {
    fn into_interview(self) -> Result<StoredInterview, StoreError> {
        let scheduled_at = record::parse_timestamp("scheduled_at", &self.scheduled_at)?;
        let created_at = record::parse_timestamp("created_at", &self.created_at)?;
        if let Some(erased_at) = self.erased_at {
            return TombstoneColumns {
                token: self.token,
                position_id: self.position_id,
                scheduled_at,
                created_at,
                erased_at: record::parse_timestamp("erased_at", &erased_at)?,
            }
            .into_tombstone()
            .map(StoredInterview::Erased);
        }
        BookingRecord {
            token: self.token,
            position_id: self.position_id,
            name: self.name,
            email: self.email,
            phone: self.phone,
            scheduled_at,
            time_zone: self.time_zone,
            resume_text: None,
            resume_url: self.resume_url,
            status: self.status,
            evaluation_status: self.evaluation_status,
            evaluation_reason: self.evaluation_reason,
            reschedules: self.reschedules,
            created_at,
        }
        .into_booking()
        .map(StoredInterview::Live)
    }
}

/// What is left of an erased booking, as PostgREST and `interview_erase` send it.
#[derive(Debug, Deserialize)]
struct TombstoneRow {
    token: String,
    position_id: String,
    scheduled_at: String,
    created_at: String,
    erased_at: String,
}

impl TombstoneRow {
    fn into_tombstone(self) -> Result<Tombstone, StoreError> {
        TombstoneColumns {
            scheduled_at: record::parse_timestamp("scheduled_at", &self.scheduled_at)?,
            created_at: record::parse_timestamp("created_at", &self.created_at)?,
            erased_at: record::parse_timestamp("erased_at", &self.erased_at)?,
            token: self.token,
            position_id: self.position_id,
        }
        .into_tombstone()
    }
}

/// The answer of `interview_erase`.
#[derive(Debug, Deserialize)]
struct ErasureAnswer {
    /// `erased`, `already_erased`, `in_progress` or `not_found`.
    outcome: String,
    tombstone: Option<TombstoneRow>,
    #[serde(default)]
    upload_keys: Vec<String>,
}

impl SupabaseBookingStore {
    /// A call of the SQL function at `path` with named arguments.
    fn rpc(&self, path: &str) -> RequestBuilder {
        self.client
            .request(Method::POST, path)
            .header("Content-Profile", "public")
    }

    /// Sends and parses one JSON value (a function's scalar result).
    async fn value<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T, StoreError> {
        let (status, body) = send(request).await.map_err(store_error)?;
        if !status.is_success() {
            return Err(store_error(postgrest_error(status, &body)));
        }
        serde_json::from_slice(&body).map_err(|_| {
            StoreError::Corrupt("PostgREST sent a result of an unexpected shape".into())
        })
    }

    pub(super) async fn list(&self, query: &InterviewQuery) -> Result<InterviewPage, StoreError> {
        let rows: Vec<ListingRow> = self
            .rows(self.rpc(LIST_INTERVIEWS).json(&ListArgs::of(query)))
            .await?;
        let interviews = rows
            .into_iter()
            .map(ListingRow::into_interview)
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
        let rows: Vec<TombstoneRow> = self
            .rows(self.read(BOOKINGS).query(&[
                ("select", TOMBSTONE_COLUMNS),
                ("token", &eq(token)),
                ("erased_at", "not.is.null"),
            ]))
            .await?;
        rows.into_iter()
            .next()
            .map(TombstoneRow::into_tombstone)
            .transpose()
    }

    pub(super) async fn erase_booking(
        &self,
        token: &BookingToken,
        at: DateTime<Utc>,
    ) -> Result<Erasure, StoreError> {
        let request = self.rpc(ERASE).json(&serde_json::json!({
            "p_token": token.as_str(),
            "p_at": record::format_timestamp(record::to_stored_precision(at)),
        }));
        let answer: ErasureAnswer = self.value(request).await?;
        let tombstone = || {
            answer
                .tombstone
                .ok_or_else(|| StoreError::Corrupt("interview_erase sent no tombstone".into()))?
                .into_tombstone()
        };
        match answer.outcome.as_str() {
            "erased" => {
                let mut upload_keys = answer.upload_keys.clone();
                upload_keys.sort();
                Ok(Erasure::Erased {
                    tombstone: tombstone()?,
                    upload_keys,
                })
            }
            "already_erased" => Ok(Erasure::AlreadyErased(tombstone()?)),
            "in_progress" => Ok(Erasure::InProgress),
            "not_found" => Ok(Erasure::NotFound),
            _ => Err(StoreError::Corrupt(
                "interview_erase sent an unknown outcome".into(),
            )),
        }
    }

    pub(super) async fn reschedule_booking(
        &self,
        token: &BookingToken,
        scheduled: &ScheduledTime,
    ) -> Result<Rescheduled, StoreError> {
        // PostgREST cannot add one to a column, so the count read is the guard:
        // the PATCH moves the booking only while it is scheduled, not erased, and
        // not moved by anyone else since it was read. A lost race reads again.
        for _ in 0..RESCHEDULE_ATTEMPTS {
            let rows: Vec<MoveGuardRow> = self
                .rows(self.read(BOOKINGS).query(&[
                    ("select", "status,reschedules"),
                    ("token", &eq(token)),
                    ("erased_at", "is.null"),
                ]))
                .await?;
            let Some(current) = rows.into_iter().next() else {
                return Ok(Rescheduled::NotFound);
            };
            let status = record::parse_status(&current.status)?;
            if status != BookingStatus::Scheduled {
                return Ok(Rescheduled::NotScheduled(status));
            }
            let count = current.reschedules.to_string();
            let request = self
                .write(Method::PATCH, BOOKINGS, "return=representation")
                .query(&[
                    ("token", eq(token).as_str()),
                    ("status", "eq.scheduled"),
                    ("erased_at", "is.null"),
                    ("reschedules", &format!("eq.{count}")),
                    ("select", "*"),
                ])
                .json(&serde_json::json!({
                    "scheduled_at": record::format_timestamp(record::to_stored_precision(scheduled.at())),
                    "time_zone": scheduled.zone().map(|zone| zone.name()),
                    "reschedules": current.reschedules.saturating_add(1),
                }));
            let moved: Vec<BookingRow> = self.rows(request).await?;
            if let Some(row) = moved.into_iter().next() {
                return row
                    .into_booking()
                    .map(|booking| Rescheduled::Moved(Box::new(booking)));
            }
        }
        Err(StoreError::Backend(
            "the booking kept changing while it was being moved".into(),
        ))
    }
}
