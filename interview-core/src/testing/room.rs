//! An in-memory room: the test plays the candidate.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio::sync::mpsc;

use super::lock;
use crate::audio::{AudioFormat, AudioFrame};
use crate::clock::Clock;
use crate::transport::{
    Playout, PlayoutTimeline, RoomEvent, RoomInfo, RoomIo, RoomOutput, TransportError,
};

/// The candidate's side of an [`in_memory_room`]: push their audio and events, read
/// what the agent played and sent.
#[derive(Debug, Clone)]
pub struct InMemoryRoom {
    audio: mpsc::UnboundedSender<AudioFrame>,
    events: mpsc::UnboundedSender<RoomEvent>,
    output: Arc<RecordedOutput>,
}

/// What the agent sent into an in-memory room.
#[derive(Debug)]
struct RecordedOutput {
    format: AudioFormat,
    played: Mutex<Vec<AudioFrame>>,
    texts: Mutex<Vec<(String, String)>>,
    clears: Mutex<usize>,
    closed: Mutex<bool>,
    /// Playout in real time on a clock; without one, audio counts as heard as
    /// soon as it is queued.
    timeline: Option<PlayoutTimeline>,
}

/// A room named `name` with `metadata`, whose agent output is in `output_format`.
/// The agent's audio counts as heard as soon as it is played into the room
/// ([`RoomOutput::playout`] completes at once).
pub fn in_memory_room(
    name: &str,
    metadata: Option<&str>,
    output_format: AudioFormat,
) -> (RoomIo, InMemoryRoom) {
    room(name, metadata, output_format, None)
}

/// [`in_memory_room`], where the candidate hears the agent's audio in real time on
/// `clock` (give it the session's clock): each frame from when it is played into
/// the room, or when the audio before it ends, for as long as it lasts. The
/// interviewer is then speaking until the test moves the clock past its audio.
pub fn in_memory_room_in_real_time(
    name: &str,
    metadata: Option<&str>,
    output_format: AudioFormat,
    clock: Arc<dyn Clock>,
) -> (RoomIo, InMemoryRoom) {
    room(
        name,
        metadata,
        output_format,
        Some(PlayoutTimeline::new(clock)),
    )
}

fn room(
    name: &str,
    metadata: Option<&str>,
    output_format: AudioFormat,
    timeline: Option<PlayoutTimeline>,
) -> (RoomIo, InMemoryRoom) {
    let (audio, audio_rx) = mpsc::unbounded_channel();
    let (events, events_rx) = mpsc::unbounded_channel();
    let output = Arc::new(RecordedOutput {
        format: output_format,
        played: Mutex::default(),
        texts: Mutex::default(),
        clears: Mutex::default(),
        closed: Mutex::default(),
        timeline,
    });
    let io = RoomIo {
        info: RoomInfo {
            name: name.to_owned(),
            metadata: metadata.map(str::to_owned),
            local_identity: "agent".to_owned(),
        },
        audio_in: Box::pin(futures_util::stream::unfold(
            audio_rx,
            |mut rx| async move { rx.recv().await.map(|frame| (frame, rx)) },
        )),
        events: Box::pin(futures_util::stream::unfold(
            events_rx,
            |mut rx| async move { rx.recv().await.map(|event| (event, rx)) },
        )),
        output: output.clone(),
    };
    (
        io,
        InMemoryRoom {
            audio,
            events,
            output,
        },
    )
}

impl InMemoryRoom {
    /// The candidate speaks (or is silent) for one frame. Returns false once the
    /// agent stopped listening.
    pub fn send_audio(&self, frame: AudioFrame) -> bool {
        self.audio.send(frame).is_ok()
    }

    /// Something happens in the room.
    pub fn send_event(&self, event: RoomEvent) -> bool {
        self.events.send(event).is_ok()
    }

    /// Every frame the agent played, in order.
    pub fn played(&self) -> Vec<AudioFrame> {
        lock(&self.output.played).clone()
    }

    /// Every `(topic, text)` the agent sent.
    pub fn texts(&self) -> Vec<(String, String)> {
        lock(&self.output.texts).clone()
    }

    /// How often the agent cleared its queued audio.
    pub fn clears(&self) -> usize {
        *lock(&self.output.clears)
    }

    /// Whether the agent left the room.
    pub fn is_closed(&self) -> bool {
        *lock(&self.output.closed)
    }

