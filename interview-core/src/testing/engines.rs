//! Scripted STT, LLM, TTS and avatar engines: they answer from a script, record what
//! they were given, and fail on cue.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::stream;

use super::lock;
use crate::audio::{AudioFormat, AudioFrame};
use crate::engine::{
    AudioStream, AvatarError, AvatarProvider, AvatarRoom, AvatarSession, ChatRequest, LlmEngine,
    LlmError, LlmEvent, LlmStream, SttEngine, SttError, SttOptions, Transcription, TtsEngine,
    TtsError, VendorError, VendorErrorKind,
};

const VENDOR: &str = "scripted";

/// One scripted answer: a value, or a failure of the given kind.
type Step<T> = Result<T, VendorErrorKind>;

fn next_step<T>(script: &Mutex<VecDeque<Step<T>>>) -> Result<T, VendorError> {
    match lock(script).pop_front() {
        Some(Ok(value)) => Ok(value),
        Some(Err(kind)) => Err(VendorError::new(VENDOR, kind, "scripted failure")),
        None => Err(VendorError::new(
            VENDOR,
            VendorErrorKind::Protocol,
            "the script has no answer left",
        )),
    }
}

/// Speech-to-text that returns scripted texts, one per call, and records the audio
/// it was given.
#[derive(Debug, Default)]
pub struct ScriptedStt {
    script: Mutex<VecDeque<Step<String>>>,
    heard: Mutex<Vec<AudioFrame>>,
}

impl ScriptedStt {
    /// Answers with `texts`, in order.
    pub fn new<S: Into<String>>(texts: impl IntoIterator<Item = S>) -> Self {
        Self {
            script: Mutex::new(texts.into_iter().map(|t| Ok(t.into())).collect()),
            heard: Mutex::default(),
        }
    }

    /// Adds an answer.
    pub fn push_text(&self, text: impl Into<String>) {
        lock(&self.script).push_back(Ok(text.into()));
    }

    /// Adds a failure.
    pub fn push_failure(&self, kind: VendorErrorKind) {
        lock(&self.script).push_back(Err(kind));
    }

    /// The audio of every call so far.
    pub fn heard(&self) -> Vec<AudioFrame> {
        lock(&self.heard).clone()
    }
}

#[async_trait]
impl SttEngine for ScriptedStt {
    fn name(&self) -> &str {
        VENDOR
    }

    async fn transcribe(
        &self,
        audio: &AudioFrame,
        _options: &SttOptions,
    ) -> Result<Transcription, SttError> {
        lock(&self.heard).push(audio.clone());
        let text = next_step(&self.script)?;
        Ok(Transcription {
            text,
            language: Some("en".to_owned()),
            confidence: Some(1.0),
        })
    }
}

/// A language model that streams scripted replies word by word and records the
/// requests it was given.
#[derive(Debug, Default)]
pub struct ScriptedLlm {
    script: Mutex<VecDeque<Step<String>>>,
    requests: Mutex<Vec<ChatRequest>>,
}

impl ScriptedLlm {
    /// Answers with `replies`, in order.
    pub fn new<S: Into<String>>(replies: impl IntoIterator<Item = S>) -> Self {
        Self {
            script: Mutex::new(replies.into_iter().map(|r| Ok(r.into())).collect()),
            requests: Mutex::default(),
        }
    }

    /// Adds a reply.
    pub fn push_reply(&self, reply: impl Into<String>) {
        lock(&self.script).push_back(Ok(reply.into()));
    }

    /// Adds a failure.
    pub fn push_failure(&self, kind: VendorErrorKind) {
        lock(&self.script).push_back(Err(kind));
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<ChatRequest> {
        lock(&self.requests).clone()
    }
}

#[async_trait]
impl LlmEngine for ScriptedLlm {
    fn name(&self) -> &str {
        VENDOR
    }

    async fn chat(&self, request: ChatRequest) -> Result<LlmStream, LlmError> {
        lock(&self.requests).push(request);
        let reply = next_step(&self.script)?;
        // Split after each space so the pieces join back to the exact reply.
        let pieces: Vec<Result<LlmEvent, LlmError>> = reply
            .split_inclusive(' ')
            .map(|piece| Ok(LlmEvent::Text(piece.to_owned())))
            .collect();
        Ok(Box::pin(stream::iter(pieces)))
    }
}

/// Text-to-speech that "speaks" a quiet tone, a fixed time per character, in 20 ms
/// frames, and records the texts it was given.
#[derive(Debug)]
pub struct ScriptedTts {
    format: AudioFormat,
    per_char: Duration,
    failures: Mutex<VecDeque<VendorErrorKind>>,
    spoken: Mutex<Vec<String>>,
}

impl Default for ScriptedTts {
    fn default() -> Self {
        Self::new(AudioFormat::SPEECH, Duration::from_millis(10))
    }
}

impl ScriptedTts {
    /// Speaks in `format`, `per_char` of audio per character.
    pub fn new(format: AudioFormat, per_char: Duration) -> Self {
        Self {
            format,
            per_char,
            failures: Mutex::default(),
            spoken: Mutex::default(),
        }
    }

