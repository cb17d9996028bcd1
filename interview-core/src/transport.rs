//! A real-time room as the interviewer sees it: the candidate's audio and events
//! coming in, the agent's audio and messages going out.
//!
//! The LiveKit room, the local WebSocket transport and the in-memory test room all
//! produce a [`RoomIo`], so the interview session runs the same on each.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use futures_core::stream::BoxStream;
use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::Booking;
use crate::audio::{AudioFormat, AudioFrame};
use crate::clock::Clock;
use crate::error::BoxError;
use crate::interview::LiveMessage;

/// What is known about a room when it is joined.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoomInfo {
    /// The room's name.
    pub name: String,
    /// The room's metadata (JSON from the web layer: `{"resume_text", "booking_token"}`).
    pub metadata: Option<String>,
    /// The agent's own identity in the room.
    pub local_identity: String,
}

/// Something that happened in the room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum RoomEvent {
    /// A participant joined.
    ParticipantJoined {
        /// Their identity.
        identity: String,
        /// Their display name.
        name: String,
    },
    /// A participant left.
    ParticipantLeft {
        /// Their identity.
        identity: String,
    },
    /// A participant sent text (typed answers, when there is no speech-to-text).
    Text {
        /// Who sent it.
        identity: String,
        /// What they wrote.
        text: String,
    },
    /// The connection to the room ended.
    Disconnected {
        /// Why, for logs.
        reason: String,
    },
}

/// Failures of a transport.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The room could not be joined.
    #[error("could not join the room: {0}")]
    Connect(#[source] BoxError),
    /// The room is gone (the candidate left, the connection dropped).
    #[error("the room is closed")]
    Closed,
    /// Audio in a format the transport cannot send.
    #[error("the transport cannot send audio as {0}")]
    UnsupportedFormat(AudioFormat),
    /// Any other failure.
    #[error("transport failure")]
    Other(#[source] BoxError),
}

/// The agent's side of a room: where its audio and messages go.
#[async_trait]
pub trait RoomOutput: Send + Sync {
    /// The format [`RoomOutput::play`] expects (frames in another format are an error).
    fn output_format(&self) -> AudioFormat;

    /// Queues a frame of the agent's speech. Returns once the frame is queued, so a
    /// fast producer is paced by the transport.
    async fn play(&self, frame: AudioFrame) -> Result<(), TransportError>;

    /// Drops speech queued but not yet played (the candidate barged in).
    async fn clear(&self) -> Result<(), TransportError>;

    /// Completes once the candidate has heard every frame queued with
    /// [`RoomOutput::play`] before this call, or those frames were dropped (by
    /// [`RoomOutput::clear`], or because no one is there to hear them).
    ///
    /// What it waits for is fixed when it is called, not when it is first polled:
    /// speech queued afterwards does not delay it, so a caller can note where a
    /// sentence starts and go on queueing. Transports learn it from the far end
    /// (the local page acknowledges what it played) or model it (a WebRTC source
    /// drains its queue in real time: [`PlayoutTimeline`]). The default completes
    /// at once, for a transport that cannot tell: its audio counts as heard when
    /// queued.
    ///
    /// A far end that never reports leaves it pending: callers bound the wait (the
    /// interview session waits at most the audio's duration plus some slack).
    fn playout(&self) -> Playout {
        Box::pin(std::future::ready(()))
    }

    /// Sends a text message to the room on `topic`.
    async fn send_text(&self, topic: &str, text: &str) -> Result<(), TransportError>;

    /// Publishes what the interviewer tells the room besides its audio (its state,
    /// transcript lines, captions, progress, notices). The default sends each as
    /// JSON on its topic ([`LiveMessage::topic`]); a transport with conventions of
    /// its own (LiveKit's agent attributes and transcription streams) maps them.
    async fn publish(&self, message: &LiveMessage) -> Result<(), TransportError> {
        self.send_text(message.topic(), &message.to_json()).await
    }

    /// Leaves the room.
    async fn close(&self);
}

/// A wait for the candidate to have heard the agent's speech ([`RoomOutput::playout`]).
pub type Playout = BoxFuture<'static, ()>;

/// Playout modelled on a clock, for a far end that plays a queue at real-time pace
/// and says nothing back (a WebRTC audio source, an avatar, the in-memory test
/// room): audio is heard from when it is queued, or from when the audio queued
/// before it ends, for as long as it lasts; a clear ends it all at once.
#[derive(Debug)]
pub struct PlayoutTimeline {
    clock: Arc<dyn Clock>,
    state: watch::Sender<Timeline>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Timeline {
    /// When everything queued so far will have been heard.
    ends_at: Option<DateTime<Utc>>,
    /// Counts clears, so a wait can tell its audio was dropped.
    clears: u64,
}

impl PlayoutTimeline {
    /// A timeline on `clock` with nothing queued.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            state: watch::Sender::new(Timeline::default()),
        }
    }

    /// Queues `duration` of audio; returns when it will have been heard.
    pub fn queue(&self, duration: Duration) -> DateTime<Utc> {
        let now = self.clock.now();
        let duration = TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX);
        let mut end = now;
        self.state.send_modify(|timeline| {
            let start = timeline.ends_at.filter(|end| *end > now).unwrap_or(now);
            end = start.checked_add_signed(duration).unwrap_or(start);
            timeline.ends_at = Some(end);
        });
        end
    }

    /// Drops everything queued: waits for it complete now.
    pub fn clear(&self) {
        self.state.send_modify(|timeline| {
            timeline.ends_at = None;
            timeline.clears += 1;
        });
    }

    /// When everything queued so far will have been heard (`None` when nothing
    /// was queued since the last clear).
    pub fn ends_at(&self) -> Option<DateTime<Utc>> {
        self.state.borrow().ends_at
    }

    /// [`RoomOutput::playout`] on this timeline: completes when the clock reaches
    /// the end of what is queued now, or at a clear.
    pub fn playout(&self) -> Playout {
        let snapshot = *self.state.borrow();
        let Some(end) = snapshot.ends_at.filter(|end| *end > self.clock.now()) else {
            return Box::pin(std::future::ready(()));
        };
        let clock = self.clock.clone();
        let mut changes = self.state.subscribe();
        Box::pin(async move {
            let played = clock.sleep_until(end);
            // A dropped timeline (the room is gone) ends the wait too.
            let cleared = Box::pin(async move {
                let _ = changes
                    .wait_for(|timeline| timeline.clears != snapshot.clears)
                    .await;
            });
            futures_util::future::select(played, cleared).await;
        })
    }
}

