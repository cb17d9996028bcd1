//! What the interviewer tells the room while the interview runs: transcript lines,
//! captions, its state, notices and the interview's progress, as JSON text
//! messages, one topic each. The room page shows them.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::plan::{InterviewPlan, Stage};
use super::transcript::Speaker;

/// The topic of [`TranscriptMessage`]s.
pub const TRANSCRIPT_TOPIC: &str = "transcript";
/// The topic of [`AgentStateMessage`]s.
pub const AGENT_STATE_TOPIC: &str = "agent_state";
/// The topic of [`NoticeMessage`]s.
pub const NOTICE_TOPIC: &str = "notice";
/// The topic of [`CaptionMessage`]s.
pub const CAPTION_TOPIC: &str = "caption";
/// The topic of [`ProgressMessage`]s.
pub const PROGRESS_TOPIC: &str = "progress";

/// What the interviewer is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentState {
    /// Waiting for the candidate.
    Listening,
    /// Working on an answer.
    Thinking,
    /// Speaking.
    Speaking,
    /// The interview is over.
    Ended,
}

impl AgentState {
    /// `"listening"`, `"thinking"`, `"speaking"` or `"ended"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Listening => "listening",
            Self::Thinking => "thinking",
            Self::Speaking => "speaking",
            Self::Ended => "ended",
        }
    }
}

/// `{"state": "speaking"}` on the [`AGENT_STATE_TOPIC`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentStateMessage {
    /// The state.
    pub state: AgentState,
}

/// One transcript line on the [`TRANSCRIPT_TOPIC`]:
/// `{"speaker": "interviewer", "text": "...", "at": "2030-01-01T10:00:00Z", "interrupted": false}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptMessage {
    /// Who spoke.
    pub speaker: Speaker,
    /// What they said (for an interrupted line, what was spoken before the cut).
    pub text: String,
    /// When they started.
    pub at: DateTime<Utc>,
    /// Whether the interviewer was cut off by the candidate (barge-in mode).
    #[serde(default)]
    pub interrupted: bool,
    /// For an interviewer's line, the `line` of the [`CaptionMessage`]s that showed
    /// it sentence by sentence while it was spoken: this message is the whole
    /// line, to put in their place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
}

/// One sentence of the interviewer's speech on the [`CAPTION_TOPIC`], sent as its
/// audio starts to play, so a candidate who cannot hear it reads along:
/// `{"line": 3, "text": "Thanks, that helps."}`. The sentences of one line share
/// its `line` number; the [`TranscriptMessage`] with the same `line` follows once
/// the line has been spoken (or cut off).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptionMessage {
    /// Which of the interviewer's lines the sentence belongs to.
    pub line: u64,
    /// The sentence.
    pub text: String,
}

impl CaptionMessage {
    /// The message as JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Where the interview stands, on the [`PROGRESS_TOPIC`], for the candidate:
/// `{"stage": "Technical questions", "number": 3, "count": 6, "remaining_secs": 1260}`.
/// Sent when the interview starts, when the stage changes, and now and then
/// between (the page counts down in between).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressMessage {
    /// The current stage, named for the candidate.
    pub stage: String,
    /// Its number, from 1.
    pub number: usize,
    /// How many stages there are.
    pub count: usize,
    /// The interview's planned time left, in whole seconds.
    pub remaining_secs: u64,
}

impl ProgressMessage {
    /// The progress in `plan` at its stage `index` (from 0), which is `stage`,
    /// `elapsed` into the interview.
    pub fn new(plan: &InterviewPlan, index: usize, stage: Stage, elapsed: Duration) -> Self {
        Self {
            stage: stage_for_candidate(stage).to_owned(),
            number: index + 1,
            count: plan.stages.len().max(index + 1),
            remaining_secs: plan.total().saturating_sub(elapsed).as_secs(),
        }
    }

    /// The message as JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A stage's name as the candidate reads it on the page.
pub fn stage_for_candidate(stage: Stage) -> &'static str {
    match stage {
        Stage::Introduction => "Introduction",
        Stage::Background => "Your background",
        Stage::Technical => "Technical questions",
        Stage::Behavioural => "Working with others",
        Stage::CandidateQuestions => "Your questions",
        Stage::WrapUp => "Wrapping up",
    }
}

/// Something the candidate should read, on the [`NOTICE_TOPIC`]:
/// `{"code": "already_connected", "message": "..."}`.
///
/// Most notices say why the interview cannot go on in this room, just before the
/// agent leaves it. A `transient` one (`{"code": "too_fast", "message": "...",
/// "transient": true}`) is about one thing the candidate did; the interview goes on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeMessage {
    /// A stable code: `already_connected`, `completed`, `cancelled`, `superseded`;
    /// transient: `too_fast`, `transcript_full`.
    pub code: String,
    /// The sentence to show.
    pub message: String,
    /// Whether the interview goes on after it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub transient: bool,
}

impl NoticeMessage {
    /// A notice that ends the candidate's part in this room.
    pub fn ending(code: &str, message: &str) -> Self {
        Self {
            code: code.to_owned(),
            message: message.to_owned(),
            transient: false,
        }
    }

