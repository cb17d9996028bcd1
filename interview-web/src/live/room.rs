//! A booking's room in this process: it outlives the page's connections, so a
//! candidate whose connection drops (network, closed tab, crash) comes back to the
//! same interview. The interviewer sees one [`RoomIo`] for the whole interview; a
//! connection attaching is the candidate joining, a connection ending is the
//! candidate leaving.
//!
//! Playout: every stretch of speech has a position (samples queued since the room
//! opened). The page numbers the audio messages it receives and acknowledges each
//! once it has played it (`{"type":"played","seq":N}`); the room then knows how
//! far the candidate has heard, and [`RoomOutput::playout`] waits for it. Speech
//! that is cleared, or sent when no page is connected, or still unacknowledged
//! when the page goes, counts as done: no one will hear it.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use axum::extract::ws::{Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use interview_core::BookingToken;
use interview_core::audio::{AudioFormat, AudioFrame};
use interview_core::interview::{NOTICE_TOPIC, NoticeMessage};
use interview_core::transport::{
    AUDIO_QUEUE, EventRefused, Playout, RoomEvent, RoomEvents, RoomInfo, RoomIo, RoomOutput,
    TEXT_QUEUE, TransportError,
};
use serde::Deserialize;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::{INPUT_FORMAT, MAX_INPUT_BYTES};

/// How far ahead of real time speech is sent, so playback has no gaps but a
/// `clear` still stops the agent quickly.
const PLAYBACK_LEAD: Duration = Duration::from_millis(300);

/// The most audio messages a page may have unacknowledged: beyond them the oldest
/// counts as heard (speech is sent at real-time pace, so this is minutes of it).
const MAX_IN_FLIGHT: usize = 4096;

enum Outgoing {
    Audio {
        generation: u64,
        frame: AudioFrame,
        /// The frame's end, as a playout position.
        end: u64,
    },
    Clear,
    Text(String),
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Incoming {
    Text {
        text: String,
    },
    /// The page played its audio messages up to number `seq` (counted from 1 on
    /// this connection).
    Played {
        seq: u64,
    },
    Leave,
}

/// Audio messages sent to the page and not yet acknowledged: `(seq, end)`.
type InFlight = Arc<Mutex<VecDeque<(u64, u64)>>>;

/// The page connected now.
struct Connection {
    id: u64,
    outgoing: mpsc::Sender<Outgoing>,
    /// Bumped by `clear`: speech queued before it is dropped by the writer.
    generation: Arc<AtomicU64>,
}

/// How far the interviewer's speech was queued and how far it was heard, as
/// positions (samples since the room opened).
struct Positions {
    queued: Mutex<u64>,
    heard: watch::Sender<u64>,
}

impl Positions {
    fn new() -> Self {
        Self {
            queued: Mutex::new(0),
            heard: watch::Sender::new(0),
        }
    }

    /// Queues `samples` more; returns the end position.
    fn queue(&self, samples: u64) -> u64 {
        let mut queued = lock(&self.queued);
        *queued = queued.saturating_add(samples);
        *queued
    }

    /// Everything up to `position` was heard (or dropped).
    fn heard(&self, position: u64) {
        self.heard.send_if_modified(|heard| {
            let later = position > *heard;
            if later {
                *heard = position;
            }
            later
        });
    }

    /// Everything queued so far counts as done.
    fn all_done(&self) {
        let queued = *lock(&self.queued);
        self.heard(queued);
    }

    /// Waits until what is queued now was heard.
    fn playout(&self) -> Playout {
        let target = *lock(&self.queued);
        if *self.heard.borrow() >= target {
            return Box::pin(std::future::ready(()));
        }
        let mut heard = self.heard.subscribe();
        Box::pin(async move {
            // The room (the sender) is gone: no one is waiting to hear.
            let _ = heard.wait_for(|heard| *heard >= target).await;
        })
    }
}

/// One booking's room.
pub(crate) struct LocalRoom {
    format: AudioFormat,
    identity: String,
    candidate_name: String,
    audio: mpsc::Sender<AudioFrame>,
    events: RoomEvents,
    connection: Mutex<Option<Connection>>,
    next_connection: AtomicU64,
    closed: AtomicBool,
    positions: Positions,
}

impl std::fmt::Debug for LocalRoom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalRoom")
            .field("connected", &self.is_connected())
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl LocalRoom {
    /// A room for the interview of `token`, and its side for the interviewer.
    pub(crate) fn open(
        token: &BookingToken,
        candidate_name: &str,
        format: AudioFormat,
    ) -> (Arc<Self>, RoomIo) {
        let (audio, audio_in) = mpsc::channel::<AudioFrame>(AUDIO_QUEUE);
        let (events, events_in) = RoomEvents::channel(TEXT_QUEUE);
        let room = Arc::new(Self {
            format,
            identity: format!("candidate_{}", &token.as_str()[..8]),
            candidate_name: candidate_name.to_owned(),
            audio,
            events,
            connection: Mutex::new(None),
            next_connection: AtomicU64::new(0),
            closed: AtomicBool::new(false),
            positions: Positions::new(),
        });
        let io = RoomIo {
            info: RoomInfo {
                name: format!("local_{}", &token.as_str()[..8]),
                metadata: None,
                local_identity: "interviewer".to_owned(),
            },
            audio_in: Box::pin(futures_util::stream::unfold(
                audio_in,
                |mut rx| async move { rx.recv().await.map(|frame| (frame, rx)) },
            )),
            events: events_in,
            output: Arc::new(RoomSide(room.clone())),
        };
        (room, io)
    }

    /// Whether a page is connected now.
    pub(crate) fn is_connected(&self) -> bool {
        lock(&self.connection).is_some()
    }

    /// Whether the interview in this room is over.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// The interview is over: the page connected now is told and closed, and no
    /// other connects.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        // Dropping the queue's sender ends the writer, which closes the socket.
        lock(&self.connection).take();
        self.positions.all_done();
    }

