//! The record of who said what, when.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Who spoke a transcript line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    /// The candidate.
    Candidate,
    /// The AI interviewer.
    Interviewer,
}

impl Speaker {
    /// `"candidate"` or `"interviewer"`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Candidate => "candidate",
            Self::Interviewer => "interviewer",
        }
    }
}

/// One line of an interview transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TranscriptEntry {
    /// Who spoke.
    pub speaker: Speaker,
    /// What they said.
    pub text: String,
    /// When they started saying it.
    pub at: DateTime<Utc>,
}
