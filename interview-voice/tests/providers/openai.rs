//! OpenAI: transcription, streamed chat and streamed speech.

use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::StreamExt;
use interview_core::audio::{AudioFormat, AudioFrame};
use interview_core::engine::{
    ChatMessage, ChatRequest, LlmEngine, LlmError, LlmEvent, SttEngine, SttError, SttOptions,
    TokenUsage, ToolCall, ToolSpec, TtsEngine, TtsError, VendorErrorKind,
};
use interview_voice::http::RetryPolicy;
use interview_voice::providers::openai::OpenAi;
use serde_json::json;
use url::Url;
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{
    End, KEY, Logs, RawServer, cut, fast_retry, multipart_field, multipart_headers, short_timeouts,
};

fn client(uri: &str) -> OpenAi {
    OpenAi::new(KEY)
        .with_base_url(Url::parse(&format!("{uri}/v1")).unwrap())
        .with_retry(fast_retry())
}

fn request() -> ChatRequest {
    ChatRequest {
        messages: vec![
            ChatMessage::system("You are an interviewer."),
            ChatMessage::user("Hello"),
        ],
        temperature: Some(0.5),
        max_tokens: Some(64),
        tools: vec![ToolSpec {
            name: "get_weather".to_owned(),
            description: "Weather in a city".to_owned(),
            parameters: json!({"type": "object", "properties": {"city": {"type": "string"}}}),
        }],
        ..ChatRequest::default()
    }
}

/// A documented chat stream: `\n\n` and `\r\n\r\n` separators, keep-alive comments,
/// text, tool-call fragments, the empty-`choices` usage chunk and `[DONE]`.
const CHAT_STREAM: &str = concat!(
    ": keep-alive\n\n",
    "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n",
    "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello, \"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\r\n\r\n",
    ": ping\r\n\r\n",
    "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Zoë 🙂\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n",
    "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n",
    "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\r\n\r\n",
    "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Oslo\\\"}\"}}]},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n",
    "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"tool_calls\"}],\"usage\":null}\n\n",
    "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":{\"prompt_tokens\":19,\"completion_tokens\":7,\"total_tokens\":26,\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0}}}\r\n\r\n",
    "data: [DONE]\n\n",
);

fn expected_events() -> Vec<LlmEvent> {
    vec![
        LlmEvent::Text("Hello, ".to_owned()),
        LlmEvent::Text("Zoë 🙂".to_owned()),
        LlmEvent::ToolCall(ToolCall {
            id: "call_1".to_owned(),
            name: "get_weather".to_owned(),
            arguments: r#"{"city":"Oslo"}"#.to_owned(),
        }),
        LlmEvent::Usage(TokenUsage {
            prompt_tokens: 19,
            completion_tokens: 7,
        }),
    ]
}

async fn collect(stream: interview_core::engine::LlmStream) -> (Vec<LlmEvent>, Option<LlmError>) {
    let mut events = Vec::new();
    let mut stream = stream;
    while let Some(item) = stream.next().await {
        match item {
            Ok(event) => events.push(event),
            Err(error) => {
                assert!(stream.next().await.is_none(), "nothing after an error");
                return (events, Some(error));
            }
        }
    }
    (events, None)
}

fn vendor_kind(error: &LlmError) -> VendorErrorKind {
    match error {
        LlmError::Vendor(error) => error.kind,
        other => panic!("not a vendor error: {other:?}"),
    }
}

#[tokio::test]
async fn chat_sends_the_documented_request_and_decodes_the_stream() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(header("content-type", "application/json"))
        .and(body_partial_json(json!({
            "model": "gpt-4o-mini",
            "stream": true,
            "stream_options": {"include_usage": true},
            "temperature": 0.5,
            "max_completion_tokens": 64,
            "messages": [
                {"role": "system", "content": "You are an interviewer."},
                {"role": "user", "content": "Hello"}
            ],
            "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather in a city"}}]
        })))
        .respond_with(ResponseTemplate::new(200).set_body_raw(CHAT_STREAM, "text/event-stream"))
        .expect(1)
        .mount(&server)
        .await;
    let llm = client(&server.uri()).llm();
    assert_eq!(llm.name(), "openai");
    let (events, error) = collect(llm.chat(request()).await.unwrap()).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(events, expected_events());
}

