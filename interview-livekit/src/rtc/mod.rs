//! The room media transport: a job's LiveKit room as a [`RoomIo`], with the
//! official `livekit` crate.
//!
//! [`join_room`] connects with the job's URL and token, publishes the agent's
//! audio track (fed from PCM frames through a `NativeAudioSource`), subscribes
//! to the candidate's microphone as 16 kHz mono PCM frames (`NativeAudioStream`),
//! and turns participant events, chat messages and data packets into
//! [`RoomEvent`]s. Everything above this module (VAD, turn detection, engines)
//! works on the [`RoomIo`] and never sees LiveKit types.
//!
//! [`avatar`] sends the agent's speech to a video avatar in the room.
//!
//! The `livekit` crate links libwebrtc, which its build script downloads; where
//! that is impossible, this module is only type-checked (`DOCS_RS=1 cargo check
//! --features rtc`).

pub mod avatar;

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use futures_util::StreamExt;
use interview_core::audio::{AudioFormat, AudioFrame};
use interview_core::clock::SystemClock;
use interview_core::transport::{
    AUDIO_QUEUE, EventRefused, Playout, PlayoutTimeline, RoomEvent, RoomEvents, RoomInfo, RoomIo,
    RoomOutput, TEXT_QUEUE, TransportError,
};
use livekit::options::TrackPublishOptions;
use livekit::prelude::{
    DataPacket, LocalAudioTrack, LocalTrack, RemoteParticipant, RemoteTrack, Room, RoomOptions,
    TrackSource,
};
use livekit::webrtc::audio_frame::AudioFrame as RtcFrame;
use livekit::webrtc::audio_source::native::NativeAudioSource;
use livekit::webrtc::audio_source::{AudioSourceOptions, RtcAudioSource};
use livekit::webrtc::audio_stream::native::NativeAudioStream;
use tokio::sync::mpsc;

use crate::JobContext;

/// How the agent's side of the room is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtcOptions {
    /// The format of the agent's speech given to [`RoomOutput::play`] (default
    /// 24 kHz mono, what the speech engines produce).
    pub output_format: AudioFormat,
    /// How much of the agent's speech WebRTC may queue, in milliseconds (default 1000).
    pub queue_ms: u32,
    /// The name of the agent's audio track.
    pub track_name: String,
}

impl Default for RtcOptions {
    fn default() -> Self {
        Self {
            output_format: AudioFormat::PCM_24K,
            queue_ms: 1000,
            track_name: "interviewer".to_owned(),
        }
    }
}

/// The format the candidate's microphone is delivered in.
pub const INPUT_FORMAT: AudioFormat = AudioFormat::SPEECH;

/// Joins the job's room and returns it as a [`RoomIo`]: the candidate's
/// microphone (16 kHz mono), the room's events, and the agent's published track.
pub async fn join_room(ctx: &JobContext, options: RtcOptions) -> Result<RoomIo, TransportError> {
    join_room_with_handle(ctx, options).await.map(|(io, _)| io)
}

