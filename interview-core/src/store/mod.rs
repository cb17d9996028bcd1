//! Where bookings, transcripts and evaluations are kept, and how a booking moves
//! through its states ([`lifecycle`]).

mod api_keys;
pub mod lifecycle;
pub mod listing;
mod positions;
pub mod recordings;
pub mod uploads;
mod webhooks;

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};

pub use api_keys::ApiKeyStore;
pub use lifecycle::{Claim, InterviewState, Lease, Transition};
pub use listing::{
    Cursor, Erasure, InterviewPage, InterviewQuery, Rescheduled, StatusFilter, StoredInterview,
    Tombstone,
};
pub use positions::PositionStore;
pub use recordings::{Recording, RecordingStore};
pub use uploads::UploadRecord;
pub use webhooks::WebhookStore;

use crate::error::BoxError;
use crate::interview::{Evaluation, TranscriptEntry};
use crate::{Booking, BookingStatus, BookingToken, EmailAddress, EvaluationStatus, ScheduledTime};

/// How long a webhook event id is remembered: a sender retries within minutes,
/// and a signed delivery expires long before a week is out.
pub const WEBHOOK_EVENT_MEMORY: TimeDelta = TimeDelta::days(7);

/// Failures of a [`BookingStore`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The key is taken: a booking with this token, an upload with this key, or
    /// another position with this slug already exists; nothing was overwritten.
    #[error("the key is already taken (a booking's token, an upload's key or a position's slug)")]
    Conflict,
    /// No booking has this token.
    #[error("no booking has this token")]
    NotFound,
    /// The store cannot be reached (database down, network error, pool exhausted).
    /// Worth retrying later; the web layer answers 503.
    #[error("the booking store is unavailable")]
    Unavailable(#[source] BoxError),
    /// A stored value does not parse into the domain type it must be.
    #[error("stored booking data is invalid: {0}")]
    Corrupt(String),
    /// Any other failure of the backend.
    #[error("the booking store failed")]
    Backend(#[source] BoxError),
}

/// Stores bookings and what happens in their interviews.
///
/// Implementations: SQLite, PostgreSQL and Supabase in `interview-storage`, and
/// `InMemoryBookingStore` behind the `test-utils` feature. Every implementation
/// passes the same conformance suite.
///
/// An erased booking ([`BookingStore::erase`]) is gone for every method but the
/// listing and [`BookingStore::tombstone`]: `get` and `interview_state` find
/// nothing, moves and transcript lines are refused as [`StoreError::NotFound`].
#[async_trait]
pub trait BookingStore: PositionStore + ApiKeyStore + RecordingStore + Send + Sync {
    /// Saves a new booking. A booking with the same token is a
    /// [`StoreError::Conflict`] and is left untouched.
    async fn create(&self, booking: &Booking) -> Result<(), StoreError>;

    /// The booking with `token`, or `None`.
    async fn get(&self, token: &BookingToken) -> Result<Option<Booking>, StoreError>;

    /// The booking's [`InterviewState`], or `None` if there is no booking.
    async fn interview_state(
        &self,
        token: &BookingToken,
    ) -> Result<Option<InterviewState>, StoreError>;

    /// Replaces the booking's interview state with `next` (status, lease, elapsed
    /// time; its `version` is ignored) and increments the version, but only if the
    /// stored version is still `expected_version`: a compare-and-swap, atomic
    /// against every other caller. `false` when the version had moved on (or there
    /// is no booking). Callers use the moves below, which keep to the state machine.
    async fn replace_interview_state(
        &self,
        token: &BookingToken,
        expected_version: u64,
        next: &InterviewState,
    ) -> Result<bool, StoreError>;

    /// Appends lines to a booking's interview transcript, after those already kept.
    async fn append_transcript(
        &self,
        token: &BookingToken,
        entries: &[TranscriptEntry],
    ) -> Result<(), StoreError>;

    /// A booking's transcript in the order it was appended (empty if none).
    async fn transcript(&self, token: &BookingToken) -> Result<Vec<TranscriptEntry>, StoreError>;

    /// Saves (or replaces) a booking's evaluation and marks its evaluation
    /// [`EvaluationStatus::Ready`], together.
    async fn save_evaluation(
        &self,
        token: &BookingToken,
        evaluation: &Evaluation,
    ) -> Result<(), StoreError>;

    /// Records where the booking's evaluation stands (pending, failed, not
    /// available); [`BookingStore::save_evaluation`] records `Ready` itself.
    async fn set_evaluation_status(
        &self,
        token: &BookingToken,
        status: &EvaluationStatus,
    ) -> Result<(), StoreError>;

    /// Records a webhook delivery by the sender's event id: `true` the first time
    /// an id is seen, `false` for a repeat (a retry or a replay), which must not be
    /// acted on again. Ids older than [`WEBHOOK_EVENT_MEMORY`] may be forgotten.
    async fn record_webhook_event(
        &self,
        id: &str,
        received_at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// How many bookings for `email` were created at or after `since`, comparing
    /// addresses without regard to case: what the limit on invitations per address
    /// counts, so it holds across restarts and across instances.
    async fn count_bookings_for_email(
        &self,
        email: &EmailAddress,
        since: DateTime<Utc>,
    ) -> Result<u64, StoreError>;

    /// A booking's evaluation, if one was saved.
    async fn evaluation(&self, token: &BookingToken) -> Result<Option<Evaluation>, StoreError>;

    // --- The recruiter's view (see [`listing`]).

    /// One page of interviews matching `query`, erased ones as tombstones, in
    /// the listing's order (latest scheduled first). Bookings come without their
    /// `resume_text`. A `limit` above [`listing::MAX_PAGE_SIZE`] is lowered to it.
    async fn list_interviews(&self, query: &InterviewQuery) -> Result<InterviewPage, StoreError>;

    /// What is left of the erased interview with `token`, or `None` (never
    /// booked, or not erased).
    async fn tombstone(&self, token: &BookingToken) -> Result<Option<Tombstone>, StoreError>;

    /// Erases an interview's personal data at `at`, atomically: the candidate's
    /// name, e-mail address, phone number and time zone, the resume's URL and
    /// text, the transcript and the evaluation. The uploads it claimed are
    /// released, retired and their text removed. The token, position, scheduled
    /// time and booking time stay, as a [`Tombstone`]. Refused while a live
    /// session holds the interview.
    async fn erase(&self, token: &BookingToken, at: DateTime<Utc>) -> Result<Erasure, StoreError>;

    /// Moves a scheduled interview to `scheduled` (time and zone); the token,
    /// and so the candidate's link, stays. Only a booking in
    /// [`BookingStatus::Scheduled`] moves.
    async fn reschedule(
        &self,
        token: &BookingToken,
        scheduled: &ScheduledTime,
    ) -> Result<Rescheduled, StoreError>;

    // --- Uploads (see [`uploads`]): resumes this server stored, and their bookings.

    /// Records a resume file the server stored. A record with the same key is a
    /// [`StoreError::Conflict`] and is left untouched.
    async fn record_upload(&self, upload: &UploadRecord) -> Result<(), StoreError>;

    /// The upload recorded under `key`, or `None` (never recorded, or forgotten).
    async fn upload(&self, key: &str) -> Result<Option<UploadRecord>, StoreError>;

    /// Claims the upload under `key` for the booking `token`, atomically against
    /// every other caller: `Some` with the claimed record when it was unclaimed and
    /// not retired, `None` when there is no such upload, another booking claimed it
    /// first, or the sweeper retired it.
    async fn claim_upload(
        &self,
        key: &str,
        token: &BookingToken,
    ) -> Result<Option<UploadRecord>, StoreError>;

    /// Undoes [`BookingStore::claim_upload`] when the booking could not be stored:
    /// the upload is unclaimed again if `token` holds it (`true`), else untouched.
    async fn release_upload(&self, key: &str, token: &BookingToken) -> Result<bool, StoreError>;

    /// Retires up to `limit` uploads that no booking claimed and that were stored
    /// before `before`, oldest first, and returns their keys: from now on they
    /// cannot be claimed, and their files may be deleted. Uploads retired earlier
    /// and not forgotten yet (their file could not be deleted) come back again.
    async fn retire_unclaimed_uploads(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError>;

    /// Forgets a retired upload whose file is gone: `true` when its record was
    /// deleted. A claimed or unretired upload is never forgotten (`false`).
    async fn forget_upload(&self, key: &str) -> Result<bool, StoreError>;

    /// Checks that the store can serve requests (for health endpoints).
    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Moves the booking to `to` if the state machine allows it from where it is
    /// ([`BookingStatus::can_move_to`]), dropping any lease. For moves made outside
    /// a live session: a webhook, a recruiter cancelling.
    async fn transition(
        &self,
        token: &BookingToken,
        to: BookingStatus,
    ) -> Result<Transition, StoreError> {
        lifecycle::transition(self, token, to).await
    }

    /// Starts or resumes the interview for one live session: moves it to in
    /// progress under `lease` if it is scheduled or interrupted, or in progress with
    /// no live lease (its session died), or already held by `lease.holder`.
    async fn claim(
        &self,
        token: &BookingToken,
        lease: &Lease,
        now: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        lifecycle::claim(self, token, lease, now).await
    }

    /// Extends the lease a live session holds and records the interview's time so
    /// far; `false` when the session no longer holds the interview.
    async fn renew(
        &self,
        token: &BookingToken,
        lease: &Lease,
        elapsed: Duration,
    ) -> Result<bool, StoreError> {
        lifecycle::renew(self, token, lease, elapsed).await
    }

    /// Ends a live session's hold, moving the interview to `to` (interrupted or
    /// completed) with its time so far; refused unless `holder` holds it.
    async fn release(
        &self,
        token: &BookingToken,
        holder: &str,
        to: BookingStatus,
        elapsed: Duration,
    ) -> Result<Transition, StoreError> {
        lifecycle::release(self, token, holder, to, elapsed).await
    }
}
