//! [`InMemoryJobStore`]: the job queue's store as a list, beside an
//! [`InMemoryBookingStore`].

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{InMemoryBookingStore, lock};
use crate::jobs::{FailedJob, JobStore, NewJob};
use crate::store::{BookingStore, InterviewState, Rescheduled, StoreError, WebhookStore};
use crate::webhooks::{Delivery, DeliveryQuery, EndpointId, WebhookEndpoint};
use crate::{Booking, BookingToken, ScheduledTime};

/// A [`JobStore`] that records enqueued jobs in memory and writes bookings to an
/// [`InMemoryBookingStore`]. Nothing runs the jobs: tests read them with
/// [`InMemoryJobStore::jobs`]. [`InMemoryJobStore::set_failing`] makes every job write
/// fail, and then [`JobStore::create_with_jobs`] writes no booking either, as the
/// SQL stores' transactions do.
#[derive(Debug, Default)]
pub struct InMemoryJobStore {
    bookings: Arc<InMemoryBookingStore>,
    jobs: Mutex<Vec<NewJob>>,
    keys: Mutex<HashSet<String>>,
    failed: Mutex<Vec<FailedJob>>,
    failing: AtomicBool,
    endpoints: Mutex<Vec<WebhookEndpoint>>,
    deliveries: Mutex<Vec<Delivery>>,
}

impl InMemoryJobStore {
    /// A job store whose bookings go to `bookings`.
    pub fn new(bookings: Arc<InMemoryBookingStore>) -> Self {
        Self {
            bookings,
            ..Self::default()
        }
    }

    /// The booking store beside it.
    pub fn bookings(&self) -> &Arc<InMemoryBookingStore> {
        &self.bookings
    }

    /// The jobs enqueued so far, oldest first (a known idempotency key added none).
    pub fn jobs(&self) -> Vec<NewJob> {
        lock(&self.jobs).clone()
    }

    /// Makes every later job write fail with [`StoreError::Unavailable`] (`true`) or
    /// succeed again (`false`).
    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    /// Adds a job to what [`JobStore::failed_jobs`] answers.
    pub fn push_failed(&self, job: FailedJob) {
        lock(&self.failed).push(job);
    }

    fn check(&self) -> Result<(), StoreError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable(
                "the job store is set to fail".into(),
            ));
        }
        Ok(())
    }

    fn record(&self, jobs: &[NewJob]) {
        let mut keys = lock(&self.keys);
        let mut stored = lock(&self.jobs);
        for job in jobs {
            if job.key().is_some_and(|key| !keys.insert(key.to_owned())) {
                continue;
            }
            stored.push(job.clone());
        }
    }
}

#[async_trait]
impl JobStore for InMemoryJobStore {
    async fn enqueue(&self, jobs: &[NewJob]) -> Result<(), StoreError> {
        self.check()?;
        self.record(jobs);
        Ok(())
    }

    async fn create_with_jobs(&self, booking: &Booking, jobs: &[NewJob]) -> Result<(), StoreError> {
        self.check()?;
        self.bookings.create(booking).await?;
        self.record(jobs);
        Ok(())
    }

    async fn replace_interview_state_with_jobs(
        &self,
        token: &BookingToken,
        expected_version: u64,
        next: &InterviewState,
        jobs: &[NewJob],
    ) -> Result<bool, StoreError> {
        self.check()?;
        let replaced = self
            .bookings
            .replace_interview_state(token, expected_version, next)
            .await?;
        if replaced {
            self.record(jobs);
        }
        Ok(replaced)
    }

    async fn reschedule_with_jobs(
        &self,
        token: &BookingToken,
        to: &ScheduledTime,
        jobs: &[NewJob],
    ) -> Result<Rescheduled, StoreError> {
        self.check()?;
        let moved = self.bookings.reschedule(token, to).await?;
        if matches!(moved, Rescheduled::Moved(_)) {
            self.record(jobs);
        }
        Ok(moved)
    }

    async fn failed_jobs(&self, limit: u32) -> Result<Vec<FailedJob>, StoreError> {
        let failed = lock(&self.failed);
        Ok(failed.iter().rev().take(limit as usize).cloned().collect())
    }
}

#[async_trait]
impl WebhookStore for InMemoryJobStore {
    async fn create_webhook(&self, endpoint: &WebhookEndpoint) -> Result<(), StoreError> {
        let mut endpoints = lock(&self.endpoints);
        if endpoints.iter().any(|stored| stored.id == endpoint.id) {
            return Err(StoreError::Conflict);
        }
        endpoints.push(endpoint.clone());
        Ok(())
    }

