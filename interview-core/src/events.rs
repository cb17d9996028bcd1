//! What the HR platform is told: events about bookings, interviews and
//! evaluations, in the Standard Webhooks payload shape
//! (`{"type", "timestamp", "data"}`).
//!
//! An event carries the booking's token, position, status and times, never the
//! candidate's name, contact details, resume or transcript: the platform reads
//! those through the API with its key.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use async_trait::async_trait;

use crate::random::{self, RandomnessError};
use crate::{Booking, BookingToken};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EventType {
    /// A candidate booked an interview.
    #[serde(rename = "booking.created")]
    BookingCreated,
    /// The interview moved to another time.
    #[serde(rename = "booking.rescheduled")]
    BookingRescheduled,
    /// The interview was cancelled (by the candidate or a recruiter).
    #[serde(rename = "booking.cancelled")]
    BookingCancelled,
    /// The candidate joined and the interview began.
    #[serde(rename = "interview.started")]
    InterviewStarted,
    /// The interview ended.
    #[serde(rename = "interview.completed")]
    InterviewCompleted,
    /// The evaluation is ready to read.
    #[serde(rename = "evaluation.ready")]
    EvaluationReady,
    /// No valid evaluation could be made; a person should review the interview.
    #[serde(rename = "evaluation.failed")]
    EvaluationFailed,
}

impl EventType {
    /// Every type.
    pub const ALL: [Self; 7] = [
        Self::BookingCreated,
        Self::BookingRescheduled,
        Self::BookingCancelled,
        Self::InterviewStarted,
        Self::InterviewCompleted,
        Self::EvaluationReady,
        Self::EvaluationFailed,
    ];

    /// The type's name (`booking.created`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BookingCreated => "booking.created",
            Self::BookingRescheduled => "booking.rescheduled",
            Self::BookingCancelled => "booking.cancelled",
            Self::InterviewStarted => "interview.started",
            Self::InterviewCompleted => "interview.completed",
            Self::EvaluationReady => "evaluation.ready",
            Self::EvaluationFailed => "evaluation.failed",
        }
    }

    /// The type named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a subscriber that wants `events` (`None`: all of them) wants events
/// of `kind`: the one filter the environment's endpoint and stored ones share.
pub fn wanted(events: Option<&[EventType]>, kind: EventType) -> bool {
    events.is_none_or(|events| events.contains(&kind))
}

/// What an event says about its booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventData {
    /// The booking's token (read the rest with `GET /api/v1/interviews/{token}`).
    pub token: String,
    /// The position it is for.
    pub position_id: String,
    /// Its status after the event (`scheduled`, `cancelled`, ...).
    pub status: String,
    /// When the interview is scheduled (after a move, the new time).
    pub scheduled_at: DateTime<Utc>,
    /// When it was booked.
    pub created_at: DateTime<Utc>,
    /// How many times it was moved.
    pub reschedules: u32,
    /// Where its evaluation stands (`pending`, `ready`, `failed`, `not_available`).
    pub evaluation_status: String,
}

impl EventData {
    /// What an event says about `booking`.
    pub fn of(booking: &Booking) -> Self {
        Self {
            token: booking.token.to_string(),
            position_id: booking.position_id.to_string(),
            status: booking.status.as_str().to_owned(),
            scheduled_at: booking.scheduled_at,
            created_at: booking.created_at,
            reschedules: booking.reschedules,
            evaluation_status: booking.evaluation_status.as_str().to_owned(),
        }
    }
}

/// One event, with the id receivers deduplicate by (`webhook-id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformEvent {
    /// `msg_` and 32 hex digits; the same on every delivery attempt.
    pub id: String,
    /// What happened.
    #[serde(rename = "type")]
    pub kind: EventType,
    /// When it happened.
    pub timestamp: DateTime<Utc>,
    /// About which booking.
    pub data: EventData,
}

