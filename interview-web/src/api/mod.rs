//! The JSON API, with the original's paths and shapes.

mod admin;
pub(crate) mod auth;
mod connection;
mod health;
pub(crate) mod openapi;
mod schedule;
mod upload;
pub(crate) mod v1;

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
        .route("/api/openapi.json", get(openapi::openapi_json))
        .route(
            "/api/admin/interviews/{token}",
            // Kept for the set-ups that use it; documented as deprecated.
            #[allow(deprecated)]
            get(admin::interview_record),
        )
        .merge(v1::routes())
}
