//! Deepgram speech-to-text: pre-recorded (`POST /v1/listen`) for
//! [`SttEngine::transcribe`], and live over a WebSocket (`wss://.../v1/listen`)
//! for [`SttEngine::stream`], with interim and final results, `speech_final`,
//! `SpeechStarted` and `UtteranceEnd`. Authenticates with `Authorization: Token`.

mod live;
mod prerecorded;

use std::time::Duration;

use crate::config::DeepgramConfig;
use async_trait::async_trait;
use interview_core::Secret;
use interview_core::audio::{AudioFormat, AudioFrame};
use interview_core::engine::{SttEngine, SttError, SttOptions, SttStream, Transcription};
use serde_json::Value;
use url::Url;

use crate::http::HttpClient;

const VENDOR: &str = "deepgram";
/// The API's base URL; the live socket is the same host over `wss`.
pub const DEFAULT_BASE_URL: &str = "https://api.deepgram.com";
/// The model used unless [`DeepgramStt::with_model`] says otherwise.
pub const DEFAULT_MODEL: &str = "nova-3";

/// Deepgram speech-to-text.
///
/// The overall timeout ([`DeepgramStt::with_timeout`]) bounds a pre-recorded call;
/// live sessions use it to bound the wait for the last results after the audio ends.
#[derive(Debug, Clone)]
pub struct DeepgramStt {
    http: HttpClient,
    base_url: Url,
    live_url: Option<Url>,
    model: String,
    language: Option<String>,
    smart_format: bool,
    endpointing_ms: Option<u32>,
    utterance_end_ms: Option<u32>,
    keepalive: Duration,
}

impl DeepgramStt {
    /// An engine with `api_key` and the default model.
    pub fn new(api_key: impl Into<Secret>) -> Self {
        Self {
            http: HttpClient::new(VENDOR, api_key.into(), parse_error_message),
            base_url: Url::parse(DEFAULT_BASE_URL).expect("the default base URL is valid"),
            live_url: None,
            model: DEFAULT_MODEL.to_owned(),
            language: None,
            smart_format: true,
            endpointing_ms: Some(25),
            utterance_end_ms: Some(1000),
            keepalive: Duration::from_secs(5),
        }
    }

    /// An engine from the `DEEPGRAM_API_KEY` configuration.
    pub fn from_config(config: &DeepgramConfig) -> Self {
        Self::new(config.api_key.clone())
    }

    /// Sends requests to `base_url` (`https://api.deepgram.com`); the live socket
    /// goes to the same URL with `ws`/`wss` unless [`with_live_url`](Self::with_live_url).
    pub fn with_base_url(mut self, base_url: Url) -> Self {
        self.base_url = base_url;
        self
    }

    /// Opens live sockets at `live_url` (`wss://api.deepgram.com`).
    pub fn with_live_url(mut self, live_url: Url) -> Self {
        self.live_url = Some(live_url);
        self
    }

    /// Uses `model` (`nova-3`, `nova-2-general`).
    pub fn with_model(mut self, model: impl Into<String>) -> Self {
        self.model = model.into();
        self
    }

    /// Recognizes `language` (`en-US`, `multi`) unless the call's options name one.
    pub fn with_language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }

    /// Turns `smart_format` (and `punctuate`) on or off.
    pub fn with_smart_format(mut self, on: bool) -> Self {
        self.smart_format = on;
        self
    }

    /// Live: the silence in milliseconds that ends a turn (`speech_final`); `None`
    /// turns endpointing off.
    pub fn with_endpointing(mut self, millis: Option<u32>) -> Self {
        self.endpointing_ms = millis;
        self
    }

    /// Live: the gap in milliseconds after which `UtteranceEnd` is sent; `None`
    /// turns it off.
    pub fn with_utterance_end(mut self, millis: Option<u32>) -> Self {
        self.utterance_end_ms = millis;
        self
    }

    /// Live: how often a `KeepAlive` message is sent (Deepgram closes a socket
    /// that hears nothing for 10 s).
    pub fn with_keepalive_interval(mut self, every: Duration) -> Self {
        self.keepalive = every.max(Duration::from_millis(1));
        self
    }

    crate::http::http_options!();

    fn language_for<'a>(&'a self, options: &'a SttOptions) -> Option<&'a str> {
        options.language.as_deref().or(self.language.as_deref())
    }
}

#[async_trait]
impl SttEngine for DeepgramStt {
    fn name(&self) -> &str {
        VENDOR
    }

    async fn transcribe(
        &self,
        audio: &AudioFrame,
        options: &SttOptions,
    ) -> Result<Transcription, SttError> {
        prerecorded::transcribe(self, audio, options).await
    }

    async fn stream(
        &self,
        format: AudioFormat,
        options: &SttOptions,
    ) -> Result<SttStream, SttError> {
        live::open(self, format, options).await
    }
}

/// `{"err_code","err_msg","request_id"}` or `{"category","message","details","request_id"}`.
fn parse_error_message(body: &str) -> Option<String> {
    let value: Value = serde_json::from_str(body).ok()?;
    let field = |name: &str| value.get(name).and_then(Value::as_str);
    let message = field("err_msg").or(field("message")).or(field("reason"))?;
    Some(
        match field("details").filter(|d| !d.is_empty() && *d != message) {
            Some(details) => format!("{message} ({details})"),
            None => message.to_owned(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_error_shapes() {
        assert_eq!(
            parse_error_message(r#"{"err_code":"Bad Request","err_msg":"Bad Request: failed to process audio: corrupt or unsupported data","request_id":"r"}"#).as_deref(),
            Some("Bad Request: failed to process audio: corrupt or unsupported data")
        );
        assert_eq!(
            parse_error_message(r#"{"category":"INVALID_JSON","message":"Invalid JSON.","details":"line 1","request_id":"r"}"#).as_deref(),
            Some("Invalid JSON. (line 1)")
        );
        assert_eq!(parse_error_message("<html>"), None);
    }
}
