//! Mail through the durable job queue: a booking is written together with its
//! invitation job and its reminder jobs ([`JobStore::create_with_jobs`]), a
//! worker delivers them with retries, and the booking request waits a few seconds
//! for the invitation, no longer ([`SchedulingSettings::invitation_wait`]).
//!
//! [`SchedulingSettings::invitation_wait`]: super::SchedulingSettings::invitation_wait

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use tokio::sync::oneshot;

use super::scheduling::SchedulingService;
use crate::events::{EventType, PlatformEvent};
use crate::jobs::{Job, JobError, JobHandler, NewJob};
use crate::notify::NotifyError;
use crate::webhooks::MAX_DELIVERY_ATTEMPTS;
use crate::{Booking, BookingStatus, BookingToken};

/// Where a booking's invitation stands when the booking request answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EmailStatus {
    /// Delivered to the mail server.
    Sent,
    /// Not delivered yet: the job queue keeps trying.
    Queued,
    /// Not delivered, and nothing will try again (a server without a job queue,
    /// or a permanent refusal).
    Failed,
}

/// How long a finished delivery is remembered for a request that starts waiting
/// after the worker was quicker.
const REMEMBERED: Duration = Duration::from_secs(60);

/// Booking requests waiting for their invitation, by token.
#[derive(Default)]
pub(super) struct Waiters {
    state: Mutex<HashMap<BookingToken, Waiting>>,
}

enum Waiting {
    Requests(Vec<oneshot::Sender<bool>>),
    Finished { delivered: bool, at: Instant },
}

impl Waiters {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<BookingToken, Waiting>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Tells whoever waits for `token`'s invitation whether it was delivered.
    pub(super) fn finish(&self, token: &BookingToken, delivered: bool) {
        let mut state = self.lock();
        state.retain(|_, waiting| {
            !matches!(waiting, Waiting::Finished { at, .. } if at.elapsed() > REMEMBERED)
        });
        if let Some(Waiting::Requests(senders)) = state.remove(token) {
            for sender in senders {
                let _ = sender.send(delivered);
            }
        } else {
            state.insert(
                token.clone(),
                Waiting::Finished {
                    delivered,
                    at: Instant::now(),
                },
            );
        }
    }

    /// Forgets an outcome remembered for `token`: a change about to queue a new
    /// message for it waits for that one, not for the last.
    pub(super) fn forget(&self, token: &BookingToken) {
        let mut state = self.lock();
        if matches!(state.get(token), Some(Waiting::Finished { .. })) {
            state.remove(token);
        }
    }

    /// Waits up to `wait` for `token`'s invitation: `Some(delivered)`, or `None`
    /// when it is still queued.
    pub(super) async fn wait(&self, token: &BookingToken, wait: Duration) -> Option<bool> {
        let receiver = {
            let mut state = self.lock();
            match state.get_mut(token) {
                Some(Waiting::Finished { delivered, .. }) => return Some(*delivered),
                Some(Waiting::Requests(senders)) => {
                    let (sender, receiver) = oneshot::channel();
                    senders.push(sender);
                    receiver
                }
                None => {
                    let (sender, receiver) = oneshot::channel();
                    state.insert(token.clone(), Waiting::Requests(vec![sender]));
                    receiver
                }
            }
        };
        let outcome = tokio::time::timeout(wait, receiver).await.ok()?.ok();
        if outcome.is_none() {
            // Nobody will answer this request any more.
            let mut state = self.lock();
            if let Some(Waiting::Requests(senders)) = state.get_mut(token) {
                senders.retain(|sender| !sender.is_closed());
                if senders.is_empty() {
                    state.remove(token);
                }
            }
        }
        outcome
    }
}

impl SchedulingService {
    /// Where the message just queued for `token` (an invitation, an updated one,
    /// a cancellation) stands after waiting for it a little, no longer
    /// ([`SchedulingSettings::invitation_wait`](super::SchedulingSettings::invitation_wait)).
    pub(super) async fn queued_mail_status(&self, token: &BookingToken) -> EmailStatus {
        match self
            .waiters
            .wait(token, self.settings().invitation_wait)
            .await
        {
            Some(true) => EmailStatus::Sent,
            Some(false) => EmailStatus::Failed,
            None => EmailStatus::Queued,
        }
    }

    /// The jobs a new booking is written with: its invitation (at once), a
    /// reminder per [`SchedulingSettings::reminder_offsets`](super::SchedulingSettings::reminder_offsets)
    /// that is still ahead at `now`, and its `booking.created` deliveries.
    /// Idempotency keys keep each one single.
    pub(super) async fn booking_jobs(&self, booking: &Booking, now: DateTime<Utc>) -> Vec<NewJob> {
        let invitation = NewJob::new(Job::SendInvitation {
            token: booking.token.clone(),
        })
        .idempotency_key(format!("invitation:{}", booking.token))
        .ok();
        let events = self
            .event_jobs(EventType::BookingCreated, booking, now)
            .await;
        invitation
            .into_iter()
            .chain(self.reminder_jobs(booking, now))
            .chain(events)
            .collect()
    }

