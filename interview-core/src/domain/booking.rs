//! A booked interview: what the candidate asked for, validated, and the record kept.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::position::{PositionId, default_position_id};

use super::{
    BookingToken, EmailAddress, Field, FieldError, PersonName, PhoneNumber, ScheduledTime,
    SchedulingRules, ValidationErrors,
};

/// The longest resume URL accepted.
pub const MAX_RESUME_URL_CHARS: usize = 2048;

/// The body of `POST /api/schedule-interview`, as received: every field optional so
/// that a missing one is reported next to its field instead of as a parse failure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ScheduleRequest {
    /// The candidate's name.
    #[serde(default)]
    pub name: Option<String>,
    /// The candidate's e-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// The candidate's phone number.
    #[serde(default)]
    pub phone: Option<String>,
    /// RFC 3339 with an offset, or a local date-time with [`Self::time_zone`].
    #[serde(default)]
    pub datetime: Option<String>,
    /// The candidate's IANA time zone (the browser's), e.g. `"Asia/Kolkata"`.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// The URL `upload-resume` returned. The scheduling service books only a
    /// resume this server stored and no other booking claimed.
    #[serde(default)]
    pub resume_url: Option<String>,
    /// The text `upload-resume` returned. Checked for length, then ignored by the
    /// scheduling service: the booking takes the server's own extraction.
    #[serde(default)]
    pub resume_text: Option<String>,
    /// The position applied for, by URL slug or id; left out: the default
    /// position (the only open one, or `default`).
    #[serde(default)]
    pub position: Option<String>,
}

/// A validated booking request: every field parsed, the time checked against "now".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBooking {
    /// The candidate's name.
    pub name: PersonName,
    /// The candidate's e-mail address.
    pub email: EmailAddress,
    /// The candidate's phone number.
    pub phone: PhoneNumber,
    /// When the interview takes place, and the candidate's zone.
    pub scheduled: ScheduledTime,
    /// The resume's text, if any was extracted.
    pub resume_text: Option<String>,
    /// Where the resume file is stored, if one was uploaded.
    pub resume_url: Option<String>,
    /// The position applied for: the default position's id until the scheduling
    /// service resolves the request's position.
    pub position_id: PositionId,
}

impl NewBooking {
    /// Validates a request at `now`, reporting every field that is wrong at once.
    pub fn parse(
        request: &ScheduleRequest,
        now: DateTime<Utc>,
        rules: &SchedulingRules,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = Vec::new();
        let text = |value: &Option<String>| value.as_deref().unwrap_or("").to_owned();

        let name = keep(&mut errors, PersonName::parse(&text(&request.name)));
        let email = keep(&mut errors, EmailAddress::parse(&text(&request.email)));
        let phone = keep(
            &mut errors,
            PhoneNumber::parse_in(&text(&request.phone), rules.phone_region),
        );
        let scheduled = keep(
            &mut errors,
            ScheduledTime::parse(
                &text(&request.datetime),
                request.time_zone.as_deref(),
                now,
                rules,
            ),
        );
        let resume_url = keep(&mut errors, parse_resume_url(request.resume_url.as_deref()));
        let resume_text = keep(
            &mut errors,
            parse_resume_text(request.resume_text.as_deref(), rules.max_resume_text_chars),
        );

        match (name, email, phone, scheduled, resume_url, resume_text) {
            (
                Some(name),
                Some(email),
                Some(phone),
                Some(scheduled),
                Some(resume_url),
                Some(resume_text),
            ) => Ok(Self {
                name,
                email,
                phone,
                scheduled,
                resume_text,
                resume_url,
                position_id: default_position_id(),
            }),
            _ => Err(ValidationErrors::from_vec(errors).unwrap_or_else(|| {
                // Unreachable: a missing value always pushed its error.
                FieldError::new(Field::Name, "invalid request").into()
            })),
        }
    }
}

/// The value, or `None` with its error kept.
fn keep<T>(errors: &mut Vec<FieldError>, result: Result<T, FieldError>) -> Option<T> {
    result.map_err(|error| errors.push(error)).ok()
}

fn parse_resume_url(input: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(url) = input.map(str::trim).filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    let invalid = || FieldError::new(Field::ResumeUrl, "The resume URL is not valid.");
    if url.chars().count() > MAX_RESUME_URL_CHARS || url.chars().any(char::is_control) {
        return Err(invalid());
    }
    // Either a path on this server (the local resume store) or an http(s) URL
    // (Supabase Storage or an integrator's store).
    let is_local_path = url.starts_with('/') && !url.starts_with("//");
    let is_web_url = url::Url::parse(url)
        .is_ok_and(|parsed| matches!(parsed.scheme(), "http" | "https") && parsed.has_host());
    if is_local_path || is_web_url {
        Ok(Some(url.to_owned()))
    } else {
        Err(invalid())
    }
}

