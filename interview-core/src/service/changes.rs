//! Changing an interview after it was booked: cancel, move to another time,
//! erase the candidate's data. The recruiter API and console call these (and,
//! later, the candidate's own links).

use super::EmailStatus;
use super::scheduling::{ScheduledInterview, SchedulingService};
use crate::events::EventType;
use crate::jobs::{Job, NewJob};
use crate::position::Position;
use crate::store::{Erasure, Rescheduled, StoreError, Tombstone, Transition, lifecycle};
use crate::{Booking, BookingStatus, BookingToken, ScheduledTime, ValidationErrors};

/// Why an interview could not be changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChangeError {
    /// No interview has this token (or it was erased, for a cancel or a move).
    #[error("no interview has this token")]
    NotFound,
    /// The new time is not valid.
    #[error("invalid time: {0}")]
    Invalid(#[from] ValidationErrors),
    /// The interview is in a status the change does not apply to (a completed
    /// interview cannot be cancelled; only a scheduled one can move).
    #[error("the interview is {0}")]
    NotAllowed(BookingStatus),
    /// A live session holds the interview: it cannot be erased until it ends.
    #[error("the interview is in progress")]
    InProgress,
    /// A candidate asked too close to the start: the position wants this much
    /// notice.
    #[error("changes need {} hours' notice", .notice.as_secs() / 3600)]
    TooLate {
        /// The position's notice.
        notice: std::time::Duration,
    },
    /// A candidate already moved the interview as often as the position allows.
    #[error("the interview was already moved {limit} times")]
    LimitReached {
        /// The position's limit.
        limit: u32,
    },
    /// The store failed.
    #[error("the booking store failed")]
    Store(#[from] StoreError),
}

/// A change a candidate asks for through their own link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CandidateChange {
    /// Move the interview to another time.
    Reschedule,
    /// Cancel it.
    Cancel,
}

/// What [`SchedulingService::cancel`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cancelled {
    /// The booking, cancelled.
    pub booking: Booking,
    /// Where the message telling the candidate stands; `None` when it had been
    /// cancelled before (nothing is sent again).
    pub email_status: Option<EmailStatus>,
}

/// What [`SchedulingService::erase`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erased {
    /// What is left.
    pub tombstone: Tombstone,
    /// Whether this call erased it (`false`: it had been erased before).
    pub now: bool,
    /// Resume files that could not be deleted yet; the upload sweeper deletes
    /// them later.
    pub files_left: usize,
}

impl SchedulingService {
    /// Cancels a scheduled (or interrupted) interview: its link no longer opens,
    /// and the candidate gets the calendar's cancellation. Cancelling a
    /// cancelled interview changes nothing, sends nothing and succeeds.
    ///
    /// With a job queue the cancellation message and the `booking.cancelled`
    /// events are written in the cancel's own transaction; the answer waits for
    /// the message as a booking does for its invitation.
    pub async fn cancel(&self, token: &BookingToken) -> Result<Cancelled, ChangeError> {
        let booking = self
            .bookings()
            .get(token)
            .await?
            .ok_or(ChangeError::NotFound)?;
        let now = self.clock().now();
        let moved = match self.jobs() {
            Some(jobs) => {
                let mut cancelled = booking.clone();
                cancelled.status = BookingStatus::Cancelled;
                let queued: Vec<NewJob> = NewJob::new(Job::SendCancellation {
                    token: token.clone(),
                })
                .idempotency_key(format!("cancellation:{token}"))
                .ok()
                .into_iter()
                .chain(
                    self.event_jobs(EventType::BookingCancelled, &cancelled, now)
                        .await,
                )
                .collect();
                self.waiters.forget(token);
                lifecycle::transition_with(
                    self.bookings().as_ref(),
                    token,
                    BookingStatus::Cancelled,
                    Some((jobs.as_ref(), &queued)),
                )
                .await
            }
            None => {
                self.bookings()
                    .transition(token, BookingStatus::Cancelled)
                    .await
            }
        };
        let moved = match moved {
            Ok(Transition::Moved { .. }) => true,
            // Cancelling twice is not an error.
            Ok(Transition::Refused {
                current: BookingStatus::Cancelled,
            }) => false,
            Ok(Transition::Refused { current }) => return Err(ChangeError::NotAllowed(current)),
            Err(StoreError::NotFound) => return Err(ChangeError::NotFound),
            Err(error) => return Err(error.into()),
        };
        let booking = self
            .bookings()
            .get(token)
            .await?
            .ok_or(ChangeError::NotFound)?;
        if !moved {
            return Ok(Cancelled {
                booking,
                email_status: None,
            });
        }
        tracing::info!(token = ?booking.token, "interview cancelled");
        let email_status = if self.jobs().is_some() {
            self.queued_mail_status(token).await
        } else {
            let position = self.position_of(&booking).await?;
            match self.announce_cancellation(&booking, &position, now).await {
                None => EmailStatus::Sent,
                Some(_) => EmailStatus::Failed,
            }
        };
        Ok(Cancelled {
            booking,
            email_status: Some(email_status),
        })
    }