#[tokio::test]
async fn chat_survives_network_pieces_cut_anywhere() {
    for sizes in [&[1usize][..], &[2, 3, 5, 7], &[13, 1, 64], &[100, 1]] {
        let mut server =
            RawServer::start("200 OK", cut(CHAT_STREAM.as_bytes(), sizes), End::Finish).await;
        let llm = client(&server.uri).llm();
        let (events, error) = collect(llm.chat(request()).await.unwrap()).await;
        assert!(error.is_none(), "{sizes:?}: {error:?}");
        assert_eq!(events, expected_events(), "pieces of {sizes:?}");
        let sent = server.request().await;
        assert!(sent.starts_with("POST /v1/chat/completions HTTP/1.1"));
    }
}

#[tokio::test]
async fn an_error_event_mid_stream_ends_the_answer_with_the_vendor_message() {
    let stream = concat!(
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Sure\"},\"finish_reason\":null}]}\n\n",
        "event: error\n",
        "data: {\"error\":{\"message\":\"The server had an error while processing your request.\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"never\"},\"finish_reason\":null}]}\n\n",
    );
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(stream, "text/event-stream"))
        .expect(1)
        .mount(&server)
        .await;
    let (events, error) = collect(client(&server.uri()).llm().chat(request()).await.unwrap()).await;
    assert_eq!(events, [LlmEvent::Text("Sure".to_owned())]);
    let error = error.unwrap();
    assert!(
        error.to_string().contains("The server had an error"),
        "{error}"
    );
}

#[tokio::test]
async fn unauthorized_keeps_the_message_and_never_the_key() {
    let logs = Logs::capture();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": {
            "message": format!("Incorrect API key provided: {KEY}. You can find your API key at https://platform.openai.com/account/api-keys."),
            "type": "invalid_request_error", "param": null, "code": "invalid_api_key"
        }})))
        .expect(1)
        .mount(&server)
        .await;
    let openai = client(&server.uri());
    let error = match openai.llm().chat(request()).await {
        Err(error) => error,
        Ok(_) => panic!("expected an error"),
    };
    assert_eq!(vendor_kind(&error), VendorErrorKind::Unauthorized);
    let text = error.to_string();
    assert!(text.contains("Incorrect API key provided"), "{text}");
    assert!(!text.contains(KEY), "{text}");
    assert!(!format!("{error:?}").contains(KEY));
    for debug in [
        format!("{openai:?}"),
        format!("{:?}", openai.llm()),
        format!("{:?}", openai.stt()),
        format!("{:?}", openai.tts()),
    ] {
        assert!(!debug.contains(KEY), "{debug}");
        assert!(debug.contains("redacted"), "{debug}");
    }
    assert!(!logs.text().contains(KEY));
}

#[tokio::test]
async fn rate_limits_wait_as_long_as_retry_after_says() {
    let logs = Logs::capture();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "0")
                .set_body_json(json!({"error": {"message": "Rate limit reached", "type": "requests", "param": null, "code": "rate_limit_exceeded"}})),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(CHAT_STREAM, "text/event-stream"))
        .expect(1)
        .mount(&server)
        .await;
    // A backoff of a minute would time the test out: the zero Retry-After is used.
    let slow_backoff =
        RetryPolicy::default().with_backoff(Duration::from_secs(60), Duration::from_secs(60));
    let llm = client(&server.uri()).with_retry(slow_backoff).llm();
    let (events, error) = tokio::time::timeout(Duration::from_secs(10), async {
        collect(llm.chat(request()).await.unwrap()).await
    })
    .await
    .unwrap();
    assert!(error.is_none());
    assert_eq!(events, expected_events());
    let logged = logs.text();
    assert!(logged.contains("retrying"), "{logged}");
    assert!(logged.contains("rate limited"), "{logged}");
    assert!(!logged.contains(KEY));
}

