//! `GET /healthz`: 200 when the booking store answers, 503 when it does not.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use interview_core::error::ErrorChain;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;

/// Whether the server can serve.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Health {
    /// `ok`, or `unavailable` when a dependency is down.
    status: Condition,
    /// The booking store, named when it is the one that is down.
    #[serde(skip_serializing_if = "Option::is_none")]
    bookings: Option<Condition>,
}

/// Up or down.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Condition {
    /// It answers.
    Ok,
    /// It does not.
    Unavailable,
}

/// Whether the booking store answers.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "candidate",
    operation_id = "healthz",
    responses(
        (status = 200, description = "The booking store answers.", body = Health,
            example = json!({"status": "ok"})),
        (status = 503, description = "The booking store does not answer.", body = Health,
            example = json!({"status": "unavailable", "bookings": "unavailable"})),
    )
)]
pub(crate) async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    match state.scheduling.bookings().ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(Health {
                status: Condition::Ok,
                bookings: None,
            }),
        ),
        Err(error) => {
            tracing::warn!(error = %ErrorChain(&error), "health check: booking store unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: Condition::Unavailable,
                    bookings: Some(Condition::Unavailable),
                }),
            )
        }
    }
}
