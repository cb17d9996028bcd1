//! Reading many interviews at once (the recruiter's list), and what is left of
//! an interview after it is erased.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::position::PositionId;
use crate::{Booking, BookingStatus, BookingToken};

/// The most interviews one page of a listing holds.
pub const MAX_PAGE_SIZE: usize = 200;
/// The longest free-text filter, in characters.
pub const MAX_SEARCH_CHARS: usize = 200;

/// Which interviews a listing holds, and from where it starts.
///
/// Listings are ordered by scheduled time, latest first, then by token
/// (descending), so a page boundary is a stable place to continue from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterviewQuery {
    /// Only interviews in this status (erased ones only with
    /// [`StatusFilter::Erased`]); all of them when `None`.
    pub status: Option<StatusFilter>,
    /// Only interviews for this position.
    pub position: Option<PositionId>,
    /// Only interviews scheduled at or after this time.
    pub scheduled_from: Option<DateTime<Utc>>,
    /// Only interviews scheduled before this time.
    pub scheduled_before: Option<DateTime<Utc>>,
    /// Only interviews whose candidate's name or e-mail address contains this
    /// text, without regard to case (PostgreSQL folds every letter; SQLite folds
    /// ASCII letters only). Erased interviews have neither, so never match.
    pub text: Option<String>,
    /// Continue after this interview (the previous page's [`InterviewPage::next`]).
    pub after: Option<Cursor>,
    /// At most this many interviews (1 to [`MAX_PAGE_SIZE`]).
    pub limit: usize,
}

impl Default for InterviewQuery {
    fn default() -> Self {
        Self {
            status: None,
            position: None,
            scheduled_from: None,
            scheduled_before: None,
            text: None,
            after: None,
            limit: 50,
        }
    }
}

impl InterviewQuery {
    /// Whether `interview` passes the filters (not the cursor): what every
    /// store's query means, written once for stores that filter in memory.
    pub fn matches(&self, interview: &StoredInterview) -> bool {
        let status_ok = match (&self.status, interview) {
            (None, _) => true,
            (Some(StatusFilter::Erased), StoredInterview::Erased(_)) => true,
            (Some(StatusFilter::Status(status)), StoredInterview::Live(booking)) => {
                booking.status == *status
            }
            _ => false,
        };
        let at = interview.scheduled_at();
        let text_ok = match (&self.text, interview) {
            (None, _) => true,
            (Some(text), StoredInterview::Live(booking)) => {
                let text = text.to_lowercase();
                booking.name.as_str().to_lowercase().contains(&text)
                    || booking.email.as_str().to_lowercase().contains(&text)
            }
            (Some(_), StoredInterview::Erased(_)) => false,
        };
        status_ok
            && text_ok
            && self
                .position
                .as_ref()
                .is_none_or(|id| id == interview.position_id())
            && self.scheduled_from.is_none_or(|from| at >= from)
            && self.scheduled_before.is_none_or(|before| at < before)
    }

    /// Whether `interview` comes after the cursor in the listing's order.
    pub fn is_after_cursor(&self, interview: &StoredInterview) -> bool {
        self.after.as_ref().is_none_or(|cursor| {
            (interview.scheduled_at(), interview.token()) < (cursor.scheduled_at, &cursor.token)
        })
    }
}

/// A status to list: one of a live booking's, or erased.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    /// Bookings in this status (erased ones excluded).
    Status(BookingStatus),
    /// Erased interviews.
    Erased,
}

impl StatusFilter {
    /// The status named `name` (`scheduled`, ..., `erased`).
    pub fn parse(name: &str) -> Option<Self> {
        if name == "erased" {
            return Some(Self::Erased);
        }
        name.parse().ok().map(Self::Status)
    }
}

/// Where a listing continues: the last interview of the previous page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// Its scheduled time.
    pub scheduled_at: DateTime<Utc>,
    /// Its token.
    pub token: BookingToken,
}

