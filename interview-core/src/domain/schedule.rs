//! When an interview takes place: parsed from what a browser sends, stored in UTC.
//!
//! The original form sent a local `"2024-01-15T14:30"` with no zone, and the server
//! read it in its own zone; its debugging notes list the mismatch as a source of
//! bugs. Here a time is either RFC 3339 with an offset, or a local date-time together
//! with the candidate's IANA zone name, and nothing else.

use chrono::{
    DateTime, FixedOffset, LocalResult, NaiveDateTime, TimeDelta, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;

use super::{Field, FieldError, PhoneRegion};

/// The rules a booking request is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulingRules {
    /// The least time between booking and the interview (the original: 1 minute).
    pub min_lead: TimeDelta,
    /// The furthest ahead an interview may be booked.
    pub max_advance: TimeDelta,
    /// The longest resume text a booking may carry, in characters.
    pub max_resume_text_chars: usize,
    /// The region a phone number written without a country code is read in
    /// (`INTERVIEW_PHONE_REGION`, "US").
    pub phone_region: PhoneRegion,
}

impl Default for SchedulingRules {
    fn default() -> Self {
        Self {
            min_lead: TimeDelta::minutes(1),
            max_advance: TimeDelta::days(365),
            max_resume_text_chars: 200_000,
            phone_region: PhoneRegion::default(),
        }
    }
}

/// A validated interview time: the instant, and the candidate's zone when known
/// (used to show the time back to them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduledTime {
    at: DateTime<Utc>,
    zone: Option<Tz>,
}

impl ScheduledTime {
    /// Parses `datetime` (RFC 3339 with an offset, or a local date-time) with an
    /// optional IANA zone name, and checks it against `rules` at `now`.
    ///
    /// A local date-time needs the zone. A local time that does not exist in the zone
    /// (skipped by a daylight-saving change) is refused; one that happens twice takes
    /// the earlier instant.
    pub fn parse(
        datetime: &str,
        time_zone: Option<&str>,
        now: DateTime<Utc>,
        rules: &SchedulingRules,
    ) -> Result<Self, FieldError> {
        let zone = time_zone
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(parse_zone)
            .transpose()?;
        let datetime = datetime.trim();
        if datetime.is_empty() {
            return Err(FieldError::new(
                Field::Datetime,
                "Please choose a date and time for the interview.",
            ));
        }
        let at = match parse_with_offset(datetime) {
            Some(with_offset) => {
                refuse_leap_second(&with_offset)?;
                with_offset.with_timezone(&Utc)
            }
            None => {
                let local = parse_local(datetime).ok_or_else(|| {
                    FieldError::new(
                        Field::Datetime,
                        "Date and time must look like 2030-01-15T14:30 (with a time zone) or 2030-01-15T14:30:00+05:30.",
                    )
                })?;
                let zone = zone.ok_or_else(|| {
                    FieldError::new(
                        Field::TimeZone,
                        "A time zone is needed to know when a local date and time happens.",
                    )
                })?;
                refuse_leap_second(&local)?;
                resolve_local(local, zone)?
            }
        };
        let earliest = now + rules.min_lead;
        if at < earliest {
            return Err(FieldError::new(
                Field::Datetime,
                format!(
                    "The interview must be at least {} in the future.",
                    describe(rules.min_lead)
                ),
            ));
        }
        if at > now + rules.max_advance {
            return Err(FieldError::new(
                Field::Datetime,
                format!(
                    "The interview can be booked at most {} ahead.",
                    describe(rules.max_advance)
                ),
            ));
        }
        Ok(Self { at, zone })
    }

    /// A time already known to be valid (read back from a store).
    pub fn from_parts(at: DateTime<Utc>, zone: Option<Tz>) -> Self {
        Self { at, zone }
    }

    /// The instant, in UTC.
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }

    /// The candidate's zone, when they gave one.
    pub fn zone(&self) -> Option<Tz> {
        self.zone
    }
}

/// Parses an IANA zone name such as `"Asia/Kolkata"`.
pub fn parse_zone(name: &str) -> Result<Tz, FieldError> {
    name.parse::<Tz>().map_err(|_| {
        FieldError::new(
            Field::TimeZone,
            format!(
                "\u{201c}{}\u{201d} is not a known time zone.",
                truncate_for_message(name)
            ),
        )
    })
}

