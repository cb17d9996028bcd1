//! LiveKit's agent conventions: what a stock LiveKit front end (the agent starter
//! apps, the Agents Playground, the Agents UI components, the mobile SDKs'
//! voice-assistant helpers) reads from an agent, and what it sends.
//!
//! | what | how |
//! |---|---|
//! | the agent's state | the agent participant's attribute `lk.agent.state`: `initializing`, `listening`, `thinking`, `speaking` |
//! | the agent's speech as text | text streams on `lk.transcription` from the agent: `lk.segment_id` (one per line), `lk.transcribed_track_id` (the agent's audio track), `lk.transcription_final` `false` with the line so far as each sentence starts to play, then `true` with the whole line |
//! | the candidate's speech as text | text streams on `lk.transcription` sent on the candidate's behalf (their identity as the sender), `lk.transcription_final` `true` |
//! | typed input | text streams on `lk.chat` from the candidate; nothing else becomes candidate text |
//!
//! [`Conventions`] turns each [`LiveMessage`] the interview session publishes
//! into these [`Publication`]s; the room transport (`rtc`, feature `rtc`) carries
//! them out with the LiveKit SDK. Messages with no convention (the interview's
//! progress, notices, the end of the interview) stay JSON data packets on their
//! own topics, which our page reads and other front ends ignore.

use std::collections::{BTreeMap, HashMap};

use interview_core::interview::{AgentState, LiveMessage, Speaker};

/// The text stream topic of transcriptions.
pub const TOPIC_TRANSCRIPTION: &str = "lk.transcription";
/// The text stream topic of typed input.
pub const TOPIC_CHAT: &str = "lk.chat";
/// The participant attribute that holds the agent's state.
pub const ATTRIBUTE_AGENT_STATE: &str = "lk.agent.state";
/// A transcription stream's segment: streams of one segment update one another.
pub const ATTRIBUTE_SEGMENT_ID: &str = "lk.segment_id";
/// The audio track a transcription stream transcribes.
pub const ATTRIBUTE_TRANSCRIBED_TRACK_ID: &str = "lk.transcribed_track_id";
/// `"true"` on a segment's last stream, `"false"` on the updates before it.
pub const ATTRIBUTE_TRANSCRIPTION_FINAL: &str = "lk.transcription_final";

/// The agent's state before the interview starts.
pub const INITIALIZING: &str = "initializing";

/// Who a text stream is sent as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sender {
    /// The agent itself.
    Agent,
    /// Another participant, on whose behalf the agent sends (the candidate whose
    /// speech it transcribed).
    OnBehalfOf(String),
}

/// One thing to do in the room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Publication {
    /// Set these attributes on the agent participant.
    Attributes(BTreeMap<String, String>),
    /// Send `text` as one text stream on `topic`, with `attributes`.
    TextStream {
        /// The topic.
        topic: String,
        /// Who it is sent as.
        sender: Sender,
        /// The stream's attributes.
        attributes: BTreeMap<String, String>,
        /// The whole text.
        text: String,
    },
    /// Send `payload` as a reliable data packet on `topic`.
    Data {
        /// The topic.
        topic: String,
        /// JSON text.
        payload: String,
    },
}

/// The value of `lk.agent.state` for `state`, when LiveKit has one (it has none
/// for the end of the interview).
pub fn agent_state_value(state: AgentState) -> Option<&'static str> {
    match state {
        AgentState::Listening => Some("listening"),
        AgentState::Thinking => Some("thinking"),
        AgentState::Speaking => Some("speaking"),
        _ => None,
    }
}

/// What a room's transport knows while it maps messages: the tracks and the
/// candidate, and the interviewer's line being spoken.
#[derive(Debug, Default)]
pub struct Conventions {
    agent_track: Option<String>,
    candidate: Option<String>,
    candidate_track: Option<String>,
    /// The text of each interviewer's line shown so far, by its line number.
    lines: HashMap<u64, String>,
    /// Numbers the segments of lines that had no captions, and the candidate's.
    segments: u64,
}

impl Conventions {
    /// Nothing known yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The agent's audio track, once published (the `lk.transcribed_track_id` of
    /// its speech).
    pub fn set_agent_track(&mut self, sid: impl Into<String>) {
        self.agent_track = Some(sid.into());
    }

    /// The candidate (their microphone track comes with
    /// [`Conventions::microphone`]).
    pub fn set_candidate(&mut self, identity: impl Into<String>) {
        self.candidate = Some(identity.into());
    }

