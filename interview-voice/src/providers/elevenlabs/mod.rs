//! ElevenLabs streaming text-to-speech:
//! `POST /v1/text-to-speech/{voice_id}/stream?output_format=pcm_16000|pcm_24000`.

use crate::config::ElevenLabsConfig;
use async_trait::async_trait;
use interview_core::Secret;
use interview_core::audio::AudioFormat;
use interview_core::engine::{AudioStream, TtsEngine, TtsError, VendorError, VendorErrorKind};
use serde_json::{Value, json};
use url::Url;

use crate::http::{HttpClient, join_url, secret_header, truncate};
use crate::providers::pcm::audio_stream;

const VENDOR: &str = "elevenlabs";
/// The API's base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.elevenlabs.io";
/// The model used unless [`ElevenLabsTts::with_model`] says otherwise.
pub const DEFAULT_MODEL: &str = "eleven_flash_v2_5";
/// The voice used when the configuration names none ("Rachel", a premade voice).
pub const DEFAULT_VOICE_ID: &str = "21m00Tcm4TlvDq8ikWAM";

/// The raw PCM formats the engine asks for; the sample rate is the one named in
/// `output_format`, never read from response headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ElevenLabsFormat {
    /// `pcm_16000`: 16 kHz mono s16le.
    Pcm16000,
    /// `pcm_24000`: 24 kHz mono s16le (the default).
    #[default]
    Pcm24000,
}

impl ElevenLabsFormat {
    /// The `output_format` query value.
    pub fn query_value(self) -> &'static str {
        match self {
            Self::Pcm16000 => "pcm_16000",
            Self::Pcm24000 => "pcm_24000",
        }
    }

    /// The frames' format: the rate named in the format's second field.
    pub fn audio_format(self) -> AudioFormat {
        let rate = self
            .query_value()
            .split('_')
            .nth(1)
            .and_then(|rate| rate.parse().ok())
            .unwrap_or(24_000);
        AudioFormat {
            sample_rate: rate,
            channels: 1,
        }
    }
}

/// ElevenLabs streaming text-to-speech; frames are yielded while the body arrives.
#[derive(Debug, Clone)]
pub struct ElevenLabsTts {
    http: HttpClient,
    base_url: Url,
    voice_id: String,
    model: String,
    format: ElevenLabsFormat,
    voice_settings: Option<Value>,
    language: Option<String>,
    optimize_streaming_latency: Option<u8>,
}

impl ElevenLabsTts {
    /// An engine with `api_key`, the default voice, model and 24 kHz PCM.
    pub fn new(api_key: impl Into<Secret>) -> Self {
        Self {
            http: HttpClient::new(VENDOR, api_key.into(), parse_error_message),
            base_url: Url::parse(DEFAULT_BASE_URL).expect("the default base URL is valid"),
            voice_id: DEFAULT_VOICE_ID.to_owned(),
            model: DEFAULT_MODEL.to_owned(),
            format: ElevenLabsFormat::default(),
            voice_settings: None,
            language: None,
            optimize_streaming_latency: None,
        }
    }

    /// An engine from the `ELEVENLABS_*` configuration.
    pub fn from_config(config: &ElevenLabsConfig) -> Self {
        let engine = Self::new(config.api_key.clone());
        match &config.voice_id {
            Some(voice) => engine.with_voice_id(voice.clone()),
            None => engine,
        }
    }

    /// Sends requests to `base_url` (the part before `/v1/...`).
    pub fn with_base_url(mut self, base_url: Url) -> Self {
        self.base_url = base_url;
        self
    }

    /// Speaks with the voice `voice_id`.
    pub fn with_voice_id(mut self, voice_id: impl Into<String>) -> Self {
        self.voice_id = voice_id.into();
        self
    }

    /// Uses `model` (`eleven_flash_v2_5`, `eleven_turbo_v2_5`, `eleven_multilingual_v2`).
    pub fn with_model(mut self, model: impl Into<String>) -> Self {
        self.model = model.into();
        self
    }

    /// Asks for `format`.
    pub fn with_format(mut self, format: ElevenLabsFormat) -> Self {
        self.format = format;
        self
    }

