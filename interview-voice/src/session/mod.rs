//! The interview session: the agent that holds the interview in a room.
//!
//! ```text
//! room audio ─► resample to 16 kHz mono ─► VAD (earshot) ─► end of turn ─► STT
//!                                                                          │
//! room audio ◄─ resample ◄─ TTS per sentence ◄─ sentences ◄─ LLM (streamed) ◄┘
//! ```
//!
//! - **Greeting first**: the persona's greeting is spoken before anything else.
//! - **Time to first audio** is the model's first *sentence* plus the synthesizer's
//!   first frame: sentences are cut from the model's stream as they end, each is
//!   synthesized while the previous one plays, and frames are played as they come.
//! - **Speaking lasts until it is heard**: a response is over when the room
//!   reports its audio played ([`RoomOutput::playout`](interview_core::transport::RoomOutput::playout)),
//!   not when it is queued; each wait is bounded by the audio's expected end plus
//!   two seconds, so a room that never reports cannot hold the interview. Each
//!   sentence is shown on the `"caption"` topic as its audio starts to play.
//! - **No interruptions by default** ([`Interruptions::Never`], as the original
//!   agent's `allow_interruptions=False`): while the interviewer speaks, the
//!   candidate's audio does not stop it. The candidate is still heard: each
//!   utterance is detected and transcribed as usual and queued; when the
//!   interviewer finishes (and the candidate is not mid-sentence), everything queued
//!   is answered **once**, as one turn, and recorded in the transcript after the
//!   interviewer's line. Nothing is dropped silently: at the end of the interview,
//!   queued turns that were never answered are still written to the transcript.
//! - **Barge-in** ([`Interruptions::BargeIn`], opt in): speech lasting
//!   [`TurnConfig::barge_in_min_speech`] stops the interviewer
//!   ([`RoomOutput::clear`](interview_core::transport::RoomOutput::clear)); what it
//!   had said is recorded with `interrupted: true`, and the candidate's utterance
//!   becomes the next turn. If the interviewer had not started speaking yet, its
//!   pending answer is dropped and the candidate's earlier words are answered
//!   together with the new ones.
//! - **Typed answers** ([`RoomEvent::Text`](interview_core::transport::RoomEvent::Text))
//!   are candidate turns too, the only kind when there is no speech-to-text engine.
//!   An answer that arrives before the reply to the previous ones is audible joins
//!   them: the reply is dropped and the burst answered once.
//! - **To the room**: every transcript line, caption, state change, progress and
//!   notice as a [`LiveMessage`](interview_core::interview::LiveMessage) through
//!   [`RoomOutput::publish`](interview_core::transport::RoomOutput::publish): JSON on
//!   its topic (`"transcript"`, `"agent_state"`, ...) over the local transport,
//!   LiveKit's agent conventions over LiveKit (`interview_livekit::conventions`);
//!   every line is also appended to the [`BookingStore`] with a timestamp from the
//!   [`Clock`].
//! - **The pace**: the session keeps the plan's stage and which competencies have
//!   evidence ([`Pace`](interview_core::interview::Pace)); a stage ends when its time
//!   is up or it has had enough answers (fewer once its competencies have evidence).
//!   Each model request ends with a note on the stage, the competencies still
//!   without evidence, and whether to close; the model names the evidence an answer
//!   gave in a hidden marker (`[[EVIDENCE: …]]`, never spoken), which counts only
//!   for names on the list and answers of at least
//!   [`SessionConfig::min_quote_words`] words.
//! - **Silence**: while the interviewer waits for an answer (not while it speaks or
//!   thinks, nor while the candidate speaks), a silence of
//!   [`SilenceConfig::check_in_after`] gets one kind check-in, and
//!   [`SilenceConfig::close_after`] more a polite end that offers to continue later
//!   ([`SessionEnd::Silent`]: the interview stays resumable).
//! - **The end**: the candidate leaves (participant left, disconnected, audio ended),
//!   the time limit passes (a polite closing line is spoken first), the candidate
//!   stays silent, or the model finishes the plan's wrap-up (it ends its last
//!   message with [`END_MARKER`](interview_core::interview::END_MARKER); refused
//!   before the last stage or short of coverage, and then it is asked to go on).
//!   Then the transcript is evaluated by the model, validated (one repair round),
//!   stored with [`BookingStore::save_evaluation`], and the booking is marked
//!   completed.
//! - **Engine failures**: a failed STT, LLM or TTS call gets one spoken apology and
//!   one retry; a second failure in a row ends the interview with a spoken (or, if
//!   speech itself fails, written) closing line, recorded in the report.
//! - **Metrics** per turn ([`TurnMetrics`]), logged with `tracing` (target
//!   `interview_voice::session`) and summarised in [`SessionReport::metrics`].
//! - **Who it is for** is the caller's business: [`InterviewSession::run`] takes a
//!   [`SessionBooking`] (token, candidate's name, resume) and reads nothing else
//!   about the candidate. The resume is cut to
//!   [`SessionConfig::max_resume_length`] when the session starts, and only there.
//!
//! # Where things are
//!
//! One task owns the interview's state and runs the event loop; each stage is an
//! `impl` block on that state in a file of its own, and the stages import the
//! state and the leaf modules, never each other.
//!
//! | file | what it holds |
//! |---|---|
//! | `event_loop.rs` | setting up the state for the booking, the greeting, the loop handing each event to its stage |
//! | `state.rs` | the state, in parts (setup, hearing, speaking, record, outcome), and what every stage does: record a line, send the agent state, note a failure |
//! | `hearing.rs` | room audio through VAD and end of turn to speech-to-text; typed answers; committed turns queued |
//! | `answer.rs` | starting responses, answering the queued turns once (counted by the pace), their progress, evidence noted, the end refused or accepted, the apology and retry, the closing line, barge-in |
//! | `silence.rs` | the candidate's silence while the interviewer waits: the check-in and the polite end |
//! | `speech.rs` | the speech pipeline of one response: model text -> sentences -> TTS -> room audio, finished when heard |
//! | `burst.rs` | an answer that comes before the reply is audible joins the turns it answers |
//! | `progress.rs` | captions as sentences start to play; the stage and time left, read through `current_stage` and `plan` |
//! | `room.rs` | participants joining and leaving, the connection, the time limit |
//! | `finish.rs` | the end: the transcript flushed, the evaluation, the booking completed, the report |
//! | `booking.rs`, `config.rs`, `report.rs` | [`SessionBooking`]; [`SessionConfig`] and [`Engines`]; [`SessionReport`] |
//! | `vad.rs`, `turn.rs`, `resample.rs`, `sentences.rs`, `metrics.rs` | voice activity, end of turn, sample-rate conversion, sentence splitting, per-turn latency |
//!
//! ```no_run
//! # async fn demo(
//! #     room: interview_core::transport::RoomIo,
//! #     engines: interview_voice::session::Engines,
//! #     store: std::sync::Arc<dyn interview_core::store::BookingStore>,
//! #     booking: interview_core::Booking,
//! # ) {
//! use std::sync::Arc;
//! use interview_core::clock::SystemClock;
//! use interview_core::interview::Persona;
//! use interview_voice::session::{InterviewSession, SessionBooking, SessionConfig};
//!
//! let config = SessionConfig {
//!     persona: Persona::new("Acme", "Backend Engineer"),
//!     ..SessionConfig::default()
//! };
//! let report = InterviewSession::new(config, engines, store, Arc::new(SystemClock))
//!     .run(room, SessionBooking::from(&booking))
//!     .await;
//! println!("{:?}: {} lines", report.end, report.transcript.len());
//! # }
//! ```

