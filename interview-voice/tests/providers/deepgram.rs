//! Deepgram: pre-recorded over HTTP (wiremock) and live over a WebSocket served by
//! the test itself.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use interview_core::Secret;
use interview_core::audio::{AudioFormat, AudioFrame};
use interview_core::engine::{SttEngine, SttError, SttEvent, SttOptions, VendorErrorKind};
use interview_voice::config::DeepgramConfig;
use interview_voice::providers::deepgram::DeepgramStt;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use url::Url;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{KEY, Logs, fast_retry};

fn engine(uri: &str) -> DeepgramStt {
    DeepgramStt::from_config(&DeepgramConfig {
        api_key: Secret::new(KEY),
    })
    .with_base_url(Url::parse(uri).unwrap())
    .with_retry(fast_retry())
}

fn frame(start: i16) -> AudioFrame {
    let samples = (0..800).map(|i| start.wrapping_add(i)).collect();
    AudioFrame::new(samples, AudioFormat::SPEECH).unwrap()
}

#[tokio::test]
async fn pre_recorded_posts_wav_with_the_token_and_reads_the_first_alternative() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/listen"))
        .and(query_param("model", "nova-3"))
        .and(query_param("smart_format", "true"))
        .and(query_param("punctuate", "true"))
        .and(query_param("language", "en-US"))
        .and(header("authorization", format!("Token {KEY}").as_str()))
        .and(header("content-type", "audio/wav"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "metadata": {"request_id": "uuid-1", "transaction_key": "deprecated", "sha256": "x", "created": "2026-01-01T00:00:00Z", "duration": 0.05, "channels": 1, "models": ["m"], "model_info": {}},
            "results": {"channels": [{"detected_language": "en", "alternatives": [{
                "transcript": "I led the billing migration.", "confidence": 0.97,
                "words": [{"word": "i", "start": 0.1, "end": 0.2, "confidence": 0.99, "punctuated_word": "I"}]
            }]}]}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let stt = engine(&server.uri());
    let audio = frame(0);
    let options = SttOptions {
        language: Some("en-US".to_owned()),
        prompt: None,
    };
    let result = stt.transcribe(&audio, &options).await.unwrap();
    assert_eq!(result.text, "I led the billing migration.");
    assert_eq!(result.language.as_deref(), Some("en"));
    assert_eq!(result.confidence, Some(0.97));
    let request = &server.received_requests().await.unwrap()[0];
    assert_eq!(&request.body[..4], b"RIFF");
    assert_eq!(&request.body[44..], &audio.to_le_bytes()[..]);
}

#[tokio::test]
async fn pre_recorded_errors_in_both_shapes() {
    let logs = Logs::capture();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "err_code": "Bad Request",
            "err_msg": "Bad Request: failed to process audio: corrupt or unsupported data",
            "request_id": "uuid-2"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let Err(SttError::Vendor(error)) = engine(&server.uri())
        .transcribe(&frame(0), &SttOptions::default())
        .await
    else {
        panic!("expected a vendor error");
    };
    assert_eq!(error.kind, VendorErrorKind::BadRequest { status: 400 });
    assert!(error.message.contains("corrupt or unsupported data"));

    let unauthorized = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "category": "INVALID_AUTH", "message": "Invalid credentials.", "details": "", "request_id": "uuid-3"
        })))
        .expect(1)
        .mount(&unauthorized)
        .await;
    let stt = engine(&unauthorized.uri());
    let Err(SttError::Vendor(error)) = stt.transcribe(&frame(0), &SttOptions::default()).await
    else {
        panic!("expected a vendor error");
    };
    assert_eq!(error.kind, VendorErrorKind::Unauthorized);
    assert_eq!(error.message, "Invalid credentials.");
    assert!(!format!("{stt:?}").contains(KEY));
    assert!(!logs.text().contains(KEY));

    let limited = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0").set_body_json(json!({
            "err_code": "TOO_MANY_REQUESTS", "err_msg": "Too many requests", "request_id": "r"
        })))
        .up_to_n_times(1)
        .expect(1)
        .mount(&limited)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"results\": 7}"))
        .expect(1)
        .mount(&limited)
        .await;
    let Err(SttError::Vendor(error)) = engine(&limited.uri())
        .transcribe(&frame(0), &SttOptions::default())
        .await
    else {
        panic!("expected a vendor error");
    };
    assert_eq!(error.kind, VendorErrorKind::Protocol);
}

