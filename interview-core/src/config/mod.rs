//! Configuration from environment variables.
//!
//! [`Env`] is the parser every crate describes its variables with; this module
//! holds the settings of core's own services, [`InterviewConfig`] (the window,
//! the limits, who is interviewing for what), and [`Selection`], the way each
//! crate reports which provider fills a role and why. Vendor and infrastructure
//! settings live next to the code that uses them (`interview-storage`,
//! `interview-web`, `interview-livekit`, `interview-voice`), and the application
//! (the facade's `interview::config::Config`) reads them all together.
//!
//! Every variable is documented in `docs/configuration.md`.

mod env;

use std::fmt;
use std::path::Path;

use chrono::TimeDelta;
use url::Url;

pub use env::{ConfigError, ConfigErrors, Env};

use crate::error::ErrorChain;
use crate::position::{Position, PositionDefaults, PositionsFile, default_position};
use crate::rate::Rate;
use crate::service::{
    DEFAULT_INVITATIONS_PER_ADDRESS, DEFAULT_MAX_RESUME_BYTES, DEFAULT_UNCLAIMED_UPLOAD_TTL,
    SchedulingSettings,
};
use crate::{InterviewWindow, PhoneRegion};

/// The default `MAX_RESUME_LENGTH`.
pub const DEFAULT_MAX_RESUME_LENGTH: usize = 8000;

/// Interview rules and limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterviewConfig {
    /// `INTERVIEW_OPENS_BEFORE_MINUTES` (5) and `INTERVIEW_CLOSES_AFTER_MINUTES` (60).
    pub window: InterviewWindow,
    /// `MAX_UPLOAD_BYTES` (5 MiB).
    pub max_upload_bytes: usize,
    /// `MAX_RESUME_LENGTH`: the most resume characters given to the interviewer (8000).
    pub max_resume_length: usize,
    /// The positions defined at start-up (never empty): those of `POSITIONS_FILE`,
    /// or else one default position, `INTERVIEW_POSITION` ("Software Engineer") at
    /// `INTERVIEW_COMPANY` (none: "our team"). `INTERVIEW_COMPANY` and
    /// `INTERVIEW_PHONE_REGION` are also the defaults of the file's positions.
    pub positions: Vec<Position>,
    /// `INVITATIONS_PER_ADDRESS`: at most this many bookings, and so invitation
    /// e-mails, per e-mail address per period (3/24h); `None` (`off`): no limit.
    pub invitations_per_address: Option<Rate>,
    /// `UNCLAIMED_UPLOAD_TTL_MINUTES`: how long an uploaded resume waits for a
    /// booking to claim it before it is deleted (a day).
    pub unclaimed_upload_ttl: TimeDelta,
    /// `INTERVIEW_PHONE_REGION`: the ISO 3166 alpha-2 region a phone number written
    /// without a country code is read in ("US").
    pub phone_region: PhoneRegion,
    /// `REMINDER_OFFSETS`: how long before the start reminders go out (24 hours
    /// and 1 hour); empty (`off`): none.
    pub reminder_offsets: Vec<std::time::Duration>,
    /// `RETENTION_DAYS`: how long after its time an interview is erased (unset:
    /// kept).
    pub retention: Option<TimeDelta>,
}

/// The most reminders one interview gets.
pub const MAX_REMINDERS: usize = 5;

/// The reminders' default offsets: a day and an hour before the start.
pub const DEFAULT_REMINDER_OFFSETS: [std::time::Duration; 2] = [
    std::time::Duration::from_secs(24 * 3600),
    std::time::Duration::from_secs(3600),
];

/// `REMINDER_OFFSETS` read: `off` (none) or lengths of time separated by commas,
/// each from a second to 30 days, at most [`MAX_REMINDERS`], sorted latest
/// first without repeats.
pub fn parse_reminder_offsets(text: &str) -> Option<Vec<std::time::Duration>> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("off") {
        return Some(Vec::new());
    }
    let most = std::time::Duration::from_secs(30 * 86_400);
    let mut offsets = text
        .split(',')
        .map(|part| crate::rate::parse_duration(part).filter(|d| !d.is_zero() && *d <= most))
        .collect::<Option<Vec<_>>>()?;
    offsets.sort_unstable_by(|a, b| b.cmp(a));
    offsets.dedup();
    (offsets.len() <= MAX_REMINDERS).then_some(offsets)
}