fn parse_with_offset(input: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(input).ok().or_else(|| {
        // RFC 3339 requires seconds; browsers often omit them.
        ["%Y-%m-%dT%H:%M%:z", "%Y-%m-%dT%H:%M%#z"]
            .iter()
            .find_map(|format| DateTime::parse_from_str(input, format).ok())
            .or_else(|| {
                let without_z = input
                    .strip_suffix('Z')
                    .or_else(|| input.strip_suffix('z'))?;
                parse_local(without_z).map(|naive| naive.and_utc().fixed_offset())
            })
    })
}

fn parse_local(input: &str) -> Option<NaiveDateTime> {
    [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%.f",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(input, format).ok())
}

/// A leap second (`23:59:60`) is a real instant, but nobody books one, and
/// calendars and databases disagree about it: refused.
fn refuse_leap_second(time: &impl Timelike) -> Result<(), FieldError> {
    if time.nanosecond() >= 1_000_000_000 {
        return Err(FieldError::new(
            Field::Datetime,
            "Seconds must be between 00 and 59; please pick the time again.",
        ));
    }
    Ok(())
}

fn resolve_local(local: NaiveDateTime, zone: Tz) -> Result<DateTime<Utc>, FieldError> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(at) => Ok(at.with_timezone(&Utc)),
        LocalResult::Ambiguous(earlier, _later) => Ok(earlier.with_timezone(&Utc)),
        LocalResult::None => Err(FieldError::new(
            Field::Datetime,
            format!(
                "{} does not exist in {} (the clocks skip it for daylight saving); please pick another time.",
                local.format("%Y-%m-%d %H:%M"),
                zone.name()
            ),
        )),
    }
}

/// "1 minute", "365 days", "90 seconds".
fn describe(delta: TimeDelta) -> String {
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    let seconds = delta.num_seconds();
    if seconds % 86_400 == 0 {
        plural(seconds / 86_400, "day")
    } else if seconds % 3600 == 0 {
        plural(seconds / 3600, "hour")
    } else if seconds % 60 == 0 {
        plural(seconds / 60, "minute")
    } else {
        plural(seconds, "second")
    }
}

