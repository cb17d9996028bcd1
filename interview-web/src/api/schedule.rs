//! `POST /api/schedule-interview` -> `{ok, interviewUrl, emailSent}`.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use interview_core::ScheduleRequest;
use serde::Serialize;

use crate::AppState;
use crate::error::AppError;

/// The original's response shape.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ScheduleResponse {
    ok: bool,
    interview_url: String,
    email_sent: bool,
}

pub(crate) async fn schedule_interview(
    State(state): State<AppState>,
    request: Result<Json<ScheduleRequest>, JsonRejection>,
) -> Result<Json<ScheduleResponse>, AppError> {
    let Json(request) = request?;
    let scheduled = state.scheduling.schedule(&request).await?;
    Ok(Json(ScheduleResponse {
        ok: true,
        interview_url: scheduled.interview_url.to_string(),
        email_sent: scheduled.email_sent,
    }))
}