/// A joined room, split into what comes in and what goes out.
pub struct RoomIo {
    /// The room's name and metadata.
    pub info: RoomInfo,
    /// The candidate's microphone as PCM frames; ends when the room closes.
    pub audio_in: BoxStream<'static, AudioFrame>,
    /// Participant and text events; ends when the room closes.
    pub events: BoxStream<'static, RoomEvent>,
    /// Where the agent's audio and messages go.
    pub output: std::sync::Arc<dyn RoomOutput>,
}

impl std::fmt::Debug for RoomIo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoomIo")
            .field("info", &self.info)
            .field("output_format", &self.output.output_format())
            .finish_non_exhaustive()
    }
}

/// How many microphone frames a transport buffers for the interviewer before it
/// drops new ones (about ten seconds of 20 ms frames): a session that falls behind
/// loses audio, never memory.
pub const AUDIO_QUEUE: usize = 512;

/// How many typed messages a transport buffers for the interviewer before it
/// refuses new ones ([`EventRefused::Full`]).
pub const TEXT_QUEUE: usize = 64;

/// The sending side of a room's [`RoomEvent`]s, for transports.
///
/// Participant and connection events are never dropped (there are few: one per
/// connection); typed text, which a hostile page can send as fast as it likes, goes
/// through a bounded queue and is refused when it is full. The interviewer reads
/// participant events first, so a candidate who rejoins and types at once is back
/// before their words arrive.
#[derive(Debug, Clone)]
pub struct RoomEvents {
    control: tokio::sync::mpsc::UnboundedSender<RoomEvent>,
    text: tokio::sync::mpsc::Sender<RoomEvent>,
}

/// Why [`RoomEvents::send`] did not pass an event on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EventRefused {
    /// [`TEXT_QUEUE`] (or the capacity given) typed messages are already waiting.
    #[error("too many messages are waiting for the interviewer")]
    Full,
    /// The interviewer is gone.
    #[error("the interviewer has left the room")]
    Closed,
}

impl RoomEvents {
    /// A sender and the stream for [`RoomIo::events`], buffering at most
    /// `text_capacity` typed messages (at least one).
    pub fn channel(text_capacity: usize) -> (Self, BoxStream<'static, RoomEvent>) {
        use futures_util::stream::{self, PollNext};
        let (control, control_rx) = tokio::sync::mpsc::unbounded_channel();
        let (text, text_rx) = tokio::sync::mpsc::channel(text_capacity.max(1));
        let control_rx = stream::unfold(control_rx, |mut rx| async move {
            rx.recv().await.map(|event| (event, rx))
        });
        let text_rx = stream::unfold(text_rx, |mut rx| async move {
            rx.recv().await.map(|event| (event, rx))
        });
        let events = stream::select_with_strategy(control_rx, text_rx, |_: &mut ()| PollNext::Left);
        (Self { control, text }, Box::pin(events))
    }

    /// Passes `event` on to the interviewer: typed text only while the queue has
    /// room, anything else always.
    pub fn send(&self, event: RoomEvent) -> Result<(), EventRefused> {
        use tokio::sync::mpsc::error::TrySendError;
        match event {
            RoomEvent::Text { .. } => self.text.try_send(event).map_err(|error| match error {
                TrySendError::Full(_) => EventRefused::Full,
                TrySendError::Closed(_) => EventRefused::Closed,
            }),
            other => self.control.send(other).map_err(|_| EventRefused::Closed),
        }
    }
}

