//! The state of one interview, owned by the event loop. It comes in parts, so that
//! each stage mostly touches its own:
//!
//! - [`Setup`]: what is fixed at the start (settings, engines, store, room output);
//! - [`Hearing`]: the candidate's audio on its way to a turn, and the turns waiting
//!   for an answer (the `hearing` stage);
//! - [`Speaking`]: the interviewer's response under way (the `answer` stage);
//! - [`Record`]: what the model is told and the transcript of what was said;
//! - [`Live`]: the session's hold on the interview in the store, whether the
//!   candidate is connected, and the interview's time (the `room` stage);
//! - [`Outcome`]: how the interview is going and how it ends (the report's material);
//! - [`Silence`]: how long the candidate has been silent while the interviewer
//!   waits (the `silence` stage).
//!
//! The few things every stage does (write a transcript line, tell the room what the
//! interviewer is doing, note an engine failure, read the elapsed time) are here too.
//! Nothing here knows the stages.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use interview_core::BookingToken;
use interview_core::audio::AudioFrame;
use interview_core::clock::Clock;
use interview_core::engine::ChatMessage;
use interview_core::interview::{
    AgentState, LiveMessage, Pace, ResumeText, Speaker, TranscriptEntry, TranscriptMessage,
};
use interview_core::store::BookingStore;
use interview_core::transport::RoomOutput;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::config::{Engines, SessionConfig};
use super::metrics::{TurnClock, TurnMetrics};
use super::report::{EngineFailure, SessionEnd};
use super::resample::Resampler;
use super::speech::{Progress, Source, Voice};
use super::turn::TurnDetector;
use super::vad::Vad;

/// The candidate's words as the model reads them: cleaned, so no fence, marker or
/// title of ours can appear in them (the stored transcript keeps them as said).
pub(super) fn candidate_message(said: &str) -> ChatMessage {
    ChatMessage::user(interview_core::interview::clean_untrusted(said))
}

/// The `tracing` target of everything the session logs.
pub(super) const LOG: &str = "interview_voice::session";

/// One interview's state.
pub(super) struct State {
    pub(super) setup: Setup,
    pub(super) hearing: Hearing,
    pub(super) speaking: Speaking,
    pub(super) record: Record,
    pub(super) live: Live,
    pub(super) outcome: Outcome,
    pub(super) silence: Silence,
}

/// The candidate's silence while the interviewer waits for them.
#[derive(Debug, Default)]
pub(super) struct Silence {
    /// When the interviewer began to wait, by the session's clock; `None` while it
    /// is not waiting (it speaks or thinks, the candidate speaks or is away).
    pub(super) since: Option<DateTime<Utc>>,
    /// Whether it checked in since the candidate's last answer.
    pub(super) checked_in: bool,
}

/// What is fixed when the interview starts.
pub(super) struct Setup {
    pub(super) config: SessionConfig,
    pub(super) engines: Engines,
    pub(super) store: Arc<dyn BookingStore>,
    pub(super) clock: Arc<dyn Clock>,
    /// Told when the interview starts, completes and is evaluated.
    pub(super) events: Option<Arc<dyn interview_core::events::EventPublisher>>,
    /// The booking the store writes go to; `None` stores nothing.
    pub(super) booking: Option<BookingToken>,
    pub(super) output: Arc<dyn RoomOutput>,
    /// The agent's own identity in the room, so its own events are not the
    /// candidate's.
    pub(super) local_identity: String,
    /// The candidate's first name, for the greeting and the welcome back.
    pub(super) first_name: Option<String>,
}

/// The session's hold on the interview, the candidate's presence, and the
/// interview's time, which runs only while the candidate is connected.
pub(super) struct Live {
    /// The lease holder's id while the session holds the interview in the store.
    pub(super) holder: Option<String>,
    /// When the lease was last renewed.
    pub(super) renewed_at: DateTime<Utc>,
    /// The interview's time before the current stretch (earlier connections).
    pub(super) active_before: Duration,
    /// When the current stretch began; `None` while the candidate is away.
    pub(super) active_since: Option<DateTime<Utc>>,
    /// Until when a candidate who left can come back (the window's end); without
    /// one, the candidate leaving ends the session.
    pub(super) deadline: Option<DateTime<Utc>>,
}

impl Live {
    /// Whether the candidate is away and the session waits for them.
    pub(super) fn paused(&self) -> bool {
        self.active_since.is_none()
    }
}

/// Hearing the candidate: room audio through the VAD and end of turn to
/// speech-to-text, and the committed turns waiting for an answer.
pub(super) struct Hearing {
    /// The candidate's identity in the room, once they joined, spoke or typed.
    pub(super) candidate: Option<String>,
    /// Converts room audio to 16 kHz mono, made for the first frame in another format.
    pub(super) input: Option<Resampler>,
    pub(super) vad: Vad,
    pub(super) detector: TurnDetector,
    pub(super) utterance: Utterance,
    /// Utterances that ended while their transcription was still running.
    pub(super) awaiting: Vec<Utterance>,
    pub(super) stt_tx: mpsc::UnboundedSender<SttResult>,
    /// Committed turns not answered yet.
    pub(super) pending: Vec<CandidateTurn>,
    /// How many typed answers may come now.
    pub(super) typing: Allowance,
    /// Whether the room was told that input is refused, since the last turn taken:
    /// one notice per burst, not one per message.
    pub(super) told: bool,
}

