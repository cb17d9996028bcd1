//! A WebSocket as a [`RoomIo`]: the page's microphone in, the agent's speech out.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use axum::extract::ws::{Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use interview_core::BookingToken;
use interview_core::audio::{AudioFormat, AudioFrame};
use interview_core::transport::{RoomEvent, RoomInfo, RoomIo, RoomOutput, TransportError};
use serde::Deserialize;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// What the page sends: 16 kHz mono 16-bit PCM.
pub const INPUT_FORMAT: AudioFormat = AudioFormat::SPEECH;
/// The largest microphone message accepted: one second of audio.
pub const MAX_INPUT_BYTES: usize = 32_000;
/// How far ahead of real time speech is sent, so playback has no gaps but a
/// `clear` still stops the agent quickly.
const PLAYBACK_LEAD: Duration = Duration::from_millis(300);
/// Microphone frames waiting for the session; past this they are dropped (logged).
const INPUT_QUEUE: usize = 512;

enum Outgoing {
    Audio { generation: u64, frame: AudioFrame },
    Clear,
    Text(String),
    Close,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Incoming {
    Text { text: String },
    Leave,
}

/// What the output and the writer task share. The writer holds only this, not the
/// sender: once every [`SocketOutput`] is gone (the interview ended, or its task
/// panicked), the queue closes and the writer closes the socket.
#[derive(Default)]
struct Shared {
    generation: AtomicU64,
    closed: AtomicBool,
}

struct SocketOutput {
    format: AudioFormat,
    outgoing: mpsc::Sender<Outgoing>,
    shared: Arc<Shared>,
}

#[async_trait]
impl RoomOutput for SocketOutput {
    fn output_format(&self) -> AudioFormat {
        self.format
    }

    async fn play(&self, frame: AudioFrame) -> Result<(), TransportError> {
        if frame.format() != self.format {
            return Err(TransportError::UnsupportedFormat(frame.format()));
        }
        let generation = self.shared.generation.load(Ordering::SeqCst);
        self.send(Outgoing::Audio { generation, frame }).await
    }

    async fn clear(&self) -> Result<(), TransportError> {
        self.shared.generation.fetch_add(1, Ordering::SeqCst);
        self.send(Outgoing::Clear).await
    }

    async fn send_text(&self, topic: &str, text: &str) -> Result<(), TransportError> {
        let message = serde_json::json!({ "type": topic, "data": text }).to_string();
        self.send(Outgoing::Text(message)).await
    }