/// [`join_room`], also returning the LiveKit room itself (to send the agent's
/// audio to an avatar with [`avatar::AvatarOutput`]).
pub async fn join_room_with_handle(
    ctx: &JobContext,
    options: RtcOptions,
) -> Result<(RoomIo, Arc<Room>), TransportError> {
    let (room, mut room_events) =
        Room::connect(ctx.url(), ctx.token().expose(), RoomOptions::default())
            .await
            .map_err(|e| TransportError::Connect(Box::new(e)))?;
    let room = Arc::new(room);

    let format = options.output_format;
    let source = NativeAudioSource::new(
        AudioSourceOptions::default(),
        format.sample_rate,
        u32::from(format.channels),
        options.queue_ms,
    );
    let track = LocalAudioTrack::create_audio_track(
        &options.track_name,
        RtcAudioSource::Native(source.clone()),
    );
    room.local_participant()
        .publish_track(
            LocalTrack::Audio(track),
            TrackPublishOptions {
                source: TrackSource::Microphone,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| TransportError::Connect(Box::new(e)))?;

    let (audio_tx, audio_rx) = mpsc::channel::<AudioFrame>(AUDIO_QUEUE);
    let (events_tx, events_rx) = RoomEvents::channel(TEXT_QUEUE);
    // Whoever was in the room before the agent.
    for participant in room.remote_participants().into_values() {
        let _ = events_tx.send(joined(&participant));
    }
    tokio::spawn(async move {
        while let Some(event) = room_events.recv().await {
            if !forward(event, &audio_tx, &events_tx) {
                break;
            }
        }
    });

    let metadata = Some(room.metadata())
        .filter(|m| !m.is_empty())
        .or_else(|| ctx.room_metadata().map(str::to_owned));
    let info = RoomInfo {
        name: room.name(),
        metadata,
        local_identity: room.local_participant().identity().to_string(),
    };
    let io = RoomIo {
        info,
        audio_in: Box::pin(futures_util::stream::unfold(
            audio_rx,
            |mut rx| async move { rx.recv().await.map(|frame| (frame, rx)) },
        )),
        events: events_rx,
        output: Arc::new(LiveKitOutput {
            room: room.clone(),
            source,
            format,
            closed: AtomicBool::new(false),
            drained: PlayoutTimeline::new(Arc::new(SystemClock)),
        }),
    };
    Ok((io, room))
}

fn joined(participant: &RemoteParticipant) -> RoomEvent {
    RoomEvent::ParticipantJoined {
        identity: participant.identity().to_string(),
        name: participant.name(),
    }
}

/// Turns one LiveKit event into ours; false once the room is gone.
fn forward(
    event: livekit::RoomEvent,
    audio: &mpsc::Sender<AudioFrame>,
    events: &RoomEvents,
) -> bool {
    use livekit::RoomEvent as Lk;
    let ours = match event {
        Lk::ParticipantConnected(participant) => joined(&participant),
        Lk::ParticipantDisconnected(participant) => RoomEvent::ParticipantLeft {
            identity: participant.identity().to_string(),
        },
        Lk::TrackSubscribed {
            track: RemoteTrack::Audio(track),
            publication,
            participant,
        } => {
            if publication.source() == TrackSource::Microphone {
                tracing::info!(identity = %participant.identity(), "listening to a microphone");
                let mut stream = NativeAudioStream::new(
                    track.rtc_track(),
                    i32::try_from(INPUT_FORMAT.sample_rate).unwrap_or(16_000),
                    i32::from(INPUT_FORMAT.channels),
                );
                let audio = audio.clone();
                tokio::spawn(async move {
                    while let Some(frame) = stream.next().await {
                        let Ok(frame) = AudioFrame::new(frame.data.into_owned(), INPUT_FORMAT)
                        else {
                            continue;
                        };
                        match audio.try_send(frame) {
                            Ok(()) => {}
                            // The session is behind: this frame is lost, not queued.
                            Err(mpsc::error::TrySendError::Full(_)) => {}
                            Err(mpsc::error::TrySendError::Closed(_)) => break,
                        }
                    }
                });
            }
            return true;
        }
        Lk::DataReceived {
            payload,
            topic,
            participant: Some(participant),
            ..
        } => {
            let Ok(text) = String::from_utf8(payload.to_vec()) else {
                tracing::debug!(?topic, "ignored a binary data packet");
                return true;
            };
            RoomEvent::Text {
                identity: participant.identity().to_string(),
                text,
            }
        }
        Lk::ChatMessage {
            message,
            participant: Some(participant),
        } => RoomEvent::Text {
            identity: participant.identity().to_string(),
            text: message.message,
        },
        Lk::Disconnected { reason } => {
            let _ = events.send(RoomEvent::Disconnected {
                reason: format!("{reason:?}"),
            });
            return false;
        }
        _ => return true,
    };
    match events.send(ours) {
        Ok(()) => true,
        // Typed text beyond the queue is dropped; the session paces what it reads.
        Err(EventRefused::Full) => {
            tracing::debug!("a data message arrived while the text queue was full; dropped");
            true
        }
        Err(_) => false,
    }
}

/// The agent's published audio track and data channel.
struct LiveKitOutput {
    room: Arc<Room>,
    source: NativeAudioSource,
    format: AudioFormat,
    closed: AtomicBool,
    /// When the source's queue is drained. `capture_frame` returns once a frame
    /// is in the queue, which WebRTC drains in real time, and the SDK has no
    /// wait-for-playout call: the drain is modelled on the wall clock.
    drained: PlayoutTimeline,
}

#[async_trait]
impl RoomOutput for LiveKitOutput {
    fn output_format(&self) -> AudioFormat {
        self.format
    }

    async fn play(&self, frame: AudioFrame) -> Result<(), TransportError> {
        if self.closed.load(Ordering::Acquire) {
            return Err(TransportError::Closed);
        }
        if frame.format() != self.format {
            return Err(TransportError::UnsupportedFormat(frame.format()));
        }
        let samples_per_channel = u32::try_from(frame.samples_per_channel())
            .map_err(|e| TransportError::Other(Box::new(e)))?;
        let duration = frame.duration();
        let rtc_frame = RtcFrame {
            data: Cow::Owned(frame.into_samples()),
            sample_rate: self.format.sample_rate,
            num_channels: u32::from(self.format.channels),
            samples_per_channel,
        };
        self.source
            .capture_frame(&rtc_frame)
            .await
            .map_err(|e| TransportError::Other(Box::new(e)))?;
        self.drained.queue(duration);
        Ok(())
    }

    async fn clear(&self) -> Result<(), TransportError> {
        self.source.clear_buffer();
        self.drained.clear();
        Ok(())
    }

    fn playout(&self) -> Playout {
        self.drained.playout()
    }

    async fn send_text(&self, topic: &str, text: &str) -> Result<(), TransportError> {
        if self.closed.load(Ordering::Acquire) {
            return Err(TransportError::Closed);
        }
        self.room
            .local_participant()
            .publish_data(DataPacket {
                payload: text.as_bytes().to_vec(),
                topic: Some(topic.to_owned()),
                reliable: true,
                ..Default::default()
            })
            .await
            .map_err(|e| TransportError::Other(Box::new(e)))
    }

    async fn close(&self) {
        if !self.closed.swap(true, Ordering::AcqRel)
            && let Err(error) = self.room.close().await
        {
            tracing::warn!(%error, "leaving the room failed");
        }
    }
}
