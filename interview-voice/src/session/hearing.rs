//! Hearing the candidate: room audio through the VAD and end of turn to
//! speech-to-text, typed answers, and committing each finished turn to the queue
//! the `answer` stage answers from.

use interview_core::audio::{AudioFormat, AudioFrame};
use interview_core::interview::{LiveMessage, NoticeMessage, Speaker};
use tokio::time::Instant;
use tracing::Instrument;

use super::metrics::TurnClock;
use super::report::SessionEnd;
use super::resample::Resampler;
use super::speech::Source;
use super::state::{CandidateTurn, LOG, ResponseKind, State, SttResult, Utterance};
use super::turn::{TurnEvent, looks_unfinished};

impl State {
    pub(super) async fn on_audio(&mut self, frame: &AudioFrame) {
        self.check_time().await;
        if self.outcome.is_winding_down() || self.live.paused() || frame.is_empty() {
            return;
        }
        let samples = if frame.format() == AudioFormat::SPEECH {
            frame.samples().to_vec()
        } else {
            let resampler = match &mut self.hearing.input {
                Some(r) if r.from() == frame.format() => r,
                _ => self
                    .hearing
                    .input
                    .insert(Resampler::new(frame.format(), AudioFormat::SPEECH)),
            };
            resampler.process(frame)
        };
        for vad_frame in self.hearing.vad.push(&samples) {
            let speech = vad_frame.speech;
            let events = self.hearing.detector.push(vad_frame);
            if speech && self.hearing.detector.in_utterance() {
                self.hearing.utterance.last_voice = Some(Instant::now());
            }
            for event in events {
                self.on_turn_event(event).await;
            }
        }
    }

    async fn on_turn_event(&mut self, event: TurnEvent) {
        match event {
            TurnEvent::SpeechStarted => {
                self.hearing.utterance = Utterance {
                    generation: self.hearing.utterance.generation + 1,
                    started_at: Some(self.setup.clock.now()),
                    last_voice: Some(Instant::now()),
                    ..Utterance::default()
                };
            }
            TurnEvent::SustainedSpeech => {
                if self.speaking.response.is_some() {
                    self.barge_in().await;
                }
            }
            TurnEvent::Paused(samples) => {
                let now = Instant::now();
                let utterance = &mut self.hearing.utterance;
                utterance.generation += 1;
                utterance.end_of_turn = Some(now);
                utterance.text = None;
                utterance.long_pause = false;
                let Ok(audio) = AudioFrame::new(samples, AudioFormat::SPEECH) else {
                    return;
                };
                utterance.audio = Some(audio.clone());
                if self.setup.engines.stt.is_some() {
                    utterance.stt_in_flight = true;
                    let generation = utterance.generation;
                    self.transcribe(generation, audio);
                }
            }
            TurnEvent::Resumed => {
                let utterance = &mut self.hearing.utterance;
                utterance.generation += 1;
                utterance.text = None;
                utterance.stt_in_flight = false;
                utterance.end_of_turn = None;
            }
            TurnEvent::Ended => {
                self.hearing.utterance.long_pause = true;
                let next = Utterance {
                    generation: self.hearing.utterance.generation + 1,
                    ..Utterance::default()
                };
                let mut ended = std::mem::replace(&mut self.hearing.utterance, next);
                if let Some(text) = ended.text.take() {
                    self.commit_utterance(ended, text).await;
                } else if ended.stt_in_flight {
                    // Its transcript still counts when it comes, whatever the
                    // candidate says next.
                    self.hearing.awaiting.push(ended);
                } else {
                    self.answer_pending().await;
                }
            }
        }
    }

    fn transcribe(&self, generation: u64, audio: AudioFrame) {
        let Some(stt) = self.setup.engines.stt.clone() else {
            return; // typed answers only
        };
        let options = self.setup.config.stt_options.clone();
        let tx = self.hearing.stt_tx.clone();
        let span = tracing::info_span!(target: LOG, "transcribe", engine = stt.name());
        tokio::spawn(
            async move {
                let result = stt
                    .transcribe(&audio, &options)
                    .await
                    .map(|t| t.text)
                    .map_err(|e| e.to_string());
                let _ = tx.send(SttResult { generation, result });
            }
            .instrument(span),
        );
    }

