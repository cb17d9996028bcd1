//! Streamed chat: `POST /chat/completions` with `stream: true`.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use interview_core::engine::{
    ChatRequest, LlmEngine, LlmError, LlmEvent, LlmStream, TokenUsage, ToolCall, VendorError,
    VendorErrorKind,
};
use reqwest::header::{ACCEPT, HeaderValue};
use serde::Deserialize;
use serde_json::{Value, json};

use super::OpenAi;
use super::sse::{SseEvent, SseParser};
use crate::http::{BodyStream, json_error, truncate};

/// The chat model used unless [`OpenAiLlm::with_model`] says otherwise.
pub const DEFAULT_CHAT_MODEL: &str = "gpt-4o-mini";

/// OpenAI chat, streamed over server-sent events. Text arrives as
/// [`LlmEvent::Text`] pieces, tool calls whole once their arguments are complete,
/// and token usage last (`stream_options.include_usage`).
///
/// [`ChatRequest::response_format`] is sent as a strict `json_schema` response
/// format. A server that refuses it (a 400 or 422 naming `response_format` or
/// `json_schema`, as some OpenAI-compatible servers and older models answer) gets
/// the same request once more without it, and this engine (and its clones) sends
/// no response format from then on.
#[derive(Debug, Clone)]
pub struct OpenAiLlm {
    client: OpenAi,
    model: String,
    max_tokens_field: &'static str,
    /// Cleared once the server refused a response format. Shared by clones, which
    /// talk to the same server and model.
    structured_output: Arc<AtomicBool>,
}

impl OpenAiLlm {
    /// An engine on `client` with the default model.
    pub fn new(client: OpenAi) -> Self {
        Self {
            client,
            model: DEFAULT_CHAT_MODEL.to_owned(),
            max_tokens_field: "max_completion_tokens",
            structured_output: Arc::new(AtomicBool::new(true)),
        }
    }

    /// Uses `model`.
    pub fn with_model(mut self, model: impl Into<String>) -> Self {
        self.model = model.into();
        // Support for structured output is a property of the model too: what an
        // engine learnt about another model does not carry over.
        self.structured_output = Arc::new(AtomicBool::new(true));
        self
    }

    /// Never sends [`ChatRequest::response_format`], for servers known not to
    /// support it; answers are then validated by the caller alone.
    pub fn without_structured_output(self) -> Self {
        self.structured_output.store(false, Ordering::Relaxed);
        self
    }

    /// Whether [`ChatRequest::response_format`] is still sent (false once the
    /// server refused it, or after [`without_structured_output`](Self::without_structured_output)).
    pub fn sends_structured_output(&self) -> bool {
        self.structured_output.load(Ordering::Relaxed)
    }

    /// Sends [`ChatRequest::max_tokens`] as the older `max_tokens` field, for
    /// compatible servers that do not know `max_completion_tokens`.
    pub fn with_legacy_max_tokens(mut self) -> Self {
        self.max_tokens_field = "max_tokens";
        self
    }

    /// The model in use.
    pub fn model(&self) -> &str {
        &self.model
    }

    fn body(&self, request: &ChatRequest, structured: bool) -> Value {
        let mut body = json!({
            "model": self.model,
            "messages": request.messages,
            "stream": true,
            "stream_options": {"include_usage": true},
        });
        if let Some(temperature) = request.temperature {
            body["temperature"] = json!(temperature);
        }
        if let Some(max_tokens) = request.max_tokens {
            body[self.max_tokens_field] = json!(max_tokens);
        }
        if !request.tools.is_empty() {
            body["tools"] = request
                .tools
                .iter()
                .map(|tool| {
                    json!({"type": "function", "function": {
                        "name": tool.name,
                        "description": tool.description,
                        "parameters": tool.parameters,
                    }})
                })
                .collect();
        }
        if let Some(format) = request.response_format.as_ref().filter(|_| structured) {
            body["response_format"] = json!({
                "type": "json_schema",
                "json_schema": {
                    "name": format.name,
                    "schema": format.schema,
                    "strict": true,
                },
            });
        }
        body
    }

    async fn send(&self, body: &Value) -> Result<BodyStream, VendorError> {
        let url = self.client.url("chat/completions");
        let auth = self.client.auth()?;
        self.client
            .http
            .send("chat", |http| {
                super::client::authorized(http.post(url.clone()), &auth)
                    .header(ACCEPT, HeaderValue::from_static("text/event-stream"))
                    .json(body)
            })
            .await
    }
}

/// Whether `error` is a server saying it does not support the response format we
/// sent (OpenAI: "Invalid parameter: 'response_format' of type 'json_schema' is not
/// supported with this model"; request validators answer 422 naming the field).
fn refuses_response_format(error: &VendorError) -> bool {
    let message = error.message.to_ascii_lowercase();
    matches!(
        error.kind,
        VendorErrorKind::BadRequest { status: 400 | 422 }
    ) && (message.contains("response_format") || message.contains("json_schema"))
}

