//! Live recognition over a WebSocket: audio goes out as binary frames, results come
//! back as JSON text messages.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use interview_core::audio::{AudioFormat, AudioFrame};
use interview_core::engine::{
    SttError, SttEvent, SttOptions, SttStream, VendorError, VendorErrorKind,
};
use reqwest::header::AUTHORIZATION;
use serde::Deserialize;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until, timeout_at};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use url::Url;

use super::{DeepgramStt, VENDOR};
use crate::http::{join_url, secret_header, truncate};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Audio frames waiting to be sent; the sender waits when the socket is slower.
const AUDIO_QUEUE: usize = 64;
/// Results waiting to be read.
const EVENT_QUEUE: usize = 256;

pub(super) async fn open(
    engine: &DeepgramStt,
    format: AudioFormat,
    options: &SttOptions,
) -> Result<SttStream, SttError> {
    let url = live_url(engine, format, options)?;
    let socket = connect(engine, &url).await?;
    let (audio_tx, audio_rx) = mpsc::channel(AUDIO_QUEUE);
    let (events_tx, events_rx) = mpsc::channel(EVENT_QUEUE);
    let session = Session {
        format,
        keepalive: engine.keepalive,
        close_wait: engine.http.timeouts().idle,
        events: events_tx,
    };
    tokio::spawn(session.run(socket, audio_rx));
    let events = futures_util::stream::unfold(events_rx, |mut rx| async move {
        rx.recv().await.map(|event| (event, rx))
    });
    Ok(SttStream {
        audio: audio_tx,
        events: Box::pin(events),
    })
}

fn live_url(
    engine: &DeepgramStt,
    format: AudioFormat,
    options: &SttOptions,
) -> Result<Url, SttError> {
    let base = match &engine.live_url {
        Some(url) => url.clone(),
        None => {
            let mut url = engine.base_url.clone();
            let scheme = if url.scheme() == "http" { "ws" } else { "wss" };
            url.set_scheme(scheme).map_err(|()| {
                VendorError::new(
                    VENDOR,
                    VendorErrorKind::BadRequest { status: 0 },
                    "the base URL cannot be turned into a WebSocket URL",
                )
            })?;
            url
        }
    };
    let mut url = join_url(&base, "v1/listen");
    {
        let mut query = url.query_pairs_mut();
        let smart = if engine.smart_format { "true" } else { "false" };
        query
            .append_pair("model", &engine.model)
            .append_pair("punctuate", smart)
            .append_pair("smart_format", smart)
            .append_pair("interim_results", "true")
            .append_pair("encoding", "linear16")
            .append_pair("sample_rate", &format.sample_rate.to_string())
            .append_pair("channels", &format.channels.to_string())
            .append_pair("vad_events", "true");
        match engine.endpointing_ms {
            Some(millis) => query.append_pair("endpointing", &millis.to_string()),
            None => query.append_pair("endpointing", "false"),
        };
        if let Some(millis) = engine.utterance_end_ms {
            query.append_pair("utterance_end_ms", &millis.to_string());
        }
        if let Some(language) = engine.language_for(options) {
            query.append_pair("language", language);
        }
    }
    Ok(url)
}

/// Opens the socket, retrying a refused handshake (429, 5xx) or a failed
/// connection as the engine's retry policy allows.
async fn connect(engine: &DeepgramStt, url: &Url) -> Result<Socket, SttError> {
    if url.scheme() == "wss" {
        ensure_crypto_provider();
    }
    let auth = secret_header(VENDOR, "Token ", engine.http.api_key())?;
    let timeouts = engine.http.timeouts();
    let deadline = Instant::now() + timeouts.total;
    let mut retry = 0;
    loop {
        let mut request = url
            .as_str()
            .into_client_request()
            .map_err(|e| ws_error(engine, e))?;
        request.headers_mut().insert(AUTHORIZATION, auth.clone());
        let until = deadline.min(Instant::now() + timeouts.connect + timeouts.idle);
        let error = match timeout_at(until, tokio_tungstenite::connect_async(request)).await {
            Ok(Ok((socket, _))) => return Ok(socket),
            Ok(Err(error)) => ws_error(engine, error),
            Err(_) => VendorError::new(
                VENDOR,
                VendorErrorKind::Timeout,
                "the live socket did not open in time",
            ),
        };
        retry += 1;
        match engine.http.retry_policy().delay_before_retry(retry, &error) {
            Some(delay) if Instant::now() + delay < deadline => {
                tracing::warn!(vendor = VENDOR, retry, error = %error, "live socket refused; retrying");
                tokio::time::sleep(delay).await;
            }
            _ => return Err(error.into()),
        }
    }
}