    /// Moves a scheduled interview to `datetime` (as the booking form takes it:
    /// RFC 3339, or a local date-time read in `time_zone`, which otherwise stays
    /// the booking's), checked against the same rules as a booking. The token, so
    /// the link, stays; the candidate gets an updated invitation.
    pub async fn reschedule(
        &self,
        token: &BookingToken,
        datetime: &str,
        time_zone: Option<&str>,
    ) -> Result<ScheduledInterview, ChangeError> {
        let booking = self
            .bookings()
            .get(token)
            .await?
            .ok_or(ChangeError::NotFound)?;
        let position = self.position_of(&booking).await?;
        self.move_booking(&booking, &position, datetime, time_zone)
            .await
    }

    /// [`SchedulingService::reschedule`] for a booking already read, with its
    /// position.
    async fn move_booking(
        &self,
        booking: &Booking,
        position: &Position,
        datetime: &str,
        time_zone: Option<&str>,
    ) -> Result<ScheduledInterview, ChangeError> {
        let now = self.clock().now();
        let token = &booking.token;
        let mut rules = self.settings().rules.clone();
        rules.phone_region = position.phone_region;
        let zone = time_zone
            .map(str::to_owned)
            .or_else(|| booking.time_zone.map(|zone| zone.name().to_owned()));
        let scheduled = ScheduledTime::parse(datetime, zone.as_deref(), now, &rules)
            .map_err(ValidationErrors::from)?;
        let moved = match self.jobs() {
            // The updated invitation, the new time's reminders and the
            // `booking.rescheduled` events, written with the move.
            Some(jobs) => {
                let mut expected = booking.clone();
                expected.scheduled_at = scheduled.at();
                expected.time_zone = scheduled.zone();
                expected.reschedules = booking.reschedules.saturating_add(1);
                let queued: Vec<NewJob> = NewJob::new(Job::SendInvitation {
                    token: token.clone(),
                })
                .idempotency_key(format!("invitation:{token}:{}", expected.reschedules))
                .ok()
                .into_iter()
                .chain(self.reminder_jobs(&expected, now))
                .chain(
                    self.event_jobs(EventType::BookingRescheduled, &expected, now)
                        .await,
                )
                .collect();
                self.waiters.forget(token);
                jobs.reschedule_with_jobs(token, &scheduled, &queued)
                    .await?
            }
            None => self.bookings().reschedule(token, &scheduled).await?,
        };
        let moved = match moved {
            Rescheduled::Moved(booking) => *booking,
            Rescheduled::NotScheduled(status) => return Err(ChangeError::NotAllowed(status)),
            Rescheduled::NotFound => return Err(ChangeError::NotFound),
        };
        tracing::info!(token = ?moved.token, scheduled_at = %moved.scheduled_at, "interview moved");
        let (email_status, email_error) = if self.jobs().is_some() {
            (self.queued_mail_status(token).await, None)
        } else {
            match self
                .invite(&moved, position, moved.reschedules.max(1), now)
                .await
            {
                None => (EmailStatus::Sent, None),
                Some(error) => (EmailStatus::Failed, Some(error)),
            }
        };
        Ok(ScheduledInterview {
            interview_url: self.settings().interview_url(&moved.token),
            booking: moved,
            email_sent: email_status == EmailStatus::Sent,
            email_status,
            email_error,
        })
    }

    /// Erases an interview's personal data (see
    /// [`BookingStore::erase`](crate::store::BookingStore::erase)) and deletes its
    /// resume files. A file that cannot be deleted now stays retired, and the
    /// upload sweeper deletes it on a later pass. Erasing again succeeds and
    /// changes nothing.
    pub async fn erase(&self, token: &BookingToken) -> Result<Erased, ChangeError> {
        let now = self.clock().now();
        let (tombstone, upload_keys) = match self.bookings().erase(token, now).await? {
            Erasure::Erased {
                tombstone,
                upload_keys,
            } => (tombstone, upload_keys),
            Erasure::AlreadyErased(tombstone) => {
                return Ok(Erased {
                    tombstone,
                    now: false,
                    files_left: 0,
                });
            }
            Erasure::InProgress => return Err(ChangeError::InProgress),
            Erasure::NotFound => return Err(ChangeError::NotFound),
        };
        let mut files_left = 0;
        for key in &upload_keys {
            // Retired by the erasure: a file left here is the sweeper's.
            if !self.delete_retired_upload(key).await {
                files_left += 1;
            }
        }
        metrics::counter!("interview_erasures_total").increment(1);
        tracing::info!(token = ?tombstone.token, files = upload_keys.len(), files_left, "interview erased");
        Ok(Erased {
            tombstone,
            now: true,
            files_left,
        })
    }