#[async_trait]
impl LlmEngine for OpenAiLlm {
    fn name(&self) -> &str {
        self.client.http.vendor()
    }

    async fn chat(&self, request: ChatRequest) -> Result<LlmStream, LlmError> {
        if request.messages.is_empty() {
            return Err(LlmError::InvalidRequest("no messages".to_owned()));
        }
        let structured = request.response_format.is_some() && self.sends_structured_output();
        let response = match self.send(&self.body(&request, structured)).await {
            Ok(response) => response,
            Err(error) if structured && refuses_response_format(&error) => {
                self.structured_output.store(false, Ordering::Relaxed);
                tracing::warn!(
                    vendor = self.client.http.vendor(),
                    model = %self.model,
                    error = %error,
                    "the server refused the response format; sending the request again without \
                     it, and none from now on"
                );
                self.send(&self.body(&request, false)).await?
            }
            Err(error) => return Err(error.into()),
        };
        Ok(chat_stream(response, self.client.http.vendor()))
    }
}

struct StreamState {
    body: BodyStream,
    parser: SseParser,
    decoder: ChatDecoder,
}

fn chat_stream(body: BodyStream, vendor: &'static str) -> LlmStream {
    let state = Some(StreamState {
        body,
        parser: SseParser::new(),
        decoder: ChatDecoder::new(vendor),
    });
    Box::pin(futures_util::stream::unfold(state, |state| async move {
        let mut state = state?;
        loop {
            if let Some(event) = state.decoder.pending.pop_front() {
                return Some((Ok(event), Some(state)));
            }
            if state.decoder.done {
                return None;
            }
            if let Some(event) = state.parser.next_event() {
                if let Err(error) = state.decoder.decode(&event) {
                    return Some((Err(error.into()), None));
                }
                continue;
            }
            match state.body.next_chunk().await {
                Ok(Some(bytes)) => state.parser.push(&bytes),
                Ok(None) => {
                    if let Err(error) = state.decoder.finish() {
                        return Some((Err(error.into()), None));
                    }
                }
                Err(error) => return Some((Err(error.into()), None)),
            }
        }
    }))
}

/// Turns `chat.completion.chunk` events into [`LlmEvent`]s.
#[derive(Debug)]
pub(crate) struct ChatDecoder {
    vendor: &'static str,
    pending: VecDeque<LlmEvent>,
    /// Tool calls being assembled, by their `index`.
    calls: BTreeMap<u32, PartialCall>,
    finished: bool,
    done: bool,
}

#[derive(Debug, Default)]
struct PartialCall {
    id: String,
    name: String,
    arguments: String,
}

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    index: u32,
    #[serde(default)]
    delta: Option<Delta>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Delta {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    refusal: Option<String>,
    #[serde(default)]
    tool_calls: Vec<ToolCallDelta>,
}

#[derive(Deserialize)]
struct ToolCallDelta {
    #[serde(default)]
    index: u32,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    function: Option<FunctionDelta>,
}

#[derive(Deserialize)]
struct FunctionDelta {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    arguments: Option<String>,
}

#[derive(Deserialize)]
struct Usage {
    #[serde(default)]
    prompt_tokens: u32,
    #[serde(default)]
    completion_tokens: u32,
}

impl ChatDecoder {
    pub(crate) fn new(vendor: &'static str) -> Self {
        Self {
            vendor,
            pending: VecDeque::new(),
            calls: BTreeMap::new(),
            finished: false,
            done: false,
        }
    }

    fn protocol(&self, message: String) -> VendorError {
        VendorError::new(self.vendor, VendorErrorKind::Protocol, message)
    }