fn parse_resume_text(input: Option<&str>, max_chars: usize) -> Result<Option<String>, FieldError> {
    let Some(text) = input.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let length = text.chars().count();
    if length > max_chars {
        return Err(FieldError::new(
            Field::ResumeText,
            format!("The resume text is too long ({length} characters; at most {max_chars})."),
        ));
    }
    Ok(Some(text.to_owned()))
}

/// Where a booking is in its life: a state machine whose allowed moves are
/// [`BookingStatus::can_move_to`]'s.
///
/// ```text
/// scheduled ──> in_progress ──> completed
///     │            │  ^
///     │            v  │
///     │         interrupted ──> completed
///     v            │
/// cancelled <──────┘
/// ```
///
/// An interview is `in_progress` while a live session holds it, `interrupted`
/// when the candidate's connection dropped (it resumes when they come back), and
/// `completed` only when the interviewer closed it (goodbye, time limit, or the
/// window's end with answers given). `completed` and `cancelled` are final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BookingStatus {
    /// Booked; the interview has not started.
    Scheduled,
    /// A live session holds the interview.
    InProgress,
    /// The interview started and the candidate's connection dropped; it resumes
    /// where it stopped when they come back within the window.
    Interrupted,
    /// The interview ended: it cannot be joined again.
    Completed,
    /// Cancelled before it took place.
    Cancelled,
}

impl BookingStatus {
    /// Every status, in life order.
    pub const ALL: [Self; 5] = [
        Self::Scheduled,
        Self::InProgress,
        Self::Interrupted,
        Self::Completed,
        Self::Cancelled,
    ];

    /// The name stored in databases (`"scheduled"`, `"in_progress"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::InProgress => "in_progress",
            Self::Interrupted => "interrupted",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
        }
    }

    /// Whether nothing can follow: completed and cancelled.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Cancelled)
    }

    /// The statuses a booking may come to `self` from.
    pub fn allowed_from(self) -> &'static [Self] {
        match self {
            Self::Scheduled => &[],
            Self::InProgress => &[Self::Scheduled, Self::Interrupted],
            Self::Interrupted => &[Self::InProgress],
            Self::Completed => &[Self::InProgress, Self::Interrupted],
            Self::Cancelled => &[Self::Scheduled, Self::Interrupted],
        }
    }

    /// Whether a booking in `self` may move to `to`. Staying put is not a move.
    pub fn can_move_to(self, to: Self) -> bool {
        to.allowed_from().contains(&self)
    }
}

impl fmt::Display for BookingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a booking's evaluation stands.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "state", content = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EvaluationStatus {
    /// Not made yet: the interview has not ended.
    Pending,
    /// Made and stored.
    Ready,
    /// The model could not give a valid evaluation; why.
    Failed(String),
    /// There is none to make, and why (no answers from the candidate, an offline
    /// interviewer).
    NotAvailable(String),
}

impl EvaluationStatus {
    /// The name stored in databases (`"pending"`, `"ready"`, `"failed"`,
    /// `"not_available"`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Ready => "ready",
            Self::Failed(_) => "failed",
            Self::NotAvailable(_) => "not_available",
        }
    }

    /// The reason of a failed or unavailable evaluation.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::Failed(reason) | Self::NotAvailable(reason) => Some(reason),
            Self::Pending | Self::Ready => None,
        }
    }

    /// The status from its stored name and reason.
    pub fn from_parts(name: &str, reason: Option<String>) -> Result<Self, UnknownStatus> {
        let reason = || reason.clone().unwrap_or_default();
        match name {
            "pending" => Ok(Self::Pending),
            "ready" => Ok(Self::Ready),
            "failed" => Ok(Self::Failed(reason())),
            "not_available" => Ok(Self::NotAvailable(reason())),
            other => Err(UnknownStatus(other.to_owned())),
        }
    }
}

/// A status name that is not one of [`BookingStatus::as_str`]'s (or
/// [`EvaluationStatus::as_str`]'s).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown booking status {0:?}")]
pub struct UnknownStatus(pub String);

impl FromStr for BookingStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

/// A stored interview booking (the original's `interview_bookings` row, plus a status
/// and the candidate's time zone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Booking {
    /// The token in the interview link; the primary key.
    pub token: BookingToken,
    /// The position the candidate applied for (bookings made before positions
    /// existed belong to the default position).
    pub position_id: PositionId,
    /// The candidate's name.
    pub name: PersonName,
    /// The candidate's e-mail address.
    pub email: EmailAddress,
    /// The candidate's phone number.
    pub phone: PhoneNumber,
    /// When the interview takes place.
    pub scheduled_at: DateTime<Utc>,
    /// The candidate's IANA time zone, when known.
    #[serde(serialize_with = "serialize_zone")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub time_zone: Option<Tz>,
    /// The resume's extracted text.
    pub resume_text: Option<String>,
    /// Where the resume file is stored.
    pub resume_url: Option<String>,
    /// Where the booking is in its life.
    pub status: BookingStatus,
    /// Where its evaluation stands.
    pub evaluation_status: EvaluationStatus,
    /// How many times the interview was moved to another time: what the
    /// position's rescheduling policy counts, and the calendar event's revision.
    pub reschedules: u32,
    /// When the booking was made.
    pub created_at: DateTime<Utc>,
}

