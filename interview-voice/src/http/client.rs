//! The HTTP client every vendor engine wraps.

// Which helpers are used depends on the vendor features turned on.
#![cfg_attr(
    not(all(
        feature = "openai",
        feature = "deepgram",
        feature = "elevenlabs",
        feature = "tavus"
    )),
    allow(dead_code)
)]

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use interview_core::Secret;
use interview_core::engine::{VendorError, VendorErrorKind};
use reqwest::header::{HeaderMap, HeaderValue};
use serde::de::DeserializeOwned;
use tokio::time::{Instant, timeout_at};
use url::Url;

use super::{RetryPolicy, Timeouts};

/// Reads the vendor's own message out of an error body, if it has the vendor's shape.
pub(crate) type MessageParser = fn(&str) -> Option<String>;

/// Error bodies longer than this are cut before they become a message.
const MAX_ERROR_BODY: usize = 16 * 1024;

/// A vendor's HTTP client: connection settings, retries and error mapping.
#[derive(Clone)]
pub(crate) struct HttpClient {
    vendor: &'static str,
    api_key: Secret,
    retry: RetryPolicy,
    timeouts: Timeouts,
    parse_message: MessageParser,
    /// Built on first use, so the builder methods cannot fail.
    client: Arc<OnceLock<reqwest::Client>>,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("vendor", &self.vendor)
            .field("api_key", &self.api_key)
            .field("retry", &self.retry)
            .field("timeouts", &self.timeouts)
            .finish_non_exhaustive()
    }
}

impl HttpClient {
    pub(crate) fn new(vendor: &'static str, api_key: Secret, parse_message: MessageParser) -> Self {
        Self {
            vendor,
            api_key,
            retry: RetryPolicy::default(),
            timeouts: Timeouts::default(),
            parse_message,
            client: Arc::default(),
        }
    }

    pub(crate) fn vendor(&self) -> &'static str {
        self.vendor
    }

    pub(crate) fn api_key(&self) -> &Secret {
        &self.api_key
    }

    pub(crate) fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    pub(crate) fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    pub(crate) fn set_retry(&mut self, retry: RetryPolicy) {
        self.retry = retry;
    }

    /// Changes only the overall limit of a call, keeping the other timeouts.
    pub(crate) fn set_total_timeout(&mut self, total: std::time::Duration) {
        self.set_timeouts(Timeouts {
            total,
            ..self.timeouts
        });
    }

    pub(crate) fn set_timeouts(&mut self, timeouts: Timeouts) {
        if timeouts.connect != self.timeouts.connect {
            self.client = Arc::default();
        }
        self.timeouts = timeouts;
    }

    fn client(&self) -> Result<&reqwest::Client, VendorError> {
        if let Some(client) = self.client.get() {
            return Ok(client);
        }
        let client = reqwest::Client::builder()
            .connect_timeout(self.timeouts.connect)
            .build()
            .map_err(|e| {
                VendorError::new(
                    self.vendor,
                    VendorErrorKind::Connection,
                    "cannot build the HTTP client",
                )
                .with_source(e)
            })?;
        Ok(self.client.get_or_init(|| client))
    }

    /// Sends the request `build` makes, again after a 429, a 5xx or a failed
    /// connection as the retry policy allows, and returns the first successful
    /// response with the deadline its body must arrive by.
    pub(crate) async fn send<F>(&self, what: &str, build: F) -> Result<BodyStream, VendorError>
    where
        F: Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    {
        let deadline = Instant::now() + self.timeouts.total;
        let client = self.client()?;
        let mut retry = 0;
        loop {
            let error = match self.attempt(client, &build, deadline).await {
                Ok(response) => {
                    return Ok(BodyStream {
                        response,
                        vendor: self.vendor,
                        deadline,
                        idle: self.timeouts.idle,
                    });
                }
                Err(error) => error,
            };
            retry += 1;
            match self.retry.delay_before_retry(retry, &error) {
                Some(delay) if Instant::now() + delay < deadline => {
                    tracing::warn!(
                        vendor = self.vendor,
                        what,
                        retry,
                        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                        error = %error,
                        "vendor request failed; retrying"
                    );
                    tokio::time::sleep(delay).await;
                }
                _ => return Err(error),
            }
        }
    }

    async fn attempt<F>(
        &self,
        client: &reqwest::Client,
        build: &F,
        deadline: Instant,
    ) -> Result<reqwest::Response, VendorError>
    where
        F: Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    {
        let until = deadline.min(Instant::now() + self.timeouts.idle);
        let response = match timeout_at(until, build(client).send()).await {
            Err(_) => return Err(self.timeout("no response")),
            Ok(Err(error)) => return Err(self.transport_error(error)),
            Ok(Ok(response)) => response,
        };
        if response.status().is_success() {
            return Ok(response);
        }
        Err(self.error_response(response, until).await)
    }

    /// The typed error for a non-2xx response, with the vendor's message.
    async fn error_response(&self, response: reqwest::Response, until: Instant) -> VendorError {
        let status = response.status().as_u16();
        let retry_after = retry_after(response.headers());
        let mut body = BodyStream {
            response,
            vendor: self.vendor,
            deadline: until,
            idle: self.timeouts.idle,
        };
        let text = match body.read_to_end(MAX_ERROR_BODY).await {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(_) => String::new(),
        };
        let message = (self.parse_message)(&text)
            .unwrap_or_else(|| non_empty_or(truncate(text.trim(), 300), "no message"));
        self.status_error(status, retry_after, &message)
    }

    /// A typed error for an HTTP status, with the vendor's message (API key removed).
    pub(crate) fn status_error(
        &self,
        status: u16,
        retry_after: Option<Duration>,
        message: &str,
    ) -> VendorError {
        let kind = match status {
            401 | 403 => VendorErrorKind::Unauthorized,
            429 => VendorErrorKind::RateLimited { retry_after },
            500..=599 => VendorErrorKind::Server { status },
            _ => VendorErrorKind::BadRequest { status },
        };
        VendorError::new(self.vendor, kind, self.redact(message))
    }

    /// Removes the API key from text a vendor sent back (some echo it in errors).
    pub(crate) fn redact(&self, text: &str) -> String {
        let key = self.api_key.expose();
        if key.len() >= 4 && text.contains(key) {
            text.replace(key, "[redacted]")
        } else {
            text.to_owned()
        }
    }

    pub(crate) fn timeout(&self, what: &str) -> VendorError {
        VendorError::new(self.vendor, VendorErrorKind::Timeout, what.to_owned())
    }

    fn transport_error(&self, error: reqwest::Error) -> VendorError {
        transport_error(self.vendor, error)
    }
}

