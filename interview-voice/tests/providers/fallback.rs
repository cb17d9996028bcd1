//! The fallback adapters over scripted engines and engines that hang or break.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use futures_util::{StreamExt, stream};
use interview_core::audio::{AudioFormat, AudioFrame};
use interview_core::engine::{
    AudioStream, ChatMessage, ChatRequest, JsonSchemaFormat, LlmEngine, LlmError, LlmEvent,
    LlmStream, SttEngine, SttError, SttOptions, Transcription, TtsEngine, TtsError, VendorError,
    VendorErrorKind,
};
use interview_core::testing::{ScriptedLlm, ScriptedStt, ScriptedTts};
use interview_voice::fallback::{FallbackLlm, FallbackStt, FallbackTts};

use crate::support::Logs;

fn request() -> ChatRequest {
    ChatRequest {
        messages: vec![ChatMessage::user("Hi")],
        ..ChatRequest::default()
    }
}

/// An engine that never answers.
struct Hanging;

#[async_trait]
impl LlmEngine for Hanging {
    fn name(&self) -> &str {
        "hanging"
    }

    async fn chat(&self, _request: ChatRequest) -> Result<LlmStream, LlmError> {
        // It accepts the request, then never sends a piece.
        Ok(Box::pin(stream::pending()))
    }
}

#[async_trait]
impl SttEngine for Hanging {
    fn name(&self) -> &str {
        "hanging"
    }

    async fn transcribe(&self, _: &AudioFrame, _: &SttOptions) -> Result<Transcription, SttError> {
        std::future::pending().await
    }
}

/// An engine whose answer breaks after its first piece.
#[derive(Default)]
struct BreaksMidAnswer {
    calls: AtomicUsize,
}

fn server_error() -> VendorError {
    VendorError::new(
        "broken",
        VendorErrorKind::Server { status: 500 },
        "mid-answer failure",
    )
}

#[async_trait]
impl LlmEngine for BreaksMidAnswer {
    fn name(&self) -> &str {
        "broken"
    }

    async fn chat(&self, _request: ChatRequest) -> Result<LlmStream, LlmError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(Box::pin(stream::iter([
            Ok(LlmEvent::Text("Half an ".to_owned())),
            Err(server_error().into()),
        ])))
    }
}

#[async_trait]
impl TtsEngine for BreaksMidAnswer {
    fn name(&self) -> &str {
        "broken"
    }

    fn output_format(&self) -> AudioFormat {
        AudioFormat::PCM_24K
    }

    async fn synthesize(&self, _text: &str) -> Result<AudioStream, TtsError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let frame = AudioFrame::silence(Duration::from_millis(20), AudioFormat::PCM_24K).unwrap();
        Ok(Box::pin(stream::iter([
            Ok(frame),
            Err(server_error().into()),
        ])))
    }
}

#[tokio::test]
async fn llm_falls_back_on_failure_and_logs_the_switch() {
    let logs = Logs::capture();
    let primary = Arc::new(ScriptedLlm::default());
    primary.push_failure(VendorErrorKind::Server { status: 503 });
    let secondary = Arc::new(ScriptedLlm::new(["Hello there"]));
    let llm = FallbackLlm::new(vec![primary.clone(), secondary.clone()]);
    assert_eq!(llm.complete(request()).await.unwrap(), "Hello there");
    assert_eq!(primary.requests().len(), 1);
    assert_eq!(secondary.requests().len(), 1);
    let logged = logs.text();
    assert!(logged.contains("falling back"), "{logged}");
    assert!(
        logged.contains("from=\"scripted\"") || logged.contains("from=scripted"),
        "{logged}"
    );
}

#[tokio::test]
async fn every_engine_gets_the_whole_request_response_format_included() {
    let primary = Arc::new(ScriptedLlm::default());
    primary.push_failure(VendorErrorKind::Server { status: 503 });
    let secondary = Arc::new(ScriptedLlm::new(["{}"]));
    let llm = FallbackLlm::new(vec![primary.clone(), secondary.clone()]);
    let structured = ChatRequest {
        response_format: Some(JsonSchemaFormat {
            name: "verdict".to_owned(),
            schema: serde_json::json!({"type": "object"}),
        }),
        ..request()
    };
    llm.complete(structured.clone()).await.unwrap();
    for engine in [primary, secondary] {
        assert_eq!(engine.requests(), std::slice::from_ref(&structured));
    }
}

