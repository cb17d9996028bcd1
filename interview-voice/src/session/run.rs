//! The session's event loop: one task owns the state; speech-to-text calls and
//! responses run in tasks of their own and report back over channels.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use interview_core::audio::{AudioFormat, AudioFrame};
use interview_core::engine::{ChatMessage, ChatRequest};
use interview_core::interview::{
    AGENT_STATE_TOPIC, AgentState, AgentStateMessage, InterviewPlan, ResumeText, RoomMetadata,
    Speaker, TRANSCRIPT_TOPIC, TranscriptEntry, TranscriptMessage, evaluate, evaluation_request,
    system_prompt,
};
use interview_core::transport::{RoomEvent, RoomIo, RoomOutput};
use interview_core::{BookingStatus, BookingToken};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::metrics::{MetricsSummary, TurnClock, TurnMetrics};
use super::resample::Resampler;
use super::respond::{self, FailedPart, Failure, Progress, Source, Spoken, Voice};
use super::turn::{TurnDetector, TurnEvent, looks_unfinished};
use super::vad::Vad;
use super::{
    EngineFailure, Interruptions, InterviewSession, SessionConfig, SessionEnd, SessionReport,
};

const LOG: &str = "interview_voice::session";

/// A candidate turn, committed, waiting to be answered.
#[derive(Debug, Clone)]
struct CandidateTurn {
    text: String,
    at: DateTime<Utc>,
    clock: TurnClock,
    /// Already written to the transcript (a turn put back after a barge-in).
    recorded: bool,
}

/// What a response is for.
#[derive(Debug)]
enum Kind {
    Greeting,
    Answer,
    /// An apology, then (maybe) the retry of what failed.
    Apology(Option<Box<Retry>>),
    /// The last words; the session ends after them.
    Close(SessionEnd),
}

#[derive(Debug)]
struct Retry {
    source: Source,
    kind: Kind,
    clock: Option<TurnClock>,
}

