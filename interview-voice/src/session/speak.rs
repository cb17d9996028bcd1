//! Answering: starting the interviewer's responses (the pipeline itself is in
//! [`respond`](super::respond)), following their progress, recording what was
//! said, the apology and retry after a failure, the closing line, and barge-in.

use std::time::Duration;

use chrono::{DateTime, Utc};
use interview_core::engine::{ChatMessage, ChatRequest};
use interview_core::interview::{AgentState, Speaker};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::listen::CandidateTurn;
use super::metrics::TurnClock;
use super::respond::{self, FailedPart, Failure, Progress, Source, Spoken};
use super::run::{LOG, Run};
use super::{Interruptions, SessionEnd};

/// What a response is for.
#[derive(Debug)]
pub(super) enum Kind {
    Greeting,
    Answer,
    /// An apology, then (maybe) the retry of what failed.
    Apology(Option<Box<Retry>>),
    /// The last words; the session ends after them.
    Close(SessionEnd),
}

/// What failed, to say again after the apology.
#[derive(Debug)]
pub(super) struct Retry {
    source: Source,
    kind: Kind,
    clock: Option<TurnClock>,
}

/// The response being spoken.
pub(super) struct Response {
    id: u64,
    handle: JoinHandle<()>,
    kind: Kind,
    source: Source,
    clock: Option<TurnClock>,
    spoken: Vec<String>,
    started_at: DateTime<Utc>,
    /// The candidate turns it answers (put back if it is dropped before speaking).
    answering: Vec<CandidateTurn>,
}

impl Run {
    pub(super) async fn start_response(
        &mut self,
        source: Source,
        kind: Kind,
        clock: Option<TurnClock>,
        answering: Vec<CandidateTurn>,
    ) {
        self.next_id += 1;
        let id = self.next_id;
        let handle = respond::spawn(
            id,
            source.clone(),
            self.voice.clone(),
            self.progress_tx.clone(),
        );
        self.response = Some(Response {
            id,
            handle,
            kind,
            source,
            clock,
            spoken: Vec::new(),
            started_at: self.session.clock.now(),
            answering,
        });
        self.set_state(AgentState::Thinking).await;
    }

    pub(super) fn request(&self) -> ChatRequest {
        let mut messages = Vec::with_capacity(self.history.len() + 2);
        messages.push(ChatMessage::system(self.system_prompt.clone()));
        messages.extend(self.history.iter().cloned());
        messages.push(ChatMessage::system(self.plan.progress_note(self.elapsed())));
        ChatRequest {
            messages,
            temperature: self.config.temperature,
            max_tokens: self.config.max_tokens,
            tools: Vec::new(),
        }
    }

    pub(super) async fn on_progress(&mut self, id: u64, progress: Progress) {
        let Some(response) = self.response.as_mut().filter(|r| r.id == id) else {
            return; // from a response that was stopped
        };
        let now = Instant::now();
        match progress {
            Progress::FirstToken => {
                if let Some(clock) = &mut response.clock {
                    clock.first_token.get_or_insert(now);
                }
            }
            Progress::FirstAudio => {
                if let Some(clock) = &mut response.clock {
                    clock.first_audio.get_or_insert(now);
                }
                self.set_state(AgentState::Speaking).await;
            }
            Progress::SentenceStarted(sentence) => response.spoken.push(sentence),
            Progress::Finished(result) => {
                if let Some(response) = self.response.take() {
                    match result {
                        Ok(spoken) => self.on_spoken(response, spoken).await,
                        Err(failure) => self.on_response_failed(response, failure).await,
                    }
                }
            }
        }
    }

    fn close_turn_metrics(&mut self, clock: Option<TurnClock>) {
        let Some(clock) = clock else { return };
        let metrics = clock.metrics();
        let ms = |d: Option<Duration>| d.map(|d| d.as_secs_f64() * 1000.0);
        tracing::info!(
            target: LOG,
            turn = self.turns.len() + 1,
            typed = metrics.typed,
            queued = metrics.queued,
            endpointing_ms = ms(metrics.endpointing),
            transcript_ms = ms(metrics.transcript),
            first_token_ms = ms(metrics.first_token),
            voice_to_voice_ms = ms(metrics.voice_to_voice),
            "turn answered"
        );
        self.turns.push(metrics);
    }

    async fn on_spoken(&mut self, response: Response, spoken: Spoken) {
        let Response {
            kind,
            clock,
            started_at,
            ..
        } = response;
        self.record(Speaker::Interviewer, &spoken.text, started_at, false)
            .await;
        if !spoken.text.is_empty() {
            self.history
                .push(ChatMessage::assistant(spoken.text.clone()));
        }
        match kind {
            Kind::Close(end) => {
                self.ending = Some(end);
                return;
            }
            Kind::Apology(Some(retry)) => {
                let Retry {
                    source,
                    kind,
                    clock,
                } = *retry;
                self.start_response(source, kind, clock, Vec::new()).await;
                return;
            }
            Kind::Greeting | Kind::Answer => {
                self.failures_in_a_row = 0;
                self.close_turn_metrics(clock);
            }
            Kind::Apology(None) => {}
        }
        if spoken.end_requested {
            tracing::info!(target: LOG, "the interviewer finished the plan");
            self.ending = Some(SessionEnd::PlanComplete);
            return;
        }
        if let Some(end) = self.closing {
            self.speak_close(end).await;
            return;
        }
        self.set_state(AgentState::Listening).await;
        self.answer_pending().await;
    }