    /// Decodes one event; its results wait in `pending`.
    pub(crate) fn decode(&mut self, event: &SseEvent) -> Result<(), VendorError> {
        let data = event.data.trim();
        if data.starts_with("[DONE]") {
            self.flush_calls();
            self.done = true;
            return Ok(());
        }
        let value: Value = serde_json::from_str(data).map_err(|e| {
            self.protocol(format!("unreadable event: {}", truncate(data, 200)))
                .with_source(e)
        })?;
        if event.event.as_deref() == Some("error") || value.get("error").is_some() {
            let message = json_error(&value)
                .or_else(|| {
                    value
                        .get("message")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .unwrap_or_else(|| truncate(data, 200));
            return Err(self.stream_error(&value, message));
        }
        let chunk: Chunk = serde_json::from_value(value).map_err(|e| {
            self.protocol(format!("unexpected chunk: {}", truncate(data, 200)))
                .with_source(e)
        })?;
        for choice in chunk.choices.into_iter().filter(|c| c.index == 0) {
            if let Some(delta) = choice.delta {
                for text in [delta.content, delta.refusal].into_iter().flatten() {
                    if !text.is_empty() {
                        self.pending.push_back(LlmEvent::Text(text));
                    }
                }
                for call in delta.tool_calls {
                    let partial = self.calls.entry(call.index).or_default();
                    if let Some(id) = call.id {
                        partial.id = id;
                    }
                    if let Some(function) = call.function {
                        if let Some(name) = function.name {
                            partial.name.push_str(&name);
                        }
                        if let Some(arguments) = function.arguments {
                            partial.arguments.push_str(&arguments);
                        }
                    }
                }
            }
            if choice.finish_reason.is_some() {
                self.finished = true;
                self.flush_calls();
            }
        }
        if let Some(usage) = chunk.usage {
            self.pending.push_back(LlmEvent::Usage(TokenUsage {
                prompt_tokens: usage.prompt_tokens,
                completion_tokens: usage.completion_tokens,
            }));
        }
        Ok(())
    }

    /// The body ended: fine after a finish reason, a broken stream otherwise.
    pub(crate) fn finish(&mut self) -> Result<(), VendorError> {
        self.flush_calls();
        self.done = true;
        if self.finished {
            Ok(())
        } else {
            Err(VendorError::new(
                self.vendor,
                VendorErrorKind::Connection,
                "the stream ended before the answer was complete",
            ))
        }
    }

    fn flush_calls(&mut self) {
        for (index, call) in std::mem::take(&mut self.calls) {
            let id = if call.id.is_empty() {
                format!("call_{index}")
            } else {
                call.id
            };
            self.pending.push_back(LlmEvent::ToolCall(ToolCall {
                id,
                name: call.name,
                arguments: call.arguments,
            }));
        }
    }

    /// An error event in the middle of a stream that began with status 200.
    fn stream_error(&self, value: &Value, message: String) -> VendorError {
        let error = value.get("error").unwrap_or(value);
        let field = |name: &str| error.get(name).and_then(Value::as_str).unwrap_or("");
        let kind = if field("code") == "rate_limit_exceeded" || field("type") == "rate_limit_error"
        {
            VendorErrorKind::RateLimited { retry_after: None }
        } else if field("type") == "invalid_request_error" {
            VendorErrorKind::BadRequest { status: 400 }
        } else {
            // The status line said 200; the error event reports a failure on the
            // vendor's side.
            VendorErrorKind::Server { status: 500 }
        };
        VendorError::new(self.vendor, kind, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(events: &[&str]) -> (Vec<LlmEvent>, Option<VendorError>) {
        let mut decoder = ChatDecoder::new("openai");
        for data in events {
            let event = SseEvent {
                data: (*data).to_owned(),
                ..SseEvent::default()
            };
            if let Err(error) = decoder.decode(&event) {
                return (decoder.pending.into_iter().collect(), Some(error));
            }
        }
        (decoder.pending.into_iter().collect(), None)
    }

    #[test]
    fn text_usage_and_done() {
        let (events, error) = decode_all(&[
            r#"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null}"#,
            r#"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}"#,
            r#"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}]}"#,
            r#"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}"#,
            "[DONE]",
        ]);
        assert!(error.is_none());
        assert_eq!(
            events,
            [
                LlmEvent::Text("Hel".to_owned()),
                LlmEvent::Text("lo".to_owned()),
                LlmEvent::Usage(TokenUsage {
                    prompt_tokens: 9,
                    completion_tokens: 2
                }),
            ]
        );
    }

    #[test]
    fn tool_calls_join_by_index() {
        let (events, error) = decode_all(&[
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_2","type":"function","function":{"name":"end_call","arguments":"{}"}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Oslo\"}"}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
            "[DONE]",
        ]);
        assert!(error.is_none());
        assert_eq!(
            events,
            [
                LlmEvent::ToolCall(ToolCall {
                    id: "call_1".to_owned(),
                    name: "get_weather".to_owned(),
                    arguments: r#"{"city":"Oslo"}"#.to_owned(),
                }),
                LlmEvent::ToolCall(ToolCall {
                    id: "call_2".to_owned(),
                    name: "end_call".to_owned(),
                    arguments: "{}".to_owned(),
                }),
            ]
        );
    }

    #[test]
    fn error_event_mid_stream() {
        let (events, error) = decode_all(&[
            r#"{"choices":[{"index":0,"delta":{"content":"Hi"}}]}"#,
            r#"{"error":{"message":"The server had an error","type":"server_error","param":null,"code":null}}"#,
        ]);
        assert_eq!(events, [LlmEvent::Text("Hi".to_owned())]);
        let error = error.unwrap();
        assert_eq!(error.kind, VendorErrorKind::Server { status: 500 });
        assert_eq!(error.message, "The server had an error");
    }

    #[test]
    fn malformed_events_and_cut_streams_are_errors() {
        let (_, error) = decode_all(&["{not json"]);
        assert_eq!(error.unwrap().kind, VendorErrorKind::Protocol);
        let mut decoder = ChatDecoder::new("openai");
        assert_eq!(
            decoder.finish().unwrap_err().kind,
            VendorErrorKind::Connection
        );
    }
}
