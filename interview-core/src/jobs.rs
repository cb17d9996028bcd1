//! Background jobs: what the durable job queue carries, how a job asks to be retried,
//! and [`JobStore`], the store that writes jobs together with the change that causes
//! them.
//!
//! The queue itself (apalis over the booking database, its workers) lives in
//! `interview-storage`; this module is its contract, so that services can enqueue and
//! handlers can run jobs without knowing which database holds them.
//!
//! A job is written in the same transaction as the booking change that causes it
//! ([`JobStore::create_with_jobs`]): a booking and its invitation job exist together
//! or not at all. A handler that fails returns a [`JobError`]; the job then waits
//! as the worker's backoff says ([`DEFAULT_JOB_BACKOFF`]: capped exponential with
//! jitter; the next attempt's time is kept in the database, so a restart loses
//! nothing) and its error stays readable through [`JobStore::failed_jobs`].

use std::fmt;
use std::future::Future;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::backoff::Backoff;
use crate::store::{InterviewState, Rescheduled, StoreError, WebhookStore};
use crate::{Booking, BookingToken, ScheduledTime};

/// One unit of background work. Stored as JSON (`{"kind": "send_invitation", ...}`),
/// so a variant's fields may grow (with serde defaults) but never change meaning.
///
/// Payloads carry references (a booking's token, an endpoint's id), never personal
/// data: the handler reads what it needs when it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Job {
    /// Send the invitation of the booking with this token.
    SendInvitation {
        /// The booking's token.
        token: BookingToken,
    },
    /// Tell the candidate that the booking with this token was cancelled (the
    /// calendar's `METHOD:CANCEL`).
    SendCancellation {
        /// The booking's token.
        token: BookingToken,
    },
    /// Remind the candidate of the booking with this token, `before_secs` seconds
    /// before the interview.
    SendReminder {
        /// The booking's token.
        token: BookingToken,
        /// How long before the scheduled time the reminder is meant to go out.
        before_secs: u64,
        /// The interview time it was planned for: a reminder of an interview that
        /// moved since is not sent (the move planned its own).
        scheduled_at: DateTime<Utc>,
    },
    /// Deliver one webhook event to one endpoint of the HR platform.
    DeliverWebhook {
        /// The endpoint's id (`env` for `WEBHOOK_URL`).
        endpoint_id: String,
        /// The event, whole: its id is the `webhook-id` header receivers
        /// deduplicate on, the same on every attempt.
        event: Box<crate::events::PlatformEvent>,
    },
}

impl Job {
    /// The variant's name as stored (`send_invitation`, `send_cancellation`,
    /// `send_reminder`, `deliver_webhook`): for logs and metrics, as it says nothing about anyone.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::SendInvitation { .. } => "send_invitation",
            Self::SendCancellation { .. } => "send_cancellation",
            Self::SendReminder { .. } => "send_reminder",
            Self::DeliverWebhook { .. } => "deliver_webhook",
        }
    }
}

/// The longest idempotency key, in bytes.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 200;

/// A job to enqueue: the [`Job`], when it may run first, and an optional idempotency
/// key (enqueuing a key that is already queued, running, done or failed adds nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    job: Job,
    run_at: Option<DateTime<Utc>>,
    idempotency_key: Option<String>,
    max_attempts: u32,
}

impl NewJob {
    /// A job to run as soon as a worker is free.
    pub fn new(job: Job) -> Self {
        Self {
            job,
            run_at: None,
            idempotency_key: None,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        }
    }

    /// Runs the job no earlier than `at` (the queue keeps whole seconds; a time in the
    /// past means now).
    pub fn run_at(mut self, at: DateTime<Utc>) -> Self {
        self.run_at = Some(at);
        self
    }

