//! ElevenLabs streaming text-to-speech.

use std::sync::atomic::Ordering;

use futures_util::StreamExt;
use interview_core::Secret;
use interview_core::audio::AudioFormat;
use interview_core::engine::{TtsEngine, TtsError, VendorErrorKind};
use interview_voice::config::ElevenLabsConfig;
use interview_voice::providers::elevenlabs::{ElevenLabsFormat, ElevenLabsTts};
use serde_json::json;
use url::Url;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{End, KEY, Logs, RawServer, cut, fast_retry, short_timeouts};

fn engine(uri: &str) -> ElevenLabsTts {
    ElevenLabsTts::from_config(&ElevenLabsConfig {
        api_key: Secret::new(KEY),
        voice_id: Some("voice-1".to_owned()),
    })
    .with_base_url(Url::parse(uri).unwrap())
    .with_retry(fast_retry())
}

fn pcm() -> (Vec<i16>, Vec<u8>) {
    let samples: Vec<i16> = (0..3201)
        .map(|i| (i * 7 % 30_000 - 15_000) as i16)
        .collect();
    let bytes = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    (samples, bytes)
}

#[tokio::test]
async fn streams_pcm_with_the_rate_named_in_output_format() {
    let (samples, bytes) = pcm();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/text-to-speech/voice-1/stream"))
        .and(query_param("output_format", "pcm_16000"))
        .and(query_param("optimize_streaming_latency", "3"))
        .and(header("xi-api-key", KEY))
        .and(body_json(json!({
            "text": "Tell me about yourself.",
            "model_id": "eleven_turbo_v2_5",
            "voice_settings": {"stability": 0.5, "similarity_boost": 0.75},
            "language_code": "en"
        })))
        // The header claims another rate: the format name wins.
        .respond_with(ResponseTemplate::new(200).set_body_raw(bytes, "audio/pcm;rate=44100"))
        .expect(1)
        .mount(&server)
        .await;
    let tts = engine(&server.uri())
        .with_model("eleven_turbo_v2_5")
        .with_format(ElevenLabsFormat::Pcm16000)
        .with_optimize_streaming_latency(3)
        .with_language("en")
        .with_voice_settings(json!({"stability": 0.5, "similarity_boost": 0.75}));
    assert_eq!(tts.output_format(), AudioFormat::SPEECH);
    let mut stream = tts.synthesize("Tell me about yourself.").await.unwrap();
    let mut heard = Vec::new();
    while let Some(frame) = stream.next().await {
        let frame = frame.unwrap();
        assert_eq!(frame.format(), AudioFormat::SPEECH);
        heard.extend_from_slice(frame.samples());
    }
    // The last odd byte is half a sample and is dropped.
    assert_eq!(heard, samples);
}

#[tokio::test]
async fn frames_are_delivered_while_the_body_arrives() {
    let (samples, bytes) = pcm();
    let mut server = RawServer::start("200 OK", cut(&bytes, &[3, 1, 250, 5]), End::Hang).await;
    let tts = engine(&server.uri).with_timeouts(short_timeouts());
    assert_eq!(tts.output_format(), AudioFormat::PCM_24K);
    let mut stream = tts.synthesize("Hello").await.unwrap();
    let mut heard = Vec::new();
    let error = loop {
        match stream.next().await.unwrap() {
            Ok(frame) => {
                assert_eq!(frame.format(), AudioFormat::PCM_24K);
                heard.extend_from_slice(frame.samples());
            }
            Err(error) => break error,
        }
    };
    // Every whole sample sent reached the caller before the server went silent.
    assert_eq!(heard, samples);
    assert!(matches!(error, TtsError::Vendor(ref e) if e.kind == VendorErrorKind::Timeout));
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);
    let request = server.request().await;
    assert!(
        request
            .starts_with("POST /v1/text-to-speech/voice-1/stream?output_format=pcm_24000 HTTP/1.1"),
        "{request}"
    );
}

#[tokio::test]
async fn unauthorized_and_quota_errors_carry_the_detail() {
    let logs = Logs::capture();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"detail": {"status": "invalid_api_key", "message": "Invalid API key"}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let tts = engine(&server.uri());
    let Err(TtsError::Vendor(error)) = tts.synthesize("Hi").await else {
        panic!("expected a vendor error");
    };
    assert_eq!(error.kind, VendorErrorKind::Unauthorized);
    assert_eq!(error.message, "invalid_api_key: Invalid API key");
    assert!(!format!("{tts:?}").contains(KEY));
    assert!(!logs.text().contains(KEY));
}

#[tokio::test]
async fn retries_429_then_rejects_json_posing_as_audio() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "0")
                .set_body_json(json!({"detail": {"status": "too_many_concurrent_requests", "message": "Too many"}})),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"detail": {"message": "odd"}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let Err(TtsError::Vendor(error)) = engine(&server.uri()).synthesize("Hi").await else {
        panic!("expected a vendor error");
    };
    assert_eq!(error.kind, VendorErrorKind::Protocol);
    assert!(error.message.contains("odd"), "{}", error.message);
}

#[tokio::test]
async fn server_errors_are_retried_up_to_the_policy() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_string("oops"))
        .expect(3)
        .mount(&server)
        .await;
    let Err(TtsError::Vendor(error)) = engine(&server.uri()).synthesize("Hi").await else {
        panic!("expected a vendor error");
    };
    assert_eq!(error.kind, VendorErrorKind::Server { status: 500 });
}
