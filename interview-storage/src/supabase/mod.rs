//! Supabase, as the original application used it: bookings through PostgREST
//! (`/rest/v1/...`) and resume files in Storage (`/storage/v1/object/resumes/...`).
//!
//! Both stores share one [`SupabaseClient`], which holds the project URL and the
//! service-role key. The key is a [`Secret`]: it goes into the `apikey` and
//! `Authorization: Bearer` headers (marked sensitive) and nowhere else: not into
//! `Debug`, errors or logs. Run `docs/supabase.sql` once to create the tables and the
//! `resumes` bucket.
//!
//! Error bodies are mapped to typed errors ([`SupabaseError`], kept as the source of
//! the store errors): PostgREST's `{code, details, hint, message}` (code `23505` is a
//! conflict, `23503` a missing booking) and Storage's `{statusCode, error, message}`,
//! whose `statusCode` is a string and often disagrees with the HTTP status.

mod bookings;
mod storage;

use std::fmt;
use std::time::Duration;

use crate::config::SupabaseConfig;
use interview_core::Secret;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::Deserialize;

pub use bookings::SupabaseBookingStore;
pub use storage::{RESUME_BUCKET, SupabaseResumeStore};

/// How long one request may take before it counts as the service being unavailable.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long opening a connection may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What went wrong talking to Supabase. Kept as the `source` of
/// [`StoreError`](interview_core::store::StoreError) and
/// [`ResumeStoreError`](interview_core::resume::ResumeStoreError); it never holds the key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SupabaseError {
    /// PostgREST (or the gateway in front of it) answered with an error.
    /// `details` is not kept: it repeats row values such as a booking's token.
    #[error("PostgREST answered HTTP {status} (code {}): {}", .code.as_deref().unwrap_or("none"), .message.as_deref().unwrap_or("no message"))]
    PostgRest {
        /// The HTTP status.
        status: u16,
        /// The PostgreSQL SQLSTATE or PostgREST `PGRST...` code, when given.
        code: Option<String>,
        /// The `message` field.
        message: Option<String>,
        /// The `hint` field.
        hint: Option<String>,
    },
    /// Storage answered with an error.
    #[error(
        "Supabase Storage answered HTTP {status} (statusCode {status_code}, {error}): {message}"
    )]
    Storage {
        /// The HTTP status (often 400 whatever `status_code` says).
        status: u16,
        /// The body's `statusCode`, which Storage sends as a string ("404", "409").
        status_code: String,
        /// The body's `error` ("not_found", "Duplicate", ...).
        error: String,
        /// The body's `message`.
        message: String,
    },
    /// A response that is not what the API documents.
    #[error("unexpected response from Supabase (HTTP {status})")]
    UnexpectedResponse {
        /// The HTTP status.
        status: u16,
    },
    /// The request did not complete (connection refused, timeout, reset).
    #[error("the request to Supabase failed")]
    Http(#[source] reqwest::Error),
    /// The project URL is not an absolute `http` or `https` URL.
    #[error("the Supabase URL must be an absolute http or https URL")]
    InvalidBaseUrl,
    /// The key holds characters that cannot be sent in a header.
    #[error("the Supabase key cannot be sent in a header")]
    InvalidKey,
}

impl SupabaseError {
    /// Whether waiting and trying again may help: no answer at all, a timeout, or a
    /// 429/502/503/504 (or a gateway's 520-524).
    pub fn is_transient(&self) -> bool {
        let transient_status = |status: u16| matches!(status, 429 | 502 | 503 | 504 | 520..=524);
        match self {
            Self::Http(error) => !(error.is_builder() || error.is_decode() || error.is_redirect()),
            Self::PostgRest { status, .. }
            | Self::Storage { status, .. }
            | Self::UnexpectedResponse { status } => transient_status(*status),
            Self::InvalidBaseUrl | Self::InvalidKey => false,
        }
    }
}

/// A connection to one Supabase project with its service-role key.
#[derive(Clone)]
pub struct SupabaseClient {
    root: String,
    apikey: HeaderValue,
    authorization: HeaderValue,
    http: reqwest::Client,
}

