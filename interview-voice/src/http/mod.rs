//! What every vendor engine shares: timeouts, retries with backoff that honour
//! `Retry-After`, and the mapping of HTTP failures to [`VendorError`].
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
