//! Speech-to-text: `POST /audio/transcriptions`.

use async_trait::async_trait;
use bytes::Bytes;
use interview_core::audio::AudioFrame;
use interview_core::engine::{SttEngine, SttError, SttOptions, Transcription};
use reqwest::multipart::{Form, Part};
use serde::Deserialize;

use super::OpenAi;
use crate::http::read_json;
use crate::providers::pcm::wav_bytes;

/// The transcription model used unless [`OpenAiStt::with_model`] says otherwise.
pub const DEFAULT_STT_MODEL: &str = "gpt-4o-mini-transcribe";

/// OpenAI speech-to-text. The audio is sent as a WAV file in a multipart form, with
/// `response_format=json`; batch only (no live stream).
#[derive(Debug, Clone)]
pub struct OpenAiStt {
    client: OpenAi,
    model: String,
}

#[derive(Deserialize)]
struct TranscriptionResponse {
    text: String,
}

impl OpenAiStt {
    /// An engine on `client` with the default model.
    pub fn new(client: OpenAi) -> Self {
        Self {
            client,
            model: DEFAULT_STT_MODEL.to_owned(),
        }
    }

    /// Uses `model` (`whisper-1`, `gpt-4o-transcribe`, or a compatible server's name).
    pub fn with_model(mut self, model: impl Into<String>) -> Self {
        self.model = model.into();
        self
    }

    /// The model in use.
    pub fn model(&self) -> &str {
        &self.model
    }
}

fn wav_part(wav: &Bytes) -> Part {
    let part = || {
        Part::stream_with_length(reqwest::Body::from(wav.clone()), wav.len() as u64)
            .file_name("audio.wav")
    };
    part().mime_str("audio/wav").unwrap_or_else(|_| part())
}

/// ISO 639-1 from a BCP 47 tag: `en-US` -> `en`.
fn primary_language(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or(tag)
        .to_ascii_lowercase()
}

#[async_trait]
impl SttEngine for OpenAiStt {
    fn name(&self) -> &str {
        self.client.http.vendor()
    }

    async fn transcribe(
        &self,
        audio: &AudioFrame,
        options: &SttOptions,
    ) -> Result<Transcription, SttError> {
        if audio.is_empty() {
            return Err(SttError::InvalidAudio("no audio".to_owned()));
        }
        let wav = Bytes::from(wav_bytes(audio));
        let url = self.client.url("audio/transcriptions");
        let auth = self.client.auth()?;
        let language = options.language.as_deref().map(primary_language);
        let body = self
            .client
            .http
            .send("transcription", |http| {
                let mut form = Form::new()
                    .part("file", wav_part(&wav))
                    .text("model", self.model.clone())
                    .text("response_format", "json");
                if let Some(language) = &language {
                    form = form.text("language", language.clone());
                }
                if let Some(prompt) = &options.prompt {
                    form = form.text("prompt", prompt.clone());
                }
                super::client::authorized(http.post(url.clone()), &auth).multipart(form)
            })
            .await?;
        let response: TranscriptionResponse = read_json(body, 1 << 20).await?;
        Ok(Transcription {
            text: response.text.trim().to_owned(),
            language,
            confidence: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags() {
        assert_eq!(primary_language("en-US"), "en");
        assert_eq!(primary_language("de"), "de");
        assert_eq!(primary_language("PT_br"), "pt");
    }
}
