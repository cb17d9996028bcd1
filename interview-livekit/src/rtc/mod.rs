//! The room media transport: a job's LiveKit room as a [`RoomIo`], with the
//! official `livekit` crate.
//!
//! [`join_room`] connects with the job's URL and token, publishes the agent's
//! audio track (fed from PCM frames through a `NativeAudioSource`), subscribes
//! to the candidate's microphone as 16 kHz mono PCM frames (`NativeAudioStream`),
//! and turns participant events and the candidate's typed input (text streams on
//! `lk.chat`, and nothing else) into [`RoomEvent`]s. What the session publishes
//! follows LiveKit's agent conventions ([`crate::conventions`]): the state as the
//! `lk.agent.state` attribute, the transcript and captions as `lk.transcription`
//! text streams. Everything above this module (VAD, turn detection, engines)
//! works on the [`RoomIo`] and never sees LiveKit types.
//!
//! [`avatar`] sends the agent's speech to a video avatar in the room.
//!
//! The `livekit` crate links libwebrtc, which its build script downloads; where
//! that is impossible, this module is only type-checked (`DOCS_RS=1 cargo check
//! --features rtc`).

pub mod avatar;

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use futures_util::StreamExt;
use interview_core::audio::{AudioFormat, AudioFrame};
use interview_core::clock::SystemClock;
use interview_core::interview::LiveMessage;
use interview_core::transport::{
    AUDIO_QUEUE, EventRefused, Playout, PlayoutTimeline, RoomEvent, RoomEvents, RoomInfo, RoomIo,
    RoomOutput, TEXT_QUEUE, TransportError,
};
use livekit::StreamReader;
use livekit::options::TrackPublishOptions;
use livekit::prelude::{
    ConnectionState, DataPacket, LocalAudioTrack, LocalTrack, RemoteParticipant, RemoteTrack, Room,
    RoomOptions, TrackSource,
};
use livekit::webrtc::audio_frame::AudioFrame as RtcFrame;
use livekit::webrtc::audio_source::native::NativeAudioSource;
use livekit::webrtc::audio_source::{AudioSourceOptions, RtcAudioSource};
use livekit::webrtc::audio_stream::native::NativeAudioStream;
use tokio::sync::mpsc;

use crate::JobContext;
use crate::conventions::{self, Conventions, Publication, Sender};

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
    let publication = room
        .local_participant()
        .publish_track(
            LocalTrack::Audio(track),
            TrackPublishOptions {
                source: TrackSource::Microphone,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| TransportError::Connect(Box::new(e)))?;
    let conventions = Arc::new(Mutex::new(Conventions::new()));
    lock(&conventions).set_agent_track(publication.sid().to_string());
    // The candidate's identity follows from the booking (`rooms::candidate_identity`),
    // so their words are sent on their behalf even if they only type.
    if let Some(token) = ctx.booking_token() {
        lock(&conventions).set_candidate(crate::rooms::candidate_identity(token));
    }
    let joined_state = lock(&conventions).joined();
    perform(&room, joined_state).await;

    let (audio_tx, audio_rx) = mpsc::channel::<AudioFrame>(AUDIO_QUEUE);
    let (events_tx, events_rx) = RoomEvents::channel(TEXT_QUEUE);
    // Whoever was in the room before the agent.
    for participant in room.remote_participants().into_values() {
        let _ = events_tx.send(joined(&participant));
    }
    {
        let conventions = conventions.clone();
        tokio::spawn(async move {
            while let Some(event) = room_events.recv().await {
                if !forward(event, &audio_tx, &events_tx, &conventions) {
                    break;
                }
            }
        });
    }

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
            conventions,
        }),
    };
    Ok((io, room))
}

fn lock(conventions: &Mutex<Conventions>) -> std::sync::MutexGuard<'_, Conventions> {
    conventions.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Carries out one [`Publication`] in `room`; a failure is logged (what the
/// room is told never stops the interview).
async fn perform(room: &Room, publication: Publication) {
    // The SDK's stream calls unwrap the signalling session: only while connected.
    if room.connection_state() != ConnectionState::Connected {
        tracing::debug!("the room is not connected; not told");
        return;
    }
    let participant = room.local_participant();
    let result = match publication {
        Publication::Attributes(attributes) => participant
            .set_attributes(attributes.into_iter().collect())
            .await
            .map_err(|e| e.to_string()),
        Publication::TextStream {
            topic,
            sender,
            attributes,
            text,
        } => {
            let mut options = livekit::SendTextOptions::new_with_topic(topic);
            options.attributes = attributes.into_iter().collect();
            if let Sender::OnBehalfOf(identity) = sender {
                options.sender_identity = Some(identity.into());
            }
            participant
                .send_text(&text, options)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        Publication::Data { topic, payload } => participant
            .publish_data(DataPacket {
                payload: payload.into_bytes(),
                topic: Some(topic),
                reliable: true,
                ..Default::default()
            })
            .await
            .map_err(|e| e.to_string()),
    };
    if let Err(error) = result {
        tracing::debug!(%error, "could not tell the room");
    }
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
    conventions: &Arc<Mutex<Conventions>>,
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
                // The candidate: their transcribed words are sent on their behalf.
                lock(conventions).microphone(
                    participant.identity().as_str(),
                    publication.sid().to_string(),
                );
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
        // Typed input is a text stream on `lk.chat`; data packets and the legacy
        // chat never become the candidate's words.
        Lk::TextStreamOpened {
            reader,
            topic,
            participant_identity,
        } => {
            if !conventions::is_typed_input(&topic) {
                tracing::debug!(%topic, "ignored a text stream");
                return true;
            }
            let Some(reader) = reader.take() else {
                return true;
            };
            let events = events.clone();
            let identity = participant_identity.to_string();
            tokio::spawn(async move {
                match reader.read_all().await {
                    Ok(text) => {
                        if let Err(EventRefused::Full) =
                            events.send(RoomEvent::Text { identity, text })
                        {
                            tracing::debug!(
                                "typed input arrived while the text queue was full; dropped"
                            );
                        }
                    }
                    Err(error) => tracing::debug!(%error, "a typed answer could not be read"),
                }
            });
            return true;
        }
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
    /// What the session publishes, mapped onto LiveKit's agent conventions.
    conventions: Arc<Mutex<Conventions>>,
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

    async fn publish(&self, message: &LiveMessage) -> Result<(), TransportError> {
        if self.closed.load(Ordering::Acquire) {
            return Err(TransportError::Closed);
        }
        let publications = lock(&self.conventions).publications(message);
        for publication in publications {
            perform(&self.room, publication).await;
        }
        Ok(())
    }

    async fn close(&self) {
        if !self.closed.swap(true, Ordering::AcqRel)
            && let Err(error) = self.room.close().await
        {
            tracing::warn!(%error, "leaving the room failed");
        }
    }
}
