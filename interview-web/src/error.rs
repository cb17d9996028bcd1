//! The one error type at the HTTP edge.
//!
//! Every failure becomes `{"error": {"code", "message", "field"?, "fields"?}}` with a
//! fitting status. Bodies of 5xx answers say nothing about internals: the cause is
//! logged, the candidate reads a sentence they can act on.

use axum::Json;
use axum::extract::multipart::MultipartError;
use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use interview_core::error::ErrorChain;
use interview_core::resume::ResumeStoreError;
use interview_core::service::{ScheduleError, UploadError};
use interview_core::store::StoreError;
use interview_core::{Field, FieldError, ValidationErrors};
use serde::Serialize;

/// An error answered to an HTTP client.
#[derive(Debug)]
pub struct AppError {
    status: StatusCode,
    code: &'static str,
    message: String,
    field: Option<Field>,
    fields: Vec<FieldError>,
    /// Whole seconds for a `Retry-After` header.
    retry_after: Option<u64>,
    /// Whether the answer carries a `WWW-Authenticate` challenge (a 401).
    challenge: bool,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Detail<'a>,
}

#[derive(Serialize)]
struct Detail<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<Field>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    fields: &'a [FieldError],
}

impl AppError {
    /// An error with `status`, a machine-readable `code` and a human `message`.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
            fields: Vec::new(),
            retry_after: None,
            challenge: false,
        }
    }

    /// 401 `unauthorized` with a `WWW-Authenticate: Bearer` challenge: the request
    /// must present a valid key.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        let mut error = Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message);
        error.challenge = true;
        error
    }

    /// 403 `forbidden`: the key is valid but may not do this.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 429 `rate_limited` with `Retry-After: retry_after` (rounded up to whole
    /// seconds, at least one) and `message`, which says when to try again.
    pub fn rate_limited(message: impl Into<String>, retry_after: std::time::Duration) -> Self {
        let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
        let mut error = Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message);
        error.retry_after = Some(seconds.max(1));
        error
    }

    /// Ties the error to a form field.
    pub fn with_field(mut self, field: Field) -> Self {
        self.field = Some(field);
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The machine-readable code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The sentence shown to the person.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// 400 for a request that cannot be understood.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 409 `conflict`: the request clashes with what is stored (a taken id, an
    /// interview in a status the change does not apply to).
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// 422 `invalid`: the request is understood but its content is not valid.
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 503: a dependency is down; the client should try again later. `cause` is logged.
    pub fn unavailable(cause: &dyn std::error::Error) -> Self {
        tracing::error!(error = %ErrorChain(cause), "dependency unavailable");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "The service is temporarily unavailable. Please try again in a few minutes.",
        )
    }

    /// 500: a failure that is ours. `cause` is logged, never shown.
    pub fn internal(cause: &dyn std::error::Error) -> Self {
        tracing::error!(error = %ErrorChain(cause), "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Something went wrong on our side. Please try again.",
        )
    }
}

/// The challenge of a 401: a bearer key, in the realm of this API.
pub(crate) const BEARER_CHALLENGE: &str = "Bearer realm=\"interview\"";

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = Body {
            error: Detail {
                code: self.code,
                message: &self.message,
                field: self.field,
                fields: &self.fields,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        if self.challenge {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static(BEARER_CHALLENGE),
            );
        }
        response
    }
}

impl From<ValidationErrors> for AppError {
    fn from(errors: ValidationErrors) -> Self {
        let first = errors.first().clone();
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "invalid",
            message: first.message,
            field: Some(first.field),
            fields: errors.errors().to_vec(),
            retry_after: None,
            challenge: false,
        }
    }
}

impl From<FieldError> for AppError {
    fn from(error: FieldError) -> Self {
        ValidationErrors::from(error).into()
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(_) => Self::unavailable(&error),
            StoreError::NotFound => Self::not_found("No interview has this link."),
            StoreError::Conflict => Self::new(
                StatusCode::CONFLICT,
                "conflict",
                "This booking already exists.",
            ),
            _ => Self::internal(&error),
        }
    }
}

