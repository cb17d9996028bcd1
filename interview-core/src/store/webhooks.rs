//! Where the HR platform's webhook endpoints and their deliveries are kept.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::webhooks::{Delivery, DeliveryQuery, EndpointId, WebhookEndpoint};

/// Stores [`WebhookEndpoint`]s (with their secrets, which sign every delivery)
/// and the [`Delivery`] record of each event sent to each endpoint.
///
/// Every [`JobStore`](crate::jobs::JobStore) is one: webhooks are delivered by the
/// job queue, so they live beside it. The conformance suite covers it.
#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Saves a new endpoint. An endpoint with the same id is a
    /// [`StoreError::Conflict`] and is left untouched.
    async fn create_webhook(&self, endpoint: &WebhookEndpoint) -> Result<(), StoreError>;

    /// The endpoint with `id`, or `None`.
    async fn webhook(&self, id: &EndpointId) -> Result<Option<WebhookEndpoint>, StoreError>;

    /// Every endpoint, oldest first (then by id).
    async fn webhooks(&self) -> Result<Vec<WebhookEndpoint>, StoreError>;

    /// Replaces the stored endpoint with the same id (everything but its creation
    /// time): `false` when there is none.
    async fn update_webhook(&self, endpoint: &WebhookEndpoint) -> Result<bool, StoreError>;

    /// Deletes the endpoint and its deliveries: `false` when there was none.
    async fn delete_webhook(&self, id: &EndpointId) -> Result<bool, StoreError>;

    /// The delivery of event `event_id` to `endpoint`, if an attempt was made.
    async fn delivery(
        &self,
        endpoint: &EndpointId,
        event_id: &str,
    ) -> Result<Option<Delivery>, StoreError>;

    /// Saves a delivery's record, replacing the one for the same endpoint and
    /// event.
    async fn save_delivery(&self, delivery: &Delivery) -> Result<(), StoreError>;

    /// The deliveries to `endpoint` that `query` asks for, the most recently
    /// attempted first (then by event id).
    async fn deliveries(
        &self,
        endpoint: &EndpointId,
        query: &DeliveryQuery,
    ) -> Result<Vec<Delivery>, StoreError>;

    /// Deletes the records of deliveries last attempted before `before`, returning
    /// how many.
    async fn prune_deliveries(&self, before: DateTime<Utc>) -> Result<u64, StoreError>;
}