/// What the in-test live server saw.
#[derive(Debug, Default)]
struct Seen {
    path_and_query: String,
    authorization: String,
    audio: Vec<u8>,
    empty_binary_frames: usize,
    keepalives: usize,
}

enum Script {
    /// Results after the first audio and a KeepAlive; Metadata and 1000 after CloseStream.
    Conversation,
    /// Close with 1011 NET-0001 right after the handshake.
    NoAudioTimeout,
}

/// A Deepgram-like live server on 127.0.0.1:0 for one connection.
async fn live_server(script: Script) -> (String, oneshot::Receiver<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let uri = format!("http://{}", listener.local_addr().unwrap());
    let (done, seen_rx) = oneshot::channel();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut seen = Seen::default();
        let mut head = (String::new(), String::new());
        #[allow(clippy::result_large_err)]
        let callback = |request: &Request, response: Response| -> Result<Response, ErrorResponse> {
            head.0 = request.uri().to_string();
            head.1 = request
                .headers()
                .get("authorization")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            Ok(response)
        };
        let mut socket = tokio_tungstenite::accept_hdr_async(stream, callback)
            .await
            .unwrap();
        seen.path_and_query = head.0;
        seen.authorization = head.1;
        match script {
            Script::NoAudioTimeout => {
                socket
                    .close(Some(CloseFrame {
                        code: CloseCode::Error,
                        reason: "NET-0001".into(),
                    }))
                    .await
                    .unwrap();
            }
            Script::Conversation => {
                let mut results_sent = false;
                while let Some(message) = socket.next().await {
                    match message.unwrap() {
                        Message::Binary(bytes) => {
                            if bytes.is_empty() {
                                seen.empty_binary_frames += 1;
                            }
                            seen.audio.extend_from_slice(&bytes);
                        }
                        Message::Text(text) => {
                            let value: serde_json::Value =
                                serde_json::from_str(text.as_str()).unwrap();
                            match value["type"].as_str().unwrap() {
                                "KeepAlive" => seen.keepalives += 1,
                                "CloseStream" => {
                                    socket.send(Message::text(json!({"type": "Metadata", "transaction_key": "deprecated", "request_id": "uuid", "sha256": "x", "created": "t", "duration": 0.1, "channels": 1}).to_string())).await.unwrap();
                                    socket
                                        .close(Some(CloseFrame {
                                            code: CloseCode::Normal,
                                            reason: "".into(),
                                        }))
                                        .await
                                        .unwrap();
                                    break;
                                }
                                other => panic!("unexpected message type {other}"),
                            }
                        }
                        _ => {}
                    }
                    if !results_sent && !seen.audio.is_empty() && seen.keepalives > 0 {
                        results_sent = true;
                        for message in [
                            json!({"type": "SpeechStarted", "channel": [0], "timestamp": 0.2}),
                            json!({"type": "Results", "channel_index": [0, 1], "duration": 0.5, "start": 0.0, "is_final": false, "speech_final": false,
                                   "channel": {"alternatives": [{"transcript": "I worked", "confidence": 0.8, "words": []}]}, "metadata": {"request_id": "uuid"}}),
                            json!({"type": "Results", "channel_index": [0, 1], "duration": 0.9, "start": 0.0, "is_final": false, "speech_final": false,
                                   "channel": {"alternatives": [{"transcript": "I worked on billing", "confidence": 0.85, "words": []}]}, "metadata": {"request_id": "uuid"}}),
                            json!({"type": "Results", "channel_index": [0, 1], "duration": 1.0, "start": 0.0, "is_final": true, "speech_final": true,
                                   "channel": {"alternatives": [{"transcript": "I worked on billing.", "confidence": 0.99, "words": []}]}, "metadata": {"request_id": "uuid"}}),
                            json!({"type": "UtteranceEnd", "channel": [0, 1], "last_word_end": 0.95}),
                        ] {
                            socket
                                .send(Message::text(message.to_string()))
                                .await
                                .unwrap();
                        }
                    }
                }
            }
        }
        let _ = done.send(seen);
    });
    (uri, seen_rx)
}

