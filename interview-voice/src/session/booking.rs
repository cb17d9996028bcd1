//! Who the interview is for, as resolved by whoever starts the session.

use chrono::{DateTime, Utc};
use interview_core::position::Position;
use interview_core::store::PositionStore;
use interview_core::{Booking, BookingToken, PersonName};

/// The booking an interview is for, already resolved by whoever starts the
/// session: the web layer has the [`Booking`] itself; a LiveKit job reads it from
/// the store by the token in the room metadata. The session takes it as given and
/// reads nothing else about the candidate.
///
/// A room with no booking ([`SessionBooking::none`]) still gets an interview:
/// nothing is stored, the greeting names no one and there is no resume.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SessionBooking {
    /// The booking whose status, transcript and evaluation the session writes to
    /// the store; without one, the report is the only record.
    pub token: Option<BookingToken>,
    /// The candidate's name; the greeting uses the first name.
    pub candidate_name: Option<PersonName>,
    /// The resume as extracted, whole: the session cuts it to
    /// [`SessionConfig::max_resume_length`](super::SessionConfig::max_resume_length)
    /// characters before the model sees it.
    pub resume_text: Option<String>,
    /// When the interview is scheduled: with the window
    /// ([`SessionConfig::window`](super::SessionConfig::window)) it says until when
    /// a candidate whose connection dropped can come back and resume.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// The booking's position, read from the store by whoever starts the session;
    /// `None`: the session's configured position
    /// ([`SessionConfig::position`](super::SessionConfig::position)).
    pub position: Option<Position>,
}

impl SessionBooking {
    /// No booking: an interview that is neither stored nor personalised.
    pub fn none() -> Self {
        Self::default()
    }

    /// `booking` with its position read from `store` (its id's position). A
    /// position the store does not have, or cannot read, leaves it `None`: the
    /// session's configured position then applies.
    pub async fn with_position_from(booking: &Booking, store: &dyn PositionStore) -> Self {
        let mut resolved = Self::from(booking);
        match store.position(&booking.position_id).await {
            Ok(found) => resolved.position = found,
            Err(error) => tracing::warn!(
                position = booking.position_id.as_str(),
                %error,
                "could not read the booking's position; the configured one applies"
            ),
        }
        resolved
    }

    /// The first word of the candidate's name, for the greeting.
    pub fn first_name(&self) -> Option<&str> {
        self.candidate_name
            .as_ref()
            .and_then(|name| name.as_str().split_whitespace().next())
    }
}

impl From<&Booking> for SessionBooking {
    fn from(booking: &Booking) -> Self {
        Self {
            token: Some(booking.token.clone()),
            candidate_name: Some(booking.name.clone()),
            resume_text: booking.resume_text.clone(),
            scheduled_at: Some(booking.scheduled_at),
            position: None,
        }
    }
}

/// The name and the resume are personal data and stay out of logs: only whether
/// they are there (and the token as its own `Debug` shows it, shortened).
impl std::fmt::Debug for SessionBooking {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionBooking")
            .field("token", &self.token)
            .field("candidate_name", &self.candidate_name.is_some())
            .field(
                "resume_chars",
                &self.resume_text.as_ref().map(|r| r.chars().count()),
            )
            .field("scheduled_at", &self.scheduled_at)
            .field("position", &self.position.as_ref().map(|p| p.id.as_str()))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use interview_core::{BookingStatus, EmailAddress, EvaluationStatus, PhoneNumber};

    use super::*;

    fn booking() -> Option<Booking> {
        let at = Utc.with_ymd_and_hms(2030, 1, 15, 9, 0, 0).single()?;
        Some(Booking {
            token: BookingToken::generate().ok()?,
            position_id: interview_core::position::default_position_id(),
            name: PersonName::parse("Priya Anand Sharma").ok()?,
            email: EmailAddress::parse("priya@example.com").ok()?,
            phone: PhoneNumber::parse("5551234567").ok()?,
            scheduled_at: at,
            time_zone: None,
            resume_text: Some("Secret resume line".to_owned()),
            resume_url: None,
            status: BookingStatus::Scheduled,
            evaluation_status: EvaluationStatus::Pending,
            reschedules: 0,
            created_at: at,
        })
    }

    #[test]
    fn a_booking_gives_its_token_name_and_whole_resume() {
        let booking = booking().expect("a valid booking");
        let resolved = SessionBooking::from(&booking);
        assert_eq!(resolved.token.as_ref(), Some(&booking.token));
        assert_eq!(resolved.first_name(), Some("Priya"));
        assert_eq!(resolved.resume_text, booking.resume_text);
    }

    #[test]
    fn no_booking_has_nothing() {
        let none = SessionBooking::none();
        assert!(none.token.is_none() && none.resume_text.is_none());
        assert_eq!(none.first_name(), None);
    }

    #[test]
    fn debug_shows_neither_the_name_nor_the_resume_nor_the_whole_token() {
        let booking = booking().expect("a valid booking");
        let shown = format!("{:?}", SessionBooking::from(&booking));
        assert!(!shown.contains("Priya"), "{shown}");
        assert!(!shown.contains("Secret"), "{shown}");
        assert!(!shown.contains(booking.token.as_str()), "{shown}");
        assert!(shown.contains("resume_chars: Some(18)"), "{shown}");
    }
}
