//! Hearing the candidate: room audio through the VAD and end of turn to
//! speech-to-text, and the queue of committed candidate turns waiting for an answer.

use chrono::{DateTime, Utc};
use interview_core::audio::{AudioFormat, AudioFrame};
use interview_core::engine::ChatMessage;
use interview_core::interview::Speaker;
use tokio::time::Instant;

use super::SessionEnd;
use super::metrics::TurnClock;
use super::resample::Resampler;
use super::respond::Source;
use super::run::{LOG, Run};
use super::speak::Kind;
use super::turn::{TurnEvent, looks_unfinished};

/// A candidate turn, committed, waiting to be answered.
#[derive(Debug, Clone)]
pub(super) struct CandidateTurn {
    pub(super) text: String,
    pub(super) at: DateTime<Utc>,
    pub(super) clock: TurnClock,
    /// Already written to the transcript (a turn put back after a barge-in).
    pub(super) recorded: bool,
}

/// The utterance being listened to.
#[derive(Debug, Default)]
pub(super) struct Utterance {
    generation: u64,
    started_at: Option<DateTime<Utc>>,
    last_voice: Option<Instant>,
    end_of_turn: Option<Instant>,
    audio: Option<AudioFrame>,
    text: Option<String>,
    stt_in_flight: bool,
    long_pause: bool,
}

/// A transcription, back from its task, for the utterance of that generation.
pub(super) struct SttResult {
    generation: u64,
    result: Result<String, String>,
}

impl Run {
    pub(super) async fn on_audio(&mut self, frame: &AudioFrame) {
        self.check_time().await;
        if self.closing.is_some() || self.ending.is_some() || frame.is_empty() {
            return;
        }
        let samples = if frame.format() == AudioFormat::SPEECH {
            frame.samples().to_vec()
        } else {
            let resampler = match &mut self.input {
                Some(r) if r.from() == frame.format() => r,
                _ => self
                    .input
                    .insert(Resampler::new(frame.format(), AudioFormat::SPEECH)),
            };
            resampler.process(frame)
        };
        for vad_frame in self.vad.push(&samples) {
            let speech = vad_frame.speech;
            let events = self.detector.push(vad_frame);
            if speech && self.detector.in_utterance() {
                self.utterance.last_voice = Some(Instant::now());
            }
            for event in events {
                self.on_turn_event(event).await;
            }
        }
    }

    async fn on_turn_event(&mut self, event: TurnEvent) {
        match event {
            TurnEvent::SpeechStarted => {
                self.utterance = Utterance {
                    generation: self.utterance.generation + 1,
                    started_at: Some(self.session.clock.now()),
                    last_voice: Some(Instant::now()),
                    ..Utterance::default()
                };
            }
            TurnEvent::SustainedSpeech => {
                if self.response.is_some() {
                    self.barge_in().await;
                }
            }
            TurnEvent::Paused(samples) => {
                let now = Instant::now();
                self.utterance.generation += 1;
                self.utterance.end_of_turn = Some(now);
                self.utterance.text = None;
                self.utterance.long_pause = false;
                let Ok(audio) = AudioFrame::new(samples, AudioFormat::SPEECH) else {
                    return;
                };
                self.utterance.audio = Some(audio.clone());
                if self.session.engines.stt.is_some() {
                    self.utterance.stt_in_flight = true;
                    self.transcribe(self.utterance.generation, audio);
                }
            }
            TurnEvent::Resumed => {
                self.utterance.generation += 1;
                self.utterance.text = None;
                self.utterance.stt_in_flight = false;
                self.utterance.end_of_turn = None;
            }
            TurnEvent::Ended => {
                self.utterance.long_pause = true;
                let next = Utterance {
                    generation: self.utterance.generation + 1,
                    ..Utterance::default()
                };
                let mut ended = std::mem::replace(&mut self.utterance, next);
                if let Some(text) = ended.text.take() {
                    self.commit_utterance(ended, text).await;
                } else if ended.stt_in_flight {
                    // Its transcript still counts when it comes, whatever the
                    // candidate says next.
                    self.awaiting.push(ended);
                } else {
                    self.answer_pending().await;
                }
            }
        }
    }

    fn transcribe(&self, generation: u64, audio: AudioFrame) {
        let Some(stt) = self.session.engines.stt.clone() else {
            return; // typed answers only
        };
        let options = self.config.stt_options.clone();
        let tx = self.stt_tx.clone();
        tokio::spawn(async move {
            let result = stt
                .transcribe(&audio, &options)
                .await
                .map(|t| t.text)
                .map_err(|e| e.to_string());
            let _ = tx.send(SttResult { generation, result });
        });
    }

