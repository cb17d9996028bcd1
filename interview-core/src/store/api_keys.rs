//! Where API keys are kept.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::access::{ApiKey, ApiKeyId};

/// Stores [`ApiKey`]s: the hash of each secret, never the secret.
///
/// Every [`BookingStore`](super::BookingStore) is one; the conformance suite
/// covers it.
#[async_trait]
pub trait ApiKeyStore: Send + Sync {
    /// Saves a newly issued key. A key with the same id is a
    /// [`StoreError::Conflict`] and is left untouched.
    async fn create_api_key(&self, key: &ApiKey) -> Result<(), StoreError>;

    /// The key with `id`, revoked or not, or `None`.
    async fn api_key(&self, id: &ApiKeyId) -> Result<Option<ApiKey>, StoreError>;

    /// Every key, revoked ones included, oldest first (then by id).
    async fn api_keys(&self) -> Result<Vec<ApiKey>, StoreError>;

    /// Revokes the key at `at`: `true` when it was active, `false` when there is
    /// no such key or it was revoked already (its revocation time is kept).
    async fn revoke_api_key(&self, id: &ApiKeyId, at: DateTime<Utc>) -> Result<bool, StoreError>;

    /// Records that the key was used at `at`, unless a later use is recorded.
    async fn touch_api_key(&self, id: &ApiKeyId, at: DateTime<Utc>) -> Result<(), StoreError>;
}