mod answer;
mod booking;
mod burst;
mod config;
mod event_loop;
mod finish;
mod hearing;
mod metrics;
mod progress;
mod report;
mod resample;
mod room;
mod sentences;
mod silence;
mod speech;
mod state;
mod turn;
mod vad;

use std::sync::Arc;

use interview_core::clock::Clock;
use interview_core::store::BookingStore;
use interview_core::transport::RoomIo;

pub use booking::SessionBooking;
pub use config::{Engines, InputLimits, Interruptions, SessionConfig, SilenceConfig};
pub use metrics::{LatencySummary, MetricsSummary, TurnMetrics};
pub use report::{EngineFailure, SessionEnd, SessionReport};
pub use turn::{TurnConfig, looks_unfinished};
pub use vad::{VAD_FRAME, VAD_FRAME_SAMPLES, VadConfig};

/// An interview to run in one room. Cloning is cheap (the engines and the store are
/// shared): a transport keeps one as a template and clones it per room.
#[derive(Clone)]
pub struct InterviewSession {
    config: SessionConfig,
    engines: Engines,
    store: Arc<dyn BookingStore>,
    clock: Arc<dyn Clock>,
    /// Told when an interview starts, completes and is evaluated.
    events: Option<Arc<dyn interview_core::events::EventPublisher>>,
}

impl std::fmt::Debug for InterviewSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InterviewSession")
            .field("config", &self.config)
            .field("engines", &self.engines)
            .finish_non_exhaustive()
    }
}

impl InterviewSession {
    /// The engines it runs on.
    pub fn engines(&self) -> &Engines {
        &self.engines
    }

    /// A session with its engines, where transcripts and the evaluation are kept,
    /// and the clock that timestamps them and enforces the time limit.
    pub fn new(
        config: SessionConfig,
        engines: Engines,
        store: Arc<dyn BookingStore>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            config,
            engines,
            store,
            clock,
            events: None,
        }
    }

    /// Publishes `interview.started`, `interview.completed`, `evaluation.ready`
    /// and `evaluation.failed` through `events` (for the HR platform).
    pub fn with_events(mut self, events: Arc<dyn interview_core::events::EventPublisher>) -> Self {
        self.events = Some(events);
        self
    }

    /// Where the status, transcript lines and evaluation are written.
    pub fn store(&self) -> &Arc<dyn BookingStore> {
        &self.store
    }

    /// The clock that timestamps the interview.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Holds the interview in `room` until it ends, then evaluates it.
    ///
    /// `booking` says who the interview is for, resolved by the caller: its status,
    /// transcript and evaluation are written to the store under its token (without
    /// one nothing is stored, and the report is the only record), the greeting uses
    /// the candidate's first name, and the model sees the resume cut to
    /// [`SessionConfig::max_resume_length`].
    ///
    /// Everything it logs is inside an `interview` span that names the booking by
    /// the token's first six characters ([`BookingToken::short`](interview_core::BookingToken::short)).
    pub async fn run(self, room: RoomIo, booking: SessionBooking) -> SessionReport {
        use tracing::Instrument;
        let span = tracing::info_span!(
            "interview",
            booking = %booking.token.as_ref().map_or("none", |t| t.short()),
        );
        let running = crate::telemetry::Running::start();
        let report = event_loop::run(
            self.config,
            self.engines,
            self.store,
            self.clock,
            self.events,
            room,
            booking,
        )
        .instrument(span)
        .await;
        drop(running);
        crate::telemetry::session_ended(report.end);
        report
    }
}