    /// The endpoints that want events of `kind` now: the subscribers given to the
    /// service (`WEBHOOK_URL`), then the enabled endpoints stored beside the queue.
    async fn endpoints_for(&self, kind: EventType) -> Vec<String> {
        let mut endpoints: Vec<String> = self
            .subscribers
            .iter()
            .filter(|subscriber| crate::events::wanted(subscriber.events.as_deref(), kind))
            .map(|subscriber| subscriber.id.clone())
            .collect();
        if let Some(jobs) = self.jobs() {
            match jobs.webhooks().await {
                Ok(stored) => endpoints.extend(
                    stored
                        .into_iter()
                        .filter(|endpoint| endpoint.wants(kind))
                        .map(|endpoint| endpoint.id.to_string()),
                ),
                Err(error) => {
                    tracing::warn!(event = %kind, %error, "the webhook endpoints could not be read: the event is not sent to them");
                }
            }
        }
        endpoints
    }

    /// A delivery job per endpoint that wants `kind`, for an event about
    /// `booking` at `now` (its id is the `webhook-id`, the same on every attempt).
    pub(super) async fn event_jobs(
        &self,
        kind: EventType,
        booking: &Booking,
        now: DateTime<Utc>,
    ) -> Vec<NewJob> {
        let endpoints = self.endpoints_for(kind).await;
        if endpoints.is_empty() {
            return Vec::new();
        }
        let Ok(event) = PlatformEvent::new(kind, booking, now) else {
            tracing::error!("no randomness for an event id: the event is not sent");
            return Vec::new();
        };
        endpoints
            .into_iter()
            .filter_map(|endpoint_id| {
                let key = format!("webhook:{endpoint_id}:{}", event.id);
                NewJob::new(Job::DeliverWebhook {
                    endpoint_id,
                    event: Box::new(event.clone()),
                })
                .max_attempts(MAX_DELIVERY_ATTEMPTS)
                .idempotency_key(key)
                .ok()
            })
            .collect()
    }

    /// Queues `kind` about `booking` for the subscribers, after the change that
    /// caused it (best effort: a failure is logged).
    pub(super) async fn publish_about(&self, kind: EventType, booking: &Booking) {
        let Some(jobs) = self.jobs() else {
            return;
        };
        let events = self.event_jobs(kind, booking, self.clock().now()).await;
        if events.is_empty() {
            return;
        }
        if let Err(error) = jobs.enqueue(&events).await {
            tracing::warn!(token = ?booking.token, event = %kind, %error, "an event for the HR platform was not queued");
        }
    }

    /// The reminders of `booking` at its current time that are still ahead at
    /// `now`.
    pub(super) fn reminder_jobs(&self, booking: &Booking, now: DateTime<Utc>) -> Vec<NewJob> {
        self.settings()
            .reminder_offsets
            .iter()
            .filter_map(|offset| {
                let before = TimeDelta::from_std(*offset).ok()?;
                let at = booking.scheduled_at.checked_sub_signed(before)?;
                if at <= now {
                    return None;
                }
                NewJob::new(Job::SendReminder {
                    token: booking.token.clone(),
                    before_secs: offset.as_secs(),
                    scheduled_at: booking.scheduled_at,
                })
                .run_at(at)
                .idempotency_key(format!(
                    "reminder:{}:{}:{}",
                    booking.token,
                    booking.scheduled_at.timestamp(),
                    offset.as_secs()
                ))
                .ok()
            })
            .collect()
    }

    /// Deletes the records of webhook deliveries last attempted more than
    /// [`DELIVERY_RECORD_TTL`](crate::webhooks::DELIVERY_RECORD_TTL) before `now`,
    /// returning how many (none without a job queue).
    pub async fn prune_deliveries(
        &self,
        now: DateTime<Utc>,
    ) -> Result<u64, crate::store::StoreError> {
        let Some(jobs) = self.jobs() else {
            return Ok(0);
        };
        let Some(before) = now.checked_sub_signed(crate::webhooks::DELIVERY_RECORD_TTL) else {
            return Ok(0);
        };
        jobs.prune_deliveries(before).await
    }

    /// Runs one of the queue's mail jobs: an invitation (the booking's current
    /// one, so after a move the updated one), a cancellation, or a reminder
    /// (skipped when the interview was cancelled, erased, moved since, or is
    /// over). Other jobs are not this service's: they are abandoned, saying so.
    pub async fn run_job(&self, job: Job) -> Result<(), JobError> {
        match job {
            Job::SendInvitation { token } => self.deliver_invitation(&token).await,
            Job::SendCancellation { token } => self.deliver_cancellation(&token).await,
            Job::SendReminder {
                token,
                before_secs,
                scheduled_at,
            } => {
                self.deliver_reminder(&token, Duration::from_secs(before_secs), scheduled_at)
                    .await
            }
            other => Err(JobError::abandon(format!(
                "the scheduling service does not run {} jobs",
                other.kind()
            ))),
        }
    }

