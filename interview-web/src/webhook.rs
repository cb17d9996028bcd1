//! `POST /api/livekit/webhook`: LiveKit's webhooks, verified, recording when an
//! interview's room started and finished.
//!
//! The signature is checked by `interview_livekit::WebhookVerifier`: anything
//! unsigned, signed with another key, expired or altered is refused with 401, a
//! signed body that is no event with 400.
//! `room_started` moves the room's booking (named by the room metadata's
//! `booking_token`) to in progress, `room_finished` to interrupted (only the
//! interviewer completes an interview), each only where the booking state machine
//! allows it: a late or out-of-order event never moves a booking back, and a
//! delivery whose event id was seen before is not acted on again. Events that name
//! no known booking are acknowledged and logged, so LiveKit does not retry them; a
//! store that is down answers 503, so it does.

use axum::Router;
#[cfg(feature = "livekit")]
use axum::http::{HeaderMap, StatusCode, header};

use crate::AppState;

/// The path LiveKit is configured to call.
#[cfg(feature = "livekit")]
pub(crate) const WEBHOOK_PATH: &str = "/api/livekit/webhook";

/// The webhook route (none without the `livekit` feature).
pub(crate) fn routes() -> Router<AppState> {
    #[cfg(feature = "livekit")]
    {
        Router::new().route(WEBHOOK_PATH, axum::routing::post(livekit_webhook))
    }
    #[cfg(not(feature = "livekit"))]
    {
        Router::new()
    }
}

#[cfg(feature = "livekit")]
async fn livekit_webhook(
    axum::extract::State(state): axum::extract::State<AppState>,
    headers: HeaderMap,
    body: Result<bytes::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<StatusCode, crate::AppError> {
    use interview_core::BookingStatus;
    use interview_core::store::{StoreError, Transition};
    use interview_livekit::{WebhookError, WebhookVerifier};

    use crate::AppError;

    let body = body?;
    let Some(rooms) = state.livekit.as_ref() else {
        return Err(AppError::not_found(
            "LiveKit is not configured on this server.",
        ));
    };
    let unauthorized = || {
        AppError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "The webhook signature is missing or invalid.",
        )
    };
    let Some(authorization) = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
    else {
        tracing::warn!("refused a LiveKit webhook without an Authorization header");
        return Err(unauthorized());
    };
    let event = match WebhookVerifier::new(rooms.api_key().clone()).verify(&body, authorization) {
        Ok(event) => event,
        Err(error @ WebhookError::NotAnEvent(_)) => {
            tracing::warn!(%error, "a signed LiveKit webhook whose body is not an event");
            return Err(AppError::bad_request(
                "The body is not a LiveKit webhook event.",
            ));
        }
        Err(error) => {
            tracing::warn!(%error, "refused a LiveKit webhook");
            return Err(unauthorized());
        }
    };

    let status = match event.event.as_str() {
        "room_started" => BookingStatus::InProgress,
        // The room closed: whatever the agent did not complete can be resumed.
        "room_finished" => BookingStatus::Interrupted,
        other => {
            tracing::debug!(event = other, "LiveKit webhook ignored");
            return Ok(StatusCode::OK);
        }
    };
    let Some(token) = event.metadata.booking_token else {
        tracing::info!(
            event = event.event,
            room = event.room_name,
            "LiveKit webhook for a room without a booking token: ignored"
        );
        return Ok(StatusCode::OK);
    };
    // A delivery is acted on once: LiveKit's retries and anyone replaying a
    // captured request are acknowledged and ignored.
    if !event.id.is_empty() {
        let now = state.scheduling.clock().now();
        let first = state
            .scheduling
            .bookings()
            .record_webhook_event(&format!("livekit:{}", event.id), now)
            .await?;
        if !first {
            tracing::info!(
                event = event.event,
                room = event.room_name,
                "a LiveKit webhook delivered again: ignored"
            );
            return Ok(StatusCode::OK);
        }
    }
    let room = event.room_name;
    match state.scheduling.bookings().transition(&token, status).await {
        Ok(Transition::Moved { from }) => {
            tracing::info!(event = event.event, room, booking = ?token, %from, to = %status, "interview status recorded");
            Ok(StatusCode::OK)
        }
        Ok(Transition::Refused { current }) => {
            // Webhooks arrive late and out of order; the state machine never goes back.
            tracing::info!(event = event.event, room, booking = ?token, %current, "LiveKit webhook would move the interview back: ignored");
            Ok(StatusCode::OK)
        }
        Err(StoreError::NotFound) => {
            tracing::warn!(event = event.event, room, booking = ?token, "LiveKit webhook for an unknown booking: ignored");
            Ok(StatusCode::OK)
        }
        Err(error) => Err(error.into()),
    }
}
