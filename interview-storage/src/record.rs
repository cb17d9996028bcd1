//! Rows as the databases keep them, and their checked conversion into domain types.
//!
//! Every backend reads columns into plain strings and timestamps first, then parses
//! them here, so a value that was edited by hand or written by an older version comes
//! back as [`StoreError::Corrupt`] naming the column, never as a panic. The messages
//! name the column and the reason but never the stored value, which may be personal
//! data.

mod recruiting;
mod webhooks;

use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use interview_core::interview::{Speaker, TranscriptEntry};
use interview_core::position::{Position, PositionDefaults, PositionDraft, Slug};
use interview_core::store::{InterviewState, Lease, StoreError, UploadRecord, uploads};
use interview_core::{
    Booking, BookingStatus, BookingToken, EmailAddress, EvaluationStatus, PersonName, PhoneNumber,
};

pub(crate) use recruiting::{
    ApiKeyColumns, TombstoneColumns, fetch_limit, listing_bound, page_limit, status_columns,
};
pub(crate) use webhooks::{DeliveryColumns, EndpointColumns, events_text};

/// A booking row with every column still unparsed.
#[derive(Debug, Clone)]
pub(crate) struct BookingRecord {
    pub(crate) token: String,
    pub(crate) position_id: String,
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
    pub(crate) reschedules: i64,
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
        let position_id = Slug::parse(&self.position_id)
            .ok_or_else(|| corrupt("position_id", "not a position id"))?;
        Ok(Booking {
            token,
            position_id,
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
            reschedules: u32::try_from(self.reschedules)
                .map_err(|_| corrupt("reschedules", "not a count"))?,
            created_at: self.created_at,
        })
    }
}

/// A position row with its columns still unparsed. The definition is the whole
/// position (its draft, as JSON); `id` and `slug` are copies kept for lookups and
/// must agree with it; `archived` is the one column that overrides the
/// definition, so a position can be archived with a plain `UPDATE`.
#[derive(Debug, Clone)]
pub(crate) struct PositionRecord {
    pub(crate) id: String,
    pub(crate) slug: String,
    pub(crate) archived: bool,
    pub(crate) definition: PositionDefinition,
}

/// A stored position definition: JSON text (the SQL stores) or a JSON value
/// (PostgREST).
#[derive(Debug, Clone)]
pub(crate) enum PositionDefinition {
    // Text: the SQL stores; a value: Supabase.
    #[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
    Text(String),
    #[cfg_attr(not(feature = "supabase"), allow(dead_code))]
    Value(serde_json::Value),
}

impl PositionRecord {
    /// Parses the definition into a [`Position`]. A definition that is not a
    /// draft, does not parse, or disagrees with the row's id or slug is
    /// [`StoreError::Corrupt`] naming the position's id.
    pub(crate) fn into_position(self) -> Result<Position, StoreError> {
        let id = self.id;
        let bad = |why: String| StoreError::Corrupt(format!("position {id:?}: {why}"));
        let draft: PositionDraft = match self.definition {
            PositionDefinition::Text(text) => serde_json::from_str(&text),
            PositionDefinition::Value(value) => serde_json::from_value(value),
        }
        .map_err(|e| bad(format!("the definition is not a position: {e}")))?;
        // The stored draft names its company and phone region itself (they are
        // written from the position), so the defaults fill nothing in.
        let mut position = Position::parse(&draft, &PositionDefaults::default())
            .map_err(|e| bad(format!("the definition does not parse: {e}")))?;
        if position.id.as_str() != id {
            return Err(bad("the definition has another id".into()));
        }
        if position.slug.as_str() != self.slug {
            return Err(bad("the definition has another slug".into()));
        }
        position.archived = self.archived;
        Ok(position)
    }
}

/// The draft a position is stored as: its [`Position::to_draft`], without the
/// plan when the plan is the standard one for its length. The standard plan's
/// stages are shares of the length, not whole minutes, so written out stage by
/// stage they would not add up to the length again; left out, parsing makes the
/// same standard plan.
fn stored_draft(position: &Position) -> PositionDraft {
    let draft = position.to_draft();
    let mut without_plan = draft.clone();
    without_plan.plan.clear();
    let standard = Position::parse(&without_plan, &PositionDefaults::default())
        .is_ok_and(|parsed| parsed.plan == position.plan);
    if standard { without_plan } else { draft }
}