    /// Makes the next call fail.
    pub fn push_failure(&self, kind: VendorErrorKind) {
        lock(&self.failures).push_back(kind);
    }

    /// Every text spoken so far.
    pub fn spoken(&self) -> Vec<String> {
        lock(&self.spoken).clone()
    }

    /// How much audio `text` becomes.
    pub fn duration_of(&self, text: &str) -> Duration {
        self.per_char * u32::try_from(text.chars().count()).unwrap_or(u32::MAX)
    }
}

#[async_trait]
impl TtsEngine for ScriptedTts {
    fn name(&self) -> &str {
        VENDOR
    }

    fn output_format(&self) -> AudioFormat {
        self.format
    }

    async fn synthesize(&self, text: &str) -> Result<AudioStream, TtsError> {
        if let Some(kind) = lock(&self.failures).pop_front() {
            return Err(VendorError::new(VENDOR, kind, "scripted failure").into());
        }
        if text.trim().is_empty() {
            return Err(TtsError::InvalidText("nothing to say".to_owned()));
        }
        lock(&self.spoken).push(text.to_owned());
        let total = self.format.samples_for(self.duration_of(text));
        let frame_len = self.format.samples_for(Duration::from_millis(20)).max(1);
        let channels = usize::from(self.format.channels.max(1));
        let mut frames = Vec::new();
        let mut produced = 0;
        while produced < total {
            let len = (frame_len.min(total - produced) / channels).max(1) * channels;
            let samples = (produced..produced + len)
                .map(|i| tone_sample(i / channels, self.format.sample_rate))
                .collect();
            frames.push(
                AudioFrame::new(samples, self.format)
                    .map_err(|e| TtsError::Synthesizer(e.to_string())),
            );
            produced += len;
        }
        Ok(Box::pin(stream::iter(frames)))
    }
}

/// A 440 Hz tone at about -20 dBFS.
fn tone_sample(index: usize, sample_rate: u32) -> i16 {
    let t = index as f64 / f64::from(sample_rate);
    let value = (2.0 * std::f64::consts::PI * 440.0 * t).sin() * 3000.0;
    value as i16
}

/// An avatar provider that starts (or fails to) on cue and records what it did.
#[derive(Debug, Default)]
pub struct ScriptedAvatar {
    fail_start: std::sync::atomic::AtomicBool,
    started: Mutex<Vec<AvatarRoom>>,
    stopped: Mutex<Vec<AvatarSession>>,
}

impl ScriptedAvatar {
    /// An avatar that starts.
    pub fn new() -> Self {
        Self::default()
    }

    /// An avatar whose start fails (the session must fall back to TTS audio).
    pub fn failing() -> Self {
        let avatar = Self::default();
        avatar
            .fail_start
            .store(true, std::sync::atomic::Ordering::SeqCst);
        avatar
    }

    /// The rooms it was started in.
    pub fn started(&self) -> Vec<AvatarRoom> {
        lock(&self.started).clone()
    }

    /// The sessions it was asked to stop.
    pub fn stopped(&self) -> Vec<AvatarSession> {
        lock(&self.stopped).clone()
    }
}

#[async_trait]
impl AvatarProvider for ScriptedAvatar {
    fn name(&self) -> &str {
        VENDOR
    }

    async fn start(&self, room: &AvatarRoom) -> Result<AvatarSession, AvatarError> {
        if self.fail_start.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(VendorError::new(
                VENDOR,
                VendorErrorKind::Server { status: 503 },
                "scripted failure",
            )
            .into());
        }
        let mut started = lock(&self.started);
        started.push(room.clone());
        Ok(AvatarSession {
            id: format!("avatar-{}", started.len()),
            participant_identity: Some("avatar".to_owned()),
        })
    }

    async fn stop(&self, session: &AvatarSession) -> Result<(), AvatarError> {
        lock(&self.stopped).push(session.clone());
        Ok(())
    }
}
