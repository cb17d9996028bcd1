//! What the interviewer tells the room while the interview runs: transcript lines
//! and its state, as JSON text messages on two topics. The room page shows them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::transcript::Speaker;

/// The topic of [`TranscriptMessage`]s.
pub const TRANSCRIPT_TOPIC: &str = "transcript";
/// The topic of [`AgentStateMessage`]s.
pub const AGENT_STATE_TOPIC: &str = "agent_state";
/// The topic of [`NoticeMessage`]s.
pub const NOTICE_TOPIC: &str = "notice";

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

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn messages_serialise_as_documented() {
        let at = Utc.with_ymd_and_hms(2030, 1, 1, 10, 0, 0).unwrap();
        let line = TranscriptMessage {
            speaker: Speaker::Interviewer,
            text: "Hi".into(),
            at,
            interrupted: false,
        };
        assert_eq!(
            line.to_json(),
            r#"{"speaker":"interviewer","text":"Hi","at":"2030-01-01T10:00:00Z","interrupted":false}"#
        );
        let state = AgentStateMessage {
            state: AgentState::Thinking,
        };
        assert_eq!(state.to_json(), r#"{"state":"thinking"}"#);
    }
}
