//! The one error type at the HTTP edge.
//!
//! Every failure becomes `{"error": {"code", "message", "field"?, "fields"?}}` with a
//! fitting status. Bodies of 5xx answers say nothing about internals: the cause is
//! logged, the candidate reads a sentence they can act on.

use axum::Json;
use axum::extract::multipart::MultipartError;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
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
        }
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

/// Displays an error with its chain of sources, for logs.
struct ErrorChain<'a>(&'a dyn std::error::Error);

impl std::fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

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
        (self.status, Json(body)).into_response()
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
            other => Self::internal(&other),
        }
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Send the request as JSON (Content-Type: application/json).",
            ),
            JsonRejection::JsonDataError(e) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                format!(
                    "The request has a field of the wrong type: {}",
                    e.body_text()
                ),
            ),
            JsonRejection::BytesRejection(_) => too_large_body(),
            other => Self::bad_request(format!(
                "The request is not valid JSON: {}",
                other.body_text()
            )),
        }
    }
}

impl From<MultipartError> for AppError {
    fn from(error: MultipartError) -> Self {
        if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large_body()
        } else {
            Self::bad_request(format!(
                "The upload could not be read: {}",
                error.body_text()
            ))
            .with_field(Field::Resume)
        }
    }
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

    #[test]
    fn error_chains_are_joined_for_logs() {
        let error = StoreError::Unavailable(Box::new(std::io::Error::other("connection refused")));
        assert_eq!(
            ErrorChain(&error).to_string(),
            "the booking store is unavailable: connection refused"
        );
    }
}
