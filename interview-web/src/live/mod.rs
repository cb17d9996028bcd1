//! The local interview transport: the interview page talks to this server over a
//! WebSocket and the interviewer runs in-process. Used when LiveKit is not configured.
//!
//! ## Protocol on `/ws/interview/{token}`
//!
//! | direction | frame | content |
//! |---|---|---|
//! | server -> page | text | `{"type":"ready","inputSampleRate":16000,"outputSampleRate":N}` first |
//! | page -> server | binary | the microphone: 16 kHz mono signed 16-bit little-endian PCM, at most 1 s a message |
//! | page -> server | text | `{"type":"text","text":"..."}` a typed answer; `{"type":"leave"}` |
//! | server -> page | binary | the interviewer's speech: mono s16le PCM at `outputSampleRate` |
//! | server -> page | text | `{"type":"clear"}` drop queued speech; `{"type":TOPIC,"data":TEXT}` messages (`transcript`, `agent_state`) |
//!
//! The same window rule as the page applies, and one live connection per booking.

mod socket;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use interview_core::BookingToken;
use interview_core::service::Admission;

use crate::AppState;
use crate::error::AppError;

pub use socket::{INPUT_FORMAT, MAX_INPUT_BYTES};

/// Bookings with a live connection now.
#[derive(Debug, Default, Clone)]
pub(crate) struct LiveSessions(Arc<Mutex<HashSet<BookingToken>>>);

/// Removes its booking from [`LiveSessions`] when the connection ends.
pub(crate) struct LiveGuard {
    sessions: LiveSessions,
    token: BookingToken,
}

impl LiveSessions {
    fn claim(&self, token: &BookingToken) -> Option<LiveGuard> {
        let mut live = self.0.lock().unwrap_or_else(|p| p.into_inner());
        live.insert(token.clone()).then(|| LiveGuard {
            sessions: self.clone(),
            token: token.clone(),
        })
    }
}

impl Drop for LiveGuard {
    fn drop(&mut self) {
        let mut live = self.sessions.0.lock().unwrap_or_else(|p| p.into_inner());
        live.remove(&self.token);
    }
}

/// `GET /ws/interview/{token}`.
pub(crate) async fn interview_socket(
    State(state): State<AppState>,
    Path(token): Path<String>,
    upgrade: WebSocketUpgrade,
) -> Result<Response, AppError> {
    let Some(runner) = state.runner.clone() else {
        return Err(AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "local_interviews_unavailable",
            "In-browser interviews are not enabled on this server.",
        ));
    };
    let booking = match state.scheduling.admit_now(&token).await? {
        Admission::Open { booking, .. } => booking,
        Admission::NotFound => return Err(AppError::not_found("No interview has this link.")),
        Admission::TooEarly { .. } => {
            return Err(AppError::new(
                StatusCode::CONFLICT,
                "too_early",
                "Your interview has not started yet.",
            ));
        }
        Admission::Expired { .. } | Admission::Cancelled => {
            return Err(AppError::new(
                StatusCode::CONFLICT,
                "expired",
                "This interview is no longer open.",
            ));
        }
    };
    let Some(guard) = state.live.claim(&booking.token) else {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            "already_connected",
            "This interview is already open in another window.",
        ));
    };
    let output_format = state.local_output_format;
    Ok(upgrade
        .max_message_size(MAX_INPUT_BYTES + 4096)
        .on_upgrade(move |socket| async move {
            let _guard = guard;
            let name = booking.name.to_string();
            let (room, output) = socket::room(socket, &booking.token, &name, output_format);
            tracing::info!(token = ?booking.token, "local interview connected");
            runner.run(room, *booking).await;
            // The interview is over, whoever ended it: close the page's connection.
            output.close().await;
        })
        .into_response())
}