fn non_empty_or(text: String, default: &str) -> String {
    if text.is_empty() {
        default.to_owned()
    } else {
        text
    }
}

/// Maps a reqwest failure (never carrying headers, so never the key) to a kind.
fn transport_error(vendor: &'static str, error: reqwest::Error) -> VendorError {
    let (kind, message) = if error.is_timeout() {
        (VendorErrorKind::Timeout, "timed out")
    } else if error.is_builder() {
        (VendorErrorKind::BadRequest { status: 0 }, "invalid request")
    } else {
        (VendorErrorKind::Connection, "connection failed")
    };
    VendorError::new(vendor, kind, message).with_source(error.without_url())
}

/// A successful response whose body arrives piece by piece, each piece within
/// the idle timeout and all of it before the deadline.
#[derive(Debug)]
pub(crate) struct BodyStream {
    response: reqwest::Response,
    vendor: &'static str,
    deadline: Instant,
    idle: Duration,
}

impl BodyStream {
    /// The response headers.
    pub(crate) fn headers(&self) -> &HeaderMap {
        self.response.headers()
    }

    /// The next piece of the body, `None` at its end.
    pub(crate) async fn next_chunk(&mut self) -> Result<Option<Bytes>, VendorError> {
        let until = self.deadline.min(Instant::now() + self.idle);
        match timeout_at(until, self.response.chunk()).await {
            Err(_) => Err(VendorError::new(
                self.vendor,
                VendorErrorKind::Timeout,
                if until >= self.deadline {
                    "the answer did not finish in time"
                } else {
                    "the vendor stopped sending mid-answer"
                },
            )),
            // Whatever reqwest calls it (body or decode error), a body that breaks
            // off is a broken connection: the bytes so far were fine.
            Ok(Err(error)) => Err(VendorError::new(
                self.vendor,
                if error.is_timeout() {
                    VendorErrorKind::Timeout
                } else {
                    VendorErrorKind::Connection
                },
                "the connection broke mid-answer",
            )
            .with_source(error.without_url())),
            Ok(Ok(chunk)) => Ok(chunk),
        }
    }

