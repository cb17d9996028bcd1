//! `POST /api/schedule-interview` -> `{ok, interviewUrl, emailSent, ...}`.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use interview_core::service::ScheduleError;
use interview_core::{Field, ScheduleRequest};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::AppError;

/// The original's response shape (`ok`, `interviewUrl`, `emailSent`), with what
/// the success page repeats to the candidate after it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ScheduleResponse {
    /// Always `true`.
    ok: bool,
    /// The interview link sent to the candidate.
    interview_url: String,
    /// Whether the invitation went out (within the few seconds the answer waits).
    email_sent: bool,
    /// `sent`; `queued` when the mail server did not take it in time and the job
    /// queue keeps trying; `failed` when nothing will try again.
    #[schema(value_type = String)]
    email_status: interview_core::service::EmailStatus,
    /// The interview's start.
    scheduled_at: DateTime<Utc>,
    /// The candidate's IANA time zone, when the request named one.
    #[serde(skip_serializing_if = "Option::is_none")]
    time_zone: Option<String>,
    /// The position applied for.
    position_id: String,
    /// Its title.
    position_title: String,
    /// Who is hiring, when the position names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    company: Option<String>,
}

/// Books an interview and sends the candidate its link.
#[utoipa::path(
    post,
    path = "/api/schedule-interview",
    tag = "candidate",
    operation_id = "schedule_interview",
    request_body = ScheduleRequest,
    responses(
        (status = 200, description = "Booked.", body = ScheduleResponse),
        (status = 400, response = crate::api::openapi::BadRequest),
        (status = 409, response = crate::api::openapi::Conflict),
        (status = 413, response = crate::api::openapi::PayloadTooLarge),
        (status = 415, response = crate::api::openapi::UnsupportedMediaType),
        (status = 422, response = crate::api::openapi::Unprocessable),
        (status = 429, response = crate::api::openapi::TooManyRequests),
        (status = 500, response = crate::api::openapi::Internal),
        (status = 503, response = crate::api::openapi::Unavailable),
    )
)]
pub(crate) async fn schedule_interview(
    State(state): State<AppState>,
    request: Result<Json<ScheduleRequest>, JsonRejection>,
) -> Result<Json<ScheduleResponse>, AppError> {
    let Json(request) = request?;
    // Resolved first, so a position that is not open is refused before anything
    // else is checked (the booking resolves it the same way).
    let position = state
        .scheduling
        .position_for_request(request.position.as_deref())
        .await
        .map_err(position_error)?;
    let scheduled = state.scheduling.schedule(&request).await?;
    Ok(Json(ScheduleResponse {
        ok: true,
        interview_url: scheduled.interview_url.to_string(),
        email_sent: scheduled.email_sent,
        email_status: scheduled.email_status,
        scheduled_at: scheduled.booking.scheduled_at,
        time_zone: scheduled
            .booking
            .time_zone
            .map(|zone| zone.name().to_owned()),
        position_id: scheduled.booking.position_id.to_string(),
        position_title: position.title,
        company: position.company,
    }))
}

/// A position that is not open is a request for something that is not there (the
/// page sends it, the candidate did not type it): 400 with field `position`, in
/// the usual shape. Anything else is answered as any scheduling error.
fn position_error(error: ScheduleError) -> AppError {
    match error {
        ScheduleError::Invalid(errors) => {
            let message = errors.first().message.clone();
            AppError::new(StatusCode::BAD_REQUEST, "position_not_open", message)
                .with_field(Field::Position)
        }
        other => other.into(),
    }
}
