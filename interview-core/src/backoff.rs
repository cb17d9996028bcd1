//! How long to wait before trying again: capped exponential backoff with jitter, so
//! that many clients that failed together do not all come back together.
//!
//! The one backoff policy of the workspace: vendor engines' retries and LiveKit
//! workers' reconnections both wait as a [`Backoff`] says, with jitter from
//! [`random::fraction`](crate::random::fraction).

use std::time::Duration;

/// Delays between attempts: `initial`, doubling per failed attempt up to `max`,
/// each shortened by a random fraction of at most `jitter`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// The delay after the first failure.
    pub initial: Duration,
    /// The longest delay.
    pub max: Duration,
    /// How much of each delay may be taken off at random, from 0.0 (none) to 1.0
    /// (anything between zero and the full delay).
    pub jitter: f64,
}

impl Default for Backoff {
    /// 0.5 s doubling to 15 s, with up to half of each delay taken off at random.
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(500),
            max: Duration::from_secs(15),
            jitter: 0.5,
        }
    }
}

impl Backoff {
    /// The delay before attempt `attempt` (0 after the first failure), given a
    /// `random` number in `[0, 1)`.
    pub fn delay(&self, attempt: u32, random: f64) -> Duration {
        let factor = 2_u32.saturating_pow(attempt.min(31));
        let full = self.initial.saturating_mul(factor).min(self.max);
        let cut = self.jitter.clamp(0.0, 1.0) * random.clamp(0.0, 1.0);
        full.mul_f64(1.0 - cut)
    }

    /// The delay before attempt `attempt`, with randomness from the operating system.
    pub fn next_delay(&self, attempt: u32) -> Duration {
        self.delay(attempt, crate::random::fraction())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap() {
        let backoff = Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(1),
            jitter: 0.0,
        };
        let delays: Vec<u128> = (0..6).map(|n| backoff.delay(n, 0.9).as_millis()).collect();
        assert_eq!(delays, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(backoff.delay(u32::MAX, 0.0), Duration::from_secs(1));
    }

    #[test]
    fn jitter_takes_off_at_most_its_share() {
        let backoff = Backoff {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(10),
            jitter: 0.5,
        };
        assert_eq!(backoff.delay(0, 0.0), Duration::from_secs(1));
        assert_eq!(backoff.delay(0, 1.0), Duration::from_millis(500));
        for _ in 0..100 {
            let delay = backoff.next_delay(1);
            assert!(delay >= Duration::from_secs(1) && delay <= Duration::from_secs(2));
        }
    }
}