    pub(super) async fn on_transcript(&mut self, result: SttResult) {
        let current = result.generation == self.hearing.utterance.generation;
        let awaiting = self
            .hearing
            .awaiting
            .iter()
            .position(|u| u.generation == result.generation);
        if self.outcome.ending.is_some() || (!current && awaiting.is_none()) {
            return; // the utterance went on, or the interview is over
        }
        match result.result {
            Ok(text) if !current => {
                if self.outcome.failures_in_a_row > 0 && self.speaking.response.is_none() {
                    self.outcome.failures_in_a_row = 0;
                }
                if let Some(index) = awaiting {
                    let utterance = self.hearing.awaiting.remove(index);
                    let text = text.trim().to_owned();
                    if text.is_empty() {
                        self.answer_pending().await;
                    } else {
                        self.commit_utterance(utterance, text).await;
                    }
                }
            }
            Ok(text) => {
                self.hearing.utterance.stt_in_flight = false;
                if self.outcome.failures_in_a_row > 0 && self.speaking.response.is_none() {
                    self.outcome.failures_in_a_row = 0;
                }
                let text = text.trim().to_owned();
                let long_pause = self.hearing.utterance.long_pause;
                if text.is_empty() {
                    // Noise, not words.
                    if !long_pause {
                        self.hearing.detector.reset();
                    }
                    self.hearing.utterance = Utterance {
                        generation: self.hearing.utterance.generation + 1,
                        ..Utterance::default()
                    };
                    self.answer_pending().await;
                } else if long_pause || !looks_unfinished(&text) {
                    if !long_pause {
                        self.hearing.detector.reset();
                    }
                    let next = Utterance {
                        generation: self.hearing.utterance.generation + 1,
                        ..Utterance::default()
                    };
                    let utterance = std::mem::replace(&mut self.hearing.utterance, next);
                    self.commit_utterance(utterance, text).await;
                } else {
                    tracing::debug!(target: LOG, "the transcript looks unfinished; waiting longer");
                    self.hearing.utterance.text = Some(text);
                }
            }
            Err(message) => {
                self.fail("stt", message);
                self.outcome.failures_in_a_row += 1;
                if self.outcome.failures_in_a_row >= 2 {
                    if current {
                        self.hearing.utterance.stt_in_flight = false;
                    } else if let Some(index) = awaiting {
                        self.hearing.awaiting.remove(index);
                    }
                    if self.speaking.response.is_none() {
                        self.speak_close(SessionEnd::EngineFailure).await;
                    } else {
                        self.outcome.closing = Some(SessionEnd::EngineFailure);
                    }
                    return;
                }
                // One retry on the same audio, with an apology meanwhile.
                let audio = match awaiting {
                    Some(index) => self.hearing.awaiting[index].audio.clone(),
                    None => self.hearing.utterance.audio.clone(),
                };
                if let Some(audio) = audio {
                    self.transcribe(result.generation, audio);
                }
                if self.speaking.response.is_none() {
                    let apology = self.setup.config.persona.apology_text();
                    self.start_response(
                        Source::Fixed(apology),
                        ResponseKind::Apology(None),
                        None,
                        Vec::new(),
                    )
                    .await;
                }
            }
        }
    }

    async fn commit_utterance(&mut self, utterance: Utterance, text: String) {
        let now = Instant::now();
        let end_of_turn = utterance.end_of_turn.unwrap_or(now);
        let turn = CandidateTurn {
            text,
            at: utterance
                .started_at
                .unwrap_or_else(|| self.setup.clock.now()),
            clock: TurnClock {
                end_of_speech: utterance.last_voice.unwrap_or(end_of_turn).min(end_of_turn),
                end_of_turn: Some(end_of_turn),
                transcript: Some(now),
                first_token: None,
                first_audio: None,
                typed: false,
                queued: false,
            },
            recorded: false,
        };
        self.commit_turn(turn).await;
    }

    /// A typed answer is a turn of its own, as soon as it arrives, at the pace
    /// [`InputLimits`](super::InputLimits) allows.
    pub(super) async fn on_typed(&mut self, identity: String, text: &str) {
        let text = text.trim();
        if text.is_empty() || self.live.paused() {
            return;
        }
        self.hearing.candidate.get_or_insert(identity);
        if !self.hearing.typing.take(Instant::now()) {
            self.refuse_input(NoticeMessage::too_fast()).await;
            return;
        }
        let limits = self.setup.config.input;
        let turn = CandidateTurn {
            text: text.chars().take(limits.max_typed_chars).collect(),
            at: self.setup.clock.now(),
            clock: TurnClock::typed(Instant::now()),
            recorded: false,
        };
        self.commit_turn(turn).await;
    }

    async fn commit_turn(&mut self, mut turn: CandidateTurn) {
        let limits = self.setup.config.input;
        if self.record.transcript.len() >= limits.max_transcript_lines
            || self.record.chars >= limits.max_transcript_chars
        {
            self.refuse_input(NoticeMessage::transcript_full()).await;
            if !self.outcome.is_winding_down() {
                tracing::warn!(
                    target: LOG,
                    lines = self.record.transcript.len(),
                    chars = self.record.chars,
                    "the transcript is full: the interview closes"
                );
                self.outcome.closing = Some(SessionEnd::TranscriptFull);
                if self.speaking.response.is_none() {
                    self.speak_close(SessionEnd::TranscriptFull).await;
                }
            }
            return;
        }
        if self.hearing.pending.len() >= limits.max_pending {
            self.refuse_input(NoticeMessage::too_fast()).await;
            return;
        }
        self.hearing.told = false;
        if self.outcome.is_winding_down() {
            // Too late to answer, never too late to record.
            self.record(Speaker::Candidate, &turn.text, turn.at, false)
                .await;
            return;
        }
        if self.speaking.response.is_some() {
            turn.clock.queued = true;
            self.hearing.pending.push(turn);
            self.merge_into_unspoken_answer().await;
            return;
        }
        self.hearing.pending.push(turn);
        self.answer_pending().await;
    }

    /// Tells the room that the candidate's latest input was not taken, once until
    /// a turn is taken again.
    async fn refuse_input(&mut self, notice: NoticeMessage) {
        if std::mem::replace(&mut self.hearing.told, true) {
            return;
        }
        tracing::info!(target: LOG, code = notice.code, "candidate input refused");
        if let Err(error) = self
            .setup
            .output
            .publish(&LiveMessage::Notice(notice))
            .await
        {
            tracing::debug!(target: LOG, %error, "could not send a notice");
        }
    }
}
