//! Streamed speech: `POST /audio/speech` with `response_format: "pcm"`.

use async_trait::async_trait;
use interview_core::audio::AudioFormat;
use interview_core::engine::{AudioStream, TtsEngine, TtsError};
use serde_json::json;

use super::OpenAi;
use crate::providers::pcm::audio_stream;

/// The speech model used unless [`OpenAiTts::with_model`] says otherwise.
pub const DEFAULT_TTS_MODEL: &str = "gpt-4o-mini-tts";
/// The voice used unless [`OpenAiTts::with_voice`] says otherwise.
pub const DEFAULT_VOICE: &str = "alloy";
/// The longest input the endpoint takes, in characters.
const MAX_INPUT_CHARS: usize = 4096;

/// OpenAI text-to-speech. Asks for raw PCM (24 kHz, mono, 16-bit little-endian) and
/// yields frames while the body arrives.
#[derive(Debug, Clone)]
pub struct OpenAiTts {
    client: OpenAi,
    model: String,
    voice: String,
    instructions: Option<String>,
    speed: Option<f32>,
}

impl OpenAiTts {
    /// An engine on `client` with the default model and voice.
    pub fn new(client: OpenAi) -> Self {
        Self {
            client,
            model: DEFAULT_TTS_MODEL.to_owned(),
            voice: DEFAULT_VOICE.to_owned(),
            instructions: None,
            speed: None,
        }
    }

    /// Uses `model` (`tts-1`, `tts-1-hd`, `gpt-4o-mini-tts`).
    pub fn with_model(mut self, model: impl Into<String>) -> Self {
        self.model = model.into();
        self
    }

    /// Speaks with `voice` (`alloy`, `coral`, `nova`, ...).
    pub fn with_voice(mut self, voice: impl Into<String>) -> Self {
        self.voice = voice.into();
        self
    }

    /// How to speak ("calm and friendly"); not supported by `tts-1` models.
    pub fn with_instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// Speaking speed, 0.25 to 4.0.
    pub fn with_speed(mut self, speed: f32) -> Self {
        self.speed = Some(speed);
        self
    }
}

#[async_trait]
impl TtsEngine for OpenAiTts {
    fn name(&self) -> &str {
        self.client.http.vendor()
    }

    fn output_format(&self) -> AudioFormat {
        AudioFormat::PCM_24K
    }

    async fn synthesize(&self, text: &str) -> Result<AudioStream, TtsError> {
        if text.trim().is_empty() {
            return Err(TtsError::InvalidText("nothing to say".to_owned()));
        }
        if text.chars().count() > MAX_INPUT_CHARS {
            return Err(TtsError::InvalidText(format!(
                "longer than {MAX_INPUT_CHARS} characters"
            )));
        }
        let mut body = json!({
            "model": self.model,
            "input": text,
            "voice": self.voice,
            "response_format": "pcm",
        });
        if let Some(instructions) = &self.instructions {
            body["instructions"] = json!(instructions);
        }
        if let Some(speed) = self.speed {
            body["speed"] = json!(speed);
        }
        let url = self.client.url("audio/speech");
        let auth = self.client.auth()?;
        let response = self
            .client
            .http
            .send("speech", |http| {
                super::client::authorized(http.post(url.clone()), &auth).json(&body)
            })
            .await?;
        Ok(audio_stream(
            response,
            self.client.http.vendor(),
            AudioFormat::PCM_24K,
        ))
    }
}
