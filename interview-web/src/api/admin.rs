//! `GET /api/admin/interviews/{token}`: a booking (with its status and its
//! evaluation status: pending, ready, failed with the reason, not available) with
//! its transcript and evaluation, for the HR platform. Read-only, behind `Authorization: Bearer
//! {ADMIN_API_TOKEN}`; without a configured token the route does not exist (404).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use interview_core::BookingToken;
use interview_core::interview::{Evaluation, TranscriptEntry};
use serde::Serialize;

use crate::AppState;
use crate::error::AppError;

/// The answer.
#[derive(Debug, Serialize)]
pub(crate) struct InterviewRecord {
    booking: interview_core::Booking,
    transcript: Vec<TranscriptEntry>,
    evaluation: Option<Evaluation>,
}

pub(crate) async fn interview_record(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Json<InterviewRecord>, AppError> {
    let Some(expected) = &state.admin_token else {
        return Err(AppError::not_found("Not found."));
    };
    let presented = super::auth::bearer(&headers).unwrap_or_default();
    if !super::auth::constant_time_eq(presented.as_bytes(), expected.expose().as_bytes()) {
        return Err(AppError::unauthorized("A valid admin token is required."));
    }
    Ok(Json(InterviewRecord::read(&state, &token).await?))
}

impl InterviewRecord {
    /// The booking with `token`, its transcript and evaluation; 404 when there is
    /// none (or the token is malformed).
    pub(crate) async fn read(state: &AppState, token: &str) -> Result<Self, AppError> {
        let missing = || AppError::not_found("No interview has this token.");
        let token = BookingToken::parse(token).map_err(|_| missing())?;
        let store = state.scheduling.bookings();
        let booking = store.get(&token).await?.ok_or_else(missing)?;
        Ok(Self {
            booking,
            transcript: store.transcript(&token).await?,
            evaluation: store.evaluation(&token).await?,
        })
    }
}