    /// The whole body, at most `limit` bytes of it.
    pub(crate) async fn read_to_end(&mut self, limit: usize) -> Result<Vec<u8>, VendorError> {
        let mut body = Vec::new();
        while let Some(chunk) = self.next_chunk().await? {
            let room = limit.saturating_sub(body.len());
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if body.len() >= limit {
                break;
            }
        }
        Ok(body)
    }
}

/// Reads a whole JSON body into `T`; a body that does not parse is a protocol error.
pub(crate) async fn read_json<T: DeserializeOwned>(
    mut body: BodyStream,
    limit: usize,
) -> Result<T, VendorError> {
    let bytes = body.read_to_end(limit).await?;
    serde_json::from_slice(&bytes).map_err(|error| {
        VendorError::new(
            body.vendor,
            VendorErrorKind::Protocol,
            format!(
                "unexpected response body: {}",
                truncate(String::from_utf8_lossy(&bytes).trim(), 200)
            ),
        )
        .with_source(error)
    })
}

/// How long the vendor asked to wait: OpenAI's `retry-after-ms`, or `Retry-After`
/// as seconds or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(ms) = header("retry-after-ms").and_then(|v| v.trim().parse::<f64>().ok())
        && ms.is_finite()
        && ms >= 0.0
    {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    let value = header("retry-after")?.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// A header value holding a secret, marked sensitive so it is never printed.
pub(crate) fn secret_header(
    vendor: &'static str,
    prefix: &str,
    secret: &Secret,
) -> Result<HeaderValue, VendorError> {
    let mut value =
        HeaderValue::from_str(&format!("{prefix}{}", secret.expose())).map_err(|_| {
            VendorError::new(
                vendor,
                VendorErrorKind::Unauthorized,
                "the API key holds characters a header cannot carry",
            )
        })?;
    value.set_sensitive(true);
    Ok(value)
}

/// `base` with `path` appended to its path (`https://h/v1` + `chat/completions`).
pub(crate) fn join_url(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let joined = format!(
        "{}/{}",
        base.path().trim_end_matches('/'),
        path.trim_start_matches('/')
    );
    url.set_path(&joined);
    url
}

/// The vendor's message in an `{"error": ...}` body: a string, or an object with a
/// `message`.
pub(crate) fn json_error(value: &serde_json::Value) -> Option<String> {
    match value.get("error")? {
        serde_json::Value::String(message) => Some(message.clone()),
        error => error
            .get("message")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned),
    }
}

/// At most `max` characters of `text`, marked when cut.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert("retry-after", HeaderValue::from_static("2"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
        headers.insert("retry-after", HeaderValue::from_static("0.5"));
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(500)));
        headers.insert("retry-after-ms", HeaderValue::from_static("20"));
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(20)));
        let mut dated = HeaderMap::new();
        dated.insert(
            "retry-after",
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&dated), Some(Duration::ZERO));
        dated.insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&dated), None);
    }

    #[test]
    fn joins_paths() {
        let base = Url::parse("https://api.openai.com/v1").unwrap();
        assert_eq!(
            join_url(&base, "chat/completions").as_str(),
            "https://api.openai.com/v1/chat/completions"
        );
        let slash = Url::parse("http://127.0.0.1:1234/").unwrap();
        assert_eq!(
            join_url(&slash, "/v1/listen").as_str(),
            "http://127.0.0.1:1234/v1/listen"
        );
    }

    #[test]
    fn errors_keep_the_vendor_message_without_the_key() {
        let client = HttpClient::new("test", Secret::new("sk-secret-1234"), |_| None);
        let error = client.status_error(401, None, "Incorrect API key provided: sk-secret-1234");
        assert_eq!(error.kind, VendorErrorKind::Unauthorized);
        assert!(!error.to_string().contains("sk-secret-1234"));
        assert!(!format!("{client:?}").contains("sk-secret-1234"));
        assert_eq!(
            client.status_error(503, None, "busy").kind,
            VendorErrorKind::Server { status: 503 }
        );
        assert_eq!(
            client.status_error(422, None, "bad").kind,
            VendorErrorKind::BadRequest { status: 422 }
        );
    }

    #[test]
    fn reads_error_messages() {
        let object = serde_json::json!({"error": {"message": "m", "type": "t"}});
        assert_eq!(json_error(&object).as_deref(), Some("m"));
        let string = serde_json::json!({"error": "Invalid conversation_id"});
        assert_eq!(
            json_error(&string).as_deref(),
            Some("Invalid conversation_id")
        );
        assert_eq!(truncate("héllo", 2), "hé…");
    }
}