#[tokio::test]
async fn a_retry_after_longer_than_allowed_fails_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "120")
                .set_body_json(json!({"error": {"message": "Rate limit reached", "type": "requests", "param": null, "code": null}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let error = match client(&server.uri()).llm().chat(request()).await {
        Err(error) => error,
        Ok(_) => panic!("expected an error"),
    };
    assert_eq!(
        vendor_kind(&error),
        VendorErrorKind::RateLimited {
            retry_after: Some(Duration::from_secs(120))
        }
    );
}

#[tokio::test]
async fn server_errors_are_retried_then_reported() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_json(
            json!({"error": {"message": "The server had an error", "type": "server_error", "param": null, "code": null}}),
        ))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(CHAT_STREAM, "text/event-stream"))
        .expect(1)
        .mount(&server)
        .await;
    let text = client(&server.uri())
        .llm()
        .complete(request())
        .await
        .unwrap();
    assert_eq!(text, "Hello, Zoë 🙂");

    let failing = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_string("upstream connect error"))
        .expect(3)
        .mount(&failing)
        .await;
    let error = match client(&failing.uri()).llm().chat(request()).await {
        Err(error) => error,
        Ok(_) => panic!("expected an error"),
    };
    assert_eq!(vendor_kind(&error), VendorErrorKind::Server { status: 503 });
    assert!(error.to_string().contains("upstream connect error"));
}

#[tokio::test]
async fn a_malformed_event_is_a_protocol_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\ndata: {\"choices\": [tru\n\n",
            "text/event-stream",
        ))
        .mount(&server)
        .await;
    let (events, error) = collect(client(&server.uri()).llm().chat(request()).await.unwrap()).await;
    assert_eq!(events, [LlmEvent::Text("Hi".to_owned())]);
    assert_eq!(vendor_kind(&error.unwrap()), VendorErrorKind::Protocol);
}

#[tokio::test]
async fn a_server_that_stops_mid_stream_times_out_and_is_not_retried() {
    let first = b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Let me\"},\"finish_reason\":null}]}\n\n".to_vec();
    let server = RawServer::start("200 OK", vec![first.clone()], End::Hang).await;
    let llm = client(&server.uri).with_timeouts(short_timeouts()).llm();
    let (events, error) = collect(llm.chat(request()).await.unwrap()).await;
    assert_eq!(events, [LlmEvent::Text("Let me".to_owned())]);
    assert_eq!(vendor_kind(&error.unwrap()), VendorErrorKind::Timeout);
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);

    let dropped = RawServer::start("200 OK", vec![first], End::Drop).await;
    let (events, error) = collect(client(&dropped.uri).llm().chat(request()).await.unwrap()).await;
    assert_eq!(events, [LlmEvent::Text("Let me".to_owned())]);
    assert_eq!(vendor_kind(&error.unwrap()), VendorErrorKind::Connection);
    assert_eq!(dropped.connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let llm = client(&server.uri())
        .with_timeouts(short_timeouts())
        .with_retry(RetryPolicy::none())
        .llm();
    let error = match llm.chat(request()).await {
        Err(error) => error,
        Ok(_) => panic!("expected an error"),
    };
    assert_eq!(vendor_kind(&error), VendorErrorKind::Timeout);
}

