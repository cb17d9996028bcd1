//! How an instant is shown to a candidate. Pages, e-mails and API messages all say
//! times the same way, so the format has one owner.

use chrono::{DateTime, Locale, Utc};
use chrono_tz::Tz;

use crate::position::Language;

/// How every candidate-facing time reads: "Saturday, 2 March 2030 at 2:30 PM IST".
const FORMAT: &str = "%A, %-d %B %Y at %-I:%M %p %Z";

/// How a time reads in other languages: the day and month in the language, a
/// 24-hour clock ("Samstag, 2 März 2030, 14:30 IST").
const FORMAT_24H: &str = "%A, %-d %B %Y, %H:%M %Z";

/// An instant as the candidate reads it, in their zone (UTC when unknown):
/// "Saturday, 2 March 2030 at 2:30 PM IST".
pub fn format_instant(at: DateTime<Utc>, zone: Option<Tz>) -> String {
    match zone {
        Some(zone) => at.with_timezone(&zone).format(FORMAT).to_string(),
        None => at.format(FORMAT).to_string(),
    }
}

/// [`format_instant`] in `language`: English as there; another language with
/// its own names of days and months and a 24-hour clock, where the locale data
/// has the language (else English).
pub fn format_instant_in(at: DateTime<Utc>, zone: Option<Tz>, language: &Language) -> String {
    let Some(locale) = locale(language) else {
        return format_instant(at, zone);
    };
    match zone {
        Some(zone) => at
            .with_timezone(&zone)
            .format_localized(FORMAT_24H, locale)
            .to_string(),
        None => at.format_localized(FORMAT_24H, locale).to_string(),
    }
}

/// The locale of a non-English `language`: its region's if it names one
/// (`pt-BR`), else the language's home region (`de` -> `de_DE`).
fn locale(language: &Language) -> Option<Locale> {
    if language.is_english() {
        return None;
    }
    let primary = language.primary();
    let tag = language.to_string();
    let region = tag
        .split('-')
        .skip(1)
        .find(|part| part.len() == 2 && part.chars().all(|c| c.is_ascii_uppercase()));
    let candidates = [
        region.map(|region| format!("{primary}_{region}")),
        Some(format!("{primary}_{}", primary.to_ascii_uppercase())),
    ];
    candidates
        .into_iter()
        .flatten()
        .find_map(|name| Locale::try_from(name.as_str()).ok())
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

    #[test]
    fn other_languages_name_days_and_months_in_the_language() {
        let at = Utc.with_ymd_and_hms(2030, 3, 2, 13, 30, 0).unwrap();
        let language = |tag| Language::parse(tag).unwrap();
        assert_eq!(
            format_instant_in(at, Some(chrono_tz::Europe::Berlin), &language("de")),
            "Samstag, 2 März 2030, 14:30 CET"
        );
        assert_eq!(
            format_instant_in(at, Some(chrono_tz::America::Sao_Paulo), &language("pt-BR")),
            "sábado, 2 março 2030, 10:30 -03"
        );
        // English, and a language the locale data lacks, read as in English.
        assert_eq!(
            format_instant_in(at, None, &language("en-GB")),
            format_instant(at, None)
        );
        assert_eq!(
            format_instant_in(at, None, &language("tlh")),
            format_instant(at, None)
        );
    }
}
