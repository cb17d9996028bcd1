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
//! | server -> page | binary | the interviewer's speech: mono s16le PCM at `outputSampleRate`, numbered 1, 2, ... on each connection |
//! | page -> server | text | `{"type":"played","seq":N}` the speech messages up to number N have been played (the interviewer is speaking until then) |
//! | server -> page | text | `{"type":"clear"}` drop queued speech; `{"type":TOPIC,"data":TEXT}` messages (`transcript`, `caption`, `agent_state`, `progress`, `notice`; a notice with `"transient": true`, such as `too_fast`, leaves the interview going) |
//! | server -> page | text, then close | `{"type":"error","code":"...","message":"..."}` when the link cannot join now, then a close with code 4000 + the HTTP status (4404, 4409, 4503) |
//!
//! The same admission rule as the page applies. A booking has one room in this
//! process, which outlives the page's connections: a page that reconnects (after a
//! network drop, a closed tab, a crash) rejoins the same interview, which resumes
//! where it stopped. One page at a time: a second tab is refused while the first is
//! connected.
//!
//! The interviewer's speech is heard when the page says it was played: a page that
//! never acknowledges only delays the interviewer by the audio's length plus a
//! little slack (the session bounds every wait for playout).

mod room;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use interview_core::audio::AudioFormat;
use interview_core::transport::InterviewRunner;
use interview_core::{Booking, BookingToken};

use crate::AppState;
use crate::admission::joinable;
use crate::error::AppError;
use room::LocalRoom;

/// What the page sends: 16 kHz mono 16-bit PCM.
pub const INPUT_FORMAT: AudioFormat = AudioFormat::SPEECH;
/// The largest microphone message accepted: one second of audio.
pub const MAX_INPUT_BYTES: usize = 32_000;

/// The bookings' rooms in this process.
#[derive(Debug, Default, Clone)]
pub(crate) struct LiveRooms(Arc<Mutex<HashMap<BookingToken, Arc<LocalRoom>>>>);

impl LiveRooms {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<BookingToken, Arc<LocalRoom>>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether a page is connected to the booking's room now.
    fn is_connected(&self, token: &BookingToken) -> bool {
        self.lock()
            .get(token)
            .is_some_and(|room| room.is_connected())
    }

    /// Connects the page on `socket` to the booking's room: the open one, or a new
    /// one whose interview `runner` starts holding.
    async fn enter(
        &self,
        booking: Booking,
        socket: WebSocket,
        runner: Arc<dyn InterviewRunner>,
        format: AudioFormat,
    ) {
        let token = booking.token.clone();
        let (room, started) = {
            let mut rooms = self.lock();
            match rooms.get(&token).filter(|room| !room.is_closed()) {
                Some(room) => (room.clone(), None),
                None => {
                    let (room, io) = LocalRoom::open(&token, booking.name.as_str(), format);
                    rooms.insert(token.clone(), room.clone());
                    (room, Some(io))
                }
            }
        };
        if let Err(socket) = room.attach(socket) {
            refuse(*socket, &already_connected()).await;
            return;
        }
        let Some(io) = started else {
            tracing::info!(token = ?token, "the candidate came back to the interview");
            return;
        };
        tracing::info!(token = ?token, "local interview connected");
        let guard = Closing {
            rooms: self.clone(),
            token,
            room,
        };
        tokio::spawn(async move {
            // Dropped when the interview ends, or if the interviewer panics: either
            // way the page is closed and the booking's room freed.
            let _guard = guard;
            runner.run(io, booking).await;
        });
    }
}

/// Closes a room and forgets it when its interview is over.
struct Closing {
    rooms: LiveRooms,
    token: BookingToken,
    room: Arc<LocalRoom>,
}

impl Drop for Closing {
    fn drop(&mut self) {
        self.room.close();
        let mut rooms = self.rooms.lock();
        if rooms
            .get(&self.token)
            .is_some_and(|room| Arc::ptr_eq(room, &self.room))
        {
            rooms.remove(&self.token);
        }
    }
}

fn already_connected() -> AppError {
    AppError::new(
        StatusCode::CONFLICT,
        "already_connected",
        "This interview is already open in another window. Close it there to continue here.",
    )
}

/// Tells the page why it cannot join: an `error` message, then a close whose code is
/// 4000 plus the HTTP status the same refusal has elsewhere.
async fn refuse(mut socket: WebSocket, error: &AppError) {
    let message = serde_json::json!({
        "type": "error",
        "code": error.code(),
        "message": error.message(),
    });
    let _ = socket.send(Message::Text(message.to_string().into())).await;
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code: 4000 + error.status().as_u16(),
            reason: error.code().into(),
        })))
        .await;
}

/// `GET /ws/interview/{token}`.
pub(crate) async fn interview_socket(
    State(state): State<AppState>,
    Path(token): Path<String>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    // A plain GET (a browser opening the address) gets the JSON error shape.
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => return AppError::from(rejection).into_response(),
    };
    let upgrade = upgrade.max_message_size(MAX_INPUT_BYTES + 4096);
    let admitted = match state.runner.clone() {
        None => Err(AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "local_interviews_unavailable",
            "In-browser interviews are not enabled on this server.",
        )),
        Some(runner) => match state.scheduling.admit_now(&token).await {
            Ok(admission) => joinable(admission).map(|booking| (runner, booking)),
            Err(error) => Err(error.into()),
        },
    };
    let (runner, booking) = match admitted {
        Ok(admitted) => admitted,
        Err(error) => {
            return upgrade
                .on_upgrade(move |socket| async move { refuse(socket, &error).await })
                .into_response();
        }
    };
    // Refused before upgrading too, so the page is told at once.
    if state.live.is_connected(&booking.token) {
        return upgrade
            .on_upgrade(|socket| async move { refuse(socket, &already_connected()).await })
            .into_response();
    }
    let rooms = state.live.clone();
    let format = state.local_output_format;
    upgrade
        .on_upgrade(move |socket| async move {
            rooms.enter(*booking, socket, runner, format).await;
        })
        .into_response()
}
