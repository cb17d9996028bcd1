//! When an interview link lets the candidate in.

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

/// The period around the scheduled time in which the interview can be joined:
/// by default from 5 minutes before to 60 minutes after, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InterviewWindow {
    opens_before: TimeDelta,
    closes_after: TimeDelta,
}

/// Where an instant falls relative to an interview's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum WindowStatus {
    /// The window has not opened yet.
    TooEarly {
        /// When it opens.
        opens_at: DateTime<Utc>,
    },
    /// The interview can be joined now.
    Open {
        /// When the window closes.
        closes_at: DateTime<Utc>,
    },
    /// The window has closed.
    Expired {
        /// When it closed.
        closed_at: DateTime<Utc>,
    },
}

/// A window whose ends were given in the wrong order or negative.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "an interview window needs non-negative lengths (opens {opens_before_secs} s before, closes {closes_after_secs} s after)"
)]
pub struct InvalidWindow {
    opens_before_secs: i64,
    closes_after_secs: i64,
}

impl InterviewWindow {
    /// The original's window: opens 5 minutes before, closes 60 minutes after.
    pub const DEFAULT: Self = Self {
        opens_before: TimeDelta::minutes(5),
        closes_after: TimeDelta::minutes(60),
    };

    /// A window opening `opens_before` the scheduled time and closing `closes_after` it.
    pub fn new(opens_before: TimeDelta, closes_after: TimeDelta) -> Result<Self, InvalidWindow> {
        if opens_before < TimeDelta::zero() || closes_after < TimeDelta::zero() {
            return Err(InvalidWindow {
                opens_before_secs: opens_before.num_seconds(),
                closes_after_secs: closes_after.num_seconds(),
            });
        }
        Ok(Self {
            opens_before,
            closes_after,
        })
    }

    /// How long before the scheduled time the window opens.
    pub fn opens_before(&self) -> TimeDelta {
        self.opens_before
    }

    /// How long after the scheduled time the window closes.
    pub fn closes_after(&self) -> TimeDelta {
        self.closes_after
    }

    /// Whether an interview scheduled at `scheduled_at` can be joined at `now`.
    /// Both ends are inside: exactly 5 minutes before is open, and so is exactly 60
    /// minutes after.
    pub fn admit(&self, scheduled_at: DateTime<Utc>, now: DateTime<Utc>) -> WindowStatus {
        let opens_at = scheduled_at - self.opens_before;
        let closes_at = scheduled_at + self.closes_after;
        if now < opens_at {
            WindowStatus::TooEarly { opens_at }
        } else if now > closes_at {
            WindowStatus::Expired {
                closed_at: closes_at,
            }
        } else {
            WindowStatus::Open { closes_at }
        }
    }
}

impl Default for InterviewWindow {
    fn default() -> Self {
        Self::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn scheduled() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 6, 1, 15, 0, 0).unwrap()
    }

    #[test]
    fn default_window_boundaries() {
        let window = InterviewWindow::default();
        let at = |delta: TimeDelta| window.admit(scheduled(), scheduled() + delta);
        let opens_at = scheduled() - TimeDelta::minutes(5);
        let closes_at = scheduled() + TimeDelta::minutes(60);

        assert_eq!(
            at(-TimeDelta::minutes(5) - TimeDelta::nanoseconds(1)),
            WindowStatus::TooEarly { opens_at }
        );
        assert_eq!(
            at(-TimeDelta::minutes(5) - TimeDelta::seconds(1)),
            WindowStatus::TooEarly { opens_at }
        );
        assert_eq!(at(-TimeDelta::minutes(5)), WindowStatus::Open { closes_at });
        assert_eq!(at(TimeDelta::zero()), WindowStatus::Open { closes_at });
        assert_eq!(at(TimeDelta::minutes(60)), WindowStatus::Open { closes_at });
        assert_eq!(
            at(TimeDelta::minutes(60) + TimeDelta::nanoseconds(1)),
            WindowStatus::Expired {
                closed_at: closes_at
            }
        );
        assert_eq!(
            at(TimeDelta::days(2)),
            WindowStatus::Expired {
                closed_at: closes_at
            }
        );
        assert_eq!(at(-TimeDelta::days(2)), WindowStatus::TooEarly { opens_at });
    }

    #[test]
    fn configurable_window() {
        let window = InterviewWindow::new(TimeDelta::minutes(15), TimeDelta::minutes(30)).unwrap();
        assert_eq!(window.opens_before(), TimeDelta::minutes(15));
        assert_eq!(window.closes_after(), TimeDelta::minutes(30));
        assert!(matches!(
            window.admit(scheduled(), scheduled() - TimeDelta::minutes(15)),
            WindowStatus::Open { .. }
        ));
        assert!(matches!(
            window.admit(scheduled(), scheduled() - TimeDelta::minutes(16)),
            WindowStatus::TooEarly { .. }
        ));
        assert!(matches!(
            window.admit(scheduled(), scheduled() + TimeDelta::minutes(31)),
            WindowStatus::Expired { .. }
        ));
    }

    #[test]
    fn zero_length_window_opens_only_at_the_scheduled_instant() {
        let window = InterviewWindow::new(TimeDelta::zero(), TimeDelta::zero()).unwrap();
        assert!(matches!(
            window.admit(scheduled(), scheduled()),
            WindowStatus::Open { .. }
        ));
        assert!(matches!(
            window.admit(scheduled(), scheduled() + TimeDelta::milliseconds(1)),
            WindowStatus::Expired { .. }
        ));
    }

    #[test]
    fn negative_lengths_are_refused() {
        assert!(InterviewWindow::new(TimeDelta::minutes(-1), TimeDelta::minutes(60)).is_err());
        assert!(InterviewWindow::new(TimeDelta::minutes(5), TimeDelta::seconds(-1)).is_err());
    }
}