    /// Sends `voice_settings` (`{stability, similarity_boost, style, use_speaker_boost, speed}`).
    pub fn with_voice_settings(mut self, voice_settings: Value) -> Self {
        self.voice_settings = Some(voice_settings);
        self
    }

    /// Sends `language_code` (ISO 639-1).
    pub fn with_language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }

    /// Sends `optimize_streaming_latency` (0 to 4).
    pub fn with_optimize_streaming_latency(mut self, level: u8) -> Self {
        self.optimize_streaming_latency = Some(level.min(4));
        self
    }

    crate::http::http_options!();

    fn url(&self) -> Url {
        let mut url = join_url(
            &self.base_url,
            &format!("v1/text-to-speech/{}/stream", self.voice_id),
        );
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("output_format", self.format.query_value());
            if let Some(level) = self.optimize_streaming_latency {
                query.append_pair("optimize_streaming_latency", &level.to_string());
            }
        }
        url
    }
}

#[async_trait]
impl TtsEngine for ElevenLabsTts {
    fn name(&self) -> &str {
        VENDOR
    }

    fn output_format(&self) -> AudioFormat {
        self.format.audio_format()
    }

    async fn synthesize(&self, text: &str) -> Result<AudioStream, TtsError> {
        if text.trim().is_empty() {
            return Err(TtsError::InvalidText("nothing to say".to_owned()));
        }
        let mut body = json!({"text": text, "model_id": self.model});
        if let Some(settings) = &self.voice_settings {
            body["voice_settings"] = settings.clone();
        }
        if let Some(language) = &self.language {
            body["language_code"] = json!(language);
        }
        let url = self.url();
        let key = secret_header(VENDOR, "", self.http.api_key())?;
        let mut response = self
            .http
            .send("speech", |http| {
                http.post(url.clone())
                    .header("xi-api-key", key.clone())
                    .json(&body)
            })
            .await?;
        // A 200 that is not audio is an error message in disguise.
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if content_type.starts_with("application/json") || content_type.starts_with("text/") {
            let bytes = response.read_to_end(16 * 1024).await?;
            let text = String::from_utf8_lossy(&bytes);
            let message = parse_error_message(&text).unwrap_or_else(|| truncate(text.trim(), 300));
            return Err(VendorError::new(
                VENDOR,
                VendorErrorKind::Protocol,
                self.http
                    .redact(&format!("expected audio, got {content_type}: {message}")),
            )
            .into());
        }
        Ok(audio_stream(response, VENDOR, self.format.audio_format()))
    }
}

/// `{"detail": {"status": ..., "message": ...}}`, `{"detail": [{"msg": ...}]}` or
/// `{"detail": "..."}`.
fn parse_error_message(body: &str) -> Option<String> {
    let value: Value = serde_json::from_str(body).ok()?;
    let detail = value.get("detail")?;
    match detail {
        Value::String(message) => Some(message.clone()),
        Value::Array(items) => {
            let messages: Vec<&str> = items
                .iter()
                .filter_map(|item| item.get("msg").and_then(Value::as_str))
                .collect();
            (!messages.is_empty()).then(|| messages.join("; "))
        }
        Value::Object(_) => {
            let message = detail.get("message").and_then(Value::as_str);
            let status = detail.get("status").and_then(Value::as_str);
            match (status, message) {
                (Some(status), Some(message)) => Some(format!("{status}: {message}")),
                (None, Some(message)) => Some(message.to_owned()),
                (Some(status), None) => Some(status.to_owned()),
                (None, None) => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_rate_comes_from_the_format_name() {
        assert_eq!(
            ElevenLabsFormat::Pcm16000.audio_format(),
            AudioFormat::SPEECH
        );
        assert_eq!(
            ElevenLabsFormat::Pcm24000.audio_format(),
            AudioFormat::PCM_24K
        );
    }

    #[test]
    fn error_bodies() {
        assert_eq!(
            parse_error_message(
                r#"{"detail":{"status":"invalid_api_key","message":"Invalid API key"}}"#
            )
            .as_deref(),
            Some("invalid_api_key: Invalid API key")
        );
        assert_eq!(
            parse_error_message(r#"{"detail":[{"loc":["body","text"],"msg":"field required","type":"value_error.missing"}]}"#)
                .as_deref(),
            Some("field required")
        );
        assert_eq!(parse_error_message("nope"), None);
    }
}
