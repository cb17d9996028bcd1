//! Text-to-speech, streamed.

use async_trait::async_trait;
use futures_core::stream::BoxStream;

use super::VendorError;
use crate::audio::{AudioFormat, AudioFrame};

/// Synthesized speech arriving as it is made.
pub type AudioStream = BoxStream<'static, Result<AudioFrame, TtsError>>;

/// Failures of a [`TtsEngine`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TtsError {
    /// The text cannot be spoken (empty, too long).
    #[error("invalid text for speech synthesis: {0}")]
    InvalidText(String),
    /// A local synthesizer (a process) failed.
    #[error("speech synthesizer failed: {0}")]
    Synthesizer(String),
    /// The vendor failed, before or during the stream.
    #[error(transparent)]
    Vendor(#[from] VendorError),
}

/// Speaks text.
#[async_trait]
pub trait TtsEngine: Send + Sync {
    /// A short name for logs ("elevenlabs", "openai", "espeak-ng").
    fn name(&self) -> &str;

    /// The format of the frames [`TtsEngine::synthesize`] yields.
    fn output_format(&self) -> AudioFormat;

    /// Starts speaking `text`; frames arrive while synthesis goes on.
    async fn synthesize(&self, text: &str) -> Result<AudioStream, TtsError>;
}
