//! [`Rate`]: "at most N per period", the one shape of every limit on how often
//! something may happen (requests per client, invitations per address).
//!
//! Written as `N/PERIOD`: `10/10m`, `3/24h`, `60/m`, `100/1h`, `5/30s`, `2/7d`.
//! `off` (or `0`) turns a limit off; [`Rate::parse_setting`] reads that.

use std::fmt;
use std::num::NonZeroU32;
use std::time::Duration;

/// The largest count a rate may allow.
pub const MAX_RATE_COUNT: u32 = 1_000_000;
/// The longest period a rate may span: 30 days.
pub const MAX_RATE_PERIOD: Duration = Duration::from_secs(30 * 24 * 3600);

/// At most `count` events per `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rate {
    count: NonZeroU32,
    period: Duration,
}

/// Why a rate did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "expected a count per period such as 10/10m or 3/24h (periods in s, m, h or d; \
     at most {MAX_RATE_COUNT} per 30d), or off"
)]
pub struct RateParseError;

impl Rate {
    /// `count` per `period`: `None` when either is zero or past the bounds
    /// ([`MAX_RATE_COUNT`], [`MAX_RATE_PERIOD`], whole seconds).
    pub fn new(count: u32, period: Duration) -> Option<Self> {
        let count = NonZeroU32::new(count).filter(|c| c.get() <= MAX_RATE_COUNT)?;
        let whole_seconds = period.subsec_nanos() == 0 && period.as_secs() > 0;
        (whole_seconds && period <= MAX_RATE_PERIOD).then_some(Self { count, period })
    }

    /// `count` per `period` for constants, checked when compiled.
    ///
    /// # Panics
    /// When [`Rate::new`] would refuse them (in a `const`, a compile error).
    pub const fn per(count: u32, period: Duration) -> Self {
        match NonZeroU32::new(count) {
            Some(nonzero)
                if count <= MAX_RATE_COUNT
                    && period.subsec_nanos() == 0
                    && period.as_secs() > 0
                    && period.as_secs() <= MAX_RATE_PERIOD.as_secs() =>
            {
                Self {
                    count: nonzero,
                    period,
                }
            }
            _ => panic!("a rate needs 1 to 1,000,000 events per 1 s to 30 days"),
        }
    }

    /// How many events the period allows.
    pub fn count(&self) -> u32 {
        self.count.get()
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// The steady interval between events (period / count), at least a nanosecond.
    pub fn interval(&self) -> Duration {
        (self.period / self.count.get()).max(Duration::from_nanos(1))
    }

    /// Reads a setting: `off` or `0` is `Ok(None)`, `N/PERIOD` is a rate.
    pub fn parse_setting(text: &str) -> Result<Option<Self>, RateParseError> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("off") || text == "0" {
            return Ok(None);
        }
        text.parse().map(Some)
    }
}

impl std::str::FromStr for Rate {
    type Err = RateParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (count, period) = text.trim().split_once('/').ok_or(RateParseError)?;
        let count: u32 = count.trim().parse().map_err(|_| RateParseError)?;
        let period = period.trim();
        // "3/h" reads as "3/1h".
        let period = if period.starts_with(|c: char| c.is_ascii_digit()) {
            parse_duration(period)
        } else {
            parse_duration(&format!("1{period}"))
        };
        let period = period.ok_or(RateParseError)?;
        Self::new(count, period).ok_or(RateParseError)
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.period.as_secs();
        let (amount, unit) = if seconds.is_multiple_of(86_400) {
            (seconds / 86_400, "d")
        } else if seconds.is_multiple_of(3600) {
            (seconds / 3600, "h")
        } else if seconds.is_multiple_of(60) {
            (seconds / 60, "m")
        } else {
            (seconds, "s")
        };
        write!(f, "{}/{amount}{unit}", self.count)
    }
}

/// A length of time as settings write it: a whole number and a unit, `s`, `m`,
/// `h` or `d` (`90s`, `30m`, `24h`, `2d`); `None` for anything else.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (amount, unit) = text.split_at(split);
    let amount: u64 = amount.parse().ok()?;
    let unit_seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    amount.checked_mul(unit_seconds).map(Duration::from_secs)
}

/// A wait in words a candidate reads: "40 seconds", "1 minute", "3 hours",
/// rounded up.
pub fn human_wait(wait: Duration) -> String {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let plural = |n: u64, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    match seconds {
        0..=59 => plural(seconds.max(1), "second"),
        60..=3599 => plural(seconds.div_ceil(60), "minute"),
        _ => plural(seconds.div_ceil(3600), "hour"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_and_print_in_one_syntax() {
        for (text, count, seconds, shown) in [
            ("10/10m", 10, 600, "10/10m"),
            ("3/24h", 3, 86_400, "3/1d"),
            ("60/m", 60, 60, "60/1m"),
            (" 5 / 30s ", 5, 30, "5/30s"),
            ("2/7d", 2, 604_800, "2/7d"),
            ("100/90s", 100, 90, "100/90s"),
        ] {
            let rate: Rate = text.parse().unwrap();
            assert_eq!((rate.count(), rate.period().as_secs()), (count, seconds));
            assert_eq!(rate.to_string(), shown);
            assert_eq!(rate.to_string().parse::<Rate>().unwrap(), rate);
        }
        assert_eq!(
            "10/10m".parse::<Rate>().unwrap().interval(),
            Duration::from_secs(60)
        );
    }

    #[test]
    fn off_and_zero_turn_a_limit_off_and_nonsense_is_refused() {
        assert_eq!(Rate::parse_setting("off"), Ok(None));
        assert_eq!(Rate::parse_setting("OFF"), Ok(None));
        assert_eq!(Rate::parse_setting("0"), Ok(None));
        for bad in [
            "",
            "10",
            "10/",
            "/10m",
            "ten/10m",
            "10/10",
            "10/10x",
            "10/-1m",
            "0/10m",
            "10/0m",
            "10/31d",
            "1000001/1d",
            "10/10 m m",
            "-3/1h",
            "10/99999999999999999999d",
        ] {
            assert_eq!(Rate::parse_setting(bad), Err(RateParseError), "{bad:?}");
        }
    }

    #[test]
    fn waits_are_rounded_up_to_words() {
        assert_eq!(human_wait(Duration::from_millis(200)), "1 second");
        assert_eq!(human_wait(Duration::from_secs(40)), "40 seconds");
        assert_eq!(human_wait(Duration::from_secs(61)), "2 minutes");
        assert_eq!(human_wait(Duration::from_secs(3600)), "1 hour");
        assert_eq!(human_wait(Duration::from_secs(86_400)), "24 hours");
    }
}