    /// Connects the page on `socket` as the candidate. A room that already has a
    /// page connected, or is closed, gives the socket back (boxed: it is large).
    pub(crate) fn attach(self: &Arc<Self>, socket: WebSocket) -> Result<(), Box<WebSocket>> {
        let (outgoing, queue) = mpsc::channel::<Outgoing>(64);
        let generation = Arc::new(AtomicU64::new(0));
        let in_flight = InFlight::default();
        let id = self.next_connection.fetch_add(1, Ordering::SeqCst);
        {
            let mut current = lock(&self.connection);
            if current.is_some() || self.is_closed() {
                return Err(Box::new(socket));
            }
            *current = Some(Connection {
                id,
                outgoing,
                generation: generation.clone(),
            });
        }
        let (sink, stream) = socket.split();
        tokio::spawn(write(
            self.clone(),
            sink,
            queue,
            generation,
            in_flight.clone(),
        ));
        let _ = self.events.send(RoomEvent::ParticipantJoined {
            identity: self.identity.clone(),
            name: self.candidate_name.clone(),
        });
        tokio::spawn(read(self.clone(), id, stream, in_flight));
        Ok(())
    }

    /// The connection `id` ended: unless another replaced it, the candidate left.
    fn detach(&self, id: u64, reason: &str) {
        let left = {
            let mut current = lock(&self.connection);
            if current.as_ref().is_some_and(|c| c.id == id) {
                current.take();
                true
            } else {
                false
            }
        };
        tracing::info!(%reason, "local interview connection ended");
        // What the page had not played yet, it never will.
        self.positions.all_done();
        if left {
            let _ = self.events.send(RoomEvent::ParticipantLeft {
                identity: self.identity.clone(),
            });
        }
    }

    /// Tells the connected page `notice`, unless its queue is full (then it is
    /// busy enough).
    fn notify(&self, notice: NoticeMessage) {
        if let Some((outgoing, _)) = self.connection() {
            let message =
                serde_json::json!({ "type": NOTICE_TOPIC, "data": notice.to_json() }).to_string();
            let _ = outgoing.try_send(Outgoing::Text(message));
        }
    }

    /// The connected page's queue and the speech generation it plays.
    fn connection(&self) -> Option<(mpsc::Sender<Outgoing>, Arc<AtomicU64>)> {
        lock(&self.connection)
            .as_ref()
            .map(|c| (c.outgoing.clone(), c.generation.clone()))
    }
}