    /// A notice after which the interview goes on.
    pub fn transient(code: &str, message: &str) -> Self {
        Self {
            code: code.to_owned(),
            message: message.to_owned(),
            transient: true,
        }
    }

    /// The interview's transcript holds all it can: the interviewer is closing.
    pub fn transcript_full() -> Self {
        Self::transient(
            "transcript_full",
            "This interview has recorded all it can. The interviewer is closing; thank you.",
        )
    }

    /// The candidate's messages arrive faster than the interviewer reads them; the
    /// latest was not taken.
    pub fn too_fast() -> Self {
        Self::transient(
            "too_fast",
            "Your messages are arriving faster than the interviewer can read them. \
             That last one was not received: please wait for a reply, then send it again.",
        )
    }

    /// The message as JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl TranscriptMessage {
    /// The message as JSON text.
    pub fn to_json(&self) -> String {
        // Serialising plain strings, an enum and a timestamp cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl AgentStateMessage {
    /// The message as JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// One thing the interviewer tells the room besides its audio: what a transport
/// publishes ([`RoomOutput::publish`](crate::transport::RoomOutput::publish)).
/// The local transport sends each as JSON on its topic; LiveKit's speaks LiveKit's
/// agent conventions where they exist (a participant attribute for the state,
/// `lk.transcription` text streams for the transcript and the captions).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LiveMessage {
    /// The interviewer's state.
    State(AgentState),
    /// A whole transcript line, the interviewer's or the candidate's.
    Transcript(TranscriptMessage),
    /// A sentence of the interviewer's line as its audio starts to play.
    Caption(CaptionMessage),
    /// Where the interview stands.
    Progress(ProgressMessage),
    /// Something the candidate should know.
    Notice(NoticeMessage),
}

impl LiveMessage {
    /// The topic the message goes on as JSON text.
    pub fn topic(&self) -> &'static str {
        match self {
            Self::State(_) => AGENT_STATE_TOPIC,
            Self::Transcript(_) => TRANSCRIPT_TOPIC,
            Self::Caption(_) => CAPTION_TOPIC,
            Self::Progress(_) => PROGRESS_TOPIC,
            Self::Notice(_) => NOTICE_TOPIC,
        }
    }

    /// Reads a message back from its topic and JSON text (what a transport that
    /// sends JSON delivers); `None` for another topic or text that does not fit.
    pub fn parse(topic: &str, text: &str) -> Option<Self> {
        let message = match topic {
            AGENT_STATE_TOPIC => {
                Self::State(serde_json::from_str::<AgentStateMessage>(text).ok()?.state)
            }
            TRANSCRIPT_TOPIC => Self::Transcript(serde_json::from_str(text).ok()?),
            CAPTION_TOPIC => Self::Caption(serde_json::from_str(text).ok()?),
            PROGRESS_TOPIC => Self::Progress(serde_json::from_str(text).ok()?),
            NOTICE_TOPIC => Self::Notice(serde_json::from_str(text).ok()?),
            _ => return None,
        };
        Some(message)
    }

    /// The message as JSON text.
    pub fn to_json(&self) -> String {
        match self {
            Self::State(state) => AgentStateMessage { state: *state }.to_json(),
            Self::Transcript(message) => message.to_json(),
            Self::Caption(message) => message.to_json(),
            Self::Progress(message) => message.to_json(),
            Self::Notice(message) => message.to_json(),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn messages_serialise_as_documented() {
        let at = Utc.with_ymd_and_hms(2030, 1, 1, 10, 0, 0).unwrap();
        let mut line = TranscriptMessage {
            speaker: Speaker::Interviewer,
            text: "Hi".into(),
            at,
            interrupted: false,
            line: None,
        };
        assert_eq!(
            line.to_json(),
            r#"{"speaker":"interviewer","text":"Hi","at":"2030-01-01T10:00:00Z","interrupted":false}"#
        );
        line.line = Some(3);
        assert!(line.to_json().ends_with(r#""interrupted":false,"line":3}"#));
        let caption = CaptionMessage {
            line: 3,
            text: "Hi.".into(),
        };
        assert_eq!(caption.to_json(), r#"{"line":3,"text":"Hi."}"#);
        let state = AgentStateMessage {
            state: AgentState::Thinking,
        };
        assert_eq!(state.to_json(), r#"{"state":"thinking"}"#);
    }

    #[test]
    fn progress_names_the_stage_for_the_candidate_and_the_time_left() {
        let plan = InterviewPlan::standard(Duration::from_secs(30 * 60), None);
        let elapsed = Duration::from_secs(10 * 60);
        let position = plan.position(elapsed).unwrap();
        let progress = ProgressMessage::new(&plan, position.index, position.stage, elapsed);
        assert_eq!(
            progress.to_json(),
            r#"{"stage":"Technical questions","number":3,"count":6,"remaining_secs":1200}"#
        );
        // Past the plan, nothing is left, never a negative time.
        let late = Duration::from_secs(40 * 60);
        let position = plan.position(late).unwrap();
        assert_eq!(
            ProgressMessage::new(&plan, position.index, position.stage, late).remaining_secs,
            0
        );
    }
}