impl Cursor {
    /// The cursor as an opaque string for a URL: `{microseconds}.{token}`.
    pub fn encode(&self) -> String {
        format!(
            "{}.{}",
            self.scheduled_at.timestamp_micros(),
            self.token.as_str()
        )
    }

    /// The cursor from [`Cursor::encode`]'s string; `None` when it is not one.
    pub fn decode(input: &str) -> Option<Self> {
        let (micros, token) = input.split_once('.')?;
        let micros: i64 = micros.parse().ok()?;
        Some(Self {
            scheduled_at: DateTime::from_timestamp_micros(micros)?,
            token: BookingToken::parse(token).ok()?,
        })
    }
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterviewPage {
    /// The interviews, in the listing's order.
    pub interviews: Vec<StoredInterview>,
    /// Where the next page starts, when there may be one.
    pub next: Option<Cursor>,
}

impl InterviewPage {
    /// A page of `limit` from `interviews` that were fetched with one extra (so
    /// that a full page knows whether another follows).
    pub fn from_fetched(mut interviews: Vec<StoredInterview>, limit: usize) -> Self {
        let more = interviews.len() > limit;
        interviews.truncate(limit);
        let next = more
            .then(|| interviews.last().map(StoredInterview::cursor))
            .flatten();
        Self { interviews, next }
    }
}

/// An interview as a listing holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredInterview {
    /// A booking with its candidate's data (listings leave `resume_text` out).
    Live(Booking),
    /// What is left after erasure.
    Erased(Tombstone),
}

impl StoredInterview {
    /// Its token.
    pub fn token(&self) -> &BookingToken {
        match self {
            Self::Live(booking) => &booking.token,
            Self::Erased(tombstone) => &tombstone.token,
        }
    }

    /// When it is (or was) scheduled.
    pub fn scheduled_at(&self) -> DateTime<Utc> {
        match self {
            Self::Live(booking) => booking.scheduled_at,
            Self::Erased(tombstone) => tombstone.scheduled_at,
        }
    }

    /// Its position.
    pub fn position_id(&self) -> &PositionId {
        match self {
            Self::Live(booking) => &booking.position_id,
            Self::Erased(tombstone) => &tombstone.position_id,
        }
    }

    /// A cursor that continues after it.
    pub fn cursor(&self) -> Cursor {
        Cursor {
            scheduled_at: self.scheduled_at(),
            token: self.token().clone(),
        }
    }
}

/// What is kept of an erased interview: nothing about the candidate.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tombstone {
    /// The token of the interview link (which no longer opens anything).
    pub token: BookingToken,
    /// The position it was for.
    pub position_id: PositionId,
    /// When it was scheduled.
    pub scheduled_at: DateTime<Utc>,
    /// When it was booked.
    pub created_at: DateTime<Utc>,
    /// When it was erased.
    pub erased_at: DateTime<Utc>,
}

impl fmt::Debug for Tombstone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tombstone")
            .field("token", &self.token)
            .field("position_id", &self.position_id)
            .field("erased_at", &self.erased_at)
            .finish_non_exhaustive()
    }
}

/// The outcome of [`BookingStore::erase`](super::BookingStore::erase).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Erasure {
    /// Erased now. The uploads the booking had claimed are retired with their
    /// text removed: their files are to be deleted (the sweeper deletes any the
    /// caller could not).
    Erased {
        /// What is left.
        tombstone: Tombstone,
        /// The resume store's keys of the booking's files.
        upload_keys: Vec<String>,
    },
    /// It had been erased before: nothing changed.
    AlreadyErased(Tombstone),
    /// A live session holds the interview: nothing changed (erase it after it
    /// ends).
    InProgress,
    /// No booking has this token.
    NotFound,
}

/// The outcome of [`BookingStore::reschedule`](super::BookingStore::reschedule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rescheduled {
    /// Moved: the booking as it is now.
    Moved(Box<Booking>),
    /// Only a scheduled interview can be moved; it is in this status.
    NotScheduled(BookingStatus),
    /// No booking has this token (or it was erased).
    NotFound,
}
