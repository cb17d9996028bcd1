#![allow(clippy::unwrap_used)]
#![cfg(feature = "livekit")]
//! A whole interview over the in-memory room, told to a LiveKit room as the
//! LiveKit transport does ([`Conventions`], the mapping `rtc`'s output applies to
//! everything the session publishes): the `lk.agent.state` attribute through the
//! interview's states, and `lk.transcription` text streams with LiveKit's
//! attributes, in order. (The SDK calls that carry them out are type-checked
//! only: libwebrtc cannot be built here.)

mod session_support;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::TimeDelta;
use interview_core::audio::AudioFormat;
use interview_core::interview::LiveMessage;
use interview_livekit::conventions::{
    ATTRIBUTE_AGENT_STATE, ATTRIBUTE_SEGMENT_ID, ATTRIBUTE_TRANSCRIBED_TRACK_ID,
    ATTRIBUTE_TRANSCRIPTION_FINAL, Conventions, Publication, Sender, TOPIC_TRANSCRIPTION,
};
use interview_voice::session::{SessionConfig, SessionEnd};
use session_support::{EVALUATION, Harness, say, silence};

const MS: fn(u64) -> Duration = Duration::from_millis;

#[tokio::test(flavor = "current_thread")]
async fn a_whole_interview_follows_livekits_agent_conventions() {
    let mut h = Harness::new(AudioFormat::PCM_48K).await;
    h.stt.push_text("I built a ledger in Rust.");
    h.llm.push_reply("Impressive. How did you test it?");
    h.llm.push_reply(EVALUATION);
    let session = h.start(SessionConfig::default(), true);
    h.wait_lines(1).await;
    silence(&h.room, MS(300), AudioFormat::SPEECH);
    say(&h.room, MS(1200), AudioFormat::SPEECH);
    silence(&h.room, MS(800), AudioFormat::SPEECH);
    h.wait_lines(3).await;
    h.leave_and_wait().await;
    h.clock.advance(TimeDelta::minutes(61));
    let report = session.await.unwrap();
    assert_eq!(report.end, SessionEnd::WindowClosed);

    // What the LiveKit transport would have done, in order.
    let mut conventions = Conventions::new();
    conventions.set_agent_track("TR_agent");
    conventions.set_candidate("candidate-1");
    conventions.microphone("candidate-1", "TR_mic");
    let mut publications = vec![conventions.joined()];
    for (topic, text) in h.room.texts() {
        let message = LiveMessage::parse(&topic, &text)
            .unwrap_or_else(|| panic!("the session sent something unreadable on {topic}"));
        publications.extend(conventions.publications(&message));
    }

    // The state attribute, through the whole interview; the end is ours.
    let states: Vec<&str> = publications
        .iter()
        .filter_map(|p| match p {
            Publication::Attributes(attributes) => Some(attributes[ATTRIBUTE_AGENT_STATE].as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        states,
        [
            "initializing",
            "thinking",
            "speaking",
            "listening",
            "thinking",
            "speaking",
            "listening"
        ],
        "{publications:#?}"
    );
    assert!(publications.iter().any(|p| matches!(
        p,
        Publication::Data { topic, payload } if topic == "agent_state" && payload.contains("ended")
    )));

    // Transcriptions: each interviewer line one segment, updated as its sentences
    // play and then final with the whole line; the candidate's line on their behalf.
    let streams: Vec<(&Sender, &BTreeMap<String, String>, &str)> = publications
        .iter()
        .filter_map(|p| match p {
            Publication::TextStream {
                topic,
                sender,
                attributes,
                text,
            } => {
                assert_eq!(topic, TOPIC_TRANSCRIPTION);
                Some((sender, attributes, text.as_str()))
            }
            _ => None,
        })
        .collect();
    let finals: Vec<(&Sender, &str)> = streams
        .iter()
        .filter(|(_, attributes, _)| attributes[ATTRIBUTE_TRANSCRIPTION_FINAL] == "true")
        .map(|(sender, _, text)| (*sender, *text))
        .collect();
    let lines = h.lines();
    assert_eq!(finals.len(), lines.len());
    for ((sender, text), (speaker, line)) in finals.iter().zip(&lines) {
        assert_eq!(text, line);
        let expected = if speaker == "candidate" {
            Sender::OnBehalfOf("candidate-1".to_owned())
        } else {
            Sender::Agent
        };
        assert_eq!(*sender, &expected);
    }
    let mut last_segment: Option<&str> = None;
    let mut so_far = String::new();
    for (sender, attributes, text) in &streams {
        let segment = attributes[ATTRIBUTE_SEGMENT_ID].as_str();
        let track = attributes[ATTRIBUTE_TRANSCRIBED_TRACK_ID].as_str();
        match sender {
            Sender::Agent => assert_eq!(track, "TR_agent"),
            Sender::OnBehalfOf(_) => assert_eq!(track, "TR_mic"),
        }
        if last_segment == Some(segment) {
            // An update of the same segment only grows, and nothing follows a final.
            assert!(
                text.starts_with(so_far.as_str()),
                "{so_far:?} then {text:?}"
            );
        }
        last_segment = Some(segment);
        so_far = (*text).to_owned();
    }
    // The answer was spoken in two sentences: two updates, then the final.
    let answer: Vec<&str> = streams
        .iter()
        .filter(|(_, _, text)| text.starts_with("Impressive."))
        .map(|(_, attributes, _)| attributes[ATTRIBUTE_TRANSCRIPTION_FINAL].as_str())
        .collect();
    assert_eq!(answer, ["false", "false", "true"]);
}
