//! Answering: starting the interviewer's responses (the greeting, answers to the
//! queued candidate turns, apologies, the closing line), following their progress
//! through the speech pipeline, recording what was said, one apology and retry
//! after a failure, and barge-in.

use std::time::Duration;

use interview_core::engine::{ChatMessage, ChatRequest, Role};
use interview_core::interview::{AgentState, Speaker};
use tokio::time::Instant;

use super::config::Interruptions;
use super::metrics::TurnClock;
use super::report::SessionEnd;
use super::speech::{self, FailedPart, Failure, Progress, Source, Spoken};
use super::state::{CandidateTurn, LOG, Response, ResponseKind, Retry, State, candidate_message};

impl State {
    pub(super) async fn start_response(
        &mut self,
        source: Source,
        kind: ResponseKind,
        clock: Option<TurnClock>,
        answering: Vec<CandidateTurn>,
    ) {
        self.speaking.next_id += 1;
        let id = self.speaking.next_id;
        let handle = speech::spawn(
            id,
            source.clone(),
            self.speaking.voice.clone(),
            self.speaking.progress_tx.clone(),
        );
        self.speaking.response = Some(Response {
            id,
            handle,
            kind,
            source,
            clock,
            spoken: Vec::new(),
            started_at: self.setup.clock.now(),
            answering,
        });
        self.set_state(AgentState::Thinking).await;
    }

    /// Answers the queued turns, once, if the interviewer and the candidate are
    /// both silent.
    pub(super) async fn answer_pending(&mut self) {
        if self.hearing.pending.is_empty()
            || self.speaking.response.is_some()
            || self.outcome.is_winding_down()
            || !self.hearing.candidate_is_done()
        {
            return;
        }
        let turns = std::mem::take(&mut self.hearing.pending);
        let mut texts = Vec::with_capacity(turns.len());
        for turn in &turns {
            if !turn.recorded {
                self.record(Speaker::Candidate, &turn.text, turn.at, false)
                    .await;
            }
            texts.push(turn.text.as_str());
        }
        let answer = texts.join(" ");
        let elapsed = self.elapsed();
        self.record.pace.answered(&answer, elapsed);
        self.silence.checked_in = false;
        self.record.history.push(candidate_message(&answer));
        let queued = turns.iter().any(|t| t.clock.queued);
        let clock = turns.last().map(|t| TurnClock { queued, ..t.clock });
        let request = self.request();
        self.start_response(Source::Llm(request), ResponseKind::Answer, clock, turns)
            .await;
    }

    /// The request for the interviewer's next reply: the prompt, the
    /// conversation, and the note on where the interview stands.
    fn request(&mut self) -> ChatRequest {
        let elapsed = self.elapsed();
        let note = self.record.pace.note(elapsed);
        let record = &self.record;
        let mut messages = Vec::with_capacity(record.history.len() + 2);
        messages.push(ChatMessage::system(record.system_prompt.clone()));
        messages.extend(record.history.iter().cloned());
        messages.push(ChatMessage::system(note));
        ChatRequest {
            messages,
            temperature: self.setup.config.temperature,
            max_tokens: self.setup.config.max_tokens,
            ..ChatRequest::default()
        }
    }