/// The body a receiver gets: the event without its id (which travels in the
/// `webhook-id` header).
#[derive(Serialize)]
struct Payload<'a> {
    #[serde(rename = "type")]
    kind: EventType,
    timestamp: &'a DateTime<Utc>,
    data: &'a EventData,
}

impl PlatformEvent {
    /// A new event of `kind` about `booking` at `at`, with a fresh id.
    pub fn new(
        kind: EventType,
        booking: &Booking,
        at: DateTime<Utc>,
    ) -> Result<Self, RandomnessError> {
        Ok(Self {
            id: format!("msg_{}", random::hex_string(16)?),
            kind,
            timestamp: at,
            data: EventData::of(booking),
        })
    }

    /// The JSON body delivered: `{"type", "timestamp", "data"}`.
    pub fn body(&self) -> String {
        let payload = Payload {
            kind: self.kind,
            timestamp: &self.timestamp,
            data: &self.data,
        };
        // Serialising plain strings, numbers and times into a String cannot fail.
        serde_json::to_string(&payload).unwrap_or_default()
    }
}

/// Tells the HR platform what happened to a booking. The interview session uses
/// it for `interview.*` and `evaluation.*`; the scheduling service implements it
/// (queueing a delivery per subscribed endpoint), and does nothing without a
/// queue or an endpoint.
#[async_trait]
pub trait EventPublisher: Send + Sync {
    /// Publishes an event of `kind` about the booking with `token`, as it is now.
    /// Failures are the publisher's to log: an event never stops an interview.
    async fn publish(&self, kind: EventType, token: &BookingToken);
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::{BookingToken, EmailAddress, EvaluationStatus, PersonName, PhoneNumber};

    fn booking() -> Booking {
        Booking {
            token: BookingToken::generate().unwrap(),
            position_id: crate::position::default_position_id(),
            name: PersonName::parse("Zoë O'Brien").unwrap(),
            email: EmailAddress::parse("zoe@example.com").unwrap(),
            phone: PhoneNumber::parse("+44 20 7946 0958").unwrap(),
            scheduled_at: Utc.with_ymd_and_hms(2030, 3, 2, 9, 0, 0).unwrap(),
            time_zone: None,
            resume_text: Some("Secret resume".into()),
            resume_url: Some("/resumes/x.pdf".into()),
            status: crate::BookingStatus::Scheduled,
            evaluation_status: EvaluationStatus::Pending,
            reschedules: 0,
            created_at: Utc.with_ymd_and_hms(2030, 3, 1, 9, 0, 0).unwrap(),
        }
    }

    #[test]
    fn the_body_has_the_standard_shape_and_nothing_personal() {
        let booking = booking();
        let at = Utc.with_ymd_and_hms(2030, 3, 1, 9, 0, 5).unwrap();
        let event = PlatformEvent::new(EventType::BookingCreated, &booking, at).unwrap();
        assert!(event.id.starts_with("msg_") && event.id.len() == 36);
        let body: serde_json::Value = serde_json::from_str(&event.body()).unwrap();
        assert_eq!(body["type"], "booking.created");
        assert_eq!(body["timestamp"], "2030-03-01T09:00:05Z");
        assert_eq!(body["data"]["token"], booking.token.as_str());
        assert_eq!(body["data"]["status"], "scheduled");
        let text = event.body();
        for personal in [
            "Zoë",
            "zoe@example.com",
            "7946",
            "Secret resume",
            "/resumes/",
        ] {
            assert!(!text.contains(personal), "{personal} in {text}");
        }
        // Stored as a whole (for a queued delivery) and read back equal.
        let stored = serde_json::to_string(&event).unwrap();
        assert_eq!(
            serde_json::from_str::<PlatformEvent>(&stored).unwrap(),
            event
        );
    }

    #[test]
    fn types_read_back_from_their_names() {
        for kind in EventType::ALL {
            assert_eq!(EventType::parse(kind.as_str()), Some(kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::json!(kind.as_str())
            );
        }
        assert_eq!(EventType::parse("booking.deleted"), None);
    }
}
