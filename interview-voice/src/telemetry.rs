//! What the voice side reports to the application's metrics recorder (the
//! [`metrics`] facade; the application chooses the exporter). Every metric this
//! crate records is named here, once; labels are closed sets, never a token, a
//! name or a word anyone said.
//!
//! | metric | kind | labels |
//! |---|---|---|
//! | `interview_sessions_running` | gauge | |
//! | `interview_sessions_ended_total` | counter | `end` ([`SessionEnd`] in snake case) |
//! | `interview_turn_latency_seconds` | histogram | `stage` (`endpointing`, `transcript`, `first_token`, `first_audio`), `input` (`speech`, `typed`) |
//! | `interview_engine_failures_total` | counter | `role` (`stt`, `llm`, `tts`, `room`): failures the interview noticed, after any fallback |
//! | `interview_engine_fallbacks_total` | counter | `role`, `from` (the engine that failed), `to` (the next one, or `none`) |
//!
//! Turn latencies are recorded for turns that did not wait for the interviewer to
//! finish speaking (a queued turn's delays are mostly that wait).

use crate::session::{SessionEnd, TurnMetrics};

/// An interview counted as running until this is dropped (whatever way the
/// session ends, a panic included).
#[derive(Debug)]
pub(crate) struct Running(());

impl Running {
    /// Counts one more interview running.
    pub(crate) fn start() -> Self {
        metrics::gauge!("interview_sessions_running").increment(1.0);
        Self(())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        metrics::gauge!("interview_sessions_running").decrement(1.0);
    }
}

/// An interview ended with `end`.
pub(crate) fn session_ended(end: SessionEnd) {
    metrics::counter!("interview_sessions_ended_total", "end" => end.as_str()).increment(1);
}

/// A candidate turn was answered.
pub(crate) fn turn_answered(turn: &TurnMetrics) {
    if turn.queued {
        return;
    }
    let input = if turn.typed { "typed" } else { "speech" };
    for (stage, delay) in [
        ("endpointing", turn.endpointing),
        ("transcript", turn.transcript),
        ("first_token", turn.first_token),
        ("first_audio", turn.voice_to_voice),
    ] {
        if let Some(delay) = delay {
            metrics::histogram!("interview_turn_latency_seconds", "stage" => stage, "input" => input)
                .record(delay.as_secs_f64());
        }
    }
}

/// The interview noticed a failure of its `role` engine (`stt`, `llm`, `tts`,
/// `room`).
pub(crate) fn engine_failed(role: &'static str) {
    metrics::counter!("interview_engine_failures_total", "role" => role).increment(1);
}

/// A fallback engine for `role` moved on from `from` to `to` (`None`: none left).
pub(crate) fn fell_back(role: &str, from: &str, to: Option<&str>) {
    metrics::counter!(
        "interview_engine_fallbacks_total",
        "role" => role.to_owned(),
        "from" => from.to_owned(),
        "to" => to.unwrap_or("none").to_owned(),
    )
    .increment(1);
}