    async fn close(&self) {
        if !self.shared.closed.swap(true, Ordering::SeqCst) {
            let _ = self.outgoing.send(Outgoing::Close).await;
        }
    }
}

impl SocketOutput {
    async fn send(&self, message: Outgoing) -> Result<(), TransportError> {
        if self.shared.closed.load(Ordering::SeqCst) {
            return Err(TransportError::Closed);
        }
        self.outgoing
            .send(message)
            .await
            .map_err(|_| TransportError::Closed)
    }
}

/// Turns an upgraded socket into a room for the interview of `token`. The output is
/// returned beside the room so the caller can close the socket when the interview
/// ends.
pub(crate) fn room(
    socket: WebSocket,
    token: &BookingToken,
    candidate_name: &str,
    output_format: AudioFormat,
) -> (RoomIo, Arc<dyn RoomOutput>) {
    let (mut sink, mut stream) = socket.split();
    let (outgoing, mut queue) = mpsc::channel::<Outgoing>(64);
    let output = Arc::new(SocketOutput {
        format: output_format,
        outgoing,
        shared: Arc::default(),
    });

    // Writer: paces speech to real time plus a small lead, drops cleared speech.
    let shared = output.shared.clone();
    tokio::spawn(async move {
        let ready = serde_json::json!({
            "type": "ready",
            "inputSampleRate": INPUT_FORMAT.sample_rate,
            "outputSampleRate": output_format.sample_rate,
        });
        if sink
            .send(Message::Text(ready.to_string().into()))
            .await
            .is_err()
        {
            return;
        }
        let mut played_until = Instant::now();
        while let Some(message) = queue.recv().await {
            let sent = match message {
                Outgoing::Audio { generation, frame } => {
                    if generation != shared.generation.load(Ordering::SeqCst) {
                        continue;
                    }
                    let now = Instant::now();
                    if played_until > now + PLAYBACK_LEAD {
                        tokio::time::sleep_until(played_until - PLAYBACK_LEAD).await;
                    }
                    played_until = played_until.max(Instant::now()) + frame.duration();
                    sink.send(Message::Binary(frame.to_le_bytes().into())).await
                }
                Outgoing::Clear => {
                    played_until = Instant::now();
                    sink.send(Message::Text(r#"{"type":"clear"}"#.into())).await
                }
                Outgoing::Text(text) => sink.send(Message::Text(text.into())).await,
                Outgoing::Close => break,
            };
            if sent.is_err() {
                break;
            }
        }
        // The queue ended (every output is gone) or a Close was asked for: either
        // way the page is told the interview is over.
        shared.closed.store(true, Ordering::SeqCst);
        let _ = sink.send(Message::Close(None)).await;
    });

    // Reader: microphone frames and typed answers in; the end of the socket ends both.
    let (audio, audio_in) = mpsc::channel::<AudioFrame>(INPUT_QUEUE);
    let (events, events_in) = mpsc::unbounded_channel::<RoomEvent>();
    let identity = format!("candidate_{}", &token.as_str()[..8]);
    let _ = events.send(RoomEvent::ParticipantJoined {
        identity: identity.clone(),
        name: candidate_name.to_owned(),
    });
    // Weak: the reader must not keep the output (and so the writer) alive.
    let reader_output = Arc::downgrade(&output);
    tokio::spawn(async move {
        let mut dropped = 0_u64;
        let reason = loop {
            let Some(message) = stream.next().await else {
                break "the page closed the connection".to_owned();
            };
            match message {
                Ok(Message::Binary(bytes)) => {
                    if bytes.len() > MAX_INPUT_BYTES {
                        break format!(
                            "a microphone message of {} bytes is too large",
                            bytes.len()
                        );
                    }
                    let Ok(frame) = AudioFrame::from_le_bytes(&bytes, INPUT_FORMAT) else {
                        break "a microphone message is not 16-bit PCM".to_owned();
                    };
                    if audio.try_send(frame).is_err() {
                        dropped += 1;
                        if dropped.is_power_of_two() {
                            tracing::warn!(
                                dropped,
                                "the interview is not keeping up with the microphone; frames dropped"
                            );
                        }
                    }
                }
                Ok(Message::Text(text)) => match serde_json::from_str::<Incoming>(&text) {
                    Ok(Incoming::Text { text }) => {
                        let text = text.trim();
                        if !text.is_empty() {
                            let _ = events.send(RoomEvent::Text {
                                identity: identity.clone(),
                                text: text.chars().take(4000).collect(),
                            });
                        }
                    }
                    Ok(Incoming::Leave) => break "the candidate left".to_owned(),
                    Err(error) => {
                        tracing::debug!(%error, "ignoring an unknown message from the page")
                    }
                },
                Ok(Message::Close(_)) => break "the page closed the connection".to_owned(),
                Ok(_) => {}
                Err(error) => break format!("the connection failed: {error}"),
            }
        };
        tracing::info!(%reason, "local interview connection ended");
        let _ = events.send(RoomEvent::ParticipantLeft {
            identity: identity.clone(),
        });
        let _ = events.send(RoomEvent::Disconnected { reason });
        if let Some(output) = reader_output.upgrade() {
            output.close().await;
        }
    });

    let room = RoomIo {
        info: RoomInfo {
            name: format!("local_{}", &token.as_str()[..8]),
            metadata: None,
            local_identity: "interviewer".to_owned(),
        },
        audio_in: Box::pin(futures_util::stream::unfold(
            audio_in,
            |mut rx| async move { rx.recv().await.map(|frame| (frame, rx)) },
        )),
        events: Box::pin(futures_util::stream::unfold(
            events_in,
            |mut rx| async move { rx.recv().await.map(|event| (event, rx)) },
        )),
        output: output.clone(),
    };
    (room, output)
}