impl From<ResumeStoreError> for AppError {
    fn from(error: ResumeStoreError) -> Self {
        match error {
            ResumeStoreError::Unavailable(_) => Self::unavailable(&error),
            ResumeStoreError::InvalidKey => Self::not_found("No file has this address."),
            _ => Self::internal(&error),
        }
    }
}

impl From<UploadError> for AppError {
    fn from(error: UploadError) -> Self {
        match error {
            UploadError::TooLarge { limit, .. } => too_large(limit),
            UploadError::Unsupported(unsupported) => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_type",
                format!(
                    "This file is {}. Please upload a PDF, DOC or DOCX document.",
                    unsupported.detected
                ),
            )
            .with_field(Field::Resume),
            UploadError::Store(store) => store.into(),
            UploadError::Record(store) => store.into(),
            other => Self::internal(&other),
        }
    }
}

impl From<ScheduleError> for AppError {
    fn from(error: ScheduleError) -> Self {
        match error {
            ScheduleError::Invalid(errors) => errors.into(),
            ScheduleError::Store(store) => store.into(),
            ScheduleError::TooManyInvitations { limit, retry_after } => Self::rate_limited(
                format!(
                    "This e-mail address already has {} in the last {}, the most we allow. \
                     Please use the link in the invitation you received, or try again later.",
                    plural(limit.count(), "interview booked", "interviews booked"),
                    human_period(limit.period()),
                ),
                retry_after,
            )
            .with_field(Field::Email),
            other => Self::internal(&other),
        }
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        // serde's words name our types ("expected struct ScheduleRequest"): they go to
        // the log, the client reads what to do.
        tracing::debug!(detail = %rejection.body_text(), "a JSON body was refused");
        match rejection {
            JsonRejection::MissingJsonContentType(_) => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Send the request as JSON (Content-Type: application/json).",
            ),
            JsonRejection::JsonDataError(_) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                "Some details are missing or not in the expected form. Please check the form and send it again.",
            ),
            JsonRejection::BytesRejection(_) => too_large_body(),
            _ => Self::bad_request(
                "The request could not be read. Please check the form and send it again.",
            ),
        }
    }
}

impl From<BytesRejection> for AppError {
    fn from(rejection: BytesRejection) -> Self {
        tracing::debug!(detail = %rejection.body_text(), "a request body was refused");
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large_body()
        } else {
            Self::bad_request("The request body could not be read.")
        }
    }
}

impl From<WebSocketUpgradeRejection> for AppError {
    fn from(rejection: WebSocketUpgradeRejection) -> Self {
        tracing::debug!(detail = %rejection.body_text(), "a WebSocket upgrade was refused");
        Self::new(
            rejection.status(),
            "websocket_required",
            "This address is the interview page's live connection. Open your interview link in a browser instead.",
        )
    }
}

impl From<MultipartError> for AppError {
    fn from(error: MultipartError) -> Self {
        if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large_body()
        } else {
            tracing::debug!(detail = %error.body_text(), "a multipart body was refused");
            Self::bad_request("The upload could not be read. Please choose the file and try again.")
                .with_field(Field::Resume)
        }
    }
}

/// The fallback for paths no route serves: 404 in the JSON shape.
pub(crate) async fn no_route() -> AppError {
    AppError::not_found("There is nothing at this address.")
}

/// The fallback for a method a route does not serve: 405 in the JSON shape (axum
/// adds the `Allow` header).
pub(crate) async fn method_not_allowed(method: Method) -> AppError {
    tracing::debug!(%method, "method not allowed");
    AppError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "This address does not accept this kind of request.",
    )
}

/// The largest refusal body read to log it.
const MAX_LOGGED_BODY: usize = 4096;

