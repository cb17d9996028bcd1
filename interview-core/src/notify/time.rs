//! How an instant is shown to a candidate. Pages, e-mails and API messages all say
//! times the same way, so the format has one owner.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// How every candidate-facing time reads: "Saturday, 2 March 2030 at 2:30 PM IST".
const FORMAT: &str = "%A, %-d %B %Y at %-I:%M %p %Z";

/// An instant as the candidate reads it, in their zone (UTC when unknown):
/// "Saturday, 2 March 2030 at 2:30 PM IST".
pub fn format_instant(at: DateTime<Utc>, zone: Option<Tz>) -> String {
    match zone {
        Some(zone) => at.with_timezone(&zone).format(FORMAT).to_string(),
        None => at.format(FORMAT).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn an_instant_reads_in_the_candidates_zone_or_in_utc() {
        let at = Utc.with_ymd_and_hms(2030, 3, 2, 9, 0, 0).unwrap();
        assert_eq!(
            format_instant(at, Some(chrono_tz::Asia::Kolkata)),
            "Saturday, 2 March 2030 at 2:30 PM IST"
        );
        assert_eq!(
            format_instant(at, None),
            "Saturday, 2 March 2030 at 9:00 AM UTC"
        );
        // Summer time shows its own abbreviation, and hours have no leading zero.
        let summer = Utc.with_ymd_and_hms(2030, 7, 1, 8, 5, 0).unwrap();
        assert_eq!(
            format_instant(summer, Some(chrono_tz::Europe::London)),
            "Monday, 1 July 2030 at 9:05 AM BST"
        );
    }
}