    async fn on_response_failed(&mut self, response: Response, failure: Failure) {
        let Response {
            kind,
            source,
            mut clock,
            spoken,
            started_at,
            ..
        } = response;
        let engine = match failure.part {
            FailedPart::Llm => "llm",
            FailedPart::Tts => "tts",
            FailedPart::Room => "room",
        };
        self.fail(engine, failure.message);
        let said = spoken.join(" ");
        self.record(Speaker::Interviewer, &said, started_at, false)
            .await;
        if !said.is_empty() {
            self.history.push(ChatMessage::assistant(said));
        }
        if failure.part == FailedPart::Room {
            self.ending = Some(SessionEnd::Disconnected);
            return;
        }
        match kind {
            Kind::Close(end) => {
                // Speech is failing: the closing line is at least written.
                if let Source::Fixed(text) = &source {
                    let now = self.session.clock.now();
                    self.record(Speaker::Interviewer, text, now, false).await;
                }
                self.ending = Some(end);
            }
            Kind::Apology(retry) => {
                // The apology could not be spoken; go straight to the retry.
                match retry {
                    Some(retry) => {
                        let Retry {
                            source,
                            kind,
                            clock,
                        } = *retry;
                        self.start_response(source, kind, clock, Vec::new()).await;
                    }
                    None => {
                        self.set_state(AgentState::Listening).await;
                        self.answer_pending().await;
                    }
                }
            }
            kind @ (Kind::Greeting | Kind::Answer) => {
                self.failures_in_a_row += 1;
                if self.failures_in_a_row >= 2 {
                    self.speak_close(SessionEnd::EngineFailure).await;
                    return;
                }
                if let Some(clock) = &mut clock {
                    clock.first_token = None;
                    clock.first_audio = None;
                }
                let retry = Retry {
                    source,
                    kind,
                    clock,
                };
                let apology = self.config.persona.apology_text();
                self.start_response(
                    Source::Fixed(apology),
                    Kind::Apology(Some(Box::new(retry))),
                    None,
                    Vec::new(),
                )
                .await;
            }
        }
    }

    pub(super) async fn speak_close(&mut self, end: SessionEnd) {
        self.closing = Some(end);
        let text = match end {
            SessionEnd::EngineFailure => self.config.persona.technical_close_text(),
            _ => self.config.persona.time_up_text(),
        };
        self.start_response(Source::Fixed(text), Kind::Close(end), None, Vec::new())
            .await;
    }

    /// Stops the response being spoken, recording what was said.
    pub(super) async fn stop_response(&mut self, interrupted: bool) -> Option<Response> {
        let mut response = self.response.take()?;
        response.handle.abort();
        if let Err(error) = self.output.clear().await {
            tracing::debug!(target: LOG, %error, "could not clear queued audio");
        }
        let said = std::mem::take(&mut response.spoken).join(" ");
        if !said.is_empty() {
            self.record(
                Speaker::Interviewer,
                &said,
                response.started_at,
                interrupted,
            )
            .await;
            let note = if interrupted {
                " [interrupted by the candidate]"
            } else {
                ""
            };
            self.history
                .push(ChatMessage::assistant(format!("{said}{note}")));
        }
        Some(response)
    }

    pub(super) async fn barge_in(&mut self) {
        let closing = matches!(
            self.response.as_ref().map(|r| &r.kind),
            Some(Kind::Close(_)) | None
        );
        if closing || self.config.interruptions != Interruptions::BargeIn {
            return;
        }
        let spoke = self.response.as_ref().is_some_and(|r| !r.spoken.is_empty());
        let Some(response) = self.stop_response(spoke).await else {
            return;
        };
        tracing::info!(target: LOG, spoke, "the candidate barged in");
        if spoke {
            self.interruptions += 1;
            self.close_turn_metrics(response.clock);
        } else if matches!(response.kind, Kind::Answer) {
            // Nothing was said yet: the candidate is still talking. Their earlier
            // words are answered with what comes next.
            if matches!(self.history.last(), Some(m) if m.role == interview_core::engine::Role::User)
            {
                self.history.pop();
            }
            let mut back = response.answering;
            for turn in &mut back {
                turn.recorded = true;
            }
            back.append(&mut self.pending);
            self.pending = back;
        }
        self.set_state(AgentState::Listening).await;
    }
}
