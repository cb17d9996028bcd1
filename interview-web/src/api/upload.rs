//! `POST /api/upload-resume` (multipart field `resume`) ->
//! `{resumeUrl, resumeText, extractionError}`.

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use bytes::BytesMut;
use interview_core::Field;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{AppError, too_large};

/// The original's response shape.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UploadResponse {
    /// Where the file is stored; send it as `resumeUrl` when scheduling.
    resume_url: String,
    /// The text read from the file (`null` when none could be read).
    resume_text: Option<String>,
    /// Why no text could be read, when it could not; the file is kept either way.
    extraction_error: Option<String>,
}

/// The upload form: one file.
#[derive(ToSchema)]
#[allow(dead_code)] // describes the multipart body the handler reads field by field
pub(crate) struct UploadForm {
    /// The resume: a PDF, DOC or DOCX document, not empty, within the size limit.
    #[schema(value_type = String, content_media_type = "application/octet-stream")]
    resume: Vec<u8>,
}

/// Stores a resume and reads its text.
#[utoipa::path(
    post,
    path = "/api/upload-resume",
    tag = "candidate",
    operation_id = "upload_resume",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Stored; the text when it could be read.", body = UploadResponse),
        (status = 400, response = crate::api::openapi::BadRequest),
        (status = 413, response = crate::api::openapi::PayloadTooLarge),
        (status = 415, response = crate::api::openapi::UnsupportedMediaType),
        (status = 429, response = crate::api::openapi::TooManyRequests),
        (status = 500, response = crate::api::openapi::Internal),
        (status = 503, response = crate::api::openapi::Unavailable),
    )
)]
pub(crate) async fn upload_resume(
    State(state): State<AppState>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Json<UploadResponse>, AppError> {
    let mut multipart = multipart.map_err(|rejection| {
        // axum's wording ("Invalid `boundary` for `multipart/form-data` request")
        // is for the log; the sender reads what to send instead.
        tracing::debug!(detail = %rejection.body_text(), "an upload that is not a form was refused");
        AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the resume as multipart/form-data in a field named \u{201c}resume\u{201d}.",
        )
    })?;
    let limit = state.scheduling.settings().max_resume_bytes;
    while let Some(mut field) = multipart.next_field().await? {
        if field.name() != Some("resume") {
            continue;
        }
        // Read chunk by chunk and stop at the limit: a huge upload is refused after
        // `limit` bytes, never held in memory whole.
        let mut bytes = BytesMut::new();
        while let Some(chunk) = field.chunk().await? {
            if bytes.len() + chunk.len() > limit {
                return Err(too_large(limit));
            }
            bytes.extend_from_slice(&chunk);
        }
        if bytes.is_empty() {
            return Err(
                AppError::bad_request("The resume file is empty.").with_field(Field::Resume)
            );
        }
        let uploaded = state.scheduling.upload_resume(bytes.freeze()).await?;
        return Ok(Json(UploadResponse {
            resume_url: state
                .scheduling
                .settings()
                .absolute_url(&uploaded.resume_url),
            resume_text: uploaded.resume_text,
            extraction_error: uploaded.extraction_error.map(|e| e.to_string()),
        }));
    }
    Err(AppError::bad_request("Please choose a resume file to upload.").with_field(Field::Resume))
}