/// A token bucket: `burst` at once, then one per `every`.
#[derive(Debug)]
pub(super) struct Allowance {
    burst: u32,
    every: Duration,
    left: u32,
    refilled_at: Instant,
}

impl Allowance {
    pub(super) fn new(burst: u32, every: Duration, now: Instant) -> Self {
        let burst = burst.max(1);
        Self {
            burst,
            every,
            left: burst,
            refilled_at: now,
        }
    }

    /// Takes one if there is one. A zero `every` never runs out.
    pub(super) fn take(&mut self, now: Instant) -> bool {
        if self.every.is_zero() {
            return true;
        }
        let elapsed = now.saturating_duration_since(self.refilled_at);
        let earned =
            (elapsed.as_nanos() / self.every.as_nanos()).min(u128::from(self.burst - self.left));
        // At most `burst`, so it fits.
        let earned = u32::try_from(earned).unwrap_or(0);
        self.left += earned;
        self.refilled_at += self.every * earned;
        if self.left == self.burst {
            // A full bucket earns nothing more: the pace starts from the next take.
            self.refilled_at = now;
        }
        if self.left == 0 {
            return false;
        }
        self.left -= 1;
        true
    }
}

impl Hearing {
    /// Whether the candidate has finished for now: not mid-utterance, and nothing
    /// they said is still being transcribed or waiting to be completed.
    pub(super) fn candidate_is_done(&self) -> bool {
        !self.detector.in_utterance()
            && !self.utterance.stt_in_flight
            && self.utterance.text.is_none()
            && self.awaiting.is_empty()
    }
}

/// The utterance being listened to.
#[derive(Debug, Default)]
pub(super) struct Utterance {
    /// Bumped whenever the utterance changes, so a transcription of older audio
    /// is recognised as stale.
    pub(super) generation: u64,
    pub(super) started_at: Option<DateTime<Utc>>,
    pub(super) last_voice: Option<Instant>,
    pub(super) end_of_turn: Option<Instant>,
    /// The audio sent to speech-to-text, kept for the retry.
    pub(super) audio: Option<AudioFrame>,
    /// A transcript that looked unfinished, held while the turn waits longer.
    pub(super) text: Option<String>,
    pub(super) stt_in_flight: bool,
    /// The silence after it was long enough to end the turn whatever the words.
    pub(super) long_pause: bool,
}

/// A transcription, back from its task, for the utterance of that generation.
pub(super) struct SttResult {
    pub(super) generation: u64,
    pub(super) result: Result<String, String>,
}

/// A candidate turn, committed, waiting to be answered.
#[derive(Debug, Clone)]
pub(super) struct CandidateTurn {
    pub(super) text: String,
    pub(super) at: DateTime<Utc>,
    pub(super) clock: TurnClock,
    /// Already written to the transcript (a turn put back after a barge-in).
    pub(super) recorded: bool,
}

/// What the interviewer is saying.
pub(super) struct Speaking {
    /// What the speech pipeline needs.
    pub(super) voice: Voice,
    pub(super) response: Option<Response>,
    pub(super) next_id: u64,
    pub(super) progress_tx: mpsc::UnboundedSender<(u64, Progress)>,
    /// What the room was last told the interviewer is doing.
    pub(super) agent_state: Option<AgentState>,
    /// What the room was last told about the interview's progress.
    pub(super) told_progress: Option<super::progress::ToldProgress>,
}

/// What a response is for.
#[derive(Debug)]
pub(super) enum ResponseKind {
    Greeting,
    Answer,
    /// The interviewer goes on after its end was refused, without waiting for the
    /// candidate.
    Continuation,
    /// A kind word after a silence.
    CheckIn,
    /// An apology, then (maybe) the retry of what failed.
    Apology(Option<Box<Retry>>),
    /// The last words; the session ends after them.
    Close(SessionEnd),
}

/// What failed, to say again after the apology.
#[derive(Debug)]
pub(super) struct Retry {
    pub(super) source: Source,
    pub(super) kind: ResponseKind,
    pub(super) clock: Option<TurnClock>,
    /// The candidate turns the failed response answered (their evidence counts
    /// when the retry names it).
    pub(super) answering: Vec<CandidateTurn>,
}

/// The response being spoken.
pub(super) struct Response {
    /// Tags its progress reports, so those of a stopped response are ignored.
    pub(super) id: u64,
    pub(super) handle: JoinHandle<()>,
    pub(super) kind: ResponseKind,
    pub(super) source: Source,
    pub(super) clock: Option<TurnClock>,
    /// The sentences that began to play.
    pub(super) spoken: Vec<String>,
    pub(super) started_at: DateTime<Utc>,
    /// The candidate turns it answers (put back if it is dropped before speaking).
    pub(super) answering: Vec<CandidateTurn>,
}

