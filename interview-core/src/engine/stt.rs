//! Speech-to-text.

use async_trait::async_trait;
use futures_core::stream::BoxStream;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::VendorError;
use crate::audio::{AudioFormat, AudioFrame};

/// Hints for recognition.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SttOptions {
    /// The expected language (BCP 47, e.g. `"en"`), when known.
    pub language: Option<String>,
    /// Words to expect (names, technologies from the resume).
    pub prompt: Option<String>,
}

/// The text of a finished utterance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transcription {
    /// What was said.
    pub text: String,
    /// The detected language, when the engine reports it.
    pub language: Option<String>,
    /// The engine's confidence, 0..=1, when it reports one.
    pub confidence: Option<f32>,
}

/// What a streaming recognizer reports while audio flows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum SttEvent {
    /// Speech began.
    SpeechStarted,
    /// A guess that may still change.
    Interim {
        /// The text so far.
        text: String,
    },
    /// Text that will not change.
    Final {
        /// The text.
        text: String,
        /// Whether the engine thinks the speaker finished their turn.
        speech_final: bool,
        /// The engine's confidence, 0..=1.
        confidence: Option<f32>,
    },
    /// The engine detected the end of an utterance by silence.
    UtteranceEnd,
}

/// A live recognition session: send audio into `audio` (drop it to finish), read
/// results from `events` until it ends.
pub struct SttStream {
    /// Where to send audio frames in the format the stream was opened with.
    pub audio: mpsc::Sender<AudioFrame>,
    /// Recognition results, in order.
    pub events: BoxStream<'static, Result<SttEvent, SttError>>,
}

impl std::fmt::Debug for SttStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SttStream").finish_non_exhaustive()
    }
}

/// Failures of an [`SttEngine`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SttError {
    /// The engine cannot do this (e.g. streaming on a batch-only engine).
    #[error("speech-to-text engine does not support {0}")]
    Unsupported(&'static str),
    /// The audio cannot be recognized as given (empty, wrong format).
    #[error("invalid audio for speech-to-text: {0}")]
    InvalidAudio(String),
    /// The vendor failed.
    #[error(transparent)]
    Vendor(#[from] VendorError),
}

/// Turns speech into text.
#[async_trait]
pub trait SttEngine: Send + Sync {
    /// A short name for logs ("openai", "deepgram", "scripted").
    fn name(&self) -> &str;

    /// Recognizes a whole utterance.
    async fn transcribe(
        &self,
        audio: &AudioFrame,
        options: &SttOptions,
    ) -> Result<Transcription, SttError>;

    /// Opens a live recognition session, where the engine has one.
    async fn stream(
        &self,
        format: AudioFormat,
        options: &SttOptions,
    ) -> Result<SttStream, SttError> {
        let _ = (format, options);
        Err(SttError::Unsupported("streaming recognition"))
    }
}