#[tokio::test]
async fn compatible_servers_take_their_own_base_url_and_name() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/ollama/v1/chat/completions"))
        .and(body_partial_json(
            json!({"model": "llama3.2", "max_tokens": 64}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_raw(CHAT_STREAM, "text/event-stream"))
        .expect(1)
        .mount(&server)
        .await;
    let llm = OpenAi::with_vendor("ollama", "ollama".into())
        .with_base_url(Url::parse(&format!("{}/ollama/v1/", server.uri())).unwrap())
        .llm()
        .with_model("llama3.2")
        .with_legacy_max_tokens();
    assert_eq!(llm.name(), "ollama");
    assert_eq!(llm.complete(request()).await.unwrap(), "Hello, Zoë 🙂");
}

fn utterance() -> AudioFrame {
    let samples: Vec<i16> = (0..1600)
        .map(|i| ((i % 100) * 300 - 15_000) as i16)
        .collect();
    AudioFrame::new(samples, AudioFormat::SPEECH).unwrap()
}

#[tokio::test]
async fn transcription_posts_a_wav_file_in_a_multipart_form() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/audio/transcriptions"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "text": " I have five years of Rust. ",
            "usage": {"type": "duration", "seconds": 1}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let stt = client(&server.uri()).stt().with_model("whisper-1");
    let options = SttOptions {
        language: Some("en-US".to_owned()),
        prompt: Some("Rust, Tokio".to_owned()),
    };
    let audio = utterance();
    let result = stt.transcribe(&audio, &options).await.unwrap();
    assert_eq!(result.text, "I have five years of Rust.");
    assert_eq!(result.language.as_deref(), Some("en"));

    let request = &server.received_requests().await.unwrap()[0];
    let content_type = request
        .headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        content_type.starts_with("multipart/form-data; boundary="),
        "{content_type}"
    );
    let body = &request.body;
    assert_eq!(multipart_field(body, "model").unwrap(), b"whisper-1");
    assert_eq!(multipart_field(body, "response_format").unwrap(), b"json");
    assert_eq!(multipart_field(body, "language").unwrap(), b"en");
    assert_eq!(multipart_field(body, "prompt").unwrap(), b"Rust, Tokio");
    let file_headers = multipart_headers(body, "file").unwrap();
    assert!(
        file_headers.contains("filename=\"audio.wav\""),
        "{file_headers}"
    );
    assert!(
        file_headers
            .to_ascii_lowercase()
            .contains("content-type: audio/wav"),
        "{file_headers}"
    );
    let wav = multipart_field(body, "file").unwrap();
    assert_eq!(&wav[..4], b"RIFF");
    assert_eq!(&wav[8..12], b"WAVE");
    assert_eq!(wav.len(), 44 + 3200);
    assert_eq!(&wav[44..], &audio.to_le_bytes()[..]);
}

#[tokio::test]
async fn transcription_errors_are_typed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {
            "message": "Audio file might be corrupted or unsupported",
            "type": "invalid_request_error", "param": "file", "code": "invalid_value"
        }})))
        .expect(1)
        .mount(&server)
        .await;
    let error = client(&server.uri())
        .stt()
        .transcribe(&utterance(), &SttOptions::default())
        .await
        .unwrap_err();
    let SttError::Vendor(error) = error else {
        panic!("not a vendor error: {error:?}");
    };
    assert_eq!(error.kind, VendorErrorKind::BadRequest { status: 400 });
    assert_eq!(
        error.message,
        "Audio file might be corrupted or unsupported"
    );

    let malformed = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>gateway</html>"))
        .mount(&malformed)
        .await;
    let error = client(&malformed.uri())
        .stt()
        .transcribe(&utterance(), &SttOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(error, SttError::Vendor(ref e) if e.kind == VendorErrorKind::Protocol),
        "{error:?}"
    );
    let empty = AudioFrame::new(Vec::new(), AudioFormat::SPEECH).unwrap();
    assert!(matches!(
        client(&malformed.uri())
            .stt()
            .transcribe(&empty, &SttOptions::default())
            .await,
        Err(SttError::InvalidAudio(_))
    ));
}

fn speech_bytes() -> (Vec<i16>, Vec<u8>) {
    let samples: Vec<i16> = (0..2401)
        .map(|i| (i * 13 % 20_000 - 10_000) as i16)
        .collect();
    let bytes = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    (samples, bytes)
}