fn serialize_zone<S: serde::Serializer>(
    zone: &Option<Tz>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match zone {
        Some(zone) => serializer.serialize_some(zone.name()),
        None => serializer.serialize_none(),
    }
}

impl Booking {
    /// A new booking record in the [`BookingStatus::Scheduled`] state.
    pub fn new(token: BookingToken, booking: NewBooking, created_at: DateTime<Utc>) -> Self {
        Self {
            token,
            position_id: booking.position_id,
            name: booking.name,
            email: booking.email,
            phone: booking.phone,
            scheduled_at: booking.scheduled.at(),
            time_zone: booking.scheduled.zone(),
            resume_text: booking.resume_text,
            resume_url: booking.resume_url,
            status: BookingStatus::Scheduled,
            evaluation_status: EvaluationStatus::Pending,
            reschedules: 0,
            created_at,
        }
    }

    /// The scheduled time with the candidate's zone.
    pub fn scheduled(&self) -> ScheduledTime {
        ScheduledTime::from_parts(self.scheduled_at, self.time_zone)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 3, 1, 12, 0, 0).unwrap()
    }

    fn valid() -> ScheduleRequest {
        ScheduleRequest {
            name: Some("José Núñez".into()),
            email: Some("jose@example.com".into()),
            phone: Some("(555) 123-4567".into()),
            datetime: Some("2030-03-02T14:30".into()),
            time_zone: Some("Asia/Kolkata".into()),
            resume_url: Some("/resumes/1700000000_ab12.pdf".into()),
            resume_text: Some("  Rust engineer, 5 years.  ".into()),
            position: None,
        }
    }

    #[test]
    fn a_valid_request_parses_every_field() {
        let booking = NewBooking::parse(&valid(), now(), &SchedulingRules::default()).unwrap();
        assert_eq!(booking.name.as_str(), "José Núñez");
        assert_eq!(booking.phone.as_str(), "+15551234567");
        assert_eq!(
            booking.scheduled.at(),
            Utc.with_ymd_and_hms(2030, 3, 2, 9, 0, 0).unwrap()
        );
        assert_eq!(booking.scheduled.zone(), Some(chrono_tz::Asia::Kolkata));
        assert_eq!(
            booking.resume_text.as_deref(),
            Some("Rust engineer, 5 years.")
        );
        assert_eq!(
            booking.resume_url.as_deref(),
            Some("/resumes/1700000000_ab12.pdf")
        );
    }

    #[test]
    fn every_wrong_field_is_reported_at_once() {
        let request = ScheduleRequest {
            name: Some("R2D2".into()),
            email: Some("nope".into()),
            phone: Some("123".into()),
            datetime: Some("2030-03-01T12:00:30Z".into()),
            time_zone: None,
            resume_url: Some("javascript:alert(1)".into()),
            resume_text: None,
            position: None,
        };
        let errors = NewBooking::parse(&request, now(), &SchedulingRules::default()).unwrap_err();
        let fields: Vec<Field> = errors.errors().iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                Field::Name,
                Field::Email,
                Field::Phone,
                Field::Datetime,
                Field::ResumeUrl
            ]
        );
        assert_eq!(errors.first().field, Field::Name);
        assert!(errors.for_field(Field::Phone).is_some());
        assert!(errors.for_field(Field::TimeZone).is_none());
    }

    #[test]
    fn missing_fields_are_required_but_resume_is_optional() {
        let errors = NewBooking::parse(
            &ScheduleRequest::default(),
            now(),
            &SchedulingRules::default(),
        )
        .unwrap_err();
        let fields: Vec<Field> = errors.errors().iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [Field::Name, Field::Email, Field::Phone, Field::Datetime]
        );

        let without_resume = ScheduleRequest {
            resume_url: None,
            resume_text: Some("   ".into()),
            ..valid()
        };
        let booking =
            NewBooking::parse(&without_resume, now(), &SchedulingRules::default()).unwrap();
        assert_eq!(booking.resume_text, None);
        assert_eq!(booking.resume_url, None);
    }

    #[test]
    fn resume_urls_must_be_local_paths_or_http() {
        let rules = SchedulingRules::default();
        let with_url = |url: &str| ScheduleRequest {
            resume_url: Some(url.into()),
            ..valid()
        };
        for good in [
            "https://abc.supabase.co/storage/v1/object/public/resumes/a.pdf",
            "http://localhost:3000/resumes/a.pdf",
            "/resumes/a.pdf",
        ] {
            assert!(
                NewBooking::parse(&with_url(good), now(), &rules).is_ok(),
                "{good}"
            );
        }
        for bad in [
            "//evil.com/a.pdf",
            "file:///etc/passwd",
            "ftp://x.com/a",
            "resumes/a.pdf",
            "/a\nb",
        ] {
            let err = NewBooking::parse(&with_url(bad), now(), &rules).unwrap_err();
            assert_eq!(err.first().field, Field::ResumeUrl, "{bad}");
        }
        let too_long = format!("https://example.com/{}", "a".repeat(MAX_RESUME_URL_CHARS));
        assert!(NewBooking::parse(&with_url(&too_long), now(), &rules).is_err());
    }

    #[test]
    fn resume_text_has_a_limit() {
        let rules = SchedulingRules {
            max_resume_text_chars: 10,
            ..SchedulingRules::default()
        };
        let with_text = |text: &str| ScheduleRequest {
            resume_text: Some(text.into()),
            ..valid()
        };
        assert!(NewBooking::parse(&with_text("éééééééééé"), now(), &rules).is_ok());
        let err = NewBooking::parse(&with_text("ééééééééééé"), now(), &rules).unwrap_err();
        assert_eq!(err.first().field, Field::ResumeText);
        assert!(err.first().message.contains("11 characters"));
    }

    #[test]
    fn request_json_uses_the_original_field_names() {
        let json = r#"{"name":"Ann","email":"a@b.co","phone":"5551234567",
            "datetime":"2030-03-02T14:30","timeZone":"UTC","resumeUrl":"/r/a.pdf","resumeText":"x"}"#;
        let request: ScheduleRequest = serde_json::from_str(json).unwrap();
        assert_eq!(request.time_zone.as_deref(), Some("UTC"));
        assert_eq!(request.resume_url.as_deref(), Some("/r/a.pdf"));
        assert_eq!(request.resume_text.as_deref(), Some("x"));
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for status in BookingStatus::ALL {
            assert_eq!(status.as_str().parse::<BookingStatus>().unwrap(), status);
        }
        assert!("done".parse::<BookingStatus>().is_err());
    }

    #[test]
    fn booking_from_new_booking_starts_scheduled() {
        let new = NewBooking::parse(&valid(), now(), &SchedulingRules::default()).unwrap();
        let token = BookingToken::generate().unwrap();
        let booking = Booking::new(token.clone(), new.clone(), now());
        assert_eq!(booking.token, token);
        assert_eq!(booking.status, BookingStatus::Scheduled);
        assert_eq!(booking.scheduled_at, new.scheduled.at());
        assert_eq!(booking.scheduled(), new.scheduled);
        assert_eq!(booking.created_at, now());
        let json = serde_json::to_value(&booking).unwrap();
        assert_eq!(json["time_zone"], "Asia/Kolkata");
        assert_eq!(json["status"], "scheduled");
    }

    #[test]
    fn the_state_machine_allows_only_its_moves() {
        use BookingStatus::*;
        let allowed = [
            (Scheduled, InProgress),
            (Scheduled, Cancelled),
            (InProgress, Interrupted),
            (InProgress, Completed),
            (Interrupted, InProgress),
            (Interrupted, Completed),
            (Interrupted, Cancelled),
        ];
        for from in BookingStatus::ALL {
            for to in BookingStatus::ALL {
                assert_eq!(
                    from.can_move_to(to),
                    allowed.contains(&(from, to)),
                    "{from} -> {to}"
                );
            }
        }
        for status in BookingStatus::ALL {
            let final_ = BookingStatus::ALL.iter().all(|to| !status.can_move_to(*to));
            assert_eq!(status.is_final(), final_, "{status}");
            assert_eq!(status.as_str().parse::<BookingStatus>(), Ok(status));
        }
    }

    #[test]
    fn evaluation_statuses_round_trip_through_their_stored_parts() {
        for status in [
            EvaluationStatus::Pending,
            EvaluationStatus::Ready,
            EvaluationStatus::Failed("the model gave no valid JSON".into()),
            EvaluationStatus::NotAvailable("the candidate gave no answers".into()),
        ] {
            let back =
                EvaluationStatus::from_parts(status.as_str(), status.reason().map(str::to_owned));
            assert_eq!(back, Ok(status));
        }
        assert!(EvaluationStatus::from_parts("done", None).is_err());
        assert_eq!(
            serde_json::to_value(EvaluationStatus::Failed("x".into())).unwrap(),
            serde_json::json!({"state": "failed", "reason": "x"})
        );
        assert_eq!(
            serde_json::to_value(EvaluationStatus::Ready).unwrap(),
            serde_json::json!({"state": "ready"})
        );
    }
}