    /// A microphone track `track` of participant `identity`: the candidate's when
    /// they are the candidate, or when no candidate is known yet (another
    /// participant's, an avatar's, changes nothing).
    pub fn microphone(&mut self, identity: &str, track: impl Into<String>) {
        match &self.candidate {
            Some(candidate) if candidate != identity => {}
            _ => {
                self.candidate = Some(identity.to_owned());
                self.candidate_track = Some(track.into());
            }
        }
    }

    /// The candidate's identity, when known.
    pub fn candidate(&self) -> Option<&str> {
        self.candidate.as_deref()
    }

    /// What to publish when the agent joins: its state, `initializing`.
    pub fn joined(&self) -> Publication {
        Publication::Attributes(BTreeMap::from([(
            ATTRIBUTE_AGENT_STATE.to_owned(),
            INITIALIZING.to_owned(),
        )]))
    }

    /// What to publish for `message`.
    pub fn publications(&mut self, message: &LiveMessage) -> Vec<Publication> {
        match message {
            LiveMessage::State(state) => match agent_state_value(*state) {
                Some(value) => vec![Publication::Attributes(BTreeMap::from([(
                    ATTRIBUTE_AGENT_STATE.to_owned(),
                    value.to_owned(),
                )]))],
                // The end has no LiveKit state: our own message says it.
                None => vec![data(message)],
            },
            LiveMessage::Caption(caption) => {
                let text = self.lines.entry(caption.line).or_default();
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(caption.text.trim());
                let text = text.clone();
                vec![self.agent_stream(line_segment(caption.line), text, false)]
            }
            LiveMessage::Transcript(line) => match line.speaker {
                Speaker::Interviewer => {
                    let segment = match line.line {
                        Some(number) => {
                            self.lines.remove(&number);
                            line_segment(number)
                        }
                        None => self.next_segment("SG_A"),
                    };
                    vec![self.agent_stream(segment, line.text.clone(), true)]
                }
                Speaker::Candidate => {
                    let Some(identity) = self.candidate.clone() else {
                        // Nobody to send it as: a stock front end would show it as
                        // the agent's words.
                        return Vec::new();
                    };
                    let mut attributes = BTreeMap::from([
                        (ATTRIBUTE_SEGMENT_ID.to_owned(), self.next_segment("SG_C")),
                        (ATTRIBUTE_TRANSCRIPTION_FINAL.to_owned(), "true".to_owned()),
                    ]);
                    if let Some(track) = &self.candidate_track {
                        attributes.insert(ATTRIBUTE_TRANSCRIBED_TRACK_ID.to_owned(), track.clone());
                    }
                    vec![Publication::TextStream {
                        topic: TOPIC_TRANSCRIPTION.to_owned(),
                        sender: Sender::OnBehalfOf(identity),
                        attributes,
                        text: line.text.clone(),
                    }]
                }
            },
            _ => vec![data(message)],
        }
    }

    fn agent_stream(&self, segment: String, text: String, is_final: bool) -> Publication {
        let mut attributes = BTreeMap::from([
            (ATTRIBUTE_SEGMENT_ID.to_owned(), segment),
            (
                ATTRIBUTE_TRANSCRIPTION_FINAL.to_owned(),
                is_final.to_string(),
            ),
        ]);
        if let Some(track) = &self.agent_track {
            attributes.insert(ATTRIBUTE_TRANSCRIBED_TRACK_ID.to_owned(), track.clone());
        }
        Publication::TextStream {
            topic: TOPIC_TRANSCRIPTION.to_owned(),
            sender: Sender::Agent,
            attributes,
            text,
        }
    }

    fn next_segment(&mut self, prefix: &str) -> String {
        self.segments += 1;
        format!("{prefix}{}", self.segments)
    }
}

/// The segment id of the interviewer's line `number`.
fn line_segment(number: u64) -> String {
    format!("SG_L{number}")
}

fn data(message: &LiveMessage) -> Publication {
    Publication::Data {
        topic: message.topic().to_owned(),
        payload: message.to_json(),
    }
}

/// Whether a text stream on `topic` is the candidate's typed input: only
/// [`TOPIC_CHAT`] is.
pub fn is_typed_input(topic: &str) -> bool {
    topic == TOPIC_CHAT
}

#[cfg(test)]
mod tests {
    use interview_core::interview::{CaptionMessage, NoticeMessage, TranscriptMessage};

    use super::*;

