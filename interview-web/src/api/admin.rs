//! `GET /api/admin/interviews/{token}`: the first read-only route for the HR
//! platform, kept for set-ups that use it. It answers as
//! `GET /api/v1/interviews/{token}` does, to any key with the read scope;
//! without a configured `ADMIN_API_TOKEN` the route does not exist (404).

use super::v1::{InterviewRecord, read_interview};
use crate::AppState;
use crate::error::AppError;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;

/// An interview with its transcript and evaluation: the same answer as
/// `GET /api/v1/interviews/{token}`, which replaces it. 404 when the server has
/// no `ADMIN_API_TOKEN`.
#[utoipa::path(
    get,
    path = "/api/admin/interviews/{token}",
    tag = "recruiter",
    operation_id = "admin_interview",
    params(("token" = String, Path, description = "The interview link's token.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The interview.", body = InterviewRecord),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 404, response = crate::api::openapi::NotFound),
        (status = 500, response = crate::api::openapi::Internal),
        (status = 503, response = crate::api::openapi::Unavailable),
    )
)]
#[deprecated(note = "superseded by GET /api/v1/interviews/{token}")]
pub(crate) async fn interview_record(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Json<InterviewRecord>, AppError> {
    if state.admin_token.is_none() {
        return Err(AppError::not_found("Not found."));
    }
    read_interview(State(state), Path(token), headers).await
}