#[tokio::test]
async fn live_streams_audio_and_reports_interim_final_and_utterance_end() {
    let (uri, seen) = live_server(Script::Conversation).await;
    let stt = engine(&uri)
        .with_keepalive_interval(Duration::from_millis(5))
        .with_language("en");
    let mut stream = stt
        .stream(AudioFormat::SPEECH, &SttOptions::default())
        .await
        .unwrap();
    let frames = [
        frame(0),
        AudioFrame::new(Vec::new(), AudioFormat::SPEECH).unwrap(),
        frame(100),
    ];
    for frame in &frames {
        stream.audio.send(frame.clone()).await.unwrap();
    }
    let mut events = Vec::new();
    while let Some(event) = stream.events.next().await {
        let event = event.unwrap();
        let end = event == SttEvent::UtteranceEnd;
        events.push(event);
        if end {
            break;
        }
    }
    assert_eq!(
        events,
        [
            SttEvent::SpeechStarted,
            SttEvent::Interim {
                text: "I worked".to_owned()
            },
            SttEvent::Interim {
                text: "I worked on billing".to_owned()
            },
            SttEvent::Final {
                text: "I worked on billing.".to_owned(),
                speech_final: true,
                confidence: Some(0.99)
            },
            SttEvent::UtteranceEnd,
        ]
    );
    // Dropping the sender ends the audio: CloseStream, Metadata, close 1000, end.
    drop(stream.audio);
    assert!(stream.events.next().await.is_none());
    let seen = seen.await.unwrap();
    assert!(
        seen.path_and_query.starts_with("/v1/listen?"),
        "{}",
        seen.path_and_query
    );
    for param in [
        "model=nova-3",
        "interim_results=true",
        "encoding=linear16",
        "sample_rate=16000",
        "channels=1",
        "vad_events=true",
        "endpointing=25",
        "utterance_end_ms=1000",
        "language=en",
    ] {
        assert!(
            seen.path_and_query.contains(param),
            "{param} in {}",
            seen.path_and_query
        );
    }
    assert_eq!(seen.authorization, format!("Token {KEY}"));
    let mut expected = frames[0].to_le_bytes();
    expected.extend(frames[2].to_le_bytes());
    assert_eq!(seen.audio, expected);
    assert_eq!(seen.empty_binary_frames, 0);
    assert!(seen.keepalives >= 1);
}

#[tokio::test]
async fn live_close_with_net_0001_is_a_timeout_error() {
    let (uri, _seen) = live_server(Script::NoAudioTimeout).await;
    let mut stream = engine(&uri)
        .stream(AudioFormat::SPEECH, &SttOptions::default())
        .await
        .unwrap();
    let Some(Err(SttError::Vendor(error))) = stream.events.next().await else {
        panic!("expected a vendor error");
    };
    assert_eq!(error.kind, VendorErrorKind::Timeout);
    assert!(error.message.contains("NET-0001"), "{}", error.message);
    assert!(stream.events.next().await.is_none());
}

#[tokio::test]
async fn live_handshake_refusal_is_typed() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let uri = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        #[allow(clippy::result_large_err)]
        let refuse = |_: &Request, _: Response| -> Result<Response, ErrorResponse> {
            let mut response = ErrorResponse::new(Some(
                json!({"err_code": "INVALID_AUTH", "err_msg": "Invalid credentials.", "request_id": "r"}).to_string(),
            ));
            *response.status_mut() = StatusCode::UNAUTHORIZED;
            response
                .headers_mut()
                .insert("dg-error", "Invalid credentials.".parse().unwrap());
            Err(response)
        };
        let _ = tokio_tungstenite::accept_hdr_async(stream, refuse).await;
    });
    let logs = Logs::capture();
    let error = engine(&uri)
        .stream(AudioFormat::SPEECH, &SttOptions::default())
        .await
        .unwrap_err();
    let SttError::Vendor(error) = error else {
        panic!("expected a vendor error: {error:?}");
    };
    assert_eq!(error.kind, VendorErrorKind::Unauthorized);
    assert_eq!(error.message, "Invalid credentials.");
    assert!(!logs.text().contains(KEY));
}