    pub(super) async fn on_transcript(&mut self, result: SttResult) {
        let current = result.generation == self.utterance.generation;
        let awaiting = self
            .awaiting
            .iter()
            .position(|u| u.generation == result.generation);
        if self.ending.is_some() || (!current && awaiting.is_none()) {
            return; // the utterance went on, or the interview is over
        }
        match result.result {
            Ok(text) if !current => {
                if self.failures_in_a_row > 0 && self.response.is_none() {
                    self.failures_in_a_row = 0;
                }
                if let Some(index) = awaiting {
                    let utterance = self.awaiting.remove(index);
                    let text = text.trim().to_owned();
                    if text.is_empty() {
                        self.answer_pending().await;
                    } else {
                        self.commit_utterance(utterance, text).await;
                    }
                }
            }
            Ok(text) => {
                self.utterance.stt_in_flight = false;
                if self.failures_in_a_row > 0 && self.response.is_none() {
                    self.failures_in_a_row = 0;
                }
                let text = text.trim().to_owned();
                if text.is_empty() {
                    // Noise, not words.
                    if !self.utterance.long_pause {
                        self.detector.reset();
                    }
                    self.utterance = Utterance {
                        generation: self.utterance.generation + 1,
                        ..Utterance::default()
                    };
                    self.answer_pending().await;
                } else if self.utterance.long_pause || !looks_unfinished(&text) {
                    if !self.utterance.long_pause {
                        self.detector.reset();
                    }
                    let next = Utterance {
                        generation: self.utterance.generation + 1,
                        ..Utterance::default()
                    };
                    let utterance = std::mem::replace(&mut self.utterance, next);
                    self.commit_utterance(utterance, text).await;
                } else {
                    tracing::debug!(target: LOG, "the transcript looks unfinished; waiting longer");
                    self.utterance.text = Some(text);
                }
            }
            Err(message) => {
                self.fail("stt", message);
                self.failures_in_a_row += 1;
                if self.failures_in_a_row >= 2 {
                    if current {
                        self.utterance.stt_in_flight = false;
                    } else if let Some(index) = awaiting {
                        self.awaiting.remove(index);
                    }
                    if self.response.is_none() {
                        self.speak_close(SessionEnd::EngineFailure).await;
                    } else {
                        self.closing = Some(SessionEnd::EngineFailure);
                    }
                    return;
                }
                // One retry on the same audio, with an apology meanwhile.
                let audio = match awaiting {
                    Some(index) => self.awaiting[index].audio.clone(),
                    None => self.utterance.audio.clone(),
                };
                if let Some(audio) = audio {
                    self.transcribe(result.generation, audio);
                }
                if self.response.is_none() {
                    let apology = self.config.persona.apology_text();
                    self.start_response(
                        Source::Fixed(apology),
                        Kind::Apology(None),
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
                .unwrap_or_else(|| self.session.clock.now()),
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

    pub(super) async fn commit_turn(&mut self, mut turn: CandidateTurn) {
        if self.closing.is_some() || self.ending.is_some() {
            // Too late to answer, never too late to record.
            self.record(Speaker::Candidate, &turn.text, turn.at, false)
                .await;
            return;
        }
        if self.response.is_some() {
            turn.clock.queued = true;
            self.pending.push(turn);
            return;
        }
        self.pending.push(turn);
        self.answer_pending().await;
    }

    /// Answers the queued turns, once, if the interviewer and the candidate are
    /// both silent.
    pub(super) async fn answer_pending(&mut self) {
        if self.pending.is_empty()
            || self.response.is_some()
            || self.closing.is_some()
            || self.ending.is_some()
            || self.detector.in_utterance()
            || self.utterance.stt_in_flight
            || self.utterance.text.is_some()
            || !self.awaiting.is_empty()
        {
            return;
        }
        let turns = std::mem::take(&mut self.pending);
        let mut texts = Vec::with_capacity(turns.len());
        for turn in &turns {
            if !turn.recorded {
                self.record(Speaker::Candidate, &turn.text, turn.at, false)
                    .await;
            }
            texts.push(turn.text.as_str());
        }
        self.history.push(ChatMessage::user(texts.join(" ")));
        let queued = turns.iter().any(|t| t.clock.queued);
        let clock = turns.last().map(|t| TurnClock { queued, ..t.clock });
        let request = self.request();
        self.start_response(Source::Llm(request), Kind::Answer, clock, turns)
            .await;
    }
}