/// The conversation: what the model is told, and the transcript of what was said.
pub(super) struct Record {
    /// The plan, the current stage and the competencies' coverage.
    pub(super) pace: Pace,
    /// The resume as the model sees it (already cut to `max_resume_length`).
    pub(super) resume: Option<ResumeText>,
    pub(super) system_prompt: String,
    /// The conversation as the model sees it.
    pub(super) history: Vec<ChatMessage>,
    /// The conversation as it is stored and reported.
    pub(super) transcript: Vec<TranscriptEntry>,
    /// The characters in `transcript`.
    pub(super) chars: usize,
    /// Hands transcript lines to the task that stores them in order; dropped to
    /// let that task finish.
    pub(super) writer: Option<mpsc::UnboundedSender<TranscriptEntry>>,
    /// That task; it returns how many of its writes failed.
    pub(super) writer_task: Option<JoinHandle<usize>>,
}

/// How the interview is going and how it ends.
#[derive(Debug, Default)]
pub(super) struct Outcome {
    /// Engine failures since the last success; the second ends the interview.
    pub(super) failures_in_a_row: u32,
    /// The interview is closing: the closing line is (or is about to be) spoken.
    pub(super) closing: Option<SessionEnd>,
    /// The interview is over; the event loop stops.
    pub(super) ending: Option<SessionEnd>,
    pub(super) turns: Vec<TurnMetrics>,
    pub(super) engine_failures: Vec<EngineFailure>,
    pub(super) interruptions: usize,
    pub(super) store_failures: usize,
}

impl Outcome {
    /// Whether the interview is closing or over: nothing new is answered.
    pub(super) fn is_winding_down(&self) -> bool {
        self.closing.is_some() || self.ending.is_some()
    }
}

impl State {
    /// The interview's time: every stretch the candidate was connected, earlier
    /// connections (before an interruption) included.
    pub(super) fn elapsed(&self) -> Duration {
        let current = self
            .live
            .active_since
            .map(|since| {
                (self.setup.clock.now() - since)
                    .to_std()
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        self.live.active_before + current
    }

    pub(super) async fn set_state(&mut self, state: AgentState) {
        if state == AgentState::Listening {
            // The interviewer waits from now; `watch_silence` stops the count if it
            // is not really waiting.
            self.silence.since = Some(self.setup.clock.now());
        }
        if self.speaking.agent_state == Some(state) {
            return;
        }
        self.speaking.agent_state = Some(state);
        if let Err(error) = self.setup.output.publish(&LiveMessage::State(state)).await {
            tracing::debug!(target: LOG, %error, "could not send the agent state");
        }
    }

    /// Writes a transcript line: the report, the room, the store.
    pub(super) async fn record(
        &mut self,
        speaker: Speaker,
        text: &str,
        at: DateTime<Utc>,
        interrupted: bool,
    ) {
        self.record_line(speaker, text, at, interrupted, None).await;
    }

    /// [`State::record`], for an interviewer's line whose sentences the room was
    /// shown as captions under `line` (the response's id).
    pub(super) async fn record_line(
        &mut self,
        speaker: Speaker,
        text: &str,
        at: DateTime<Utc>,
        interrupted: bool,
        line: Option<u64>,
    ) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        let stored = if interrupted {
            format!("{text} [interrupted]")
        } else {
            text.to_owned()
        };
        let entry = TranscriptEntry {
            speaker,
            text: stored,
            at,
        };
        self.record.chars += entry.text.chars().count();
        self.record.transcript.push(entry.clone());
        if let Some(writer) = &self.record.writer {
            let _ = writer.send(entry);
        }
        let message = TranscriptMessage {
            speaker,
            text: text.to_owned(),
            at,
            interrupted,
            line,
        };
        if let Err(error) = self
            .setup
            .output
            .publish(&LiveMessage::Transcript(message))
            .await
        {
            tracing::debug!(target: LOG, %error, "could not send a transcript line");
        }
    }

    pub(super) fn fail(&mut self, engine: &'static str, message: String) {
        tracing::warn!(target: LOG, engine, %message, "engine failure");
        crate::telemetry::engine_failed(engine);
        self.outcome.engine_failures.push(EngineFailure {
            engine,
            message,
            at: self.setup.clock.now(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_allowance_gives_its_burst_then_one_per_period() {
        let start = Instant::now();
        let second = Duration::from_secs(1);
        let mut allowance = Allowance::new(3, 5 * second, start);
        assert!((0..3).all(|_| allowance.take(start)));
        assert!(!allowance.take(start));
        assert!(!allowance.take(start + 4 * second));
        assert!(allowance.take(start + 5 * second));
        assert!(!allowance.take(start + 6 * second));
        // A long pause refills the burst, never more.
        let later = start + 3600 * second;
        assert!((0..3).all(|_| allowance.take(later)));
        assert!(!allowance.take(later));
        // Zero pace: no limit.
        let mut free = Allowance::new(1, Duration::ZERO, start);
        assert!((0..1000).all(|_| free.take(start)));
    }
}