#[tokio::test(start_paused = true)]
async fn llm_falls_back_when_the_first_piece_is_late() {
    let secondary = Arc::new(ScriptedLlm::new(["Sorry for the wait"]));
    let llm = FallbackLlm::new(vec![Arc::new(Hanging), secondary.clone()])
        .with_attempt_timeout(Duration::from_secs(3));
    assert_eq!(llm.complete(request()).await.unwrap(), "Sorry for the wait");
}

#[tokio::test]
async fn llm_never_falls_back_after_the_answer_started() {
    let broken = Arc::new(BreaksMidAnswer::default());
    let secondary = Arc::new(ScriptedLlm::new(["never used"]));
    let llm = FallbackLlm::new(vec![broken.clone(), secondary.clone()]);
    let mut answer = llm.chat(request()).await.unwrap();
    assert_eq!(
        answer.next().await.unwrap().unwrap(),
        LlmEvent::Text("Half an ".to_owned())
    );
    assert!(matches!(
        answer.next().await,
        Some(Err(LlmError::Vendor(_)))
    ));
    assert!(answer.next().await.is_none());
    assert!(secondary.requests().is_empty());
    assert_eq!(broken.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn llm_returns_the_last_error_when_every_engine_fails() {
    let first = Arc::new(ScriptedLlm::default());
    first.push_failure(VendorErrorKind::Unauthorized);
    let second = Arc::new(ScriptedLlm::default());
    second.push_failure(VendorErrorKind::RateLimited { retry_after: None });
    let llm = FallbackLlm::new(vec![first, second]);
    let Err(LlmError::Vendor(error)) = llm.chat(request()).await else {
        panic!("expected a vendor error");
    };
    assert_eq!(
        error.kind,
        VendorErrorKind::RateLimited { retry_after: None }
    );
    let empty = FallbackLlm::new(Vec::new());
    assert!(empty.chat(request()).await.is_err());
}

#[tokio::test]
async fn stt_falls_back_on_failure_and_on_timeout() {
    let primary = Arc::new(ScriptedStt::default());
    primary.push_failure(VendorErrorKind::Connection);
    let secondary = Arc::new(ScriptedStt::new(["five years"]));
    let stt = FallbackStt::new(vec![primary.clone(), secondary.clone()]);
    let audio = AudioFrame::silence(Duration::from_millis(100), AudioFormat::SPEECH).unwrap();
    let result = stt
        .transcribe(&audio, &SttOptions::default())
        .await
        .unwrap();
    assert_eq!(result.text, "five years");
    assert_eq!(primary.heard().len(), 1);
    // Scripted engines do not stream: opening a live session fails over all of them.
    assert!(matches!(
        stt.stream(AudioFormat::SPEECH, &SttOptions::default())
            .await,
        Err(SttError::Unsupported(_))
    ));
}

#[tokio::test(start_paused = true)]
async fn stt_times_out_a_hanging_engine() {
    let secondary = Arc::new(ScriptedStt::new(["hello"]));
    let stt = FallbackStt::new(vec![Arc::new(Hanging), secondary])
        .with_attempt_timeout(Duration::from_secs(5));
    let audio = AudioFrame::silence(Duration::from_millis(100), AudioFormat::SPEECH).unwrap();
    assert_eq!(
        stt.transcribe(&audio, &SttOptions::default())
            .await
            .unwrap()
            .text,
        "hello"
    );
    let only_hanging =
        FallbackStt::new(vec![Arc::new(Hanging)]).with_attempt_timeout(Duration::from_secs(5));
    let Err(SttError::Vendor(error)) = only_hanging
        .transcribe(&audio, &SttOptions::default())
        .await
    else {
        panic!("expected a timeout");
    };
    assert_eq!(error.kind, VendorErrorKind::Timeout);
    assert!(error.message.contains("hanging"));
}

#[tokio::test]
async fn tts_falls_back_before_the_first_frame_only() {
    let primary = Arc::new(ScriptedTts::default());
    primary.push_failure(VendorErrorKind::Server { status: 500 });
    let secondary = Arc::new(ScriptedTts::new(
        AudioFormat::PCM_24K,
        Duration::from_millis(10),
    ));
    let tts = FallbackTts::new(vec![primary.clone(), secondary.clone()]);
    assert_eq!(tts.output_format(), AudioFormat::SPEECH);
    let frames: Vec<_> = tts.synthesize("Hello").await.unwrap().collect().await;
    assert!(!frames.is_empty());
    assert!(
        frames
            .iter()
            .all(|f| f.as_ref().unwrap().format() == AudioFormat::PCM_24K)
    );
    assert_eq!(secondary.spoken(), ["Hello"]);

    // Empty text is refused by the first engine, and nobody else is asked.
    let spare = Arc::new(ScriptedTts::default());
    let tts = FallbackTts::new(vec![Arc::new(ScriptedTts::default()), spare.clone()]);
    assert!(matches!(
        tts.synthesize(" ").await,
        Err(TtsError::InvalidText(_))
    ));
    assert!(spare.spoken().is_empty());

    let broken = Arc::new(BreaksMidAnswer::default());
    let spare = Arc::new(ScriptedTts::default());
    let tts = FallbackTts::new(vec![broken, spare.clone()]);
    let mut audio = tts.synthesize("Hello").await.unwrap();
    assert!(audio.next().await.unwrap().is_ok());
    assert!(audio.next().await.unwrap().is_err());
    assert!(spare.spoken().is_empty());
}

/// A voice whose server has no speech endpoint: every call is a 404.
struct NoSpeechEndpoint {
    calls: AtomicUsize,
}

#[async_trait]
impl TtsEngine for NoSpeechEndpoint {
    fn name(&self) -> &str {
        "openai-compatible"
    }

    fn output_format(&self) -> AudioFormat {
        AudioFormat::PCM_24K
    }

    async fn synthesize(&self, _text: &str) -> Result<AudioStream, TtsError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Err(VendorError::new(
            "openai-compatible",
            VendorErrorKind::BadRequest { status: 404 },
            "Not Found",
        )
        .into())
    }
}

#[tokio::test]
async fn a_voice_that_fails_for_good_is_left_out_with_one_warning_a_busy_one_is_not() {
    let logs = Logs::capture();
    let missing = Arc::new(NoSpeechEndpoint {
        calls: AtomicUsize::new(0),
    });
    let spare = Arc::new(ScriptedTts::new(
        AudioFormat::PCM_24K,
        Duration::from_millis(5),
    ));
    let tts = FallbackTts::new(vec![missing.clone(), spare.clone()]);
    for sentence in ["One.", "Two.", "Three."] {
        let frames: Vec<_> = tts.synthesize(sentence).await.unwrap().collect().await;
        assert!(frames.iter().all(Result::is_ok));
    }
    // Asked once: the 404 takes it out of the chain; the spare speaks every sentence.
    assert_eq!(missing.calls.load(Ordering::SeqCst), 1);
    assert_eq!(spare.spoken(), ["One.", "Two.", "Three."]);
    assert_eq!(
        logs.text().matches("left out of the chain").count(),
        1,
        "{}",
        logs.text()
    );

    // Once its time out is over, it is asked again.
    let tts =
        FallbackTts::new(vec![missing.clone(), spare.clone()]).with_bench_time(Duration::ZERO);
    let _: Vec<_> = tts.synthesize("Four.").await.unwrap().collect().await;
    let _: Vec<_> = tts.synthesize("Five.").await.unwrap().collect().await;
    assert_eq!(missing.calls.load(Ordering::SeqCst), 3);

    // A server error is this request's: the engine stays in the chain.
    let flaky = Arc::new(ScriptedTts::new(
        AudioFormat::PCM_24K,
        Duration::from_millis(5),
    ));
    flaky.push_failure(VendorErrorKind::Server { status: 503 });
    let tts = FallbackTts::new(vec![flaky.clone(), spare.clone()]);
    let _: Vec<_> = tts.synthesize("Six.").await.unwrap().collect().await;
    let _: Vec<_> = tts.synthesize("Seven.").await.unwrap().collect().await;
    assert_eq!(flaky.spoken(), ["Seven."]);
}