/// The range `UNCLAIMED_UPLOAD_TTL_MINUTES` accepts: ten minutes (time to fill in
/// the form) to a week.
pub const UNCLAIMED_UPLOAD_TTL_MINUTES: std::ops::RangeInclusive<i64> = 10..=10_080;

impl Default for InterviewConfig {
    fn default() -> Self {
        Self {
            window: InterviewWindow::DEFAULT,
            max_upload_bytes: DEFAULT_MAX_RESUME_BYTES,
            max_resume_length: DEFAULT_MAX_RESUME_LENGTH,
            positions: vec![Position::default()],
            invitations_per_address: Some(DEFAULT_INVITATIONS_PER_ADDRESS),
            unclaimed_upload_ttl: DEFAULT_UNCLAIMED_UPLOAD_TTL,
            phone_region: PhoneRegion::default(),
            reminder_offsets: DEFAULT_REMINDER_OFFSETS.to_vec(),
            retention: None,
        }
    }
}

impl InterviewConfig {
    /// Reads `INTERVIEW_*`, `MAX_UPLOAD_BYTES` and `MAX_RESUME_LENGTH`; unset
    /// variables keep their defaults.
    pub fn from_env(env: &mut Env<'_>) -> Self {
        let defaults = Self::default();
        let opens = env.minutes("INTERVIEW_OPENS_BEFORE_MINUTES", 5);
        let closes = env.minutes("INTERVIEW_CLOSES_AFTER_MINUTES", 60);
        let window = InterviewWindow::new(TimeDelta::minutes(opens), TimeDelta::minutes(closes))
            .unwrap_or_default();
        let unclaimed_upload_ttl = env
            .parse(
                "UNCLAIMED_UPLOAD_TTL_MINUTES",
                "a whole number of minutes from 10 (time to fill in the form) to 10080 (a week)",
                |v| {
                    v.parse::<i64>()
                        .ok()
                        .filter(|m| UNCLAIMED_UPLOAD_TTL_MINUTES.contains(m))
                },
            )
            .map_or(defaults.unclaimed_upload_ttl, TimeDelta::minutes);
        let phone_region = env
            .parse(
                "INTERVIEW_PHONE_REGION",
                "an ISO 3166 two-letter country code with a telephone numbering plan, \
                 such as US, GB (the United Kingdom), IN or DE",
                PhoneRegion::parse,
            )
            .unwrap_or(defaults.phone_region);
        let positions = read_positions(env, phone_region);
        let reminder_offsets = env
            .parse(
                "REMINDER_OFFSETS",
                "off, or up to 5 lengths of time before the start, separated by commas, such \
                 as 24h,1h or 90s (units s, m, h, d; at most 30 days each)",
                parse_reminder_offsets,
            )
            .unwrap_or(defaults.reminder_offsets);
        let retention = env
            .parse(
                "RETENTION_DAYS",
                "a whole number of days from 1 to 3650",
                |v| v.parse::<i64>().ok().filter(|d| (1..=3650).contains(d)),
            )
            .map(TimeDelta::days);
        Self {
            window,
            max_upload_bytes: env.positive("MAX_UPLOAD_BYTES", defaults.max_upload_bytes),
            max_resume_length: env.positive("MAX_RESUME_LENGTH", defaults.max_resume_length),
            positions: positions.unwrap_or(defaults.positions),
            invitations_per_address: env
                .rate("INVITATIONS_PER_ADDRESS", defaults.invitations_per_address),
            unclaimed_upload_ttl,
            phone_region,
            reminder_offsets,
            retention,
        }
    }

    /// The scheduling service's settings, with interview links under
    /// `public_base_url`.
    pub fn scheduling_settings(&self, public_base_url: &Url) -> SchedulingSettings {
        let mut settings = SchedulingSettings::new(public_base_url);
        settings.window = self.window;
        settings.max_resume_bytes = self.max_upload_bytes;
        settings.invitations_per_address = self.invitations_per_address;
        settings.unclaimed_upload_ttl = self.unclaimed_upload_ttl;
        settings.rules.phone_region = self.phone_region;
        settings.reminder_offsets.clone_from(&self.reminder_offsets);
        settings.retention = self.retention;
        settings
    }
}

