//! Retry and timeout settings.

use std::time::Duration;

use interview_core::backoff::Backoff;
use interview_core::engine::{VendorError, VendorErrorKind};

/// How often and how patiently a request is retried after a 429, a 5xx or a failed
/// connection.
///
/// The wait before retry `n` is what [`RetryPolicy::backoff`] gives for attempt
/// `n - 1` (by default a random time between half and all of `250 ms * 2^(n-1)`),
/// unless the vendor said how long to wait with `Retry-After` (or OpenAI's
/// `retry-after-ms`): then that wait is used as given. A vendor asking for more than `max_retry_after` is not retried at
/// all: in a live interview a fallback engine is a better answer than a long wait.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// How many times a request is sent again after its first attempt.
    pub max_retries: u32,
    /// The waits between attempts when the vendor does not say.
    pub backoff: Backoff,
    /// The longest `Retry-After` that is still waited for.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// Two retries, 250 ms then 500 ms (with jitter), `Retry-After` up to 10 s.
    fn default() -> Self {
        Self {
            max_retries: 2,
            backoff: Backoff {
                initial: Duration::from_millis(250),
                max: Duration::from_secs(4),
                jitter: 0.5,
            },
            max_retry_after: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub const fn none() -> Self {
        Self {
            max_retries: 0,
            backoff: Backoff {
                initial: Duration::ZERO,
                max: Duration::ZERO,
                jitter: 0.0,
            },
            max_retry_after: Duration::ZERO,
        }
    }

    /// Retries up to `max_retries` times.
    pub fn with_max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// Sets the first and the longest backoff.
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.backoff.initial = initial;
        self.backoff.max = max.max(initial);
        self
    }

    /// Sets the longest `Retry-After` still waited for.
    pub fn with_max_retry_after(mut self, max_retry_after: Duration) -> Self {
        self.max_retry_after = max_retry_after;
        self
    }

    /// How long to wait before retry number `retry` (1 for the first retry) after
    /// `error`, or `None` when the request must not be sent again.
    pub fn delay_before_retry(&self, retry: u32, error: &VendorError) -> Option<Duration> {
        if retry == 0 || retry > self.max_retries || !error.is_retryable() {
            return None;
        }
        if let VendorErrorKind::RateLimited {
            retry_after: Some(after),
        } = error.kind
        {
            return (after <= self.max_retry_after).then_some(after);
        }
        Some(self.backoff.next_delay(retry - 1))
    }
}

/// How long an engine waits.
///
/// `connect` bounds opening a connection; `idle` bounds every wait for the vendor
/// (the response status, and then each piece of a streamed body), so a server that
/// stops sending mid-stream is noticed; `total` bounds the whole call, retries and
/// the whole streamed answer included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Opening the TCP (and TLS) connection.
    pub connect: Duration,
    /// The longest silence from the vendor: before the status, and between two
    /// pieces of a streamed body.
    pub idle: Duration,
    /// The whole call, from the first attempt to the end of the streamed answer.
    pub total: Duration,
}

impl Default for Timeouts {
    /// 5 s to connect, 20 s of silence, 120 s in all.
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            idle: Duration::from_secs(20),
            total: Duration::from_secs(120),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(kind: VendorErrorKind) -> VendorError {
        VendorError::new("test", kind, "failed")
    }

    #[test]
    fn retry_after_is_used_as_given_and_capped() {
        let policy = RetryPolicy::default();
        let limited = error(VendorErrorKind::RateLimited {
            retry_after: Some(Duration::from_secs(3)),
        });
        assert_eq!(
            policy.delay_before_retry(1, &limited),
            Some(Duration::from_secs(3))
        );
        let too_long = error(VendorErrorKind::RateLimited {
            retry_after: Some(Duration::from_secs(60)),
        });
        assert_eq!(policy.delay_before_retry(1, &too_long), None);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_stops() {
        let policy = RetryPolicy::default()
            .with_max_retries(3)
            .with_backoff(Duration::from_millis(100), Duration::from_millis(300));
        let server = error(VendorErrorKind::Server { status: 503 });
        let first = policy.delay_before_retry(1, &server).unwrap();
        assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
        let second = policy.delay_before_retry(2, &server).unwrap();
        assert!(second >= Duration::from_millis(100) && second <= Duration::from_millis(200));
        let third = policy.delay_before_retry(3, &server).unwrap();
        assert!(third >= Duration::from_millis(150) && third <= Duration::from_millis(300));
        assert_eq!(policy.delay_before_retry(4, &server), None);
    }

    #[test]
    fn client_errors_are_not_retried() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.delay_before_retry(1, &error(VendorErrorKind::Unauthorized)),
            None
        );
        assert_eq!(
            policy.delay_before_retry(1, &error(VendorErrorKind::BadRequest { status: 400 })),
            None
        );
        assert_eq!(
            RetryPolicy::none().delay_before_retry(1, &error(VendorErrorKind::Connection)),
            None
        );
    }
}
