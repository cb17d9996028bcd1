//! The booking state machine as stores run it: every move is a compare-and-swap on
//! the booking's [`InterviewState`], so of two racing callers (two browser tabs,
//! two server instances, a webhook and a session) exactly one wins.
//!
//! A store provides two primitives, [`BookingStore::interview_state`] and
//! [`BookingStore::replace_interview_state`]; the moves themselves
//! ([`transition`](BookingStore::transition), [`claim`](BookingStore::claim),
//! [`renew`](BookingStore::renew), [`release`](BookingStore::release)) are written
//! once, here, on top of them.
//!
//! A live session holds an interview with a [`Lease`] that it renews while it runs.
//! A session that dies (a crashed process) stops renewing; once its lease has run
//! out, another session may claim the interview and resume it.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{BookingStore, StoreError};
use crate::jobs::{JobStore, NewJob};
use crate::{BookingStatus, BookingToken};

/// How often a compare-and-swap is retried when another caller changed the state
/// in between, before the store is reported as too busy.
const MAX_ATTEMPTS: usize = 16;

/// A live session's hold on an interview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// Who holds it (a random id per session).
    pub holder: String,
    /// When it runs out unless renewed.
    pub until: DateTime<Utc>,
}

/// The part of a booking the state machine moves, with the version every
/// compare-and-swap checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterviewState {
    /// The booking's status.
    pub status: BookingStatus,
    /// The live session's hold, while the interview is in progress.
    pub lease: Option<Lease>,
    /// The interview's time so far (time the candidate was connected), kept so a
    /// resumed interview carries on from it.
    pub elapsed: Duration,
    /// Incremented by every change; a swap succeeds only from the version read.
    pub version: u64,
}

impl InterviewState {
    /// The state of a booking just created.
    pub fn new(status: BookingStatus) -> Self {
        Self {
            status,
            lease: None,
            elapsed: Duration::ZERO,
            version: 0,
        }
    }
}

/// What a [`BookingStore::transition`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// The booking moved, from this status.
    Moved {
        /// Where it was.
        from: BookingStatus,
    },
    /// The state machine does not allow the move from where the booking is.
    Refused {
        /// Where it is.
        current: BookingStatus,
    },
}

/// What a [`BookingStore::claim`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The interview is the caller's until its lease runs out.
    Claimed {
        /// Where it was: scheduled (a first start), interrupted (a resumption), or
        /// in progress under a lease that had run out (a session that died).
        from: BookingStatus,
        /// The interview's time so far.
        elapsed: Duration,
    },
    /// Another live session holds it.
    Busy {
        /// Until when, unless renewed.
        until: DateTime<Utc>,
    },
    /// It cannot be held: completed or cancelled.
    Refused {
        /// Where it is.
        current: BookingStatus,
    },
}

/// What to do with a state read: a new state to swap in, or an answer.
enum Step<T> {
    Swap(InterviewState, T),
    Answer(T),
}

/// Reads, decides with `decide`, and swaps until the swap succeeds (or there is
/// nothing to swap).
async fn change<S, T>(
    store: &S,
    token: &BookingToken,
    decide: impl Fn(&InterviewState) -> Step<T>,
) -> Result<T, StoreError>
where
    S: BookingStore + ?Sized,
{
    change_with(store, token, decide, None).await
}

/// [`change`] whose swap also enqueues jobs, when `with_jobs` names a job store
/// and the jobs: written in the swap's transaction.
async fn change_with<S, T>(
    store: &S,
    token: &BookingToken,
    decide: impl Fn(&InterviewState) -> Step<T>,
    with_jobs: Option<(&dyn JobStore, &[NewJob])>,
) -> Result<T, StoreError>
where
    S: BookingStore + ?Sized,
{
    for _ in 0..MAX_ATTEMPTS {
        let current = store
            .interview_state(token)
            .await?
            .ok_or(StoreError::NotFound)?;
        match decide(&current) {
            Step::Answer(answer) => return Ok(answer),
            Step::Swap(next, answer) => {
                let swapped = match with_jobs {
                    None => {
                        store
                            .replace_interview_state(token, current.version, &next)
                            .await?
                    }
                    Some((jobs, queued)) => {
                        jobs.replace_interview_state_with_jobs(
                            token,
                            current.version,
                            &next,
                            queued,
                        )
                        .await?
                    }
                };
                if swapped {
                    return Ok(answer);
                }
            }
        }
    }
    Err(StoreError::Backend(
        "the booking's state kept changing under concurrent updates".into(),
    ))
}