#[tokio::test]
async fn speech_asks_for_pcm_and_streams_frames_cut_at_odd_bytes() {
    let (samples, bytes) = speech_bytes();
    let mut server = RawServer::start("200 OK", cut(&bytes, &[1, 333, 2, 1001]), End::Finish).await;
    let tts = client(&server.uri)
        .tts()
        .with_voice("coral")
        .with_instructions("Warm");
    assert_eq!(tts.output_format(), AudioFormat::PCM_24K);
    let mut stream = tts.synthesize("Welcome to your interview.").await.unwrap();
    let mut heard = Vec::new();
    let mut frames = 0;
    while let Some(frame) = stream.next().await {
        let frame = frame.unwrap();
        assert_eq!(frame.format(), AudioFormat::PCM_24K);
        heard.extend_from_slice(frame.samples());
        frames += 1;
    }
    assert_eq!(heard, samples);
    assert!(frames > 1);
    let request = server.request().await;
    assert!(
        request.starts_with("POST /v1/audio/speech HTTP/1.1"),
        "{request}"
    );
    assert!(request.to_ascii_lowercase().contains(&format!(
        "authorization: bearer {}",
        KEY.to_ascii_lowercase()
    )));
    let body: serde_json::Value =
        serde_json::from_str(request.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"model": "gpt-4o-mini-tts", "input": "Welcome to your interview.", "voice": "coral", "response_format": "pcm", "instructions": "Warm"})
    );
}

#[tokio::test]
async fn speech_frames_arrive_before_the_body_ends() {
    let (_, bytes) = speech_bytes();
    // The server sends part of the audio and then nothing: the frames already sent
    // must reach the caller before the idle timeout ends the stream.
    let server = RawServer::start("200 OK", vec![bytes[..1001].to_vec()], End::Hang).await;
    let tts = client(&server.uri).with_timeouts(short_timeouts()).tts();
    let mut stream = tts.synthesize("Hello").await.unwrap();
    let first = stream.next().await.unwrap().unwrap();
    assert_eq!(first.samples().len(), 500);
    let error = stream.next().await.unwrap().unwrap_err();
    assert!(
        matches!(error, TtsError::Vendor(ref e) if e.kind == VendorErrorKind::Timeout),
        "{error:?}"
    );
    assert!(stream.next().await.is_none());
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn speech_rejects_empty_text_and_maps_errors() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/audio/speech"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {
            "message": "[{'type': 'string_too_long'}]", "type": "invalid_request_error", "param": null, "code": null
        }})))
        .mount(&server)
        .await;
    let tts = client(&server.uri()).tts();
    assert!(matches!(
        tts.synthesize("  ").await,
        Err(TtsError::InvalidText(_))
    ));
    let Err(TtsError::Vendor(error)) = tts.synthesize("Hi").await else {
        panic!("expected a vendor error");
    };
    assert_eq!(error.kind, VendorErrorKind::BadRequest { status: 400 });
}

