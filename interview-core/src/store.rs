//! Where bookings, transcripts and evaluations are kept.

use async_trait::async_trait;

use crate::error::BoxError;
use crate::interview::{Evaluation, TranscriptEntry};
use crate::{Booking, BookingStatus, BookingToken};

/// Failures of a [`BookingStore`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A booking with this token already exists; nothing was overwritten.
    #[error("a booking with this token already exists")]
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
#[async_trait]
pub trait BookingStore: Send + Sync {
    /// Saves a new booking. A booking with the same token is a
    /// [`StoreError::Conflict`] and is left untouched.
    async fn create(&self, booking: &Booking) -> Result<(), StoreError>;

    /// The booking with `token`, or `None`.
    async fn get(&self, token: &BookingToken) -> Result<Option<Booking>, StoreError>;

    /// Moves a booking to `status` ([`StoreError::NotFound`] if there is none).
    async fn set_status(
        &self,
        token: &BookingToken,
        status: BookingStatus,
    ) -> Result<(), StoreError>;

    /// Appends lines to a booking's interview transcript, after those already kept.
    async fn append_transcript(
        &self,
        token: &BookingToken,
        entries: &[TranscriptEntry],
    ) -> Result<(), StoreError>;

    /// A booking's transcript in the order it was appended (empty if none).
    async fn transcript(&self, token: &BookingToken) -> Result<Vec<TranscriptEntry>, StoreError>;

    /// Saves (or replaces) a booking's evaluation.
    async fn save_evaluation(
        &self,
        token: &BookingToken,
        evaluation: &Evaluation,
    ) -> Result<(), StoreError>;

    /// A booking's evaluation, if one was saved.
    async fn evaluation(&self, token: &BookingToken) -> Result<Option<Evaluation>, StoreError>;

    /// Checks that the store can serve requests (for health endpoints).
    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }
}
