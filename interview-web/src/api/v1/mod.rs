//! `/api/v1`: the HR platform's API, behind a bearer key ([`super::auth`]).
//!
//! | route | scope | what it does |
//! |---|---|---|
//! | `GET /api/v1/positions` | read | every position, archived ones included, by title: `{"positions": [...]}` |
//! | `POST /api/v1/positions` | write | creates a position from its draft (201) |
//! | `GET /api/v1/positions/{id}` | read | one position |
//! | `PATCH /api/v1/positions/{id}` | write | changes a position (JSON merge patch of its draft); `{"archived": true}` archives it |
//! | `GET /api/v1/interviews` | read | interviews, latest first, filtered, a page at a time |
//! | `GET /api/v1/interviews/{token}` | read | an interview with its transcript and evaluation |
//! | `POST /api/v1/interviews/{token}/cancel` | write | cancels it |
//! | `POST /api/v1/interviews/{token}/reschedule` | write | moves it; the candidate gets an updated invitation |
//! | `DELETE /api/v1/interviews/{token}` | erase | erases the candidate's data, keeping a tombstone |
//! | `GET /api/v1/api-keys` | read | the keys (never their secrets) |
//! | `POST /api/v1/api-keys` | write | issues a key (201); its secret is in this answer only |
//! | `DELETE /api/v1/api-keys/{id}` | write | revokes a key |
//! | `GET /api/v1/webhooks` | read | the webhook endpoints (never their secrets) |
//! | `POST /api/v1/webhooks` | write | creates an endpoint (201); its secret is in this answer only |
//! | `GET /api/v1/webhooks/{id}` | read | one endpoint |
//! | `PATCH /api/v1/webhooks/{id}` | write | changes its URL, event types, description; disables or enables it |
//! | `DELETE /api/v1/webhooks/{id}` | write | deletes it with its deliveries' records |
//! | `POST /api/v1/webhooks/{id}/rotate-secret` | write | a new secret; the old one signs beside it for 24 hours |
//! | `GET /api/v1/webhooks/{id}/deliveries` | read | its deliveries with status, attempts and last error (`env`: `WEBHOOK_URL`'s) |
//!
//! A key may issue or revoke only keys whose scopes it holds itself.
//! Every answer is `Cache-Control: no-store` (the router's default).

pub(crate) mod interviews;
pub(crate) mod keys;
pub(crate) mod positions;
pub(crate) mod webhooks;

use axum::extract::DefaultBodyLimit;
use axum::extract::rejection::JsonRejection;
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::AppState;
use crate::error::AppError;

pub(crate) use interviews::{InterviewRecord, ListParams, change_error, read as read_interview};

/// The largest JSON body `/api/v1` accepts (a position with long descriptions).
const MAX_BODY_BYTES: usize = 256 * 1024;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/positions",
            get(positions::list).post(positions::create),
        )
        .route(
            "/api/v1/positions/{id}",
            get(positions::read).patch(positions::update),
        )
        .route("/api/v1/interviews", get(interviews::list))
        .route(
            "/api/v1/interviews/{token}",
            get(interviews::read).delete(interviews::erase),
        )
        .route(
            "/api/v1/interviews/{token}/cancel",
            post(interviews::cancel),
        )
        .route(
            "/api/v1/interviews/{token}/reschedule",
            post(interviews::reschedule),
        )
        .route("/api/v1/api-keys", get(keys::list).post(keys::create))
        .route("/api/v1/api-keys/{id}", axum::routing::delete(keys::revoke))
        .route(
            "/api/v1/webhooks",
            get(webhooks::list).post(webhooks::create),
        )
        .route(
            "/api/v1/webhooks/{id}",
            get(webhooks::read)
                .patch(webhooks::update)
                .delete(webhooks::delete),
        )
        .route(
            "/api/v1/webhooks/{id}/rotate-secret",
            post(webhooks::rotate_secret),
        )
        .route(
            "/api/v1/webhooks/{id}/deliveries",
            get(webhooks::deliveries),
        )
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// A JSON body, or the error for an integrator: unlike the candidate's form, the
/// answer says what serde found wrong (an unknown field, a wrong type).
fn body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, AppError> {
    match body {
        Ok(Json(value)) => Ok(value),
        Err(JsonRejection::JsonDataError(error)) => Err(AppError::unprocessable(format!(
            "The request body does not fit: {}",
            error.body_text()
        ))),
        Err(other) => Err(other.into()),
    }
}

/// A query parameter that was given: trimmed, and `None` when empty or left out.
fn given(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
}