impl fmt::Debug for SupabaseClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SupabaseClient")
            .field("url", &self.root)
            .field("service_role_key", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl SupabaseClient {
    /// A client for the project at `url` (`https://abc.supabase.co`, or a test
    /// server), with [`REQUEST_TIMEOUT`] and [`CONNECT_TIMEOUT`].
    pub fn new(url: &url::Url, service_role_key: &Secret) -> Result<Self, SupabaseError> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .map_err(SupabaseError::Http)?;
        Self::with_http_client(url, service_role_key, http)
    }

    /// A client from the application's configuration.
    pub fn from_config(config: &SupabaseConfig) -> Result<Self, SupabaseError> {
        Self::new(&config.url, &config.service_role_key)
    }

    /// A client that sends its requests through `http` (for custom timeouts or proxies).
    pub fn with_http_client(
        url: &url::Url,
        service_role_key: &Secret,
        http: reqwest::Client,
    ) -> Result<Self, SupabaseError> {
        if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
            return Err(SupabaseError::InvalidBaseUrl);
        }
        let header = |value: String| {
            let mut header =
                HeaderValue::from_str(&value).map_err(|_| SupabaseError::InvalidKey)?;
            header.set_sensitive(true);
            Ok::<_, SupabaseError>(header)
        };
        Ok(Self {
            root: url.as_str().trim_end_matches('/').to_owned(),
            apikey: header(service_role_key.expose().to_owned())?,
            authorization: header(format!("Bearer {}", service_role_key.expose()))?,
            http,
        })
    }

    /// The project URL, without a trailing slash.
    pub fn url(&self) -> &str {
        &self.root
    }

    /// A request to `path` (which starts with `/`) carrying the key headers.
    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let mut headers = HeaderMap::new();
        headers.insert("apikey", self.apikey.clone());
        headers.insert(reqwest::header::AUTHORIZATION, self.authorization.clone());
        self.http
            .request(method, format!("{}{path}", self.root))
            .headers(headers)
    }
}

/// Sends a request and returns the status and body, or the transport error.
async fn send(request: RequestBuilder) -> Result<(StatusCode, bytes::Bytes), SupabaseError> {
    let response = request.send().await.map_err(SupabaseError::Http)?;
    let status = response.status();
    let body = response.bytes().await.map_err(SupabaseError::Http)?;
    Ok((status, body))
}

/// PostgREST's error body: `{"code","details","hint","message"}`; a gateway may send
/// only some of these.
#[derive(Deserialize)]
struct PostgRestErrorBody {
    code: Option<String>,
    message: Option<String>,
    hint: Option<serde_json::Value>,
}

fn postgrest_error(status: StatusCode, body: &[u8]) -> SupabaseError {
    match serde_json::from_slice::<PostgRestErrorBody>(body) {
        Ok(parsed) => SupabaseError::PostgRest {
            status: status.as_u16(),
            code: parsed.code,
            message: parsed.message,
            hint: parsed.hint.and_then(|hint| match hint {
                serde_json::Value::String(text) => Some(text),
                serde_json::Value::Null => None,
                other => Some(other.to_string()),
            }),
        },
        Err(_) => SupabaseError::UnexpectedResponse {
            status: status.as_u16(),
        },
    }
}

/// Storage's error body: `{"statusCode":"404","error":"not_found","message":"..."}`,
/// with `statusCode` a string (older servers: a number).
#[derive(Deserialize)]
struct StorageErrorBody {
    #[serde(rename = "statusCode")]
    status_code: Option<serde_json::Value>,
    error: Option<String>,
    message: Option<String>,
}

fn storage_error(status: StatusCode, body: &[u8]) -> SupabaseError {
    let Ok(parsed) = serde_json::from_slice::<StorageErrorBody>(body) else {
        return SupabaseError::UnexpectedResponse {
            status: status.as_u16(),
        };
    };
    let status_code = match parsed.status_code {
        Some(serde_json::Value::String(text)) => text,
        Some(serde_json::Value::Number(number)) => number.to_string(),
        _ => status.as_u16().to_string(),
    };
    SupabaseError::Storage {
        status: status.as_u16(),
        status_code,
        error: parsed.error.unwrap_or_default(),
        message: parsed.message.unwrap_or_default(),
    }
}