/// wss needs a rustls crypto provider; when the process has not installed one
/// (and more than one backend is compiled in), install aws-lc-rs, the one reqwest
/// uses.
fn ensure_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing the race to another installer is fine: a provider is installed.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    }
}

fn ws_error(engine: &DeepgramStt, error: WsError) -> VendorError {
    match error {
        WsError::Http(response) => {
            let status = response.status().as_u16();
            let retry_after = crate::http::retry_after(response.headers());
            let header_error = response
                .headers()
                .get("dg-error")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = response
                .body()
                .as_deref()
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            let message = super::parse_error_message(&body)
                .or(header_error)
                .unwrap_or_else(|| truncate(body.trim(), 300));
            engine.http.status_error(status, retry_after, &message)
        }
        WsError::Url(_) | WsError::HttpFormat(_) => VendorError::new(
            VENDOR,
            VendorErrorKind::BadRequest { status: 0 },
            "invalid live URL",
        )
        .with_source(error),
        other => VendorError::new(VENDOR, VendorErrorKind::Connection, "live socket failed")
            .with_source(other),
    }
}

struct Session {
    format: AudioFormat,
    keepalive: Duration,
    close_wait: Duration,
    events: mpsc::Sender<Result<SttEvent, SttError>>,
}

impl Session {
    async fn run(self, socket: Socket, mut audio: mpsc::Receiver<AudioFrame>) {
        if let Err(error) = self.pump(socket, &mut audio).await {
            let _ = self.events.send(Err(error)).await;
        }
    }

