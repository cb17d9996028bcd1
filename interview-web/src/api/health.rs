//! `GET /healthz`: 200 when the booking store answers, 503 when it does not.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use interview_core::error::ErrorChain;
use serde_json::{Value, json};

use crate::AppState;

pub(crate) async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match state.scheduling.bookings().ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ok" }))),
        Err(error) => {
            tracing::warn!(error = %ErrorChain(&error), "health check: booking store unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "bookings": "unavailable" })),
            )
        }
    }
}
