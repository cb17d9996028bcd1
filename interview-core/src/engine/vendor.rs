//! How a remote engine failed, shared by every engine's error enum so retries and
//! fallbacks can decide the same way for all of them.

use std::fmt;
use std::time::Duration;

use crate::error::BoxError;

/// The kind of a vendor failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum VendorErrorKind {
    /// The API key was refused (401/403).
    Unauthorized,
    /// Too many requests (429); try again after `retry_after` if given.
    RateLimited {
        /// What the vendor's `Retry-After` said.
        retry_after: Option<Duration>,
    },
    /// The request was refused as malformed (other 4xx).
    BadRequest {
        /// The HTTP status.
        status: u16,
    },
    /// The vendor failed (5xx).
    Server {
        /// The HTTP status.
        status: u16,
    },
    /// The vendor could not be reached, or the connection broke.
    Connection,
    /// The vendor did not answer in time.
    Timeout,
    /// The answer did not follow the vendor's documented format.
    Protocol,
}

impl VendorErrorKind {
    /// Whether the same request may succeed if sent again.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. } | Self::Server { .. } | Self::Connection | Self::Timeout
        )
    }
}

impl fmt::Display for VendorErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unauthorized => f.write_str("unauthorized"),
            Self::RateLimited {
                retry_after: Some(after),
            } => {
                write!(f, "rate limited (retry after {after:?})")
            }
            Self::RateLimited { retry_after: None } => f.write_str("rate limited"),
            Self::BadRequest { status } => write!(f, "bad request ({status})"),
            Self::Server { status } => write!(f, "server error ({status})"),
            Self::Connection => f.write_str("connection failed"),
            Self::Timeout => f.write_str("timed out"),
            Self::Protocol => f.write_str("unexpected response"),
        }
    }
}

/// A failure of a remote engine, with the vendor's own message (never the API key).
#[derive(Debug, thiserror::Error)]
#[error("{vendor}: {kind}: {message}")]
pub struct VendorError {
    /// Which vendor ("openai", "deepgram", ...).
    pub vendor: &'static str,
    /// What went wrong.
    pub kind: VendorErrorKind,
    /// The vendor's message, or a description.
    pub message: String,
    /// The underlying error, if any.
    #[source]
    pub source: Option<BoxError>,
}

impl VendorError {
    /// A new error without an underlying cause.
    pub fn new(vendor: &'static str, kind: VendorErrorKind, message: impl Into<String>) -> Self {
        Self {
            vendor,
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// Attaches the underlying error.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Whether the same request may succeed if sent again.
    pub fn is_retryable(&self) -> bool {
        self.kind.is_retryable()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_kinds() {
        assert!(VendorErrorKind::Server { status: 503 }.is_retryable());
        assert!(VendorErrorKind::RateLimited { retry_after: None }.is_retryable());
        assert!(VendorErrorKind::Timeout.is_retryable());
        assert!(!VendorErrorKind::Unauthorized.is_retryable());
        assert!(!VendorErrorKind::BadRequest { status: 400 }.is_retryable());
        assert!(!VendorErrorKind::Protocol.is_retryable());
    }

    #[test]
    fn display_names_vendor_kind_and_message() {
        let error = VendorError::new(
            "openai",
            VendorErrorKind::RateLimited {
                retry_after: Some(Duration::from_secs(2)),
            },
            "Rate limit reached",
        );
        assert_eq!(
            error.to_string(),
            "openai: rate limited (retry after 2s): Rate limit reached"
        );
    }
}
