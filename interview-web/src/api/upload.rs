//! `POST /api/upload-resume` (multipart field `resume`) ->
//! `{resumeUrl, resumeText, extractionError}`.

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use bytes::BytesMut;
use interview_core::Field;
use serde::Serialize;

use crate::AppState;
use crate::error::{AppError, too_large};

/// The original's response shape.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UploadResponse {
    resume_url: String,
    resume_text: Option<String>,
    extraction_error: Option<String>,
}

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
