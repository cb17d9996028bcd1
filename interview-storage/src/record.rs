//! Rows as the databases keep them, and their checked conversion into domain types.
//!
//! Every backend reads columns into plain strings and timestamps first, then parses
//! them here, so a value that was edited by hand or written by an older version comes
//! back as [`StoreError::Corrupt`] naming the column, never as a panic. The messages
//! name the column and the reason but never the stored value, which may be personal
//! data.

use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use interview_core::interview::{Speaker, TranscriptEntry};
use interview_core::store::{InterviewState, Lease, StoreError, UploadRecord, uploads};
use interview_core::{
    Booking, BookingStatus, BookingToken, EmailAddress, EvaluationStatus, PersonName, PhoneNumber,
};

/// A booking row with every column still unparsed.
#[derive(Debug, Clone)]
pub(crate) struct BookingRecord {
    pub(crate) token: String,
    pub(crate) name: String,
    pub(crate) email: String,
    pub(crate) phone: String,
    pub(crate) scheduled_at: DateTime<Utc>,
    pub(crate) time_zone: Option<String>,
    pub(crate) resume_text: Option<String>,
    pub(crate) resume_url: Option<String>,
    pub(crate) status: String,
    pub(crate) evaluation_status: String,
    pub(crate) evaluation_reason: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
}

impl BookingRecord {
    /// Parses every column into the domain types.
    pub(crate) fn into_booking(self) -> Result<Booking, StoreError> {
        let token =
            BookingToken::parse(&self.token).map_err(|_| corrupt("token", "not a token"))?;
        let time_zone = self
            .time_zone
            .map(|zone| {
                interview_core::parse_zone(&zone)
                    .map_err(|_| corrupt("time_zone", "not an IANA time zone"))
            })
            .transpose()?;
        Ok(Booking {
            token,
            name: PersonName::parse(&self.name).map_err(|_| corrupt("name", "not a valid name"))?,
            email: EmailAddress::parse(&self.email)
                .map_err(|_| corrupt("email", "not a valid e-mail address"))?,
            phone: PhoneNumber::from_stored(&self.phone)
                .ok_or_else(|| corrupt("phone", "not a valid phone number"))?,
            scheduled_at: self.scheduled_at,
            time_zone,
            resume_text: self.resume_text,
            resume_url: self.resume_url,
            status: parse_status(&self.status)?,
            evaluation_status: EvaluationStatus::from_parts(
                &self.evaluation_status,
                self.evaluation_reason,
            )
            .map_err(|_| corrupt("evaluation_status", "not a known evaluation status"))?,
            created_at: self.created_at,
        })
    }
}

/// The state machine's columns of a booking row, still unparsed.
#[derive(Debug, Clone)]
pub(crate) struct StateRecord {
    pub(crate) status: String,
    pub(crate) live_holder: Option<String>,
    pub(crate) live_until: Option<DateTime<Utc>>,
    pub(crate) elapsed_ms: i64,
    pub(crate) state_version: i64,
}

impl StateRecord {
    /// Parses the columns into the state machine's view.
    pub(crate) fn into_state(self) -> Result<InterviewState, StoreError> {
        let lease = match (self.live_holder, self.live_until) {
            (Some(holder), Some(until)) => Some(Lease { holder, until }),
            (None, None) => None,
            _ => {
                return Err(corrupt(
                    "live_until",
                    "a lease needs both a holder and an end",
                ));
            }
        };
        Ok(InterviewState {
            status: parse_status(&self.status)?,
            lease,
            elapsed: Duration::from_millis(
                u64::try_from(self.elapsed_ms).map_err(|_| corrupt("elapsed_ms", "negative"))?,
            ),
            version: u64::try_from(self.state_version)
                .map_err(|_| corrupt("state_version", "negative"))?,
        })
    }
}

/// The columns a state is stored in: lease holder and end, elapsed milliseconds.
pub(crate) struct StateColumns<'a> {
    pub(crate) status: &'static str,
    pub(crate) live_holder: Option<&'a str>,
    pub(crate) live_until: Option<DateTime<Utc>>,
    pub(crate) elapsed_ms: i64,
}

impl<'a> StateColumns<'a> {
    pub(crate) fn of(state: &'a InterviewState) -> Self {
        Self {
            status: state.status.as_str(),
            live_holder: state.lease.as_ref().map(|lease| lease.holder.as_str()),
            live_until: state
                .lease
                .as_ref()
                .map(|lease| to_stored_precision(lease.until)),
            elapsed_ms: i64::try_from(state.elapsed.as_millis()).unwrap_or(i64::MAX),
        }
    }
}