    /// Makes the job idempotent: a second job with the same key is not added, even
    /// after the first one ran. Use a key that says what the job does for whom, e.g.
    /// `reminder:{token}:3600`. A key must be 1 to [`MAX_IDEMPOTENCY_KEY_LEN`] bytes of
    /// printable ASCII and carry no personal data.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Result<Self, JobKeyError> {
        let key = key.into();
        if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_LEN {
            return Err(JobKeyError::Length);
        }
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(JobKeyError::Characters);
        }
        self.idempotency_key = Some(key);
        Ok(self)
    }

    /// Runs the job at most `attempts` times (at least once); the default is
    /// [`DEFAULT_MAX_ATTEMPTS`].
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// How many times the job runs at most.
    pub fn attempts_allowed(&self) -> u32 {
        self.max_attempts
    }

    /// The job.
    pub fn job(&self) -> &Job {
        &self.job
    }

    /// When the job may run first, if later than now.
    pub fn scheduled_for(&self) -> Option<DateTime<Utc>> {
        self.run_at
    }

    /// The idempotency key, if any.
    pub fn key(&self) -> Option<&str> {
        self.idempotency_key.as_deref()
    }
}

/// An idempotency key that [`NewJob::idempotency_key`] refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JobKeyError {
    /// Empty or longer than [`MAX_IDEMPOTENCY_KEY_LEN`] bytes.
    #[error("an idempotency key must be 1 to {MAX_IDEMPOTENCY_KEY_LEN} bytes long")]
    Length,
    /// Not printable ASCII (spaces and control characters included).
    #[error("an idempotency key must be printable ASCII without spaces")]
    Characters,
}

/// Why a job handler failed. The message is kept with the job (operators read it),
/// so it must say what went wrong without personal data or secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JobError {
    /// Worth trying again later (a server down, a timeout): the job waits as the
    /// worker's backoff says, until its attempts run out.
    #[error("{0}")]
    Retry(String),
    /// Trying again cannot help (the booking is gone, the payload is obsolete): the
    /// job stops now and keeps this message.
    #[error("{0}")]
    Abandon(String),
}

impl JobError {
    /// A failure worth retrying.
    pub fn retry(message: impl fmt::Display) -> Self {
        Self::Retry(message.to_string())
    }

    /// A failure that retrying cannot mend.
    pub fn abandon(message: impl fmt::Display) -> Self {
        Self::Abandon(message.to_string())
    }
}

/// How long failed jobs wait by default before their next attempt: 15 s after the
/// first failure, doubling to at most an hour, up to a fifth taken off at random.
pub const DEFAULT_JOB_BACKOFF: Backoff = Backoff {
    initial: Duration::from_secs(15),
    max: Duration::from_secs(3600),
    jitter: 0.2,
};

/// How many times a job runs at most by default (the first run included): with
/// [`DEFAULT_JOB_BACKOFF`] a job keeps trying for about a day (15 s, 30 s, ...
/// 32 min, then hourly).
pub const DEFAULT_MAX_ATTEMPTS: u32 = 30;

/// Runs jobs: what a queue worker calls for each job it takes.
///
/// Any `Fn(Job) -> impl Future<Output = Result<(), JobError>>` is a handler.
#[async_trait]
pub trait JobHandler: Send + Sync {
    /// Does the job's work. An error is kept with the job; [`JobError::Retry`] runs it
    /// again later, [`JobError::Abandon`] stops it.
    async fn run(&self, job: Job) -> Result<(), JobError>;
}

#[async_trait]
impl<F, Fut> JobHandler for F
where
    F: Fn(Job) -> Fut + Send + Sync,
    Fut: Future<Output = Result<(), JobError>> + Send,
{
    async fn run(&self, job: Job) -> Result<(), JobError> {
        self(job).await
    }
}

/// Where a failed job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FailedJobStatus {
    /// It will run again at [`FailedJob::next_attempt_at`].
    Retrying,
    /// Its attempts ran out; it will not run again.
    GaveUp,
    /// Its handler said retrying cannot help ([`JobError::Abandon`]).
    Abandoned,
}

