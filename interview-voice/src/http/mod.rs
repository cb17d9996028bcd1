//! What every vendor engine shares: timeouts, retries with backoff that honour
//! `Retry-After`, and the mapping of HTTP failures to
//! [`VendorError`](interview_core::engine::VendorError).
//!
//! A request is retried only while nothing of its answer has been handed to the
//! caller: on a 429 or 5xx status, or when the connection fails before a status
//! arrives. Once a response body is streaming, a failure ends the stream with an
//! error and the caller (or a [fallback](crate::fallback)) decides what to do.

mod client;
mod retry;

pub use retry::{RetryPolicy, Timeouts};

// Which helpers are used depends on the vendor features turned on.
#[allow(unused_imports)]
pub(crate) use client::{
    BodyStream, HttpClient, join_url, json_error, read_json, retry_after, secret_header, truncate,
};

/// The builder methods every vendor client shares, on its `http: HttpClient`
/// field: `with_timeout`, `with_timeouts` and `with_retry`. Invoked inside the
/// client's `impl` block, so each vendor has them as its own methods.
macro_rules! http_options {
    () => {
        /// Gives up on a call (retries and a streamed answer included) after `total`.
        pub fn with_timeout(mut self, total: std::time::Duration) -> Self {
            self.http.set_total_timeout(total);
            self
        }

        /// Sets every timeout: connecting, the longest silence from the vendor, and
        /// the whole call.
        pub fn with_timeouts(mut self, timeouts: $crate::http::Timeouts) -> Self {
            self.http.set_timeouts(timeouts);
            self
        }

        /// Sets the retry policy for 429, 5xx and failed connections.
        pub fn with_retry(mut self, retry: $crate::http::RetryPolicy) -> Self {
            self.http.set_retry(retry);
            self
        }
    };
}
pub(crate) use http_options;