/// The columns a position is stored in.
pub(crate) struct PositionColumns<'a> {
    pub(crate) id: &'a str,
    pub(crate) slug: &'a str,
    pub(crate) title: &'a str,
    pub(crate) archived: bool,
    pub(crate) definition: serde_json::Value,
}

impl<'a> PositionColumns<'a> {
    pub(crate) fn of(position: &'a Position) -> Result<Self, StoreError> {
        Ok(Self {
            id: position.id.as_str(),
            slug: position.slug.as_str(),
            title: &position.title,
            archived: position.archived,
            definition: serde_json::to_value(stored_draft(position))
                .map_err(|e| StoreError::Backend(Box::new(e)))?,
        })
    }

    /// The definition as JSON text.
    // JSON text: the SQL stores; Supabase sends the value.
    #[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
    pub(crate) fn definition_text(&self) -> String {
        self.definition.to_string()
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
            position_id: "backend-engineer".into(),
            name: "Zoë Ōtsuka".into(),
            email: "zoe@example.com".into(),
            phone: "5551234567".into(),
            scheduled_at: at,
            time_zone: Some("Asia/Tokyo".into()),
            resume_text: None,
            resume_url: None,
            status: "scheduled".into(),
            evaluation_status: "pending".into(),
            reschedules: 0,
            evaluation_reason: None,
            created_at: at,
        }
    }

    #[test]
    fn a_good_record_parses() {
        let booking = record().into_booking().unwrap();
        assert_eq!(booking.name.as_str(), "Zoë Ōtsuka");
        assert_eq!(booking.time_zone, Some(chrono_tz::Asia::Tokyo));
        assert_eq!(booking.position_id.as_str(), "backend-engineer");
    }

    fn position_record(definition: serde_json::Value) -> PositionRecord {
        PositionRecord {
            id: "sre".into(),
            slug: "site-reliability".into(),
            archived: false,
            definition: PositionDefinition::Text(definition.to_string()),
        }
    }

    fn sre() -> Position {
        let mut draft = PositionDraft::named("sre");
        draft.slug = Some("site-reliability".into());
        draft.title = "Site Reliability Engineer".into();
        draft.company = Some("Acme".into());
        Position::parse(&draft, &PositionDefaults::default()).unwrap()
    }

    #[test]
    fn a_stored_position_reads_back_and_the_archived_column_wins() {
        let position = sre();
        let columns = PositionColumns::of(&position).unwrap();
        assert_eq!(columns.title, "Site Reliability Engineer");
        let read = position_record(columns.definition.clone())
            .into_position()
            .unwrap();
        assert_eq!(read, position);
        let archived = PositionRecord {
            archived: true,
            definition: PositionDefinition::Value(columns.definition),
            ..position_record(serde_json::Value::Null)
        }
        .into_position()
        .unwrap();
        assert!(archived.archived);
    }

    #[test]
    fn a_bad_definition_is_corrupt_naming_the_position() {
        let good = PositionColumns::of(&sre()).unwrap().definition;
        let mut blank_title = good.clone();
        blank_title["title"] = serde_json::json!("   ");
        let mut other_id = good.clone();
        other_id["id"] = serde_json::json!("another");
        let mut other_slug = good;
        other_slug["slug"] = serde_json::json!("another");
        for definition in [
            serde_json::json!({"nope": 1}),
            serde_json::json!([1, 2]),
            blank_title,
            other_id,
            other_slug,
        ] {
            match position_record(definition.clone()).into_position() {
                Err(StoreError::Corrupt(message)) => {
                    assert!(message.contains("\"sre\""), "{message}")
                }
                other => panic!("{definition}: {other:?}"),
            }
        }
        let not_json = PositionRecord {
            definition: PositionDefinition::Text("{".into()),
            ..position_record(serde_json::Value::Null)
        };
        assert!(matches!(
            not_json.into_position(),
            Err(StoreError::Corrupt(_))
        ));
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
        let cases: [(&str, Spoil); 9] = [
            ("token", |r| r.token = "../../etc".into()),
            ("position_id", |r| r.position_id = "Secret Role".into()),
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
