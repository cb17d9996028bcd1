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
use utoipa::ToSchema;

use crate::AppState;
use crate::admission::joinable;
use crate::error::AppError;

/// The request body.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct ConnectionRequest {
    /// The interview link's token.
    #[serde(default)]
    token: Option<String>,
    /// Accepted for compatibility with the original and ignored: the server
    /// chooses the agent.
    #[serde(default)]
    #[allow(dead_code)]
    #[schema(value_type = Object)]
    room_config: Option<serde_json::Value>,
}

/// What the browser needs to join a LiveKit room (`interview_livekit`'s
/// `ConnectionDetails`, the original's JSON shape).
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code)] // describes interview_livekit::ConnectionDetails
pub(crate) struct ConnectionDetails {
    /// The LiveKit server URL.
    server_url: String,
    /// The booking's room.
    room_name: String,
    /// The candidate's display name.
    participant_name: String,
    /// The participant JWT.
    participant_token: String,
}

/// A LiveKit participant token for the interview room, while the link's window is
/// open.
#[utoipa::path(
    post,
    path = "/api/connection-details",
    tag = "candidate",
    operation_id = "connection_details",
    request_body = ConnectionRequest,
    responses(
        (status = 200, description = "The room to join.", body = ConnectionDetails),
        (status = 400, response = crate::api::openapi::BadRequest),
        (status = 404, response = crate::api::openapi::NotFound),
        (status = 409, description = "The interview cannot be joined now: `cancelled`, \
            `completed`, `too_early` or `expired`.", body = crate::api::openapi::ErrorBody),
        (status = 413, response = crate::api::openapi::PayloadTooLarge),
        (status = 415, response = crate::api::openapi::UnsupportedMediaType),
        (status = 422, response = crate::api::openapi::Unprocessable),
        (status = 429, response = crate::api::openapi::TooManyRequests),
        (status = 500, response = crate::api::openapi::Internal),
        (status = 503, response = crate::api::openapi::Unavailable),
    )
)]
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