/// Sends the interviewer's side to the page: a `ready` first, then speech paced to
/// real time plus a small lead (cleared speech dropped), messages, and a close
/// when the room drops the connection. Each audio message is remembered until the
/// page acknowledges it.
async fn write(
    room: Arc<LocalRoom>,
    mut sink: futures_util::stream::SplitSink<WebSocket, Message>,
    mut queue: mpsc::Receiver<Outgoing>,
    generation: Arc<AtomicU64>,
    in_flight: InFlight,
) {
    let ready = serde_json::json!({
        "type": "ready",
        "inputSampleRate": INPUT_FORMAT.sample_rate,
        "outputSampleRate": room.format.sample_rate,
    });
    if sink
        .send(Message::Text(ready.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    let mut played_until = Instant::now();
    let mut seq = 0_u64;
    while let Some(message) = queue.recv().await {
        let sent = match message {
            Outgoing::Audio {
                generation: of,
                frame,
                end,
            } => {
                if of != generation.load(Ordering::SeqCst) {
                    continue;
                }
                let now = Instant::now();
                if played_until > now + PLAYBACK_LEAD {
                    tokio::time::sleep_until(played_until - PLAYBACK_LEAD).await;
                }
                played_until = played_until.max(Instant::now()) + frame.duration();
                seq += 1;
                let oldest = {
                    let mut in_flight = lock(&in_flight);
                    in_flight.push_back((seq, end));
                    (in_flight.len() > MAX_IN_FLIGHT)
                        .then(|| in_flight.pop_front())
                        .flatten()
                };
                if let Some((_, end)) = oldest {
                    room.positions.heard(end);
                }
                sink.send(Message::Binary(frame.to_le_bytes().into())).await
            }
            Outgoing::Clear => {
                played_until = Instant::now();
                sink.send(Message::Text(r#"{"type":"clear"}"#.into())).await
            }
            Outgoing::Text(text) => sink.send(Message::Text(text.into())).await,
        };
        if sent.is_err() {
            break;
        }
    }
    // The room let go of this connection: the interview ended, or the page left.
    let _ = sink.send(Message::Close(None)).await;
}

/// Reads the page: microphone frames and typed answers in; the end of the socket
/// (or a message that breaks the protocol) is the candidate leaving.
async fn read(
    room: Arc<LocalRoom>,
    id: u64,
    mut stream: futures_util::stream::SplitStream<WebSocket>,
    in_flight: InFlight,
) {
    let mut dropped = 0_u64;
    // Whether the page was told its messages come too fast, since the last one
    // that went through: one notice per burst, not one per message.
    let mut told = false;
    let reason = loop {
        let Some(message) = stream.next().await else {
            break "the page closed the connection".to_owned();
        };
        match message {
            Ok(Message::Binary(bytes)) => {
                if bytes.len() > MAX_INPUT_BYTES {
                    break format!("a microphone message of {} bytes is too large", bytes.len());
                }
                let Ok(frame) = AudioFrame::from_le_bytes(&bytes, INPUT_FORMAT) else {
                    break "a microphone message is not 16-bit PCM".to_owned();
                };
                if room.audio.try_send(frame).is_err() {
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
                    if text.is_empty() {
                        continue;
                    }
                    // The interviewer cuts answers to its own limit; the socket's
                    // message size bounds what waits here.
                    match room.events.send(RoomEvent::Text {
                        identity: room.identity.clone(),
                        text: text.to_owned(),
                    }) {
                        Ok(()) => told = false,
                        Err(EventRefused::Full) => {
                            if !told {
                                told = true;
                                tracing::warn!(
                                    "typed messages are arriving faster than the interview reads them; refused"
                                );
                                room.notify(NoticeMessage::too_fast());
                            }
                        }
                        Err(_) => break "the interview is over".to_owned(),
                    }
                }
                Ok(Incoming::Played { seq }) => {
                    let heard = {
                        let mut in_flight = lock(&in_flight);
                        let mut heard = None;
                        while let Some(&(sent, end)) = in_flight.front() {
                            if sent > seq {
                                break;
                            }
                            heard = Some(end);
                            in_flight.pop_front();
                        }
                        heard
                    };
                    if let Some(end) = heard {
                        room.positions.heard(end);
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
    room.detach(id, &reason);
}

/// The interviewer's side of the room.
struct RoomSide(Arc<LocalRoom>);

impl RoomSide {
    /// Queues `message` for the page connected now. With no page, or one that just
    /// went, the message is dropped: the candidate is away and the interviewer is
    /// told so by the room's events, not by a failure here.
    async fn send(&self, message: impl FnOnce(u64) -> Outgoing) -> Result<(), TransportError> {
        if self.0.is_closed() {
            return Err(TransportError::Closed);
        }
        if let Some((outgoing, generation)) = self.0.connection() {
            let _ = outgoing
                .send(message(generation.load(Ordering::SeqCst)))
                .await;
        }
        Ok(())
    }
}

#[async_trait]
impl RoomOutput for RoomSide {
    fn output_format(&self) -> AudioFormat {
        self.0.format
    }

    async fn play(&self, frame: AudioFrame) -> Result<(), TransportError> {
        if frame.format() != self.0.format {
            return Err(TransportError::UnsupportedFormat(frame.format()));
        }
        let samples = u64::try_from(frame.samples().len()).unwrap_or(u64::MAX);
        let end = self.0.positions.queue(samples);
        if self.0.connection().is_none() {
            // No page: no one to hear it, and no one to wait for.
            self.0.positions.heard(end);
        }
        self.send(|generation| Outgoing::Audio {
            generation,
            frame,
            end,
        })
        .await
    }

    async fn clear(&self) -> Result<(), TransportError> {
        if let Some((_, generation)) = self.0.connection() {
            generation.fetch_add(1, Ordering::SeqCst);
        }
        self.0.positions.all_done();
        self.send(|_| Outgoing::Clear).await
    }

    fn playout(&self) -> Playout {
        self.0.positions.playout()
    }

    async fn send_text(&self, topic: &str, text: &str) -> Result<(), TransportError> {
        let message = serde_json::json!({ "type": topic, "data": text }).to_string();
        self.send(|_| Outgoing::Text(message)).await
    }

    async fn close(&self) {
        self.0.close();
    }
}