/// A self-hosted set-up: each role at its own OpenAI-compatible server, as the
/// engine plan builds it from `LLM_*`, `STT_*` and `TTS_*`. A server without a key
/// gets no `Authorization` header; each gets its configured model (and voice).
#[tokio::test]
async fn each_role_goes_to_its_own_server_with_its_model_and_only_the_key_it_has() {
    use interview_core::config::Env;
    use interview_voice::config::VoiceConfig;
    use interview_voice::engines::EnginePlan;

    let llm_server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(body_partial_json(
            json!({"model": "smollm2-135m", "stream": true}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_raw(CHAT_STREAM, "text/event-stream"))
        .expect(1)
        .mount(&llm_server)
        .await;
    let tts_server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/audio/speech"))
        .and(body_partial_json(
            json!({"model": "kokoro", "voice": "af_heart"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_raw(vec![0_u8; 4800], "audio/pcm"))
        .expect(1)
        .mount(&tts_server)
        .await;
    let vars = [
        ("LLM_BASE_URL", format!("{}/v1", llm_server.uri())),
        ("LLM_MODEL", "smollm2-135m".to_owned()),
        ("TTS_BASE_URL", format!("{}/v1", tts_server.uri())),
        ("TTS_API_KEY", "tts-key".to_owned()),
        ("TTS_MODEL", "kokoro".to_owned()),
        ("TTS_VOICE", "af_heart".to_owned()),
        // OpenAI is configured too, but never used for a role with its own server.
        ("OPENAI_API_KEY", "sk-never-used".to_owned()),
        ("OPENAI_BASE_URL", "http://127.0.0.1:9/v1".to_owned()),
    ];
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let config = Env::read_pairs(&pairs, |env| Some(VoiceConfig::from_env(env))).unwrap();
    let plan = EnginePlan::new(&config, false);
    let shown: Vec<String> = plan.selections().iter().map(ToString::to_string).collect();
    assert!(
        shown.iter().any(|line| line.contains("interviewer")
            && line.contains(&llm_server.uri())
            && line.contains("model smollm2-135m")
            && line.contains("LLM_BASE_URL is set")),
        "{shown:?}"
    );
    assert!(
        shown.iter().any(|line| line.contains("text-to-speech")
            && line.contains(&tts_server.uri())
            && line.contains("TTS_BASE_URL is set")),
        "{shown:?}"
    );
    let engines = plan.engines();
    assert_eq!(engines.llm.name(), "openai-compatible");
    let (events, error) = collect(engines.llm.chat(request()).await.unwrap()).await;
    assert!(error.is_none(), "{error:?}");
    assert!(!events.is_empty());
    let mut audio = engines.tts.synthesize("Hello.").await.unwrap();
    while let Some(frame) = audio.next().await {
        frame.unwrap();
    }
    // No key for the model server: no Authorization header; the voice's key sent.
    let chat = &llm_server.received_requests().await.unwrap()[0];
    assert!(chat.headers.get("authorization").is_none());
    let body: serde_json::Value = serde_json::from_slice(&chat.body).unwrap();
    assert!(body.get("max_completion_tokens").is_none(), "{body}");
    let speech = &tts_server.received_requests().await.unwrap()[0];
    assert_eq!(
        speech.headers.get("authorization").unwrap(),
        "Bearer tts-key"
    );
}

/// The start-up check asks each role's server for its models: a server that
/// lists the model, one without a model list, one that does not list the model,
/// and one that cannot be reached.
#[tokio::test]
async fn the_start_up_check_reports_each_roles_server() {
    use interview_core::config::Env;
    use interview_voice::config::VoiceConfig;
    use interview_voice::engines::EnginePlan;

    let llm_server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"object": "list", "data": [{"id": "smollm2-135m", "object": "model"}]}),
        ))
        .mount(&llm_server)
        .await;
    let stt_server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"object": "list", "data": [{"id": "Systran/faster-whisper-base"}]}),
        ))
        .mount(&stt_server)
        .await;
    // No /models at all (a 404): reachable, the model cannot be checked.
    let tts_server = MockServer::start().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let vars = [
        ("LLM_BASE_URL", format!("{}/v1", llm_server.uri())),
        ("LLM_MODEL", "smollm2-135m".to_owned()),
        ("STT_BASE_URL", format!("{}/v1", stt_server.uri())),
        ("STT_MODEL", "Systran/faster-whisper-large-v3".to_owned()),
        ("TTS_BASE_URL", format!("{}/v1", tts_server.uri())),
    ];
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let config = Env::read_pairs(&pairs, |env| Some(VoiceConfig::from_env(env))).unwrap();
    let probes = EnginePlan::new(&config, false)
        .probe(Duration::from_secs(5))
        .await;
    let by_role = |role: &str| probes.iter().find(|p| p.role == role).unwrap().clone();
    assert_eq!(by_role("interviewer").problem, None);
    assert_eq!(
        by_role("speech-to-text").problem.as_deref(),
        Some("it does not list the model Systran/faster-whisper-large-v3")
    );
    assert_eq!(by_role("text-to-speech").problem, None);
    assert!(
        by_role("interviewer")
            .to_string()
            .contains(&llm_server.uri())
    );

    // Nothing listens: a problem, within the timeout.
    let vars = [("LLM_BASE_URL", format!("http://127.0.0.1:{closed}/v1"))];
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let config = Env::read_pairs(&pairs, |env| Some(VoiceConfig::from_env(env))).unwrap();
    let started = std::time::Instant::now();
    let probes = EnginePlan::new(&config, false)
        .probe(Duration::from_secs(3))
        .await;
    assert_eq!(probes.len(), 1);
    assert!(probes[0].problem.is_some(), "{probes:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
}
