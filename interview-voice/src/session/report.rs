//! What a session gives back when the interview is over.

use std::time::Duration;

use chrono::{DateTime, Utc};
use interview_core::interview::{Evaluation, Stage, TranscriptEntry};

use super::metrics::{MetricsSummary, TurnMetrics};

/// Why an interview session ended. Only [`SessionEnd::completes`] ends complete
/// the interview; after the others it can be resumed within its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionEnd {
    /// The candidate left a room that has no window to wait in (no booking).
    CandidateLeft,
    /// The connection to the room ended.
    Disconnected,
    /// The candidate's audio stream ended.
    AudioEnded,
    /// The maximum duration passed; the interviewer closed politely.
    TimeLimit,
    /// The transcript reached [`InputLimits`](super::InputLimits)' bound; the
    /// interviewer closed politely.
    TranscriptFull,
    /// The interviewer finished the plan and said goodbye.
    PlanComplete,
    /// The window closed while the candidate was away.
    WindowClosed,
    /// Engines failed twice in a row; the interviewer closed with an apology.
    EngineFailure,
    /// The interview could not be held: it is completed or cancelled, or another
    /// live session holds it.
    NotJoinable,
    /// Another session took the interview over (this one's hold ran out).
    Superseded,
    /// The candidate stayed silent after the interviewer checked in; it offered to
    /// continue later and ended politely. The interview can be resumed within its
    /// window.
    Silent,
}

impl SessionEnd {
    /// The end in snake case (`"plan_complete"`, `"time_limit"` …), for logs and
    /// metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CandidateLeft => "candidate_left",
            Self::Disconnected => "disconnected",
            Self::AudioEnded => "audio_ended",
            Self::TimeLimit => "time_limit",
            Self::TranscriptFull => "transcript_full",
            Self::PlanComplete => "plan_complete",
            Self::WindowClosed => "window_closed",
            Self::EngineFailure => "engine_failure",
            Self::NotJoinable => "not_joinable",
            Self::Superseded => "superseded",
            Self::Silent => "silent",
        }
    }

    /// Whether this end completes the interview: the interviewer's goodbye, the
    /// time limit, a full transcript, or the window's end. Any other end leaves it
    /// resumable.
    pub fn completes(self) -> bool {
        matches!(
            self,
            Self::PlanComplete | Self::TimeLimit | Self::TranscriptFull | Self::WindowClosed
        )
    }
}

/// An engine failure during the interview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineFailure {
    /// `"stt"`, `"llm"`, `"tts"` or `"room"`.
    pub engine: &'static str,
    /// The error, as displayed.
    pub message: String,
    /// When it happened.
    pub at: DateTime<Utc>,
}

/// What happened in an interview.
#[derive(Debug, Clone)]
pub struct SessionReport {
    /// Why it ended.
    pub end: SessionEnd,
    /// Both sides, in order (also appended to the store as it happened).
    pub transcript: Vec<TranscriptEntry>,
    /// The evaluation, when the model produced a valid one.
    pub evaluation: Option<Evaluation>,
    /// Why there is no evaluation (no answers from the candidate, model failure,
    /// invalid answer).
    pub evaluation_error: Option<String>,
    /// Per answered candidate turn.
    pub turns: Vec<TurnMetrics>,
    /// The turns' latencies summarised.
    pub metrics: MetricsSummary,
    /// Engine failures, in order.
    pub engine_failures: Vec<EngineFailure>,
    /// How often the candidate cut the interviewer off (barge-in mode).
    pub interruptions: usize,
    /// Store writes that failed (transcript, evaluation, status).
    pub store_failures: usize,
    /// From the start to the end of the conversation, by the session's clock.
    pub duration: Duration,
    /// The plan's stage the interview ended in (`None` if it never started).
    pub stage: Option<Stage>,
    /// The competencies the interviewer found evidence for, in the list's order.
    pub covered: Vec<String>,
}