/// Puts every error answer that is neither JSON nor a page into the JSON shape:
/// refusals that axum's extractors and layers write as plain text ("Failed to
/// deserialize...", "Connection header did not include 'upgrade'"). Their text is
/// logged at debug level; the headers (`Allow`, `Retry-After`) are kept.
pub(crate) async fn errors_as_json(response: Response) -> Response {
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    if !(status.is_client_error() || status.is_server_error())
        || content_type.starts_with("application/json")
        || content_type.starts_with("text/html")
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    if let Ok(detail) = axum::body::to_bytes(body, MAX_LOGGED_BODY).await
        && !detail.is_empty()
    {
        tracing::debug!(%status, detail = %String::from_utf8_lossy(&detail), "an error answered as JSON");
    }
    let error = answer_for(status);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let body = error.into_response().into_body();
    Response::from_parts(parts, body)
}

/// The JSON error for a status some layer answered without a body of ours.
fn answer_for(status: StatusCode) -> AppError {
    let (code, message) = match status {
        StatusCode::BAD_REQUEST => ("bad_request", "The request could not be understood."),
        StatusCode::UNAUTHORIZED => ("unauthorized", "This needs a valid credential."),
        StatusCode::FORBIDDEN => ("forbidden", "This is not allowed."),
        StatusCode::NOT_FOUND => ("not_found", "There is nothing at this address."),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "This address does not accept this kind of request.",
        ),
        StatusCode::REQUEST_TIMEOUT => ("timeout", "The request took too long to arrive."),
        StatusCode::PAYLOAD_TOO_LARGE => ("too_large", "The request is too large."),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            "This kind of content is not accepted here.",
        ),
        StatusCode::TOO_MANY_REQUESTS => (
            "too_many_requests",
            "Too many requests. Please wait a moment and try again.",
        ),
        StatusCode::SERVICE_UNAVAILABLE => (
            "unavailable",
            "The service is temporarily unavailable. Please try again in a few minutes.",
        ),
        status if status.is_server_error() => (
            "internal",
            "Something went wrong on our side. Please try again.",
        ),
        _ => ("refused", "The request could not be completed."),
    };
    AppError::new(status, code, message)
}

/// 413 for a file over `limit` bytes.
pub(crate) fn too_large(limit: usize) -> AppError {
    AppError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        format!("The file is too large; the limit is {}.", human_size(limit)),
    )
    .with_field(Field::Resume)
}

fn too_large_body() -> AppError {
    AppError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        "The request is too large.",
    )
}

/// "1 hour", "3 hours": a count with its noun, for the words people read.
pub(crate) fn plural(count: u32, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

/// "24 hours", "7 days", "10 minutes": a limit's period in words.
fn human_period(period: std::time::Duration) -> String {
    let seconds = period.as_secs();
    let (count, one, many) = if seconds.is_multiple_of(86_400) && seconds > 86_400 {
        (seconds / 86_400, "day", "days")
    } else if seconds.is_multiple_of(3600) {
        (seconds / 3600, "hour", "hours")
    } else if seconds.is_multiple_of(60) {
        (seconds / 60, "minute", "minutes")
    } else {
        (seconds, "second", "seconds")
    };
    plural(u32::try_from(count).unwrap_or(u32::MAX), one, many)
}

/// "5 MB", "512 KB", "900 bytes".
pub(crate) fn human_size(bytes: usize) -> String {
    const MB: usize = 1024 * 1024;
    if bytes >= MB && bytes.is_multiple_of(MB) {
        format!("{} MB", bytes / MB)
    } else if bytes >= MB {
        format!("{:.1} MB", bytes as f64 / MB as f64)
    } else if bytes >= 1024 {
        format!("{} KB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(human_size(5 * 1024 * 1024), "5 MB");
        assert_eq!(human_size(1536 * 1024), "1.5 MB");
        assert_eq!(human_size(2048), "2 KB");
        assert_eq!(human_size(900), "900 bytes");
    }
}