    /// In a room [`in_memory_room_in_real_time`]: when the audio played into it so
    /// far will have been heard (`None` if nothing is queued since the last clear,
    /// and always in a room without a clock).
    pub fn playout_ends_at(&self) -> Option<DateTime<Utc>> {
        self.output.timeline.as_ref().and_then(|t| t.ends_at())
    }
}

#[async_trait]
impl RoomOutput for RecordedOutput {
    fn output_format(&self) -> AudioFormat {
        self.format
    }

    async fn play(&self, frame: AudioFrame) -> Result<(), TransportError> {
        if *lock(&self.closed) {
            return Err(TransportError::Closed);
        }
        if frame.format() != self.format {
            return Err(TransportError::UnsupportedFormat(frame.format()));
        }
        if let Some(timeline) = &self.timeline {
            timeline.queue(frame.duration());
        }
        lock(&self.played).push(frame);
        Ok(())
    }

    async fn clear(&self) -> Result<(), TransportError> {
        *lock(&self.clears) += 1;
        if let Some(timeline) = &self.timeline {
            timeline.clear();
        }
        Ok(())
    }

    fn playout(&self) -> Playout {
        match &self.timeline {
            Some(timeline) => timeline.playout(),
            None => Box::pin(std::future::ready(())),
        }
    }

    async fn send_text(&self, topic: &str, text: &str) -> Result<(), TransportError> {
        if *lock(&self.closed) {
            return Err(TransportError::Closed);
        }
        lock(&self.texts).push((topic.to_owned(), text.to_owned()));
        Ok(())
    }

    async fn close(&self) {
        *lock(&self.closed) = true;
    }
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt;

    use super::*;

    #[tokio::test]
    async fn the_agent_hears_the_candidate_and_the_test_hears_the_agent() {
        let (mut io, room) = in_memory_room("r1", Some("{}"), AudioFormat::SPEECH);
        assert_eq!(io.info.metadata.as_deref(), Some("{}"));
        let frame = AudioFrame::new(vec![1; 160], AudioFormat::SPEECH).unwrap();
        assert!(room.send_audio(frame.clone()));
        assert_eq!(io.audio_in.next().await, Some(frame.clone()));
        room.send_event(RoomEvent::ParticipantLeft {
            identity: "c".into(),
        });
        assert!(matches!(
            io.events.next().await,
            Some(RoomEvent::ParticipantLeft { .. })
        ));

        io.output.play(frame.clone()).await.unwrap();
        let wrong = AudioFrame::new(vec![0; 240], AudioFormat::PCM_24K).unwrap();
        assert!(io.output.play(wrong).await.is_err());
        io.output.send_text("transcript", "hello").await.unwrap();
        io.output.clear().await.unwrap();
        assert_eq!(room.played(), std::slice::from_ref(&frame));
        assert_eq!(
            room.texts(),
            [("transcript".to_owned(), "hello".to_owned())]
        );
        assert_eq!(room.clears(), 1);
        io.output.close().await;
        assert!(room.is_closed());
        assert!(io.output.play(frame).await.is_err());
    }

    #[tokio::test]
    async fn in_real_time_the_agent_is_heard_as_the_clock_moves() {
        use chrono::{TimeDelta, TimeZone};
        use futures_util::FutureExt;

        use crate::clock::ManualClock;

        let start = Utc.with_ymd_and_hms(2030, 1, 1, 9, 0, 0).unwrap();
        let clock = Arc::new(ManualClock::new(start));
        let (io, room) =
            in_memory_room_in_real_time("r1", None, AudioFormat::SPEECH, clock.clone());
        // Half a second of audio, in two frames.
        for _ in 0..2 {
            let frame = AudioFrame::new(vec![1; 4000], AudioFormat::SPEECH).unwrap();
            io.output.play(frame).await.unwrap();
        }
        assert_eq!(
            room.playout_ends_at(),
            Some(start + TimeDelta::milliseconds(500))
        );
        let mut heard = io.output.playout();
        assert!((&mut heard).now_or_never().is_none());
        clock.advance(TimeDelta::milliseconds(499));
        assert!((&mut heard).now_or_never().is_none());
        clock.advance(TimeDelta::milliseconds(1));
        assert!(heard.now_or_never().is_some());
    }
}