/// Holds an interview in a joined room: what a transport hands a room to once the
/// candidate is in (the local WebSocket transport, a LiveKit job).
///
/// `interview-voice` implements it with its interview session; the web layer only
/// knows this trait, so it does not depend on the voice crate.
#[async_trait]
pub trait InterviewRunner: Send + Sync {
    /// Runs the interview for `booking` in `room` until it ends.
    async fn run(&self, room: RoomIo, booking: Booking);

    /// What the candidate should know about the engines in use, shown on the page
    /// (for example that an offline voice is used), if anything.
    fn description(&self) -> Option<String> {
        None
    }

    /// Whether the interviewer listens to speech; when false the page asks for typed
    /// answers.
    fn hears_speech(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt;

    use super::*;

    fn text(n: usize) -> RoomEvent {
        RoomEvent::Text {
            identity: "candidate".into(),
            text: format!("answer {n}"),
        }
    }

    #[tokio::test]
    async fn typed_text_is_bounded_and_participant_events_are_not() {
        let (events, mut stream) = RoomEvents::channel(3);
        for n in 0..3 {
            events.send(text(n)).unwrap();
        }
        assert_eq!(events.send(text(3)), Err(EventRefused::Full));
        // Joins and leaves always pass, however full the text queue is.
        for _ in 0..100 {
            events
                .send(RoomEvent::ParticipantLeft {
                    identity: "candidate".into(),
                })
                .unwrap();
        }
        let mut received = Vec::new();
        for _ in 0..103 {
            received.push(stream.next().await.unwrap());
        }
        // Participant events come first; the three texts follow in order.
        assert!(
            received[..100]
                .iter()
                .all(|e| matches!(e, RoomEvent::ParticipantLeft { .. }))
        );
        assert_eq!(received[100..], [text(0), text(1), text(2)]);
        // Read, the queue has room again.
        events.send(text(4)).unwrap();
        assert_eq!(stream.next().await.unwrap(), text(4));
    }

    #[tokio::test]
    async fn a_rejoin_is_read_before_the_text_sent_after_it() {
        let (events, mut stream) = RoomEvents::channel(8);
        events.send(text(0)).unwrap();
        events
            .send(RoomEvent::ParticipantJoined {
                identity: "candidate".into(),
                name: "Priya".into(),
            })
            .unwrap();
        assert!(matches!(
            stream.next().await.unwrap(),
            RoomEvent::ParticipantJoined { .. }
        ));
        assert_eq!(stream.next().await.unwrap(), text(0));
    }

    #[tokio::test]
    async fn a_timeline_plays_queued_audio_back_to_back_in_real_time() {
        use chrono::TimeZone;
        use futures_util::FutureExt;

        use crate::clock::ManualClock;

        let start = Utc.with_ymd_and_hms(2030, 1, 1, 9, 0, 0).unwrap();
        let clock = Arc::new(ManualClock::new(start));
        let timeline = PlayoutTimeline::new(clock.clone());
        assert!(
            timeline.playout().now_or_never().is_some(),
            "nothing queued"
        );
        let second = Duration::from_secs(1);
        assert_eq!(timeline.queue(second), start + TimeDelta::seconds(1));
        let first = timeline.playout();
        // Queued behind the first second, not from now.
        assert_eq!(timeline.queue(2 * second), start + TimeDelta::seconds(3));
        let both = timeline.playout();
        let mut first = std::pin::pin!(first);
        let mut both = std::pin::pin!(both);
        assert!(first.as_mut().now_or_never().is_none());
        clock.advance(TimeDelta::seconds(1));
        // The first wait was fixed before the second queue: it is done.
        assert!(first.now_or_never().is_some());
        assert!(both.as_mut().now_or_never().is_none());
        clock.advance(TimeDelta::seconds(2));
        assert!(both.now_or_never().is_some());

        // After a pause, audio starts from now again; a clear ends the wait at once.
        clock.advance(TimeDelta::seconds(10));
        assert_eq!(timeline.queue(second), start + TimeDelta::seconds(14));
        let mut cleared = std::pin::pin!(timeline.playout());
        assert!(cleared.as_mut().now_or_never().is_none());
        timeline.clear();
        assert!(cleared.now_or_never().is_some());
        assert_eq!(timeline.ends_at(), None);
    }

    #[tokio::test]
    async fn a_gone_interviewer_refuses_everything() {
        let (events, stream) = RoomEvents::channel(8);
        drop(stream);
        assert_eq!(events.send(text(0)), Err(EventRefused::Closed));
        assert_eq!(
            events.send(RoomEvent::Disconnected { reason: "x".into() }),
            Err(EventRefused::Closed)
        );
    }
}
