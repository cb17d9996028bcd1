//! # interview-core
//!
//! The heart of a library for scheduling AI voice interviews and running them: the
//! domain types, the traits every backend and engine implements, and the services
//! built on those traits. It has no network or SQL code, so an integrator can
//! implement any provider by depending on this crate alone.
//!
//! | part | what it holds |
//! |---|---|
//! | [`access`] | API keys for the HR platform's API: [`Scope`](access::Scope)s, issuing, hashed secrets checked in constant time |
//! | [`domain`](crate::PersonName) | parsed values ([`PersonName`], [`EmailAddress`], [`PhoneNumber`], [`BookingToken`], [`ScheduledTime`]), [`Booking`], [`InterviewWindow`] |
//! | [`store`] | [`BookingStore`](store::BookingStore): bookings, transcripts, evaluations; the booking state machine's moves as compare-and-swaps |
//! | [`resume`] | [`ResumeStore`](resume::ResumeStore), [`ResumeExtractor`](resume::ResumeExtractor), [`DocumentKind`](resume::DocumentKind) sniffing |
//! | [`notify`] | [`Notifier`](notify::Notifier) and the rendered [`Invitation`](notify::Invitation) (text, HTML, `.ics`) |
//! | [`events`] | what the HR platform is told: [`PlatformEvent`](events::PlatformEvent)s (`booking.created`, ..., `evaluation.failed`) in the Standard Webhooks payload shape, nothing personal |
//! | [`engine`] | [`SttEngine`](engine::SttEngine), [`LlmEngine`](engine::LlmEngine), [`TtsEngine`](engine::TtsEngine), [`AvatarProvider`](engine::AvatarProvider) |
//! | [`audio`] | [`AudioFrame`](audio::AudioFrame): PCM with its sample rate and channels |
//! | [`service`] | [`SchedulingService`](service::SchedulingService): upload, schedule, admit |
//! | [`config`] | [`Env`](config::Env), the environment parser every crate's settings use, and [`InterviewConfig`](config::InterviewConfig) |
//! | [`clock`] | [`Clock`](clock::Clock): "now" as a dependency |
//! | [`random`] | randomness from the operating system: tokens, names, jitter |
//! | [`jobs`] | background [`Job`](jobs::Job)s, [`JobError`](jobs::JobError), [`JobHandler`](jobs::JobHandler), the default backoff and [`JobStore`](jobs::JobStore): jobs written in the same transaction as the change that causes them |
//! | [`webhooks`] | the HR platform's [`WebhookEndpoint`](webhooks::WebhookEndpoint)s (URL, event types, `whsec_` secret and its rotation) and each [`Delivery`](webhooks::Delivery)'s record |
//! | [`backoff`] | [`Backoff`](backoff::Backoff): capped exponential delays with jitter, for every retry |
//! | [`transport`] | [`RoomIo`](transport::RoomIo): a real-time room's audio and events, whatever carries them |
//! | [`interview`] | transcripts and [`Evaluation`](interview::Evaluation); the interviewer's [`Persona`](interview::Persona), [`InterviewPlan`](interview::InterviewPlan), fenced [`system_prompt`](interview::system_prompt) and [`evaluate`](interview::evaluate); [`defence`](interview::defence) for untrusted text |
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `test-utils` | no | `testing`: in-memory stores, a recording notifier, a scripted extractor, scripted engines and captured logs |
//! | `pdf` | no | [`DocumentExtractor`](resume::DocumentExtractor) reads PDF (pdf-extract, lopdf) |
//! | `docx` | no | [`DocumentExtractor`](resume::DocumentExtractor) reads DOCX (docx-rs), with a zip-bomb guard |
//! | `doc` | no | [`DocumentExtractor`](resume::DocumentExtractor) reads legacy Word 97-2003 `.doc` (cfb), best effort |
//! | `extract` | no | the extraction machinery alone (limits, blocking pool, deadline); implied by the three above |
//! | `openapi` | no | `utoipa::ToSchema` for the types the HTTP API reads and writes (bookings, positions, transcripts, evaluations, scopes), for an OpenAPI document; `interview-web` turns it on |
//!
//! The facade crate `interview` turns `pdf`, `docx` and `doc` on by default.
//!
//! ## Example
//!
//! ```
//! use interview_core::{InterviewWindow, PhoneNumber, WindowStatus};
//! use chrono::{TimeDelta, TimeZone, Utc};
//!
//! let phone = PhoneNumber::parse("+44 20 7946 0958").unwrap();
//! assert_eq!(phone.as_str(), "+442079460958");
//!
//! let scheduled = Utc.with_ymd_and_hms(2030, 1, 15, 9, 0, 0).unwrap();
//! let status = InterviewWindow::DEFAULT.admit(scheduled, scheduled - TimeDelta::minutes(5));
//! assert!(matches!(status, WindowStatus::Open { .. }));
//! ```

pub mod access;
pub mod audio;
pub mod backoff;
pub mod clock;
pub mod config;
mod domain;
pub mod engine;
pub mod error;
pub mod events;
pub mod interview;
pub mod jobs;
pub mod notify;
pub mod position;
pub mod random;
pub mod rate;
pub mod resume;
mod secret;
pub mod service;
pub mod store;
#[cfg(feature = "test-utils")]
pub mod testing;
pub mod transport;
pub mod webhooks;

pub use domain::*;
pub use random::RandomnessError;
pub use secret::Secret;
