//! # interview-livekit
//!
//! Everything the interview product knows about LiveKit, in one crate that depends
//! on `interview-core` alone. The web layer (`interview-web`) uses it to let a
//! candidate's browser into an interview room and to verify LiveKit's webhooks;
//! the voice layer (`interview-voice`) uses it to receive interview jobs as an agent
//! worker and to join their rooms. Both sides speak through the one
//! [`RoomMetadata`] contract defined here.
//!
//! | module | what it holds |
//! |---|---|
//! | [`config`] | [`LiveKitConfig`]: `LIVEKIT_URL`, `LIVEKIT_API_KEY`, `LIVEKIT_API_SECRET`, `LIVEKIT_AGENT_NAME` |
//! | [`tokens`] | every access token minted: browsers' participant tokens, the agent worker's token, the avatar's token |
//! | [`rooms`] | [`LiveKitRooms`]: connection details for a candidate's browser (a room that dispatches the agent, with [`RoomMetadata`]) |
//! | [`metadata`] | [`RoomMetadata`]: what the web layer tells the agent about a room (`{"resume_text", "booking_token"}`), encoded within LiveKit's 64 KiB |
//! | [`webhook`] | [`WebhookVerifier`]: LiveKit's signed webhooks checked and read |
//! | [`conventions`] | LiveKit's agent conventions: the `lk.agent.state` attribute, `lk.transcription` and `lk.chat` text streams, and [`Conventions`](conventions::Conventions), which maps what the session publishes onto them |
//! | [`avatar`] | a video avatar (Tavus) in a job's room: its token, start, fallback to plain audio, stop |
//! | `recording` | LiveKit Egress recordings of interview rooms to S3 or Egress's own disk: `RecordingConfig` (`RECORDING_*`), `Recorder` (feature `worker`) |
//! | `worker` | the agent worker protocol: [`Worker`], [`JobHandler`], [`JobContext`] (feature `worker`) |
//! | `rtc` | a job's room as an [`interview_core::transport::RoomIo`], and the avatar's audio path (feature `rtc`) |
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `worker` | no | `Worker`: registers with LiveKit as an agent worker, takes dispatched jobs, reports load, reconnects, drains; `recording` (Egress) |
//! | `rtc` | no | `rtc::join_room` and `rtc::avatar::AvatarOutput` with the official `livekit` crate (its build downloads libwebrtc; type-checked with `DOCS_RS=1`) |
//!
//! The facade crate `interview` turns `worker` on with its `livekit-agent` feature;
//! tokens, metadata, webhooks and the avatar plumbing need no feature.
//!
//! ```
//! use interview_livekit::RoomMetadata;
//!
//! let token = interview_core::BookingToken::parse("0123456789abcdef0123456789abcdef").unwrap();
//! let metadata = RoomMetadata {
//!     resume_text: Some("Rust engineer, 5 years".to_owned()),
//!     booking_token: Some(token.clone()),
//! };
//! let parsed = RoomMetadata::parse(Some(&metadata.encode()));
//! assert_eq!(parsed.booking_token, Some(token));
//! ```

pub mod avatar;
pub mod config;
pub mod conventions;
pub mod metadata;
#[cfg(feature = "worker")]
pub mod recording;
pub mod rooms;
#[cfg(feature = "rtc")]
pub mod rtc;
pub mod tokens;
pub mod webhook;
#[cfg(feature = "worker")]
pub mod worker;

pub use config::LiveKitConfig;
pub use metadata::{MAX_ROOM_METADATA_BYTES, RoomMetadata};
pub use rooms::{ConnectionDetails, LiveKitRooms};
pub use webhook::{WebhookError, WebhookEvent, WebhookVerifier};
#[cfg(feature = "worker")]
pub use worker::{
    AGENT_NAME_ATTRIBUTE, DEFAULT_ASSIGNMENT_TIMEOUT, DEFAULT_MAX_JOBS, DEFAULT_STATUS_INTERVAL,
    JobContext, JobError, JobHandler, JobParticipant, Worker, WorkerError, WorkerLoad,
    WorkerOptions, WorkerState, agent_url,
};