    async fn pump(
        &self,
        socket: Socket,
        audio: &mut mpsc::Receiver<AudioFrame>,
    ) -> Result<(), SttError> {
        let (mut sink, mut source) = socket.split();
        let mut keepalive =
            tokio::time::interval_at(Instant::now() + self.keepalive, self.keepalive);
        let mut closing_by: Option<Instant> = None;
        loop {
            tokio::select! {
                () = self.events.closed() => {
                    // Nobody listens any more: finish politely.
                    let _ = sink.send(Message::text(r#"{"type":"CloseStream"}"#)).await;
                    let _ = sink.close().await;
                    return Ok(());
                }
                frame = audio.recv(), if closing_by.is_none() => match frame {
                    Some(frame) => {
                        if frame.format() != self.format {
                            return Err(SttError::InvalidAudio(format!(
                                "the stream was opened for {}, got {}", self.format, frame.format()
                            )));
                        }
                        // Deepgram closes the socket on an empty binary frame.
                        if !frame.is_empty() {
                            sink.send(Message::binary(frame.to_le_bytes())).await.map_err(broken)?;
                        }
                    }
                    None => {
                        sink.send(Message::text(r#"{"type":"CloseStream"}"#)).await.map_err(broken)?;
                        closing_by = Some(Instant::now() + self.close_wait);
                    }
                },
                _ = keepalive.tick() => {
                    sink.send(Message::text(r#"{"type":"KeepAlive"}"#)).await.map_err(broken)?;
                }
                message = source.next() => match message {
                    Some(Ok(Message::Text(text))) => {
                        if let Some(event) = decode(text.as_str())?
                            && self.events.send(Ok(event)).await.is_err()
                        {
                            return Ok(());
                        }
                    }
                    Some(Ok(Message::Close(frame))) => return closed(frame, closing_by.is_some()),
                    Some(Ok(_)) => {}
                    Some(Err(error)) => return Err(broken(error)),
                    None if closing_by.is_some() => return Ok(()),
                    None => return Err(broken(WsError::ConnectionClosed)),
                },
                () = wait_until(closing_by) => {
                    return Err(VendorError::new(VENDOR, VendorErrorKind::Timeout, "no close after CloseStream").into());
                }
            }
        }
    }
}

async fn wait_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

fn broken(error: WsError) -> SttError {
    VendorError::new(VENDOR, VendorErrorKind::Connection, "the live socket broke")
        .with_source(error)
        .into()
}

/// A close frame: normal after `CloseStream`, an error otherwise (`NET-0001`: no
/// audio in time, `DATA-0000`: audio that cannot be decoded).
fn closed(frame: Option<CloseFrame>, closing: bool) -> Result<(), SttError> {
    let (code, reason) = match &frame {
        Some(frame) => (frame.code, frame.reason.as_str().to_owned()),
        None => (CloseCode::Normal, String::new()),
    };
    if code == CloseCode::Normal && (closing || reason.is_empty()) {
        return Ok(());
    }
    let kind = if reason.starts_with("NET-") {
        VendorErrorKind::Timeout
    } else if reason.starts_with("DATA-") {
        VendorErrorKind::BadRequest {
            status: u16::from(code),
        }
    } else if code == CloseCode::Normal {
        return Ok(());
    } else {
        VendorErrorKind::Connection
    };
    let message = format!("closed with code {}: {reason}", u16::from(code));
    Err(VendorError::new(VENDOR, kind, message).into())
}

#[derive(Deserialize)]
struct ServerMessage {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    is_final: bool,
    #[serde(default)]
    speech_final: bool,
    #[serde(default)]
    channel: Option<serde_json::Value>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Deserialize)]
struct ResultChannel {
    #[serde(default)]
    alternatives: Vec<Alternative>,
}

#[derive(Deserialize)]
struct Alternative {
    #[serde(default)]
    transcript: String,
    #[serde(default)]
    confidence: Option<f32>,
}

/// One server message as an event; `None` for messages with nothing to report
/// (`Metadata`, empty interim results).
pub(crate) fn decode(text: &str) -> Result<Option<SttEvent>, SttError> {
    let protocol = |message: String| -> SttError {
        VendorError::new(VENDOR, VendorErrorKind::Protocol, message).into()
    };
    let message: ServerMessage = serde_json::from_str(text)
        .map_err(|_| protocol(format!("unreadable message: {}", truncate(text, 200))))?;
    match message.kind.as_str() {
        "Results" => {
            // `channel` is an object in Results (and a list in other messages).
            let channel: ResultChannel = message
                .channel
                .map(serde_json::from_value)
                .transpose()
                .map_err(|_| protocol(format!("unexpected Results: {}", truncate(text, 200))))?
                .unwrap_or(ResultChannel {
                    alternatives: Vec::new(),
                });
            let best = channel.alternatives.into_iter().next();
            let text = best
                .as_ref()
                .map(|a| a.transcript.trim().to_owned())
                .unwrap_or_default();
            if !message.is_final {
                return Ok((!text.is_empty()).then_some(SttEvent::Interim { text }));
            }
            if text.is_empty() && !message.speech_final {
                return Ok(None);
            }
            Ok(Some(SttEvent::Final {
                text,
                speech_final: message.speech_final,
                confidence: best.and_then(|a| a.confidence),
            }))
        }
        "SpeechStarted" => Ok(Some(SttEvent::SpeechStarted)),
        "UtteranceEnd" => Ok(Some(SttEvent::UtteranceEnd)),
        "Error" => {
            let text = message
                .description
                .or(message.message)
                .unwrap_or_else(|| truncate(text, 200));
            Err(VendorError::new(VENDOR, VendorErrorKind::Server { status: 500 }, text).into())
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_documented_messages() {
        let interim = r#"{"type":"Results","channel_index":[0,1],"duration":1.0,"start":0.0,"is_final":false,"speech_final":false,"channel":{"alternatives":[{"transcript":"I have","confidence":0.9,"words":[]}]},"metadata":{"request_id":"r"}}"#;
        assert_eq!(
            decode(interim).unwrap(),
            Some(SttEvent::Interim {
                text: "I have".to_owned()
            })
        );
        let last = r#"{"type":"Results","is_final":true,"speech_final":true,"channel":{"alternatives":[{"transcript":"I have five years.","confidence":0.98}]}}"#;
        assert_eq!(
            decode(last).unwrap(),
            Some(SttEvent::Final {
                text: "I have five years.".to_owned(),
                speech_final: true,
                confidence: Some(0.98)
            })
        );
        let silence = r#"{"type":"Results","is_final":true,"speech_final":false,"channel":{"alternatives":[{"transcript":"","confidence":0.0}]}}"#;
        assert_eq!(decode(silence).unwrap(), None);
        assert_eq!(
            decode(r#"{"type":"SpeechStarted","channel":[0],"timestamp":1.23}"#).unwrap(),
            Some(SttEvent::SpeechStarted)
        );
        assert_eq!(
            decode(r#"{"type":"UtteranceEnd","channel":[0,1],"last_word_end":2.395}"#).unwrap(),
            Some(SttEvent::UtteranceEnd)
        );
        assert_eq!(
            decode(r#"{"type":"Metadata","request_id":"r","channels":1}"#).unwrap(),
            None
        );
        assert!(decode("not json").is_err());
    }

    #[test]
    fn close_codes() {
        let frame = |code: u16, reason: &str| {
            Some(CloseFrame {
                code: CloseCode::from(code),
                reason: reason.into(),
            })
        };
        assert!(closed(frame(1000, ""), true).is_ok());
        let Err(SttError::Vendor(error)) = closed(frame(1011, "NET-0001"), false) else {
            panic!("expected an error");
        };
        assert_eq!(error.kind, VendorErrorKind::Timeout);
        assert!(error.message.contains("NET-0001"));
        let Err(SttError::Vendor(error)) = closed(frame(1002, "DATA-0000"), false) else {
            panic!("expected an error");
        };
        assert_eq!(error.kind, VendorErrorKind::BadRequest { status: 1002 });
    }
}
