//! The agent's speech sent to a video avatar in the room, as LiveKit's
//! `DataStreamAudioOutput` does (vendor contracts §4b), with the agent's own
//! published audio track as the fallback.
//!
//! - **Start:** the agent waits for the avatar participant to publish a video
//!   track. If it does not within the timeout, or leaves, or a byte stream fails,
//!   the agent speaks on its published track for the rest of the job.
//! - **Segments:** each stretch of speech is one LiveKit byte stream (topic
//!   `lk.audio_stream`, name `AUDIO_<id>`, sent only to the avatar, attributes
//!   `sample_rate` and `num_channels`) of PCM s16le at 24 kHz mono. The
//!   [`RoomOutput`] trait has no "end of speech" call, so a stream is closed (the
//!   end of the segment) once its audio has played out, by the wall clock, with
//!   nothing more sent; or at once by [`RoomOutput::clear`].
//! - **Pacing:** [`RoomOutput::play`] returns once the frame is less than a second
//!   ahead of real-time playout, as the published track paces it, so the session
//!   sees speech take as long as it does. [`RoomOutput::playout`] completes when
//!   the audio sent to the avatar has played out by the wall clock (and what the
//!   published track spoke meanwhile has drained).
//! - **RPCs:** [`RoomOutput::clear`] (the candidate barged in) calls
//!   `lk.clear_buffer` on the avatar; `lk.playback_finished` from the avatar is
//!   answered `"ok"` (`"reject"` from anyone else) and logged.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use interview_core::audio::{AudioFormat, AudioFrame};
use interview_core::clock::SystemClock;
use interview_core::transport::{Playout, PlayoutTimeline, RoomOutput, TransportError};
use livekit::prelude::{
    ConnectionState, ParticipantIdentity, PerformRpcData, RemoteParticipant, Room, RoomEvent,
    RpcError, RpcInvocationData, TrackKind,
};
use livekit::{ByteStreamWriter, StreamByteOptions, StreamError, StreamWriter};
use tokio::sync::{Mutex, watch};
use tokio::time::Instant;

/// The byte-stream topic of the avatar's audio.
pub const AUDIO_STREAM_TOPIC: &str = "lk.audio_stream";
/// The RPC that tells the avatar to drop the audio it has not played.
pub const CLEAR_BUFFER_RPC: &str = "lk.clear_buffer";
/// The RPC the avatar calls when it has played (or dropped) a segment.
pub const PLAYBACK_FINISHED_RPC: &str = "lk.playback_finished";
/// The audio format the avatar is sent (PCM s16le, 24 kHz, mono).
pub const AVATAR_FORMAT: AudioFormat = AudioFormat::PCM_24K;

/// How far ahead of real-time playout [`RoomOutput::play`] may run.
const QUEUE: Duration = Duration::from_millis(1000);
/// How long after a segment's audio has played out, with nothing more sent, it ends.
const SEGMENT_GRACE: Duration = Duration::from_millis(250);
/// How long the agent waits for the avatar to answer `lk.clear_buffer`.
const CLEAR_TIMEOUT: Duration = Duration::from_secs(2);

/// Whether the avatar can be spoken to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Avatar {
    /// Not yet publishing video.
    Waiting,
    /// Publishing video: the agent's audio goes to it.
    Ready,
    /// Never came, left, or the room is gone: the published track speaks.
    Unavailable,
}

/// The open byte stream, if any.
#[derive(Default)]
struct Segment {
    writer: Option<ByteStreamWriter>,
    /// Counts segments (and clears), so a stale closer leaves a newer one alone.
    number: u64,
    /// When the audio sent so far will have played out.
    playout_end: Option<Instant>,
}

/// The agent's [`RoomOutput`] while a video avatar speaks for it: speech goes to
/// the avatar as byte streams, text and everything else to the published output,
/// which also speaks whenever the avatar cannot.
pub struct AvatarOutput {
    room: Arc<Room>,
    published: Arc<dyn RoomOutput>,
    identity: String,
    avatar: watch::Receiver<Avatar>,
    failed: AtomicBool,
    segment: Arc<Mutex<Segment>>,
    /// When the audio sent to the avatar will have played out.
    heard: PlayoutTimeline,
}

