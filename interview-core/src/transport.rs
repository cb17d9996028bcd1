//! A real-time room as the interviewer sees it: the candidate's audio and events
//! coming in, the agent's audio and messages going out.
//!
//! The LiveKit room, the local WebSocket transport and the in-memory test room all
//! produce a [`RoomIo`], so the interview session runs the same on each.

use async_trait::async_trait;
use futures_core::stream::BoxStream;
use serde::{Deserialize, Serialize};

use crate::Booking;
use crate::audio::{AudioFormat, AudioFrame};
use crate::error::BoxError;

/// What is known about a room when it is joined.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoomInfo {
    /// The room's name.
    pub name: String,
    /// The room's metadata (JSON from the web layer: `{"resume_text", "booking_token"}`).
    pub metadata: Option<String>,
    /// The agent's own identity in the room.
    pub local_identity: String,
}

/// Something that happened in the room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum RoomEvent {
    /// A participant joined.
    ParticipantJoined {
        /// Their identity.
        identity: String,
        /// Their display name.
        name: String,
    },
    /// A participant left.
    ParticipantLeft {
        /// Their identity.
        identity: String,
    },
    /// A participant sent text (typed answers, when there is no speech-to-text).
    Text {
        /// Who sent it.
        identity: String,
        /// What they wrote.
        text: String,
    },
    /// The connection to the room ended.
    Disconnected {
        /// Why, for logs.
        reason: String,
    },
}

/// Failures of a transport.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The room could not be joined.
    #[error("could not join the room: {0}")]
    Connect(#[source] BoxError),
    /// The room is gone (the candidate left, the connection dropped).
    #[error("the room is closed")]
    Closed,
    /// Audio in a format the transport cannot send.
    #[error("the transport cannot send audio as {0}")]
    UnsupportedFormat(AudioFormat),
    /// Any other failure.
    #[error("transport failure")]
    Other(#[source] BoxError),
}

/// The agent's side of a room: where its audio and messages go.
#[async_trait]
pub trait RoomOutput: Send + Sync {
    /// The format [`RoomOutput::play`] expects (frames in another format are an error).
    fn output_format(&self) -> AudioFormat;

    /// Queues a frame of the agent's speech. Returns once the frame is queued, so a
    /// fast producer is paced by the transport.
    async fn play(&self, frame: AudioFrame) -> Result<(), TransportError>;

    /// Drops speech queued but not yet played (the candidate barged in).
    async fn clear(&self) -> Result<(), TransportError>;

    /// Sends a text message to the room (transcript lines, the agent's state) on `topic`.
    async fn send_text(&self, topic: &str, text: &str) -> Result<(), TransportError>;

    /// Leaves the room.
    async fn close(&self);
}

/// A joined room, split into what comes in and what goes out.
pub struct RoomIo {
    /// The room's name and metadata.
    pub info: RoomInfo,
    /// The candidate's microphone as PCM frames; ends when the room closes.
    pub audio_in: BoxStream<'static, AudioFrame>,
    /// Participant and text events; ends when the room closes.
    pub events: BoxStream<'static, RoomEvent>,
    /// Where the agent's audio and messages go.
    pub output: std::sync::Arc<dyn RoomOutput>,
}

impl std::fmt::Debug for RoomIo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoomIo")
            .field("info", &self.info)
            .field("output_format", &self.output.output_format())
            .finish_non_exhaustive()
    }
}

/// Holds an interview in a joined room: what a transport hands a room to once the
/// candidate is in (the local WebSocket transport, a LiveKit job).
///
/// `interview-voice` implements it with its interview session; the web layer only
/// knows this trait, so it does not depend on the voice crate.
#[async_trait]
pub trait InterviewRunner: Send + Sync {
    /// Runs the interview for `booking` in `room` until it ends.
    async fn run(&self, room: RoomIo, booking: Booking);

    /// What the candidate should know about the engines in use, shown on the page
    /// (for example that an offline voice is used), if anything.
    fn description(&self) -> Option<String> {
        None
    }

    /// Whether the interviewer listens to speech; when false the page asks for typed
    /// answers.
    fn hears_speech(&self) -> bool {
        true
    }
}
