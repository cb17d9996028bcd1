//! # interview
//!
//! Schedule AI voice interviews and run them. A candidate applies with a resume and a
//! time slot; the resume is stored and its text extracted; a booking with an
//! unguessable token is saved; the candidate gets an e-mail with a link; the link
//! opens only around the scheduled time; an AI interviewer joins a real-time room,
//! reads the resume, and holds a spoken interview.
//!
//! This is the facade crate: it re-exports the member crates behind features, so an
//! integrator depends on one crate and picks what it needs.
//!
//! | crate | re-exported as | feature | default |
//! |---|---|---|---|
//! | `interview-core` | the crate root (`interview::PersonName`, `interview::service`, ...) | always | yes |
//! | `interview-livekit` | [`livekit`] | `livekit` or `livekit-agent` | yes |
//! | `interview-storage` | [`storage`] | `storage` | yes |
//! | `interview-voice` | [`voice`] | `voice` | yes |
//! | `interview-web` | [`web`] | `web` | yes |
//! | test doubles | `interview::testing` | `test-utils` | no |
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `sqlite` | yes | bookings in a SQLite file |
//! | `postgres` | yes | bookings on a PostgreSQL server |
//! | `supabase` | yes | bookings and resume files on Supabase |
//! | `fs` | yes | resume files in a local folder |
//! | `pdf`, `docx`, `doc` | yes | resume text extraction for each format |
//! | `web` | yes | the axum router, pages and notifiers |
//! | `smtp` | yes | invitations over SMTP |
//! | `livekit` | yes | LiveKit connection details and webhooks (`interview::livekit`) |
//! | `voice` | yes | the interview session, offline engines, fallbacks (`interview::voice`) |
//! | `openai`, `deepgram`, `elevenlabs`, `tavus` | yes | vendor engines, used when their keys are configured |
//! | `livekit-agent` | yes | the LiveKit agent worker (`examples/agent_worker.rs`, and in `full_stack` when LiveKit is configured) |
//! | `livekit-rtc` | no | agent workers join their rooms' audio (its build downloads libwebrtc) |
//! | `test-utils` | no | test doubles |
//!
//! [`config::Config`] reads every crate's settings from the environment, and
//! [`bootstrap::Application`] builds the whole application from it, as
//! `cargo run --example full_stack` does.
//!
//! The architecture is described in `docs/architecture.md`, every environment
//! variable in `docs/configuration.md`.

#[doc(inline)]
pub use interview_core::*;

#[cfg(any(feature = "livekit", feature = "livekit-agent"))]
#[doc(inline)]
pub use interview_livekit as livekit;

#[cfg(feature = "storage")]
#[doc(inline)]
pub use interview_storage as storage;

#[cfg(feature = "voice")]
#[doc(inline)]
pub use interview_voice as voice;

#[cfg(feature = "web")]
#[doc(inline)]
pub use interview_web as web;

#[cfg(all(feature = "web", feature = "sqlite", feature = "fs"))]
pub mod bootstrap;
pub mod config;
pub mod sweeper;
