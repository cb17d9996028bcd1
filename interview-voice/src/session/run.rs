//! The session's event loop: one task owns the state; speech-to-text calls and
//! responses run in tasks of their own and report back over channels.
//!
//! Here: the state, the loop, the transcript, room events and the time limit. The
//! loop's other handlers are next door: hearing the candidate in
//! [`listen`](super::listen), answering in [`speak`](super::speak), and the end of
//! the interview in [`finish`](super::finish).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use interview_core::BookingStatus;
use interview_core::engine::ChatMessage;
use interview_core::interview::{
    AGENT_STATE_TOPIC, AgentState, AgentStateMessage, InterviewPlan, ResumeText, Speaker,
    TRANSCRIPT_TOPIC, TranscriptEntry, TranscriptMessage, system_prompt,
};
use interview_core::transport::{RoomEvent, RoomIo, RoomOutput};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::listen::{CandidateTurn, SttResult, Utterance};
use super::metrics::{TurnClock, TurnMetrics};
use super::resample::Resampler;
use super::respond::{Progress, Source, Voice};
use super::speak::{Kind, Response};
use super::turn::TurnDetector;
use super::vad::Vad;
use super::{
    EngineFailure, InterviewSession, SessionBooking, SessionConfig, SessionEnd, SessionReport,
};

/// The `tracing` target of everything the session logs.
pub(super) const LOG: &str = "interview_voice::session";

/// The session's state, owned by the event loop.
pub(super) struct Run {
    pub(super) config: SessionConfig,
    pub(super) session: InterviewSession,
    pub(super) voice: Voice,
    pub(super) output: Arc<dyn RoomOutput>,
    pub(super) local_identity: String,
    pub(super) candidate: Option<String>,
    pub(super) plan: InterviewPlan,
    pub(super) resume: Option<ResumeText>,
    pub(super) system_prompt: String,
    pub(super) history: Vec<ChatMessage>,
    pub(super) transcript: Vec<TranscriptEntry>,
    pub(super) writer: Option<mpsc::UnboundedSender<TranscriptEntry>>,
    pub(super) started_at: DateTime<Utc>,
    pub(super) input: Option<Resampler>,
    pub(super) vad: Vad,
    pub(super) detector: TurnDetector,
    pub(super) utterance: Utterance,
    /// Utterances that ended while their transcription was still running.
    pub(super) awaiting: Vec<Utterance>,
    pub(super) pending: Vec<CandidateTurn>,
    pub(super) response: Option<Response>,
    pub(super) next_id: u64,
    pub(super) progress_tx: mpsc::UnboundedSender<(u64, Progress)>,
    pub(super) stt_tx: mpsc::UnboundedSender<SttResult>,
    pub(super) failures_in_a_row: u32,
    pub(super) closing: Option<SessionEnd>,
    pub(super) ending: Option<SessionEnd>,
    pub(super) state: Option<AgentState>,
    pub(super) turns: Vec<TurnMetrics>,
    pub(super) engine_failures: Vec<EngineFailure>,
    pub(super) interruptions: usize,
}