/// A version as the databases store it (a signed 64-bit integer).
pub(crate) fn stored_version(version: u64) -> i64 {
    i64::try_from(version).unwrap_or(i64::MAX)
}

/// Parses a stored status name.
pub(crate) fn parse_status(stored: &str) -> Result<BookingStatus, StoreError> {
    stored
        .parse()
        .map_err(|_| corrupt("status", "not a known booking status"))
}

/// Parses a stored speaker name.
pub(crate) fn parse_speaker(stored: &str) -> Result<Speaker, StoreError> {
    match stored {
        "candidate" => Ok(Speaker::Candidate),
        "interviewer" => Ok(Speaker::Interviewer),
        _ => Err(corrupt("speaker", "not a known speaker")),
    }
}

/// A transcript line from its stored columns.
pub(crate) fn transcript_entry(
    speaker: &str,
    text: String,
    at: DateTime<Utc>,
) -> Result<TranscriptEntry, StoreError> {
    Ok(TranscriptEntry {
        speaker: parse_speaker(speaker)?,
        text,
        at,
    })
}

/// Parses a stored evaluation document.
// Evaluations as JSON text: the SQL stores; Supabase sends a JSON value.
#[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
pub(crate) fn parse_evaluation(
    json: &str,
) -> Result<interview_core::interview::Evaluation, StoreError> {
    serde_json::from_str(json).map_err(|e| corrupt("evaluation", &e.to_string()))
}

/// Serializes an evaluation for storage.
// Evaluations as JSON text: the SQL stores; Supabase sends a JSON value.
#[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
pub(crate) fn evaluation_json(
    evaluation: &interview_core::interview::Evaluation,
) -> Result<String, StoreError> {
    serde_json::to_string(evaluation).map_err(|e| StoreError::Backend(Box::new(e)))
}

/// The precision every store keeps: microseconds, as PostgreSQL's `timestamptz`.
/// Finer digits are cut (not rounded) by every backend alike.
pub(crate) fn to_stored_precision(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// A timestamp as text: RFC 3339 in UTC with exactly six fractional digits, so that
/// stored values have one width and sort as text in time order.
// Text timestamps: SQLite columns and PostgREST JSON; PostgreSQL binds them natively.
#[cfg_attr(not(any(feature = "sqlite", feature = "supabase")), allow(dead_code))]
pub(crate) fn format_timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Parses a stored RFC 3339 timestamp (any offset) into UTC.
// Text timestamps: SQLite columns and PostgREST JSON; PostgreSQL binds them natively.
#[cfg_attr(not(any(feature = "sqlite", feature = "supabase")), allow(dead_code))]
pub(crate) fn parse_timestamp(column: &str, stored: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(stored)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|_| corrupt(column, "not an RFC 3339 timestamp"))
}

/// A [`StoreError::Corrupt`] naming the column.
pub(crate) fn corrupt(column: &str, why: &str) -> StoreError {
    StoreError::Corrupt(format!("column {column}: {why}"))
}

/// An upload row with its columns still unparsed.
#[derive(Debug, Clone)]
pub(crate) struct UploadColumns {
    pub(crate) key: String,
    pub(crate) url: String,
    pub(crate) kind: String,
    pub(crate) resume_text: Option<String>,
    pub(crate) extraction_error: Option<String>,
    pub(crate) uploaded_at: DateTime<Utc>,
    pub(crate) claimed_by: Option<String>,
}