/// `POSITIONS_FILE`'s positions, or the default position from
/// `INTERVIEW_POSITION` / `INTERVIEW_COMPANY`; `None` (with the error recorded)
/// when they are wrong.
fn read_positions(env: &mut Env<'_>, phone_region: PhoneRegion) -> Option<Vec<Position>> {
    let company = env
        .get("INTERVIEW_COMPANY")
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    let defaults = PositionDefaults {
        company,
        phone_region,
    };
    if let Some(path) = env.get("POSITIONS_FILE").filter(|p| !p.trim().is_empty()) {
        return match PositionsFile::read(Path::new(path.trim()), &defaults) {
            Ok(file) => Some(file.positions),
            Err(error) => {
                env.error("POSITIONS_FILE", ErrorChain(&error).to_string());
                None
            }
        };
    }
    let title = env
        .get("INTERVIEW_POSITION")
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    match default_position(&defaults, title.as_deref()) {
        Ok(position) => Some(vec![position]),
        Err(errors) => {
            let problem = errors
                .0
                .iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join("; ");
            env.error("INTERVIEW_POSITION", format!("the title {problem}"));
            None
        }
    }
}

/// The provider chosen for one role, and the reason: what `full_stack` prints at
/// start, so a missing variable is visible at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The role ("bookings", "e-mail", "speech-to-text", ...).
    pub role: &'static str,
    /// What fills it.
    pub provider: String,
    /// Which variable decided it.
    pub reason: String,
}

