//! The OpenAI client the three engines share.

use crate::config::{CompatibleServer, DEFAULT_OPENAI_BASE_URL, OpenAiConfig};
use interview_core::Secret;
use interview_core::engine::VendorError;
use reqwest::header::HeaderValue;
use url::Url;

use super::{OpenAiLlm, OpenAiStt, OpenAiTts};
use crate::http::{HttpClient, join_url, json_error, secret_header};

/// An OpenAI (or OpenAI-compatible) account: key, base URL, timeouts and retries.
/// Cheap to clone; make engines with [`stt`](Self::stt), [`llm`](Self::llm) and
/// [`tts`](Self::tts).
#[derive(Debug, Clone)]
pub struct OpenAi {
    pub(super) http: HttpClient,
    pub(super) base_url: Url,
}

impl OpenAi {
    /// A client for `api.openai.com` with `api_key`.
    pub fn new(api_key: impl Into<Secret>) -> Self {
        Self::with_vendor("openai", api_key.into())
    }

    /// A client from the `OPENAI_*` configuration.
    pub fn from_config(config: &OpenAiConfig) -> Self {
        Self::new(config.api_key.clone()).with_base_url(config.base_url.clone())
    }

    /// A client for a role's own OpenAI-compatible server (`LLM_*`, `STT_*`,
    /// `TTS_*`): its engines and errors are named `openai-compatible`, and without
    /// a key no `Authorization` header is sent.
    pub fn compatible(server: &CompatibleServer) -> Self {
        let key = server.api_key.clone().unwrap_or_else(|| Secret::new(""));
        Self::with_vendor("openai-compatible", key).with_base_url(server.base_url.clone())
    }

    /// A client whose engines and errors are named `name` ("ollama", "vllm"), for
    /// OpenAI-compatible servers.
    pub fn with_vendor(name: &'static str, api_key: Secret) -> Self {
        let base_url =
            Url::parse(DEFAULT_OPENAI_BASE_URL).expect("the default OpenAI base URL is valid");
        Self {
            http: HttpClient::new(name, api_key, parse_error_message),
            base_url,
        }
    }

    /// Sends requests to `base_url` (the part before `/chat/completions`, e.g.
    /// `http://localhost:11434/v1` for Ollama).
    pub fn with_base_url(mut self, base_url: Url) -> Self {
        self.base_url = base_url;
        self
    }

    crate::http::http_options!();

    /// The base URL requests go to.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The ids of the models the server lists (`GET {base}/models`).
    pub async fn models(&self) -> Result<Vec<String>, VendorError> {
        let url = self.url("models");
        let auth = self.auth()?;
        let body = self
            .http
            .send("models", |http| authorized(http.get(url.clone()), &auth))
            .await?
            .read_to_end(1 << 20)
            .await?;
        let value: serde_json::Value = serde_json::from_slice(&body).map_err(|_| {
            VendorError::new(
                self.http.vendor(),
                interview_core::engine::VendorErrorKind::Protocol,
                "the model list is not JSON",
            )
        })?;
        Ok(value["data"]
            .as_array()
            .map(|models| {
                models
                    .iter()
                    .filter_map(|model| model["id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Speech-to-text through `/audio/transcriptions`.
    pub fn stt(&self) -> OpenAiStt {
        OpenAiStt::new(self.clone())
    }

    /// Streamed chat through `/chat/completions`.
    pub fn llm(&self) -> OpenAiLlm {
        OpenAiLlm::new(self.clone())
    }

    /// Streamed speech through `/audio/speech`.
    pub fn tts(&self) -> OpenAiTts {
        OpenAiTts::new(self.clone())
    }

    pub(super) fn url(&self, path: &str) -> Url {
        join_url(&self.base_url, path)
    }

    /// The `Authorization` header, or `None` for a server without a key.
    pub(super) fn auth(&self) -> Result<Option<HeaderValue>, VendorError> {
        if self.http.api_key().expose().is_empty() {
            return Ok(None);
        }
        secret_header(self.http.vendor(), "Bearer ", self.http.api_key()).map(Some)
    }
}

/// `request` with the `Authorization` header `auth`, when there is one.
pub(super) fn authorized(
    request: reqwest::RequestBuilder,
    auth: &Option<HeaderValue>,
) -> reqwest::RequestBuilder {
    match auth {
        Some(auth) => request.header(reqwest::header::AUTHORIZATION, auth.clone()),
        None => request,
    }
}

/// `{"error": {"message": ..., "type": ..., "param": ..., "code": ...}}`.
fn parse_error_message(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    json_error(&value)
}