impl UploadColumns {
    /// Parses the columns into an [`UploadRecord`].
    pub(crate) fn into_upload(self) -> Result<UploadRecord, StoreError> {
        let kind = uploads::parse_kind_name(&self.kind)
            .ok_or_else(|| corrupt("kind", "not a document kind"))?;
        let claimed_by = self
            .claimed_by
            .map(|token| {
                BookingToken::parse(&token).map_err(|_| corrupt("claimed_by", "not a token"))
            })
            .transpose()?;
        Ok(UploadRecord {
            key: self.key,
            url: self.url,
            kind,
            resume_text: self.resume_text,
            extraction_error: self.extraction_error,
            uploaded_at: self.uploaded_at,
            claimed_by,
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn record() -> BookingRecord {
        let at = Utc.with_ymd_and_hms(2030, 1, 15, 9, 0, 0).unwrap();
        BookingRecord {
            token: "0123456789abcdef0123456789abcdef".into(),
            name: "Zoë Ōtsuka".into(),
            email: "zoe@example.com".into(),
            phone: "5551234567".into(),
            scheduled_at: at,
            time_zone: Some("Asia/Tokyo".into()),
            resume_text: None,
            resume_url: None,
            status: "scheduled".into(),
            evaluation_status: "pending".into(),
            evaluation_reason: None,
            created_at: at,
        }
    }

    #[test]
    fn a_good_record_parses() {
        let booking = record().into_booking().unwrap();
        assert_eq!(booking.name.as_str(), "Zoë Ōtsuka");
        assert_eq!(booking.time_zone, Some(chrono_tz::Asia::Tokyo));
    }

    #[test]
    fn phones_read_back_in_e164_and_as_older_versions_stored_them() {
        // Older versions stored the form's ten digits: North American numbers.
        assert_eq!(
            record().into_booking().unwrap().phone.as_str(),
            "+15551234567"
        );
        let mut uk = record();
        uk.phone = "+442079460958".into();
        assert_eq!(uk.into_booking().unwrap().phone.as_str(), "+442079460958");
        // A stored number is not held to today's numbering plans again.
        let mut unassigned = record();
        unassigned.phone = "+8821234567".into();
        assert!(unassigned.into_booking().is_ok());
    }

    #[test]
    fn every_bad_column_is_corrupt_and_does_not_echo_the_value() {
        type Spoil = fn(&mut BookingRecord);
        let cases: [(&str, Spoil); 8] = [
            ("token", |r| r.token = "../../etc".into()),
            ("name", |r| r.name = "R2D2-secret".into()),
            ("email", |r| r.email = "no-at-secret".into()),
            ("phone", |r| r.phone = "12secret".into()),
            ("phone", |r| r.phone = "+44 20 secret".into()),
            ("time_zone", |r| r.time_zone = Some("Mars/secret".into())),
            ("status", |r| r.status = "secret".into()),
            ("evaluation_status", |r| {
                r.evaluation_status = "secret".into()
            }),
        ];
        for (column, spoil) in cases {
            let mut bad = record();
            spoil(&mut bad);
            match bad.into_booking() {
                Err(StoreError::Corrupt(message)) => {
                    assert!(message.contains(column), "{message}");
                    assert!(!message.contains("secret"), "{message}");
                }
                other => panic!("{column}: {other:?}"),
            }
        }
    }

    #[test]
    fn state_columns_parse_and_a_half_lease_is_corrupt() {
        let at = Utc.with_ymd_and_hms(2030, 1, 15, 9, 0, 0).unwrap();
        let columns = |holder: Option<&str>, until| StateRecord {
            status: "in_progress".into(),
            live_holder: holder.map(str::to_owned),
            live_until: until,
            elapsed_ms: 90_500,
            state_version: 7,
        };
        let state = columns(Some("s1"), Some(at)).into_state().unwrap();
        assert_eq!(state.lease.unwrap().holder, "s1");
        assert_eq!(state.elapsed, Duration::from_millis(90_500));
        assert_eq!(state.version, 7);
        assert!(columns(None, None).into_state().unwrap().lease.is_none());
        for (holder, until) in [(Some("s1"), None), (None, Some(at))] {
            assert!(matches!(
                columns(holder, until).into_state(),
                Err(StoreError::Corrupt(_))
            ));
        }
        let negative = StateRecord {
            elapsed_ms: -1,
            ..columns(None, None)
        };
        assert!(matches!(negative.into_state(), Err(StoreError::Corrupt(_))));
    }

    #[test]
    fn timestamps_have_one_width_and_microseconds() {
        let at = Utc.with_ymd_and_hms(2030, 1, 15, 9, 0, 0).unwrap()
            + chrono::TimeDelta::nanoseconds(123_456_789);
        let stored = to_stored_precision(at);
        assert_eq!(format_timestamp(stored), "2030-01-15T09:00:00.123456Z");
        assert_eq!(
            parse_timestamp("at", &format_timestamp(stored)).unwrap(),
            stored
        );
        assert_eq!(
            parse_timestamp("at", "2030-01-15T10:00:00.5+01:00").unwrap(),
            Utc.with_ymd_and_hms(2030, 1, 15, 9, 0, 0).unwrap()
                + chrono::TimeDelta::milliseconds(500)
        );
        assert!(matches!(
            parse_timestamp("at", "yesterday"),
            Err(StoreError::Corrupt(_))
        ));
    }

    #[test]
    fn unknown_speakers_and_evaluations_are_corrupt() {
        assert!(matches!(
            parse_speaker("narrator"),
            Err(StoreError::Corrupt(_))
        ));
        assert!(matches!(
            parse_evaluation("{}"),
            Err(StoreError::Corrupt(_))
        ));
    }
}
