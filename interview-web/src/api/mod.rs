//! The JSON API, with the original's paths and shapes.

mod admin;
mod auth;
mod connection;
mod health;
mod schedule;
mod upload;
mod v1;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::AppState;

/// Room for the multipart framing and form fields around the file itself.
const MULTIPART_OVERHEAD: usize = 64 * 1024;
/// The largest JSON body accepted (a booking with a long resume text).
const MAX_JSON_BYTES: usize = 2 * 1024 * 1024;

pub(crate) fn routes(state: &AppState) -> Router<AppState> {
    let upload_limit = state.scheduling.settings().max_resume_bytes + MULTIPART_OVERHEAD;
    Router::new()
        .route(
            "/api/upload-resume",
            post(upload::upload_resume).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route(
            "/api/schedule-interview",
            post(schedule::schedule_interview).layer(DefaultBodyLimit::max(MAX_JSON_BYTES)),
        )
        .route(
            "/api/connection-details",
            post(connection::connection_details).layer(DefaultBodyLimit::max(64 * 1024)),
        )
        .route("/healthz", get(health::healthz))
        .route(
            "/api/admin/interviews/{token}",
            get(admin::interview_record),
        )
        .route("/api/v1/positions", get(v1::list_positions))
        .route("/api/v1/positions/{id}", get(v1::get_position))
        .route("/api/v1/interviews/{token}", get(v1::get_interview))
}