    fn attributes(publication: &Publication) -> &BTreeMap<String, String> {
        match publication {
            Publication::TextStream { attributes, .. } | Publication::Attributes(attributes) => {
                attributes
            }
            Publication::Data { .. } => panic!("no attributes on data"),
        }
    }

    #[test]
    fn a_spoken_line_is_one_segment_updated_sentence_by_sentence_then_final() {
        let mut conventions = Conventions::new();
        conventions.set_agent_track("TR_agent");
        let caption = |text: &str| {
            LiveMessage::Caption(CaptionMessage {
                line: 3,
                text: text.to_owned(),
            })
        };
        let first = conventions.publications(&caption("Hello Jane."));
        let second = conventions.publications(&caption("Shall we start?"));
        let whole = conventions.publications(&LiveMessage::Transcript(TranscriptMessage {
            speaker: Speaker::Interviewer,
            text: "Hello Jane. Shall we start?".into(),
            at: Default::default(),
            interrupted: false,
            line: Some(3),
        }));
        let texts: Vec<(&str, &str)> = [&first[0], &second[0], &whole[0]]
            .iter()
            .map(|p| match p {
                Publication::TextStream {
                    text,
                    attributes,
                    topic,
                    sender,
                } => {
                    assert_eq!(topic, TOPIC_TRANSCRIPTION);
                    assert_eq!(sender, &Sender::Agent);
                    assert_eq!(attributes[ATTRIBUTE_SEGMENT_ID], "SG_L3");
                    assert_eq!(attributes[ATTRIBUTE_TRANSCRIBED_TRACK_ID], "TR_agent");
                    (
                        text.as_str(),
                        attributes[ATTRIBUTE_TRANSCRIPTION_FINAL].as_str(),
                    )
                }
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            texts,
            [
                ("Hello Jane.", "false"),
                ("Hello Jane. Shall we start?", "false"),
                ("Hello Jane. Shall we start?", "true"),
            ]
        );
    }

    #[test]
    fn states_are_the_attribute_and_the_end_stays_ours() {
        let mut conventions = Conventions::new();
        assert_eq!(
            attributes(&conventions.joined())[ATTRIBUTE_AGENT_STATE],
            "initializing"
        );
        let speaking = conventions.publications(&LiveMessage::State(AgentState::Speaking));
        assert_eq!(attributes(&speaking[0])[ATTRIBUTE_AGENT_STATE], "speaking");
        let ended = conventions.publications(&LiveMessage::State(AgentState::Ended));
        assert_eq!(
            ended,
            [Publication::Data {
                topic: "agent_state".into(),
                payload: r#"{"state":"ended"}"#.into()
            }]
        );
        let notice = conventions.publications(&LiveMessage::Notice(NoticeMessage::ending(
            "completed",
            "Done.",
        )));
        assert!(matches!(&notice[0], Publication::Data { topic, .. } if topic == "notice"));
    }

    #[test]
    fn the_candidates_words_are_sent_on_their_behalf_once_they_are_known() {
        let mut conventions = Conventions::new();
        let line = LiveMessage::Transcript(TranscriptMessage {
            speaker: Speaker::Candidate,
            text: "I build compilers.".into(),
            at: Default::default(),
            interrupted: false,
            line: None,
        });
        assert!(conventions.publications(&line).is_empty());
        conventions.set_candidate("candidate-7");
        conventions.microphone("candidate-7", "TR_mic");
        let sent = conventions.publications(&line);
        let Publication::TextStream {
            sender, attributes, ..
        } = &sent[0]
        else {
            panic!("{sent:?}");
        };
        assert_eq!(sender, &Sender::OnBehalfOf("candidate-7".into()));
        assert_eq!(attributes[ATTRIBUTE_TRANSCRIPTION_FINAL], "true");
        assert_eq!(attributes[ATTRIBUTE_TRANSCRIBED_TRACK_ID], "TR_mic");
        // Another participant's microphone (an avatar's) does not make them the
        // candidate; the candidate's gives the track.
        conventions.microphone("avatar", "TR_avatar");
        assert_eq!(conventions.candidate(), Some("candidate-7"));
        conventions.microphone("candidate-7", "TR_mic2");
        let Publication::TextStream { attributes, .. } = &conventions.publications(&line)[0] else {
            panic!("not a stream");
        };
        assert_eq!(attributes[ATTRIBUTE_TRANSCRIBED_TRACK_ID], "TR_mic2");
        assert!(is_typed_input("lk.chat"));
        assert!(!is_typed_input("answer"));
    }
}