    async fn deliver_invitation(&self, token: &BookingToken) -> Result<(), JobError> {
        let Some(booking) = self.bookings().get(token).await.map_err(JobError::retry)? else {
            // Erased, or never committed: nothing to tell anyone.
            self.waiters.finish(token, false);
            return Ok(());
        };
        if booking.status != BookingStatus::Scheduled {
            tracing::info!(token = ?booking.token, status = %booking.status, "invitation not sent: the interview is no longer scheduled");
            self.waiters.finish(token, false);
            return Ok(());
        }
        let position = self.position_of(&booking).await.map_err(JobError::retry)?;
        let now = self.clock().now();
        match self
            .invite(&booking, &position, booking.reschedules, now)
            .await
        {
            None => {
                self.waiters.finish(token, true);
                Ok(())
            }
            Some(error) => Err(self.mail_failure(token, error)),
        }
    }

    async fn deliver_cancellation(&self, token: &BookingToken) -> Result<(), JobError> {
        let Some(booking) = self.bookings().get(token).await.map_err(JobError::retry)? else {
            // Erased since: there is no one to tell.
            self.waiters.finish(token, false);
            return Ok(());
        };
        if booking.status != BookingStatus::Cancelled {
            self.waiters.finish(token, false);
            return Ok(());
        }
        let position = self.position_of(&booking).await.map_err(JobError::retry)?;
        let now = self.clock().now();
        match self.announce_cancellation(&booking, &position, now).await {
            None => {
                self.waiters.finish(token, true);
                Ok(())
            }
            Some(error) => Err(self.mail_failure(token, error)),
        }
    }

    async fn deliver_reminder(
        &self,
        token: &BookingToken,
        before: Duration,
        planned_for: DateTime<Utc>,
    ) -> Result<(), JobError> {
        let Some(booking) = self.bookings().get(token).await.map_err(JobError::retry)? else {
            return Ok(());
        };
        let now = self.clock().now();
        // Compared to the second: stores keep microseconds, the plan may hold more.
        if booking.status != BookingStatus::Scheduled
            || booking.scheduled_at.timestamp() != planned_for.timestamp()
            || booking.scheduled_at <= now
        {
            tracing::debug!(token = ?booking.token, "reminder skipped: the interview was cancelled, moved or is over");
            return Ok(());
        }
        let position = self.position_of(&booking).await.map_err(JobError::retry)?;
        match self.remind(&booking, &position, before, now).await {
            None => Ok(()),
            Some(error) => Err(self.mail_failure(token, error)),
        }
    }

    /// A failed delivery as the queue should treat it: a refusal is final, the
    /// rest is tried again.
    fn mail_failure(&self, token: &BookingToken, error: NotifyError) -> JobError {
        match error {
            NotifyError::Rejected(_) => {
                self.waiters.finish(token, false);
                JobError::abandon(error)
            }
            other => JobError::retry(other),
        }
    }
}

#[async_trait]
impl crate::events::EventPublisher for SchedulingService {
    async fn publish(&self, kind: EventType, token: &BookingToken) {
        match self.bookings().get(token).await {
            Ok(Some(booking)) => self.publish_about(kind, &booking).await,
            Ok(None) => {}
            Err(error) => {
                tracing::warn!(token = ?token, event = %kind, %error, "an event for the HR platform was not queued");
            }
        }
    }
}

/// The queue's handler for the scheduling service's jobs.
pub struct SchedulingJobs(pub Arc<SchedulingService>);

#[async_trait]
impl JobHandler for SchedulingJobs {
    async fn run(&self, job: Job) -> Result<(), JobError> {
        self.0.run_job(job).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_waiter_hears_the_outcome_whenever_it_comes() {
        let waiters = Waiters::default();
        let early = BookingToken::generate().unwrap();
        // Finished before anyone waits: remembered.
        waiters.finish(&early, true);
        assert_eq!(
            waiters.wait(&early, Duration::from_millis(10)).await,
            Some(true)
        );
        // Nothing yet: the wait ends at its deadline.
        let late = BookingToken::generate().unwrap();
        assert_eq!(waiters.wait(&late, Duration::from_millis(10)).await, None);
        // Finished while waiting.
        let waiters = Arc::new(waiters);
        let token = BookingToken::generate().unwrap();
        let waiting = {
            let waiters = waiters.clone();
            let token = token.clone();
            tokio::spawn(async move { waiters.wait(&token, Duration::from_secs(30)).await })
        };
        while waiters.lock().get(&token).is_none() {
            tokio::task::yield_now().await;
        }
        waiters.finish(&token, false);
        assert_eq!(waiting.await.unwrap(), Some(false));
    }
}