/// A job whose last attempt failed, with its error: what operators watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedJob {
    /// The queue's id of the job.
    pub id: String,
    /// The job, or `None` if its stored payload no longer parses.
    pub job: Option<Job>,
    /// Where it stands.
    pub status: FailedJobStatus,
    /// How many times it ran.
    pub attempts: u32,
    /// How many times it may run.
    pub max_attempts: u32,
    /// The last attempt's error.
    pub last_error: String,
    /// When it runs next, for [`FailedJobStatus::Retrying`].
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// A store that keeps the job queue beside the bookings, so that jobs are written in
/// the same transaction as the change that causes them.
///
/// It also keeps the webhook endpoints and their deliveries ([`WebhookStore`]),
/// which the queue delivers to.
///
/// Implementations: SQLite and PostgreSQL in `interview-storage` (apalis tables).
#[async_trait]
pub trait JobStore: WebhookStore + Send + Sync {
    /// Enqueues `jobs` (all or none). A job whose idempotency key is already known is
    /// skipped, which is not an error.
    async fn enqueue(&self, jobs: &[NewJob]) -> Result<(), StoreError>;

    /// Saves a new booking and enqueues `jobs` in one transaction: both are written,
    /// or neither. A booking with the same token is a [`StoreError::Conflict`] and
    /// enqueues nothing.
    async fn create_with_jobs(&self, booking: &Booking, jobs: &[NewJob]) -> Result<(), StoreError>;

    /// [`BookingStore::replace_interview_state`](crate::store::BookingStore::replace_interview_state)
    /// that also enqueues `jobs` in the same transaction, when (and only when) the
    /// state was replaced. [`lifecycle::transition_with`](crate::store::lifecycle::transition_with)
    /// builds a move on it (a cancellation and its message).
    async fn replace_interview_state_with_jobs(
        &self,
        token: &BookingToken,
        expected_version: u64,
        next: &InterviewState,
        jobs: &[NewJob],
    ) -> Result<bool, StoreError>;

    /// [`BookingStore::reschedule`](crate::store::BookingStore::reschedule) that
    /// also enqueues `jobs` in the same transaction, when (and only when) the
    /// booking moved (its updated invitation, its new reminders).
    async fn reschedule_with_jobs(
        &self,
        token: &BookingToken,
        to: &ScheduledTime,
        jobs: &[NewJob],
    ) -> Result<Rescheduled, StoreError>;

    /// Jobs whose last attempt failed (retrying, given up or abandoned), the most
    /// recently failed first, at most `limit`.
    async fn failed_jobs(&self, limit: u32) -> Result<Vec<FailedJob>, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_are_stored_as_tagged_json() {
        let token = BookingToken::generate().expect("randomness");
        let job = Job::SendReminder {
            token: token.clone(),
            before_secs: 3600,
            scheduled_at: DateTime::from_timestamp(1_900_000_000, 0).expect("a time"),
        };
        let json = serde_json::to_value(&job).expect("serializes");
        assert_eq!(json["kind"], "send_reminder");
        assert_eq!(json["token"], token.as_str());
        assert_eq!(json["before_secs"], 3600);
        assert_eq!(serde_json::from_value::<Job>(json).expect("parses"), job);
        assert_eq!(job.kind(), "send_reminder");
    }

    #[test]
    fn idempotency_keys_are_checked() {
        let job = NewJob::new(Job::SendInvitation {
            token: BookingToken::generate().expect("randomness"),
        });
        assert_eq!(
            job.clone().idempotency_key("").unwrap_err(),
            JobKeyError::Length
        );
        assert_eq!(
            job.clone().idempotency_key("a".repeat(201)).unwrap_err(),
            JobKeyError::Length
        );
        assert_eq!(
            job.clone().idempotency_key("a b").unwrap_err(),
            JobKeyError::Characters
        );
        let keyed = job.idempotency_key("webhook:e:v").expect("valid");
        assert_eq!(keyed.key(), Some("webhook:e:v"));
    }

    #[test]
    fn the_defaults_retry_within_fifteen_seconds_for_about_a_day() {
        assert!(DEFAULT_JOB_BACKOFF.next_delay(0) <= Duration::from_secs(15));
        assert!(DEFAULT_JOB_BACKOFF.next_delay(0) >= Duration::from_secs(12));
        let total: Duration = (0..DEFAULT_MAX_ATTEMPTS - 1)
            .map(|n| DEFAULT_JOB_BACKOFF.delay(n, 0.0))
            .sum();
        assert!(total > Duration::from_secs(20 * 3600), "{total:?}");
        assert!(total < Duration::from_secs(30 * 3600), "{total:?}");
    }
}
