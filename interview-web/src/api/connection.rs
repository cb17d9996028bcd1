//! `POST /api/connection-details` `{room_config, token}` ->
//! `{serverUrl, roomName, participantName, participantToken}`.
//!
//! Unlike the original, the booking's window is checked again here: a token outside
//! its window gets no room. The agent to dispatch is the server's choice; a
//! `room_config` sent by the browser is accepted for compatibility and ignored.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use interview_core::Field;
use serde::Deserialize;

use crate::AppState;
use crate::admission::joinable;
use crate::error::AppError;

/// The request body.
#[derive(Debug, Deserialize)]
pub(crate) struct ConnectionRequest {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    room_config: Option<serde_json::Value>,
}

pub(crate) async fn connection_details(
    State(state): State<AppState>,
    request: Result<Json<ConnectionRequest>, JsonRejection>,
) -> Result<axum::response::Response, AppError> {
    let Json(request) = request?;
    let token = request.token.filter(|t| !t.is_empty()).ok_or_else(|| {
        AppError::bad_request("An interview token is required.").with_field(Field::Token)
    })?;
    let booking = joinable(state.scheduling.admit_now(&token).await?)?;
    issue(&state, &booking)
}

#[cfg(feature = "livekit")]
fn issue(
    state: &AppState,
    booking: &interview_core::Booking,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    let Some(rooms) = &state.livekit else {
        return Err(not_configured());
    };
    let details = rooms
        .connection_details(booking)
        .map_err(|e| AppError::internal(&e))?;
    tracing::info!(token = ?booking.token, room = %details.room_name, "connection details issued");
    Ok((
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        Json(details),
    )
        .into_response())
}

#[cfg(not(feature = "livekit"))]
fn issue(
    _state: &AppState,
    _booking: &interview_core::Booking,
) -> Result<axum::response::Response, AppError> {
    Err(not_configured())
}

fn not_configured() -> AppError {
    AppError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "livekit_not_configured",
        "Live interviews over LiveKit are not configured on this server.",
    )
}
