//! [`InMemoryJobStore`]: the job queue's store as a list, beside an
//! [`InMemoryBookingStore`].

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::{InMemoryBookingStore, lock};
use crate::Booking;
use crate::jobs::{FailedJob, JobStore, NewJob};
use crate::store::{BookingStore, StoreError};

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

    async fn failed_jobs(&self, limit: u32) -> Result<Vec<FailedJob>, StoreError> {
        let failed = lock(&self.failed);
        Ok(failed.iter().rev().take(limit as usize).cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BookingToken;
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