/// The response being spoken.
struct Response {
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

/// The utterance being listened to.
#[derive(Debug, Default)]
struct Utterance {
    generation: u64,
    started_at: Option<DateTime<Utc>>,
    last_voice: Option<Instant>,
    end_of_turn: Option<Instant>,
    audio: Option<AudioFrame>,
    text: Option<String>,
    stt_in_flight: bool,
    long_pause: bool,
}

struct SttResult {
    generation: u64,
    result: Result<String, String>,
}

struct Run {
    config: SessionConfig,
    session: InterviewSession,
    voice: Voice,
    output: Arc<dyn RoomOutput>,
    local_identity: String,
    candidate: Option<String>,
    plan: InterviewPlan,
    resume: Option<ResumeText>,
    system_prompt: String,
    history: Vec<ChatMessage>,
    transcript: Vec<TranscriptEntry>,
    writer: Option<mpsc::UnboundedSender<TranscriptEntry>>,
    started_at: DateTime<Utc>,
    input: Option<Resampler>,
    vad: Vad,
    detector: TurnDetector,
    utterance: Utterance,
    /// Utterances that ended while their transcription was still running.
    awaiting: Vec<Utterance>,
    pending: Vec<CandidateTurn>,
    response: Option<Response>,
    next_id: u64,
    progress_tx: mpsc::UnboundedSender<(u64, Progress)>,
    stt_tx: mpsc::UnboundedSender<SttResult>,
    failures_in_a_row: u32,
    closing: Option<SessionEnd>,
    ending: Option<SessionEnd>,
    state: Option<AgentState>,
    turns: Vec<TurnMetrics>,
    engine_failures: Vec<EngineFailure>,
    interruptions: usize,
}

pub(super) async fn run(
    session: InterviewSession,
    room: RoomIo,
    booking: Option<BookingToken>,
    resume_text: Option<String>,
) -> SessionReport {
    let RoomIo {
        info,
        mut audio_in,
        mut events,
        output,
    } = room;
    let metadata = RoomMetadata::parse(info.metadata.as_deref());
    let booking = booking.or_else(|| {
        metadata
            .booking_token
            .as_deref()
            .and_then(|t| BookingToken::parse(t).ok())
    });
    let store = session.store.clone();
    let clock = session.clock.clone();
    let mut store_failures = 0;

    // What the booking knows: the candidate's first name and the resume.
    let mut first_name = None;
    let mut booking_resume = None;
    if let Some(token) = &booking {
        match store.get(token).await {
            Ok(Some(found)) => {
                first_name = found
                    .name
                    .as_str()
                    .split_whitespace()
                    .next()
                    .map(str::to_owned);
                booking_resume = found.resume_text;
            }
            Ok(None) => tracing::warn!(target: LOG, "no booking has the session's token"),
            Err(error) => {
                store_failures += 1;
                tracing::warn!(target: LOG, %error, "could not read the booking");
            }
        }
        if let Err(error) = store.set_status(token, BookingStatus::InProgress).await {
            store_failures += 1;
            tracing::warn!(target: LOG, %error, "could not mark the booking in progress");
        }
    }
    let config = session.config.clone();
    let resume = resume_text
        .or(booking_resume)
        .or(metadata.resume_text)
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
    fn elapsed(&self) -> Duration {
        (self.session.clock.now() - self.started_at)
            .to_std()
            .unwrap_or_default()
    }

    async fn set_state(&mut self, state: AgentState) {
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
    async fn record(&mut self, speaker: Speaker, text: &str, at: DateTime<Utc>, interrupted: bool) {
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

    fn fail(&mut self, engine: &'static str, message: String) {
        tracing::warn!(target: LOG, engine, %message, "engine failure");
        self.engine_failures.push(EngineFailure {
            engine,
            message,
            at: self.session.clock.now(),
        });
    }

    // ----- speaking -----

    async fn start_response(
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

    fn request(&self) -> ChatRequest {
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

    async fn on_progress(&mut self, id: u64, progress: Progress) {
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

    async fn speak_close(&mut self, end: SessionEnd) {
        self.closing = Some(end);
        let text = match end {
            SessionEnd::EngineFailure => self.config.persona.technical_close_text(),
            _ => self.config.persona.time_up_text(),
        };
        self.start_response(Source::Fixed(text), Kind::Close(end), None, Vec::new())
            .await;
    }

    /// Stops the response being spoken, recording what was said.
    async fn stop_response(&mut self, interrupted: bool) -> Option<Response> {
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

    async fn barge_in(&mut self) {
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

    // ----- listening -----

    async fn on_audio(&mut self, frame: &AudioFrame) {
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

    async fn on_transcript(&mut self, result: SttResult) {
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

    async fn commit_turn(&mut self, mut turn: CandidateTurn) {
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
    async fn answer_pending(&mut self) {
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

    async fn check_time(&mut self) {
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

    // ----- the end -----

    async fn finish(
        mut self,
        end: SessionEnd,
        booking: Option<BookingToken>,
        writer_task: Option<JoinHandle<usize>>,
        mut store_failures: usize,
    ) -> SessionReport {
        self.stop_response(false).await;
        for turn in std::mem::take(&mut self.pending) {
            if !turn.recorded {
                self.record(Speaker::Candidate, &turn.text, turn.at, false)
                    .await;
            }
        }
        self.set_state(AgentState::Ended).await;
        let duration = self.elapsed();

        // Every line is stored before the evaluation and the status change.
        self.writer = None;
        if let Some(task) = writer_task {
            store_failures += task.await.unwrap_or(1);
        }

        let store = self.session.store.clone();
        let answered = self
            .transcript
            .iter()
            .any(|e| e.speaker == Speaker::Candidate);
        let (evaluation, evaluation_error) = if answered {
            let request = evaluation_request(
                &self.config.persona,
                &self.transcript,
                self.resume.as_ref(),
                &self.config.competencies,
            );
            let created_at = self.session.clock.now();
            match evaluate(
                self.session.engines.llm.as_ref(),
                request,
                &self.config.competencies,
                created_at,
            )
            .await
            {
                Ok(evaluation) => (Some(evaluation), None),
                Err(error) => {
                    tracing::warn!(target: LOG, %error, "no evaluation");
                    (None, Some(error.to_string()))
                }
            }
        } else {
            (None, Some("the candidate gave no answers".to_owned()))
        };
        if let Some(token) = &booking {
            if let Some(evaluation) = &evaluation
                && let Err(error) = store.save_evaluation(token, evaluation).await
            {
                store_failures += 1;
                tracing::warn!(target: LOG, %error, "could not store the evaluation");
            }
            if let Err(error) = store.set_status(token, BookingStatus::Completed).await {
                store_failures += 1;
                tracing::warn!(target: LOG, %error, "could not mark the booking completed");
            }
        }
        self.output.close().await;

        let metrics = MetricsSummary::of(&self.turns);
        let ms = |d: Option<Duration>| d.map(|d| d.as_secs_f64() * 1000.0);
        tracing::info!(
            target: LOG,
            ?end,
            turns = metrics.turns,
            voice_to_voice_p50_ms = ms(metrics.voice_to_voice.p50),
            voice_to_voice_p95_ms = ms(metrics.voice_to_voice.p95),
            first_token_p50_ms = ms(metrics.first_token.p50),
            transcript_p50_ms = ms(metrics.transcript.p50),
            engine_failures = self.engine_failures.len(),
            "interview summary"
        );
        SessionReport {
            end,
            transcript: self.transcript,
            evaluation,
            evaluation_error,
            turns: self.turns,
            metrics,
            engine_failures: self.engine_failures,
            interruptions: self.interruptions,
            store_failures,
            duration,
        }
    }
}