fn truncate_for_message(input: &str) -> String {
    let mut shown: String = input.chars().filter(|c| !c.is_control()).take(64).collect();
    if input.chars().count() > 64 {
        shown.push('…');
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 3, 1, 12, 0, 0).unwrap()
    }

    fn parse(datetime: &str, zone: Option<&str>) -> Result<ScheduledTime, FieldError> {
        ScheduledTime::parse(datetime, zone, now(), &SchedulingRules::default())
    }

    #[test]
    fn rfc3339_with_offset_is_stored_in_utc() {
        let t = parse("2030-03-02T14:30:00+05:30", None).unwrap();
        assert_eq!(t.at(), Utc.with_ymd_and_hms(2030, 3, 2, 9, 0, 0).unwrap());
        assert_eq!(t.zone(), None);
        let z = parse("2030-03-02T09:00:00Z", None).unwrap();
        assert_eq!(z.at(), t.at());
        let no_seconds = parse("2030-03-02T14:30+05:30", None).unwrap();
        assert_eq!(no_seconds.at(), t.at());
        let no_seconds_z = parse("2030-03-02T09:00Z", None).unwrap();
        assert_eq!(no_seconds_z.at(), t.at());
        let fraction = parse("2030-03-02T09:00:00.250Z", None).unwrap();
        assert_eq!(fraction.at(), t.at() + TimeDelta::milliseconds(250));
    }

    #[test]
    fn local_time_with_zone() {
        let t = parse("2030-03-02T14:30", Some("Asia/Kolkata")).unwrap();
        assert_eq!(t.at(), Utc.with_ymd_and_hms(2030, 3, 2, 9, 0, 0).unwrap());
        assert_eq!(t.zone(), Some(chrono_tz::Asia::Kolkata));
        let with_seconds = parse("2030-03-02T04:00:00", Some("America/New_York")).unwrap();
        assert_eq!(with_seconds.at(), t.at());
    }

    #[test]
    fn offset_wins_and_zone_is_kept_for_display() {
        let t = parse("2030-03-02T09:00:00Z", Some("Europe/Paris")).unwrap();
        assert_eq!(t.at(), Utc.with_ymd_and_hms(2030, 3, 2, 9, 0, 0).unwrap());
        assert_eq!(t.zone(), Some(chrono_tz::Europe::Paris));
    }

    #[test]
    fn local_time_without_zone_is_refused() {
        let err = parse("2030-03-02T14:30", None).unwrap_err();
        assert_eq!(err.field, Field::TimeZone);
        let blank_zone = parse("2030-03-02T14:30", Some("  ")).unwrap_err();
        assert_eq!(blank_zone.field, Field::TimeZone);
    }

    #[test]
    fn unknown_zone_is_refused_naming_it() {
        let err = parse("2030-03-02T14:30", Some("Mars/Olympus")).unwrap_err();
        assert_eq!(err.field, Field::TimeZone);
        assert!(err.message.contains("Mars/Olympus"), "{}", err.message);
    }

    #[test]
    fn malformed_datetimes_are_refused() {
        for bad in [
            "tomorrow",
            "2030-02-30T10:00",
            "2030-03-02 14:30:00+05:30x",
            "15/01/2030 14:30",
            "2030-03-02T25:00",
        ] {
            let err = parse(bad, Some("UTC")).unwrap_err();
            assert_eq!(err.field, Field::Datetime, "{bad}");
        }
        assert!(
            parse("  ", Some("UTC"))
                .unwrap_err()
                .message
                .contains("choose a date")
        );
    }

    #[test]
    fn must_be_at_least_one_minute_ahead() {
        let at = |secs: i64| (now() + TimeDelta::seconds(secs)).to_rfc3339();
        assert!(parse(&at(60), None).is_ok());
        let err = parse(&at(59), None).unwrap_err();
        assert_eq!(err.field, Field::Datetime);
        assert!(err.message.contains("at least 1 minute"), "{}", err.message);
        assert!(parse(&at(-3600), None).is_err());
        // Sub-second precision counts too.
        let just_short = (now() + TimeDelta::milliseconds(59_999)).to_rfc3339();
        assert!(parse(&just_short, None).is_err());
    }

    #[test]
    fn must_not_be_too_far_ahead() {
        let rules = SchedulingRules::default();
        let limit = (now() + rules.max_advance).to_rfc3339();
        assert!(parse(&limit, None).is_ok());
        let past = (now() + rules.max_advance + TimeDelta::seconds(1)).to_rfc3339();
        assert!(parse(&past, None).unwrap_err().message.contains("365 days"));
    }

    #[test]
    fn daylight_saving_gap_is_refused_and_overlap_takes_the_earlier() {
        // 2030-03-10 02:30 does not exist in New York (clocks jump 02:00 -> 03:00).
        let gap = parse("2030-03-10T02:30", Some("America/New_York")).unwrap_err();
        assert!(gap.message.contains("does not exist"), "{}", gap.message);
        // 2030-11-03 01:30 happens twice; the first is at 05:30 UTC (EDT, -04:00).
        let overlap = parse("2030-11-03T01:30", Some("America/New_York")).unwrap();
        assert_eq!(
            overlap.at(),
            Utc.with_ymd_and_hms(2030, 11, 3, 5, 30, 0).unwrap()
        );
    }

    #[test]
    fn a_leap_second_is_refused_in_every_spelling() {
        for (datetime, zone) in [
            ("2030-06-30T23:59:60Z", None),
            ("2030-06-30T23:59:60+00:00", None),
            ("2030-06-30T23:59:60.5+05:30", None),
            ("2030-06-30T23:59:60", Some("Asia/Kolkata")),
            ("2030-06-30T23:59:60.999", Some("Europe/London")),
        ] {
            let error = parse(datetime, zone).unwrap_err();
            assert_eq!(error.field, Field::Datetime, "{datetime}");
            assert!(
                error.message.contains("00 and 59"),
                "{datetime}: {}",
                error.message
            );
        }
        // The second before it is a time like any other.
        assert!(parse("2030-06-30T23:59:59Z", None).is_ok());
    }

    #[test]
    fn describes_durations() {
        assert_eq!(describe(TimeDelta::minutes(1)), "1 minute");
        assert_eq!(describe(TimeDelta::seconds(90)), "90 seconds");
        assert_eq!(describe(TimeDelta::hours(2)), "2 hours");
        assert_eq!(describe(TimeDelta::days(365)), "365 days");
    }
}