/// The state after a move to `to`: no lease outside `in_progress`.
fn moved(current: &InterviewState, to: BookingStatus) -> InterviewState {
    InterviewState {
        status: to,
        lease: None,
        elapsed: current.elapsed,
        version: current.version,
    }
}

pub(super) async fn transition<S: BookingStore + ?Sized>(
    store: &S,
    token: &BookingToken,
    to: BookingStatus,
) -> Result<Transition, StoreError> {
    transition_with(store, token, to, None).await
}

/// [`BookingStore::transition`] that, when the booking moves, also enqueues
/// `with_jobs`' jobs in the move's transaction (see
/// [`JobStore::replace_interview_state_with_jobs`]): how a cancellation and its
/// message are written together.
pub async fn transition_with<S: BookingStore + ?Sized>(
    store: &S,
    token: &BookingToken,
    to: BookingStatus,
    with_jobs: Option<(&dyn JobStore, &[NewJob])>,
) -> Result<Transition, StoreError> {
    change_with(
        store,
        token,
        |current| {
            if current.status.can_move_to(to) {
                Step::Swap(
                    moved(current, to),
                    Transition::Moved {
                        from: current.status,
                    },
                )
            } else {
                Step::Answer(Transition::Refused {
                    current: current.status,
                })
            }
        },
        with_jobs,
    )
    .await
}

pub(super) async fn claim<S: BookingStore + ?Sized>(
    store: &S,
    token: &BookingToken,
    lease: &Lease,
    now: DateTime<Utc>,
) -> Result<Claim, StoreError> {
    change(store, token, |current| {
        let claimable = match (current.status, &current.lease) {
            (BookingStatus::InProgress, Some(held)) if held.holder == lease.holder => true,
            (BookingStatus::InProgress, Some(held)) if held.until > now => {
                return Step::Answer(Claim::Busy { until: held.until });
            }
            // A lease that ran out, or none (a webhook moved it): nobody holds it.
            (BookingStatus::InProgress, _) => true,
            (status, _) => status.can_move_to(BookingStatus::InProgress),
        };
        if !claimable {
            return Step::Answer(Claim::Refused {
                current: current.status,
            });
        }
        Step::Swap(
            InterviewState {
                status: BookingStatus::InProgress,
                lease: Some(lease.clone()),
                elapsed: current.elapsed,
                version: current.version,
            },
            Claim::Claimed {
                from: current.status,
                elapsed: current.elapsed,
            },
        )
    })
    .await
}

pub(super) async fn renew<S: BookingStore + ?Sized>(
    store: &S,
    token: &BookingToken,
    lease: &Lease,
    elapsed: Duration,
) -> Result<bool, StoreError> {
    change(store, token, |current| {
        let holds = current.status == BookingStatus::InProgress
            && current
                .lease
                .as_ref()
                .is_some_and(|held| held.holder == lease.holder);
        if !holds {
            return Step::Answer(false);
        }
        Step::Swap(
            InterviewState {
                status: BookingStatus::InProgress,
                lease: Some(lease.clone()),
                elapsed,
                version: current.version,
            },
            true,
        )
    })
    .await
}

pub(super) async fn release<S: BookingStore + ?Sized>(
    store: &S,
    token: &BookingToken,
    holder: &str,
    to: BookingStatus,
    elapsed: Duration,
) -> Result<Transition, StoreError> {
    change(store, token, |current| {
        let holds = current.status == BookingStatus::InProgress
            && current
                .lease
                .as_ref()
                .is_some_and(|held| held.holder == holder);
        if !holds || !current.status.can_move_to(to) {
            return Step::Answer(Transition::Refused {
                current: current.status,
            });
        }
        Step::Swap(
            InterviewState {
                status: to,
                lease: None,
                elapsed,
                version: current.version,
            },
            Transition::Moved {
                from: current.status,
            },
        )
    })
    .await
}
