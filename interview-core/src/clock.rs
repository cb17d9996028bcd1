//! Time as a dependency: services ask a [`Clock`] instead of reading the wall clock,
//! so tests (and replays) control "now".

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use futures_util::future::BoxFuture;
use tokio::sync::watch;

/// A source of the current time.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant, in UTC.
    fn now(&self) -> DateTime<Utc>;

    /// Waits until the clock shows `at` or later.
    ///
    /// The default sleeps on the Tokio timer for the time left, reading
    /// [`Clock::now`] again after each sleep: right for a clock that runs at the
    /// wall clock's pace. A clock moved by hand overrides it ([`ManualClock`] wakes
    /// its sleepers when it is moved). Needs a Tokio runtime with its timer.
    fn sleep_until(&self, at: DateTime<Utc>) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            while let Ok(left) = (at - self.now()).to_std() {
                if left.is_zero() {
                    break;
                }
                tokio::time::sleep(left).await;
            }
        })
    }
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until told to move; for tests and simulations.
/// Whoever sleeps on it ([`Clock::sleep_until`]) wakes when it is moved past their
/// time, never by the wall clock.
#[derive(Debug)]
pub struct ManualClock {
    now: watch::Sender<DateTime<Utc>>,
}

impl ManualClock {
    /// A clock showing `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        Self {
            now: watch::Sender::new(now),
        }
    }

    /// Sets the time.
    pub fn set(&self, now: DateTime<Utc>) {
        self.now.send_replace(now);
    }

    /// Moves the time forward (or back, with a negative delta).
    pub fn advance(&self, by: TimeDelta) {
        self.now.send_modify(|now| *now += by);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.borrow()
    }

    fn sleep_until(&self, at: DateTime<Utc>) -> BoxFuture<'_, ()> {
        let mut now = self.now.subscribe();
        Box::pin(async move {
            // The sender lives as long as `self`, which outlives this future.
            let _ = now.wait_for(|now| *now >= at).await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start = Utc.with_ymd_and_hms(2030, 1, 1, 9, 0, 0).unwrap();
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(TimeDelta::seconds(90));
        assert_eq!(clock.now(), start + TimeDelta::seconds(90));
        clock.set(start);
        assert_eq!(clock.now(), start);
    }

    #[tokio::test]
    async fn a_sleeper_on_a_manual_clock_wakes_when_the_clock_passes_its_time() {
        use futures_util::FutureExt;
        let start = Utc.with_ymd_and_hms(2030, 1, 1, 9, 0, 0).unwrap();
        let clock = ManualClock::new(start);
        let mut sleep = clock.sleep_until(start + TimeDelta::seconds(5));
        assert!((&mut sleep).now_or_never().is_none());
        clock.advance(TimeDelta::seconds(4));
        assert!((&mut sleep).now_or_never().is_none());
        clock.advance(TimeDelta::seconds(1));
        assert!(sleep.now_or_never().is_some());
        // A time already passed does not wait.
        assert!(clock.sleep_until(start).now_or_never().is_some());
    }

    #[tokio::test]
    async fn the_system_clock_sleeps_on_the_timer_until_its_time() {
        let clock = SystemClock;
        let at = clock.now() + TimeDelta::milliseconds(30);
        clock.sleep_until(at).await;
        assert!(clock.now() >= at);
    }
}