    /// Whether the candidate may make `change` to `booking` (for `position`) at
    /// `now`: only a scheduled interview, not later than the position's notice
    /// before the start, and a move only while the position's limit on moves is
    /// not reached. Recruiters are not bound by this.
    pub fn candidate_may(
        booking: &Booking,
        position: &Position,
        change: CandidateChange,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), ChangeError> {
        if booking.status != BookingStatus::Scheduled {
            return Err(ChangeError::NotAllowed(booking.status));
        }
        let notice =
            chrono::TimeDelta::from_std(position.change_notice).unwrap_or(chrono::TimeDelta::MAX);
        if now
            .checked_add_signed(notice)
            .is_none_or(|latest| latest > booking.scheduled_at)
        {
            return Err(ChangeError::TooLate {
                notice: position.change_notice,
            });
        }
        if change == CandidateChange::Reschedule && booking.reschedules >= position.max_reschedules
        {
            return Err(ChangeError::LimitReached {
                limit: position.max_reschedules,
            });
        }
        Ok(())
    }

    /// The booking behind a candidate's link, its position, and whether they may
    /// make `change` now ([`SchedulingService::candidate_may`]).
    pub async fn candidate_view(
        &self,
        token: &BookingToken,
        change: CandidateChange,
    ) -> Result<(Booking, Position, Result<(), ChangeError>), ChangeError> {
        let booking = self
            .bookings()
            .get(token)
            .await?
            .ok_or(ChangeError::NotFound)?;
        let position = self.position_of(&booking).await?;
        let allowed = Self::candidate_may(&booking, &position, change, self.clock().now());
        Ok((booking, position, allowed))
    }

    /// A candidate moves their own interview, within the position's policy, as
    /// [`SchedulingService::reschedule`] does.
    pub async fn candidate_reschedule(
        &self,
        token: &BookingToken,
        datetime: &str,
        time_zone: Option<&str>,
    ) -> Result<ScheduledInterview, ChangeError> {
        let (booking, position, allowed) = self
            .candidate_view(token, CandidateChange::Reschedule)
            .await?;
        allowed?;
        self.move_booking(&booking, &position, datetime, time_zone)
            .await
    }

    /// A candidate cancels their own interview, within the position's notice.
    pub async fn candidate_cancel(&self, token: &BookingToken) -> Result<Cancelled, ChangeError> {
        let (_, _, allowed) = self.candidate_view(token, CandidateChange::Cancel).await?;
        allowed?;
        self.cancel(token).await
    }

    /// Erases, as [`SchedulingService::erase`] does, up to `limit` interviews
    /// scheduled longer than [`SchedulingSettings::retention`] before `now`
    /// (nothing without a retention): every status but in progress, whether the
    /// interview took place or not. Returns how many it erased; `limit` of them
    /// means more may wait.
    ///
    /// [`SchedulingSettings::retention`]: super::SchedulingSettings::retention
    pub async fn erase_expired(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        limit: usize,
    ) -> Result<usize, StoreError> {
        let Some(retention) = self.settings().retention else {
            return Ok(0);
        };
        let Some(before) = now.checked_sub_signed(retention) else {
            return Ok(0);
        };
        let mut erased = 0;
        for status in [
            BookingStatus::Scheduled,
            BookingStatus::Interrupted,
            BookingStatus::Completed,
            BookingStatus::Cancelled,
        ] {
            if erased >= limit {
                break;
            }
            let page = self
                .bookings()
                .list_interviews(&crate::store::InterviewQuery {
                    status: Some(crate::store::StatusFilter::Status(status)),
                    scheduled_before: Some(before),
                    limit: limit - erased,
                    ..crate::store::InterviewQuery::default()
                })
                .await?;
            for interview in page.interviews {
                match self.erase(interview.token()).await {
                    Ok(_) => erased += 1,
                    // Started or erased since it was listed: the next round sees it.
                    Err(ChangeError::InProgress | ChangeError::NotFound) => {}
                    Err(ChangeError::Store(error)) => return Err(error),
                    Err(other) => {
                        tracing::warn!(error = %other, "an expired interview was not erased");
                    }
                }
            }
        }
        if erased > 0 {
            tracing::info!(erased, "interviews past their retention erased");
        }
        Ok(erased)
    }

    /// The position `booking` was made for; the built-in position when the store
    /// no longer has it.
    pub async fn position_of(&self, booking: &Booking) -> Result<Position, StoreError> {
        Ok(self
            .bookings()
            .position(&booking.position_id)
            .await?
            .unwrap_or_else(|| self.built_in_position()))
    }
}