impl Selection {
    /// `provider` fills `role` because of `reason`.
    pub fn new(role: &'static str, provider: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            role,
            provider: provider.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Selection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:<15} {} ({})", self.role, self.provider, self.reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interview(vars: &[(&str, &str)]) -> Result<InterviewConfig, ConfigErrors> {
        Env::read_pairs(vars, |env| Some(InterviewConfig::from_env(env)))
    }

    #[test]
    fn defaults_need_no_variables() {
        let config = interview(&[]).unwrap();
        assert_eq!(config, InterviewConfig::default());
        assert_eq!(config.window, InterviewWindow::DEFAULT);
        assert_eq!(config.max_upload_bytes, 5 * 1024 * 1024);
        assert_eq!(config.max_resume_length, 8000);
        assert_eq!(config.unclaimed_upload_ttl, TimeDelta::hours(24));
        assert_eq!(
            config.reminder_offsets,
            [
                std::time::Duration::from_secs(86_400),
                std::time::Duration::from_secs(3600)
            ]
        );
    }

    #[test]
    fn retention_is_read_in_days() {
        assert_eq!(interview(&[]).unwrap().retention, None);
        let config = interview(&[("RETENTION_DAYS", "180")]).unwrap();
        assert_eq!(config.retention, Some(TimeDelta::days(180)));
        assert_eq!(
            config
                .scheduling_settings(&Url::parse("https://jobs.example.com").unwrap())
                .retention,
            Some(TimeDelta::days(180))
        );
        for wrong in ["0", "3651", "six months", "-1"] {
            let error = interview(&[("RETENTION_DAYS", wrong)])
                .unwrap_err()
                .to_string();
            assert!(error.contains("RETENTION_DAYS"), "{wrong:?}: {error}");
        }
    }

    #[test]
    fn reminder_offsets_are_read_sorted_and_bounded() {
        let secs = std::time::Duration::from_secs;
        let offsets =
            |text: &str| interview(&[("REMINDER_OFFSETS", text)]).map(|c| c.reminder_offsets);
        assert_eq!(
            offsets("90s, 2d,1h").unwrap(),
            [secs(2 * 86_400), secs(3600), secs(90)]
        );
        assert_eq!(offsets("1h,60m").unwrap(), [secs(3600)]);
        assert_eq!(offsets("off").unwrap(), []);
        assert_eq!(offsets("30d").unwrap(), [secs(30 * 86_400)]);
        for wrong in [
            "24",
            "1w",
            "0s",
            "31d",
            "1h,,2h",
            "1s,2s,3s,4s,5s,6s",
            "-1h",
        ] {
            let error = offsets(wrong).unwrap_err().to_string();
            assert!(error.contains("REMINDER_OFFSETS"), "{wrong:?}: {error}");
        }
    }

    #[test]
    fn the_upload_ttl_is_refused_outside_its_range() {
        for (value, accepted) in [
            ("9", false),
            ("10", true),
            ("10080", true),
            ("10081", false),
            ("-1", false),
            ("a day", false),
        ] {
            let read = interview(&[("UNCLAIMED_UPLOAD_TTL_MINUTES", value)]);
            assert_eq!(read.is_ok(), accepted, "{value}");
            if let Err(errors) = read {
                assert_eq!(errors.0[0].variable, "UNCLAIMED_UPLOAD_TTL_MINUTES");
                assert!(
                    errors.0[0].problem.contains("from 10"),
                    "{}",
                    errors.0[0].problem
                );
            }
        }
    }

    #[test]
    fn the_window_limits_and_wording_are_read() {
        let config = interview(&[
            ("INTERVIEW_OPENS_BEFORE_MINUTES", "10"),
            ("INTERVIEW_CLOSES_AFTER_MINUTES", "90"),
            ("MAX_UPLOAD_BYTES", "1024"),
            ("MAX_RESUME_LENGTH", "500"),
            ("INTERVIEW_COMPANY", "Acme"),
            ("INTERVIEW_POSITION", "Data Engineer"),
            ("INVITATIONS_PER_ADDRESS", "5/7d"),
            ("UNCLAIMED_UPLOAD_TTL_MINUTES", "90"),
        ])
        .unwrap();
        assert_eq!(
            config.invitations_per_address,
            Some(Rate::per(5, std::time::Duration::from_secs(7 * 86_400)))
        );
        assert_eq!(
            config.window,
            InterviewWindow::new(TimeDelta::minutes(10), TimeDelta::minutes(90)).unwrap()
        );
        assert_eq!(
            (config.max_upload_bytes, config.max_resume_length),
            (1024, 500)
        );
        let [position] = config.positions.as_slice() else {
            panic!("one default position expected");
        };
        assert_eq!(
            (position.company.as_deref(), position.title.as_str()),
            (Some("Acme"), "Data Engineer")
        );
        let settings = config.scheduling_settings(&Url::parse("https://jobs.example.com").unwrap());
        assert_eq!(settings.window, config.window);
        assert_eq!(settings.max_resume_bytes, 1024);
        assert_eq!(
            settings.invitations_per_address,
            config.invitations_per_address
        );
        let off = interview(&[("INVITATIONS_PER_ADDRESS", "off")]).unwrap();
        assert_eq!(off.invitations_per_address, None);
        assert_eq!(settings.unclaimed_upload_ttl, TimeDelta::minutes(90));
    }

    #[test]
    fn the_phone_region_is_read_and_an_unknown_one_refused() {
        assert_eq!(interview(&[]).unwrap().phone_region.code(), "US");
        let config = interview(&[("INTERVIEW_PHONE_REGION", "gb")]).unwrap();
        assert_eq!(config.phone_region.code(), "GB");
        let settings = config.scheduling_settings(&Url::parse("https://jobs.example.com").unwrap());
        assert_eq!(settings.rules.phone_region.code(), "GB");
        for wrong in ["UK", "United Kingdom", "44", "XX"] {
            let errors = interview(&[("INTERVIEW_PHONE_REGION", wrong)]).unwrap_err();
            assert_eq!(errors.0[0].variable, "INTERVIEW_PHONE_REGION");
            assert!(
                errors.0[0].problem.contains("two-letter country code"),
                "{}",
                errors.0[0].problem
            );
        }
    }

    #[test]
    fn wrong_values_are_named_and_all_reported() {
        let errors = interview(&[
            ("INTERVIEW_OPENS_BEFORE_MINUTES", "-5"),
            ("INTERVIEW_CLOSES_AFTER_MINUTES", "a week"),
            ("MAX_UPLOAD_BYTES", "0"),
            ("INVITATIONS_PER_ADDRESS", "3 a day"),
        ])
        .unwrap_err();
        let variables: Vec<&str> = errors.0.iter().map(|e| e.variable).collect();
        assert_eq!(
            variables,
            [
                "INTERVIEW_OPENS_BEFORE_MINUTES",
                "INTERVIEW_CLOSES_AFTER_MINUTES",
                "MAX_UPLOAD_BYTES",
                "INVITATIONS_PER_ADDRESS"
            ]
        );
    }
}