    async fn webhook(&self, id: &EndpointId) -> Result<Option<WebhookEndpoint>, StoreError> {
        Ok(lock(&self.endpoints)
            .iter()
            .find(|endpoint| &endpoint.id == id)
            .cloned())
    }

    async fn webhooks(&self) -> Result<Vec<WebhookEndpoint>, StoreError> {
        let mut endpoints = lock(&self.endpoints).clone();
        endpoints.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(endpoints)
    }

    async fn update_webhook(&self, endpoint: &WebhookEndpoint) -> Result<bool, StoreError> {
        let mut endpoints = lock(&self.endpoints);
        let Some(stored) = endpoints.iter_mut().find(|stored| stored.id == endpoint.id) else {
            return Ok(false);
        };
        *stored = WebhookEndpoint {
            created_at: stored.created_at,
            ..endpoint.clone()
        };
        Ok(true)
    }

    async fn delete_webhook(&self, id: &EndpointId) -> Result<bool, StoreError> {
        let mut endpoints = lock(&self.endpoints);
        let before = endpoints.len();
        endpoints.retain(|endpoint| &endpoint.id != id);
        lock(&self.deliveries).retain(|delivery| &delivery.endpoint_id != id);
        Ok(endpoints.len() != before)
    }

    async fn delivery(
        &self,
        endpoint: &EndpointId,
        event_id: &str,
    ) -> Result<Option<Delivery>, StoreError> {
        Ok(lock(&self.deliveries)
            .iter()
            .find(|d| &d.endpoint_id == endpoint && d.event_id == event_id)
            .cloned())
    }

    async fn save_delivery(&self, delivery: &Delivery) -> Result<(), StoreError> {
        let mut deliveries = lock(&self.deliveries);
        deliveries.retain(|d| {
            !(d.endpoint_id == delivery.endpoint_id && d.event_id == delivery.event_id)
        });
        deliveries.push(delivery.clone());
        Ok(())
    }

    async fn deliveries(
        &self,
        endpoint: &EndpointId,
        query: &DeliveryQuery,
    ) -> Result<Vec<Delivery>, StoreError> {
        let mut found: Vec<Delivery> = lock(&self.deliveries)
            .iter()
            .filter(|d| &d.endpoint_id == endpoint)
            .filter(|d| query.status.is_none_or(|status| d.status == status))
            .cloned()
            .collect();
        found.sort_by(|a, b| {
            (b.last_attempt_at, &b.event_id).cmp(&(a.last_attempt_at, &a.event_id))
        });
        found.truncate(query.limit as usize);
        Ok(found)
    }

    async fn prune_deliveries(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut deliveries = lock(&self.deliveries);
        let count = deliveries.len();
        deliveries.retain(|d| d.last_attempt_at >= before);
        Ok((count - deliveries.len()) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::Job;

    fn invitation(token: &BookingToken) -> NewJob {
        NewJob::new(Job::SendInvitation {
            token: token.clone(),
        })
    }

    #[tokio::test]
    async fn jobs_are_recorded_once_per_key_and_a_failing_write_writes_no_booking() {
        let store = InMemoryJobStore::new(Arc::new(InMemoryBookingStore::new()));
        let token = BookingToken::generate().unwrap();
        let keyed = invitation(&token).idempotency_key("invite:1").unwrap();
        store.enqueue(&[keyed.clone(), keyed]).await.unwrap();
        assert_eq!(store.jobs().len(), 1);

        store.set_failing(true);
        let booking = Booking {
            token: BookingToken::generate().unwrap(),
            position_id: crate::position::default_position_id(),
            name: crate::PersonName::parse("Ada Lovelace").unwrap(),
            email: crate::EmailAddress::parse("ada@example.com").unwrap(),
            phone: crate::PhoneNumber::parse("(555) 123-4567").unwrap(),
            scheduled_at: chrono::Utc::now(),
            time_zone: None,
            resume_text: None,
            resume_url: None,
            status: crate::BookingStatus::Scheduled,
            evaluation_status: crate::EvaluationStatus::Pending,
            reschedules: 0,
            created_at: chrono::Utc::now(),
        };
        let error = store
            .create_with_jobs(&booking, &[invitation(&booking.token)])
            .await
            .unwrap_err();
        assert!(matches!(error, StoreError::Unavailable(_)));
        assert!(
            store
                .bookings()
                .get(&booking.token)
                .await
                .unwrap()
                .is_none()
        );

        store.set_failing(false);
        store
            .create_with_jobs(&booking, &[invitation(&booking.token)])
            .await
            .unwrap();
        assert!(
            store
                .bookings()
                .get(&booking.token)
                .await
                .unwrap()
                .is_some()
        );
        assert_eq!(store.jobs().len(), 2);
    }
}
