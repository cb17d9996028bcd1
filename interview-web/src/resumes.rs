//! `GET /resumes/{key}`: uploaded files, to whoever holds their unguessable URL.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use interview_core::resume::DocumentKind;

use crate::AppState;
use crate::error::AppError;

pub(crate) async fn resume_file(
    State(state): State<AppState>,
    Path(key): Path<String>,
) -> Result<Response, AppError> {
    let Some(bytes) = state.scheduling.resumes().get(&key).await? else {
        return Err(AppError::not_found("No file has this address."));
    };
    // The type is the file's own, never the name's: the key's extension was chosen
    // from the bytes at upload, and they are checked again here.
    let content_type = DocumentKind::sniff(&bytes)
        .map(DocumentKind::mime_type)
        .unwrap_or("application/octet-stream");
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "private, no-store"),
            (header::CONTENT_DISPOSITION, "attachment"),
        ],
        bytes,
    )
        .into_response())
}