pub(super) async fn run(
    session: InterviewSession,
    room: RoomIo,
    booking: SessionBooking,
) -> SessionReport {
    let RoomIo {
        info,
        mut audio_in,
        mut events,
        output,
    } = room;
    let first_name = booking.first_name().map(str::to_owned);
    let SessionBooking {
        token: booking,
        resume_text,
        ..
    } = booking;
    let store = session.store.clone();
    let clock = session.clock.clone();
    let mut store_failures = 0;

    if let Some(token) = &booking
        && let Err(error) = store.set_status(token, BookingStatus::InProgress).await
    {
        store_failures += 1;
        tracing::warn!(target: LOG, %error, "could not mark the booking in progress");
    }
    let config = session.config.clone();
    // The one place the resume is cut to length, whoever resolved it.
    let resume = resume_text
        .map(|raw| ResumeText::new(&raw, config.max_resume_length))
        .filter(|r| !r.is_empty());
    let plan = config.plan.clone().unwrap_or_else(|| {
        InterviewPlan::standard(
            config.plan_duration,
            resume.as_ref().map(ResumeText::as_str),
        )
    });
    let prompt = system_prompt(&config.persona, &plan, resume.as_ref());

    // Transcript lines go to the store in order, off the event loop.
    let (writer, writer_task) = match booking.clone() {
        Some(token) => {
            let (tx, mut rx) = mpsc::unbounded_channel::<TranscriptEntry>();
            let store = store.clone();
            let task = tokio::spawn(async move {
                let mut failures = 0usize;
                while let Some(first) = rx.recv().await {
                    let mut batch = vec![first];
                    while let Ok(more) = rx.try_recv() {
                        batch.push(more);
                    }
                    if let Err(error) = store.append_transcript(&token, &batch).await {
                        failures += 1;
                        tracing::warn!(target: LOG, %error, lines = batch.len(), "could not store transcript lines");
                    }
                }
                failures
            });
            (Some(tx), Some(task))
        }
        None => (None, None),
    };

    let (progress_tx, mut progress_rx) = mpsc::unbounded_channel();
    let (stt_tx, mut stt_rx) = mpsc::unbounded_channel();
    let mut run = Run {
        voice: Voice {
            llm: session.engines.llm.clone(),
            tts: session.engines.tts.clone(),
            output: output.clone(),
        },
        output,
        local_identity: info.local_identity.clone(),
        candidate: None,
        plan,
        resume,
        system_prompt: prompt,
        history: Vec::new(),
        transcript: Vec::new(),
        writer,
        started_at: clock.now(),
        input: None,
        vad: Vad::new(config.vad),
        detector: TurnDetector::new(config.turn),
        utterance: Utterance::default(),
        awaiting: Vec::new(),
        pending: Vec::new(),
        response: None,
        next_id: 0,
        progress_tx,
        stt_tx,
        failures_in_a_row: 0,
        closing: None,
        ending: None,
        state: None,
        turns: Vec::new(),
        engine_failures: Vec::new(),
        interruptions: 0,
        config,
        session,
    };
    tracing::info!(target: LOG, room = %info.name, booking = booking.is_some(), resume = run.resume.is_some(), "interview starts");

    let greeting = run.config.persona.greeting_text(first_name.as_deref());
    run.start_response(Source::Fixed(greeting), Kind::Greeting, None, Vec::new())
        .await;

    let mut tick = tokio::time::interval(run.config.check_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut audio_open = true;
    let mut events_open = true;
    let end = loop {
        if let Some(end) = run.ending {
            break end;
        }
        tokio::select! {
            frame = audio_in.next(), if audio_open => match frame {
                Some(frame) => run.on_audio(&frame).await,
                None => {
                    audio_open = false;
                    run.leave(SessionEnd::AudioEnded).await;
                }
            },
            event = events.next(), if events_open => match event {
                Some(event) => run.on_event(event).await,
                None => events_open = false,
            },
            Some((id, progress)) = progress_rx.recv() => run.on_progress(id, progress).await,
            Some(result) = stt_rx.recv() => run.on_transcript(result).await,
            _ = tick.tick() => run.check_time().await,
        }
    };
    run.finish(end, booking, writer_task, store_failures).await
}

impl Run {
    pub(super) fn elapsed(&self) -> Duration {
        (self.session.clock.now() - self.started_at)
            .to_std()
            .unwrap_or_default()
    }

    pub(super) async fn set_state(&mut self, state: AgentState) {
        if self.state == Some(state) {
            return;
        }
        self.state = Some(state);
        let message = AgentStateMessage { state }.to_json();
        if let Err(error) = self.output.send_text(AGENT_STATE_TOPIC, &message).await {
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
        self.transcript.push(entry.clone());
        if let Some(writer) = &self.writer {
            let _ = writer.send(entry);
        }
        let message = TranscriptMessage {
            speaker,
            text: text.to_owned(),
            at,
            interrupted,
        };
        if let Err(error) = self
            .output
            .send_text(TRANSCRIPT_TOPIC, &message.to_json())
            .await
        {
            tracing::debug!(target: LOG, %error, "could not send a transcript line");
        }
    }

    pub(super) fn fail(&mut self, engine: &'static str, message: String) {
        tracing::warn!(target: LOG, engine, %message, "engine failure");
        self.engine_failures.push(EngineFailure {
            engine,
            message,
            at: self.session.clock.now(),
        });
    }

    // ----- the room -----

    async fn on_event(&mut self, event: RoomEvent) {
        self.check_time().await;
        match event {
            RoomEvent::ParticipantJoined { identity, .. } if identity != self.local_identity => {
                self.candidate.get_or_insert(identity);
            }
            RoomEvent::ParticipantLeft { identity }
                if identity != self.local_identity
                    && self.candidate.as_ref().is_none_or(|c| *c == identity) =>
            {
                self.leave(SessionEnd::CandidateLeft).await;
            }
            RoomEvent::Disconnected { reason } => {
                tracing::info!(target: LOG, %reason, "the room disconnected");
                self.leave(SessionEnd::Disconnected).await;
            }
            RoomEvent::Text { identity, text } if identity != self.local_identity => {
                let text = text.trim().to_owned();
                if text.is_empty() {
                    return;
                }
                self.candidate.get_or_insert(identity);
                let turn = CandidateTurn {
                    text,
                    at: self.session.clock.now(),
                    clock: TurnClock::typed(Instant::now()),
                    recorded: false,
                };
                self.commit_turn(turn).await;
            }
            _ => {}
        }
    }

    async fn leave(&mut self, end: SessionEnd) {
        if self.ending.is_none() {
            tracing::info!(target: LOG, ?end, "the interview ends");
            self.stop_response(false).await;
            self.ending = Some(end);
        }
    }

    pub(super) async fn check_time(&mut self) {
        if self.closing.is_some() || self.ending.is_some() {
            return;
        }
        if self.elapsed() < self.config.max_duration {
            return;
        }
        tracing::info!(target: LOG, "the time limit is reached");
        self.closing = Some(SessionEnd::TimeLimit);
        if self.response.is_none() {
            self.speak_close(SessionEnd::TimeLimit).await;
        }
    }
}