impl std::fmt::Debug for AvatarOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AvatarOutput")
            .field("identity", &self.identity)
            .field("avatar", &*self.avatar.borrow())
            .field("failed", &self.failed.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl AvatarOutput {
    /// Sends the agent's speech in `room` to the participant `identity` once it
    /// publishes video (within `video_timeout`), and to `published` (the agent's
    /// own track) until then if it never does. Must be called within a Tokio
    /// runtime. Fails when `published` does not take 24 kHz mono audio, the
    /// format the avatar is sent.
    pub fn new(
        room: Arc<Room>,
        published: Arc<dyn RoomOutput>,
        identity: impl Into<String>,
        video_timeout: Duration,
    ) -> Result<Self, TransportError> {
        let format = published.output_format();
        if format != AVATAR_FORMAT {
            return Err(TransportError::UnsupportedFormat(format));
        }
        let identity = identity.into();
        let avatar = watch_avatar(&room, identity.clone(), video_timeout);
        let caller = identity.clone();
        room.local_participant().register_rpc_method(
            PLAYBACK_FINISHED_RPC.to_owned(),
            move |data: RpcInvocationData| -> Pin<
                Box<dyn Future<Output = Result<String, RpcError>> + Send>,
            > {
                let from_avatar = data.caller_identity.as_str() == caller;
                Box::pin(async move {
                    if !from_avatar {
                        return Ok("reject".to_owned());
                    }
                    tracing::debug!(payload = %data.payload, "the avatar finished a segment");
                    Ok("ok".to_owned())
                })
            },
        );
        Ok(Self {
            room,
            published,
            identity,
            avatar,
            failed: AtomicBool::new(false),
            segment: Arc::default(),
            heard: PlayoutTimeline::new(Arc::new(SystemClock)),
        })
    }

    /// Whether speech goes to the avatar (waiting for its video first).
    async fn to_avatar(&self) -> bool {
        if self.failed.load(Ordering::Acquire) {
            return false;
        }
        let mut avatar = self.avatar.clone();
        let ready = match avatar.wait_for(|state| *state != Avatar::Waiting).await {
            Ok(state) => *state == Avatar::Ready,
            Err(_) => false,
        };
        // `stream_bytes` panics without a signalling session: only while connected.
        ready && self.room.connection_state() == ConnectionState::Connected
    }

    /// Sends `frame` to the avatar; returns when `play` may return.
    async fn stream(&self, frame: &AudioFrame) -> Result<Option<Instant>, StreamError> {
        let mut segment = self.segment.lock().await;
        let writer = match &segment.writer {
            Some(writer) => writer.clone(),
            None => {
                let options = StreamByteOptions::new_with_topic(AUDIO_STREAM_TOPIC)
                    .with_name(format!("AUDIO_{}", short_id()))
                    .with_destination_identity(self.identity.as_str())
                    .with_attribute("sample_rate", AVATAR_FORMAT.sample_rate.to_string())
                    .with_attribute("num_channels", AVATAR_FORMAT.channels.to_string());
                let writer = self.room.local_participant().stream_bytes(options).await?;
                segment.writer = Some(writer.clone());
                segment.number += 1;
                end_when_played(self.segment.clone(), segment.number);
                writer
            }
        };
        writer.write(&frame.to_le_bytes()).await?;
        let now = Instant::now();
        let end = segment.playout_end.filter(|end| *end > now).unwrap_or(now) + frame.duration();
        segment.playout_end = Some(end);
        Ok(end.checked_sub(QUEUE).filter(|until| *until > now))
    }

    fn fall_back(&self, error: &StreamError) {
        if !self.failed.swap(true, Ordering::AcqRel) {
            tracing::warn!(
                avatar = %self.identity,
                %error,
                "sending audio to the avatar failed: the interviewer speaks on its own track"
            );
        }
    }
}

#[async_trait]
impl RoomOutput for AvatarOutput {
    fn output_format(&self) -> AudioFormat {
        AVATAR_FORMAT
    }

    async fn play(&self, frame: AudioFrame) -> Result<(), TransportError> {
        if frame.format() != AVATAR_FORMAT {
            return Err(TransportError::UnsupportedFormat(frame.format()));
        }
        if !self.to_avatar().await {
            return self.published.play(frame).await;
        }
        match self.stream(&frame).await {
            Ok(Some(until)) => {
                self.heard.queue(frame.duration());
                tokio::time::sleep_until(until).await;
                Ok(())
            }
            Ok(None) => {
                self.heard.queue(frame.duration());
                Ok(())
            }
            Err(error) => {
                self.fall_back(&error);
                self.published.play(frame).await
            }
        }
    }

    async fn clear(&self) -> Result<(), TransportError> {
        let writer = {
            let mut segment = self.segment.lock().await;
            segment.number += 1;
            segment.playout_end = None;
            segment.writer.take()
        };
        self.heard.clear();
        if let Some(writer) = writer
            && let Err(error) = writer.close().await
        {
            tracing::debug!(%error, "closing the avatar's audio stream failed");
        }
        let avatar_ready = *self.avatar.borrow() == Avatar::Ready;
        if avatar_ready
            && !self.failed.load(Ordering::Acquire)
            && self.room.connection_state() == ConnectionState::Connected
        {
            let participant = self.room.local_participant();
            let request = PerformRpcData::new(self.identity.as_str(), CLEAR_BUFFER_RPC)
                .with_payload("")
                .with_response_timeout(CLEAR_TIMEOUT);
            // Not awaited: the candidate is talking and the session must listen.
            tokio::spawn(async move {
                if let Err(error) = participant.perform_rpc(request).await {
                    tracing::debug!(%error, "the avatar did not answer lk.clear_buffer");
                }
            });
        }
        self.published.clear().await
    }

    fn playout(&self) -> Playout {
        let avatar = self.heard.playout();
        let published = self.published.playout();
        Box::pin(async move {
            futures_util::future::join(avatar, published).await;
        })
    }

    async fn send_text(&self, topic: &str, text: &str) -> Result<(), TransportError> {
        self.published.send_text(topic, text).await
    }

    async fn publish(
        &self,
        message: &interview_core::interview::LiveMessage,
    ) -> Result<(), TransportError> {
        self.published.publish(message).await
    }

    async fn close(&self) {
        let writer = self.segment.lock().await.writer.take();
        if let Some(writer) = writer
            && let Err(error) = writer.close().await
        {
            tracing::debug!(%error, "closing the avatar's audio stream failed");
        }
        self.room
            .local_participant()
            .unregister_rpc_method(PLAYBACK_FINISHED_RPC.to_owned());
        self.published.close().await;
    }
}

/// Ends segment `number` once its audio has played out and nothing more came.
fn end_when_played(segment: Arc<Mutex<Segment>>, number: u64) {
    tokio::spawn(async move {
        loop {
            let end = {
                let current = segment.lock().await;
                if current.number != number || current.writer.is_none() {
                    return;
                }
                current.playout_end.unwrap_or_else(Instant::now)
            };
            tokio::time::sleep_until(end + SEGMENT_GRACE).await;
            let mut current = segment.lock().await;
            if current.number != number {
                return;
            }
            let played = current
                .playout_end
                .is_none_or(|end| end + SEGMENT_GRACE <= Instant::now());
            if played {
                let writer = current.writer.take();
                drop(current);
                if let Some(writer) = writer
                    && let Err(error) = writer.close().await
                {
                    tracing::debug!(%error, "ending the avatar's audio segment failed");
                }
                return;
            }
        }
    });
}

fn has_video(participant: &RemoteParticipant) -> bool {
    participant
        .track_publications()
        .values()
        .any(|publication| publication.kind() == TrackKind::Video)
}

/// Follows the avatar participant `identity` in `room`: ready once it publishes
/// video, unavailable if it has not within `timeout`, or leaves, or the room ends.
fn watch_avatar(room: &Room, identity: String, timeout: Duration) -> watch::Receiver<Avatar> {
    // Subscribed before looking, so a track published in between is not missed.
    let mut events = room.subscribe();
    let present = room
        .remote_participants()
        .get(&ParticipantIdentity::from(identity.as_str()))
        .is_some_and(has_video);
    let (state, receiver) = watch::channel(if present {
        Avatar::Ready
    } else {
        Avatar::Waiting
    });
    tokio::spawn(async move {
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        loop {
            let waiting = *state.borrow() == Avatar::Waiting;
            tokio::select! {
                () = &mut deadline, if waiting => {
                    tracing::warn!(
                        avatar = %identity,
                        ?timeout,
                        "the avatar published no video in time: the interviewer speaks on its own track"
                    );
                    state.send_replace(Avatar::Unavailable);
                    return;
                }
                () = state.closed() => return,
                event = events.recv() => {
                    let Some(event) = event else {
                        state.send_replace(Avatar::Unavailable);
                        return;
                    };
                    match event {
                        RoomEvent::ParticipantConnected(participant)
                            if waiting
                                && participant.identity().as_str() == identity
                                && has_video(&participant) =>
                        {
                            tracing::info!(avatar = %identity, "the avatar is in the room with video");
                            state.send_replace(Avatar::Ready);
                        }
                        RoomEvent::TrackPublished { publication, participant }
                            if waiting
                                && participant.identity().as_str() == identity
                                && publication.kind() == TrackKind::Video =>
                        {
                            tracing::info!(avatar = %identity, "the avatar published its video");
                            state.send_replace(Avatar::Ready);
                        }
                        RoomEvent::ParticipantDisconnected(participant)
                            if participant.identity().as_str() == identity =>
                        {
                            tracing::warn!(
                                avatar = %identity,
                                "the avatar left the room: the interviewer speaks on its own track"
                            );
                            state.send_replace(Avatar::Unavailable);
                            return;
                        }
                        RoomEvent::Disconnected { .. } => {
                            state.send_replace(Avatar::Unavailable);
                            return;
                        }
                        _ => {}
                    }
                }
            }
        }
    });
    receiver
}

/// A short random id for a segment's name (`AUDIO_<id>`); a fixed one when the
/// operating system has no randomness (names only need to differ within a room).
fn short_id() -> String {
    interview_core::random::hex_string(6).unwrap_or_else(|_| "0".to_owned())
}
