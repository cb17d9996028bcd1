//! Where the recordings of interviews are noted: the location a LiveKit Egress
//! recording was written to, per booking.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::BookingToken;

/// A recording of (part of) an interview: a resumed interview has one per
/// session.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Recording {
    /// The recording service's id for it (LiveKit's egress id, `EG_…`).
    pub id: String,
    /// Where the file is written: `s3://bucket/key`, or the path on the recording
    /// service's own storage.
    pub location: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
}

/// The longest recording id or location stored, in bytes.
pub const MAX_RECORDING_FIELD_BYTES: usize = 1024;

/// Notes the recordings of each booking's interview. Every
/// [`BookingStore`](super::BookingStore) is one; erasing a booking forgets its
/// recordings (the files themselves are in the recording storage: see
/// `docs/livekit.md`).
#[async_trait]
pub trait RecordingStore: Send + Sync {
    /// Notes `recording` for the live booking `token`:
    /// [`StoreError::NotFound`] when there is none (or it was erased), a second
    /// note with the same id changes nothing.
    async fn add_recording(
        &self,
        token: &BookingToken,
        recording: &Recording,
    ) -> Result<(), StoreError>;

    /// The recordings of `token`'s interview, oldest first; none for an erased
    /// booking.
    async fn recordings(&self, token: &BookingToken) -> Result<Vec<Recording>, StoreError>;
}