    pub(super) async fn on_progress(&mut self, id: u64, progress: Progress) {
        let Some(response) = self.speaking.response.as_mut().filter(|r| r.id == id) else {
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
            Progress::SentenceStarted(sentence) => {
                let line = response.id;
                response.spoken.push(sentence.clone());
                self.caption(line, &sentence).await;
            }
            Progress::Finished(result) => {
                if let Some(response) = self.speaking.response.take() {
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
            turn = self.outcome.turns.len() + 1,
            typed = metrics.typed,
            queued = metrics.queued,
            endpointing_ms = ms(metrics.endpointing),
            transcript_ms = ms(metrics.transcript),
            first_token_ms = ms(metrics.first_token),
            voice_to_voice_ms = ms(metrics.voice_to_voice),
            "turn answered"
        );
        crate::telemetry::turn_answered(&metrics);
        self.outcome.turns.push(metrics);
    }

    async fn on_spoken(&mut self, response: Response, spoken: Spoken) {
        let Response {
            id,
            kind,
            clock,
            started_at,
            answering,
            ..
        } = response;
        self.record_line(
            Speaker::Interviewer,
            &spoken.text,
            started_at,
            false,
            Some(id),
        )
        .await;
        if !spoken.evidence.is_empty() && !answering.is_empty() {
            let answer: Vec<&str> = answering.iter().map(|t| t.text.as_str()).collect();
            let counted = self
                .record
                .pace
                .answer_evidence(&spoken.evidence, &answer.join(" "));
            tracing::debug!(
                target: LOG,
                named = spoken.evidence.len(),
                counted = counted.len(),
                covered = self.record.pace.coverage().percent(),
                "evidence noted"
            );
        }
        let continuation = matches!(kind, ResponseKind::Continuation);
        if matches!(kind, ResponseKind::Answer | ResponseKind::Continuation) {
            self.record.pace.interviewer_said(&spoken.text);
        }
        if !spoken.text.is_empty() {
            self.record
                .history
                .push(ChatMessage::assistant(spoken.text.clone()));
        }
        match kind {
            ResponseKind::Close(end) => {
                self.outcome.ending = Some(end);
                return;
            }
            ResponseKind::Apology(Some(retry)) => {
                let Retry {
                    source,
                    kind,
                    clock,
                    answering,
                } = *retry;
                self.start_response(source, kind, clock, answering).await;
                return;
            }
            ResponseKind::Greeting | ResponseKind::Answer | ResponseKind::Continuation => {
                self.outcome.failures_in_a_row = 0;
                self.close_turn_metrics(clock);
            }
            ResponseKind::Apology(None) | ResponseKind::CheckIn => {}
        }
        if spoken.end_requested {
            let elapsed = self.elapsed();
            match self.record.pace.may_end(elapsed) {
                Ok(()) => {
                    tracing::info!(target: LOG, "the interviewer finished the plan");
                    self.outcome.ending = Some(SessionEnd::PlanComplete);
                    return;
                }
                Err(why) => {
                    tracing::info!(target: LOG, %why, "the interviewer's end is refused: the interview goes on");
                    self.record.pace.refuse(why);
                    // It goes on at once, unless the candidate has already said
                    // or is saying something (answered next, with the same note)
                    // or this was itself the going on (then it waits for them).
                    if !continuation
                        && self.outcome.closing.is_none()
                        && self.hearing.pending.is_empty()
                        && self.hearing.candidate_is_done()
                    {
                        let request = self.request();
                        self.start_response(
                            Source::Llm(request),
                            ResponseKind::Continuation,
                            None,
                            Vec::new(),
                        )
                        .await;
                        return;
                    }
                }
            }
        }
        if let Some(end) = self.outcome.closing {
            self.speak_close(end).await;
            return;
        }
        self.set_state(AgentState::Listening).await;
        self.answer_pending().await;
    }

    async fn on_response_failed(&mut self, response: Response, failure: Failure) {
        let Response {
            id,
            kind,
            source,
            mut clock,
            spoken,
            started_at,
            answering,
            ..
        } = response;
        let engine = match failure.part {
            FailedPart::Llm => "llm",
            FailedPart::Tts => "tts",
            FailedPart::Room => "room",
        };
        self.fail(engine, failure.message);
        let said = spoken.join(" ");
        self.record_line(Speaker::Interviewer, &said, started_at, false, Some(id))
            .await;
        if !said.is_empty() {
            self.record.history.push(ChatMessage::assistant(said));
        }
        if failure.part == FailedPart::Room {
            self.outcome.ending = Some(SessionEnd::Disconnected);
            return;
        }
        match kind {
            ResponseKind::Close(end) => {
                // Speech is failing: the closing line is at least written.
                if let Source::Fixed(text) = &source {
                    let now = self.setup.clock.now();
                    self.record(Speaker::Interviewer, text, now, false).await;
                }
                self.outcome.ending = Some(end);
            }
            ResponseKind::Apology(retry) => {
                // The apology could not be spoken; go straight to the retry.
                match retry {
                    Some(retry) => {
                        let Retry {
                            source,
                            kind,
                            clock,
                            answering,
                        } = *retry;
                        self.start_response(source, kind, clock, answering).await;
                    }
                    None => {
                        self.set_state(AgentState::Listening).await;
                        self.answer_pending().await;
                    }
                }
            }
            ResponseKind::CheckIn => {
                self.set_state(AgentState::Listening).await;
                self.answer_pending().await;
            }
            kind @ (ResponseKind::Greeting | ResponseKind::Answer | ResponseKind::Continuation) => {
                self.outcome.failures_in_a_row += 1;
                if self.outcome.failures_in_a_row >= 2 {
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
                    answering,
                };
                let apology = self.setup.config.persona.apology_text();
                self.start_response(
                    Source::Fixed(apology),
                    ResponseKind::Apology(Some(Box::new(retry))),
                    None,
                    Vec::new(),
                )
                .await;
            }
        }
    }

    pub(super) async fn speak_close(&mut self, end: SessionEnd) {
        self.outcome.closing = Some(end);
        let persona = &self.setup.config.persona;
        let text = match end {
            SessionEnd::EngineFailure => persona.technical_close_text(),
            SessionEnd::Silent => super::silence::SILENT_CLOSE.to_owned(),
            _ => persona.time_up_text(),
        };
        self.start_response(
            Source::Fixed(text),
            ResponseKind::Close(end),
            None,
            Vec::new(),
        )
        .await;
    }

    /// Stops the response being spoken, recording what was said.
    pub(super) async fn stop_response(&mut self, interrupted: bool) -> Option<Response> {
        let mut response = self.speaking.response.take()?;
        response.handle.abort();
        if let Err(error) = self.setup.output.clear().await {
            tracing::debug!(target: LOG, %error, "could not clear queued audio");
        }
        let said = std::mem::take(&mut response.spoken).join(" ");
        if !said.is_empty() {
            self.record_line(
                Speaker::Interviewer,
                &said,
                response.started_at,
                interrupted,
                Some(response.id),
            )
            .await;
            let note = if interrupted {
                " [interrupted by the candidate]"
            } else {
                ""
            };
            self.record
                .history
                .push(ChatMessage::assistant(format!("{said}{note}")));
        }
        Some(response)
    }

    pub(super) async fn barge_in(&mut self) {
        let closing = matches!(
            self.speaking.response.as_ref().map(|r| &r.kind),
            Some(ResponseKind::Close(_)) | None
        );
        if closing || self.setup.config.interruptions != Interruptions::BargeIn {
            return;
        }
        let spoke = self
            .speaking
            .response
            .as_ref()
            .is_some_and(|r| !r.spoken.is_empty());
        let Some(response) = self.stop_response(spoke).await else {
            return;
        };
        tracing::info!(target: LOG, spoke, "the candidate barged in");
        if spoke {
            self.outcome.interruptions += 1;
            self.close_turn_metrics(response.clock);
        } else if matches!(response.kind, ResponseKind::Answer)
            && matches!(self.record.history.last(), Some(m) if m.role == Role::User)
        {
            // Nothing was said yet: the candidate is still talking. Their earlier
            // words are answered with what comes next. (A retry after an apology
            // is not taken back: its words were answered by the apology.)
            self.record.history.pop();
            let mut back = response.answering;
            for turn in &mut back {
                turn.recorded = true;
            }
            back.append(&mut self.hearing.pending);
            self.hearing.pending = back;
        }
        self.set_state(AgentState::Listening).await;
    }
}
