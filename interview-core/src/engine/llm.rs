//! Chat language models, streamed.

use async_trait::async_trait;
use futures_core::stream::BoxStream;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use super::VendorError;

/// Who wrote a chat message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions to the model.
    System,
    /// The candidate (or the application speaking for them).
    User,
    /// The model.
    Assistant,
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Who wrote it.
    pub role: Role,
    /// What it says.
    pub content: String,
}

impl ChatMessage {
    /// A system message.
    pub fn system(content: impl Into<String>) -> Self {
        Self {
            role: Role::System,
            content: content.into(),
        }
    }

    /// A user message.
    pub fn user(content: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            content: content.into(),
        }
    }

    /// An assistant message.
    pub fn assistant(content: impl Into<String>) -> Self {
        Self {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

/// A function the model may call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    /// The function's name.
    pub name: String,
    /// What it does, for the model.
    pub description: String,
    /// Its parameters as a JSON Schema.
    pub parameters: serde_json::Value,
}

/// A call the model asked for, arguments complete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolCall {
    /// The vendor's call id.
    pub id: String,
    /// The function's name.
    pub name: String,
    /// The arguments, as the JSON text the model wrote.
    pub arguments: String,
}

/// Tokens a request used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUsage {
    /// Tokens in the prompt.
    pub prompt_tokens: u32,
    /// Tokens generated.
    pub completion_tokens: u32,
}

/// "Answer with one JSON value matching this schema": structured output, for
/// engines whose server can constrain the model's answer to a JSON Schema.
///
/// Engines send it in strict mode where the vendor has one, so the schema must
/// follow the strict rules common to vendors: every object lists all of its
/// properties in `required` and sets `additionalProperties: false`, and an
/// optional value is a type array with `"null"`. An engine or server without
/// structured output ignores it, so callers still validate the answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonSchemaFormat {
    /// The schema's name, shown to the model (letters, digits, `_` and `-`, at
    /// most 64 characters, as vendors require).
    pub name: String,
    /// The JSON Schema the answer must match.
    pub schema: serde_json::Value,
}

/// A chat request.
///
/// Build one with a struct literal ending in `..ChatRequest::default()`, so that
/// fields added later keep their defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// The conversation so far, system prompt first.
    pub messages: Vec<ChatMessage>,
    /// Sampling temperature, when not the engine's default.
    pub temperature: Option<f32>,
    /// The most tokens to generate.
    pub max_tokens: Option<u32>,
    /// Functions the model may call.
    pub tools: Vec<ToolSpec>,
    /// The JSON Schema the answer must match, where the engine supports it; `None`
    /// for free text.
    #[serde(default)]
    pub response_format: Option<JsonSchemaFormat>,
}

/// What a streaming chat answer yields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum LlmEvent {
    /// The next piece of the answer's text.
    Text(String),
    /// A complete tool call.
    ToolCall(ToolCall),
    /// Token usage, usually at the end.
    Usage(TokenUsage),
}

/// A streamed answer.
pub type LlmStream = BoxStream<'static, Result<LlmEvent, LlmError>>;

/// Failures of an [`LlmEngine`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LlmError {
    /// The request cannot be sent as it is (no messages, too long).
    #[error("invalid chat request: {0}")]
    InvalidRequest(String),
    /// The vendor failed, before or during the stream.
    #[error(transparent)]
    Vendor(#[from] VendorError),
}

/// A chat model whose answers stream in pieces.
#[async_trait]
pub trait LlmEngine: Send + Sync {
    /// A short name for logs ("openai", "ollama", "scripted").
    fn name(&self) -> &str;

    /// Starts an answer; its text arrives as [`LlmEvent::Text`] pieces.
    ///
    /// An engine that cannot constrain its answer ignores
    /// [`ChatRequest::response_format`]: the answer is then whatever the model
    /// wrote, and the caller's validation decides.
    async fn chat(&self, request: ChatRequest) -> Result<LlmStream, LlmError>;

    /// The whole answer's text, for callers that do not stream (evaluations).
    async fn complete(&self, request: ChatRequest) -> Result<String, LlmError> {
        let mut stream = self.chat(request).await?;
        let mut text = String::new();
        while let Some(event) = stream.next().await {
            if let LlmEvent::Text(piece) = event? {
                text.push_str(&piece);
            }
        }
        Ok(text)
    }
}
