//! One answer, for every way into a live interview (LiveKit connection details and
//! the local WebSocket), to "may this link join now?".

use axum::http::StatusCode;
use interview_core::Booking;
use interview_core::notify::format_instant;
use interview_core::service::Admission;

use crate::error::AppError;

/// The booking when `admission` lets it join now; otherwise the typed refusal its
/// holder reads: `not_found` (404), `cancelled`, `completed`, `too_early` or
/// `expired` (409).
pub(crate) fn joinable(admission: Admission) -> Result<Box<Booking>, AppError> {
    let refused = |code: &'static str, message: String| {
        Err(AppError::new(StatusCode::CONFLICT, code, message))
    };
    match admission {
        Admission::Open { booking, .. } => Ok(booking),
        Admission::NotFound => Err(AppError::not_found("No interview has this link.")),
        Admission::Cancelled => refused("cancelled", "This interview was cancelled.".to_owned()),
        Admission::Completed { .. } => refused(
            "completed",
            "This interview has already taken place.".to_owned(),
        ),
        Admission::TooEarly { booking, opens_at } => refused(
            "too_early",
            format!(
                "Your interview has not started yet. You can join from {}.",
                format_instant(opens_at, booking.time_zone)
            ),
        ),
        Admission::Expired { .. } => {
            refused("expired", "This interview window has expired.".to_owned())
        }
    }
}
