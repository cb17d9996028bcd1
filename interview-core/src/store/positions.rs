//! Where positions are kept.

use async_trait::async_trait;

use super::StoreError;
use crate::position::{Position, PositionId, Slug};

/// Stores [`Position`]s: defined at start-up from `POSITIONS_FILE` (or the
/// default position), read by the apply pages, the scheduling service and the
/// interviewer.
///
/// Every [`BookingStore`](super::BookingStore) is one, so one store object serves
/// both; the conformance suite covers both.
#[async_trait]
pub trait PositionStore: Send + Sync {
    /// Saves `position`, replacing the stored one with the same id. A position
    /// with another id and the same slug is a [`StoreError::Conflict`], and
    /// nothing is saved.
    async fn save_position(&self, position: &Position) -> Result<(), StoreError>;

    /// The position with `id`, or `None`.
    async fn position(&self, id: &PositionId) -> Result<Option<Position>, StoreError>;

    /// The position whose URL slug is `slug`, or `None`.
    async fn position_by_slug(&self, slug: &Slug) -> Result<Option<Position>, StoreError>;

    /// Every position, archived ones included, ordered by title and then id.
    async fn positions(&self) -> Result<Vec<Position>, StoreError>;
}
