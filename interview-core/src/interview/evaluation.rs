//! The interviewer's assessment of a candidate.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A score from 1 (poor) to 5 (excellent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Score(u8);

/// A score outside 1..=5.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a score must be from 1 to 5, not {0}")]
pub struct InvalidScore(pub u8);

impl Score {
    /// The score's value, 1..=5.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Score {
    type Error = InvalidScore;

    fn try_from(value: u8) -> Result<Self, Self::Error> {
        if (1..=5).contains(&value) {
            Ok(Self(value))
        } else {
            Err(InvalidScore(value))
        }
    }
}

impl From<Score> for u8 {
    fn from(score: Score) -> Self {
        score.0
    }
}

/// The verdict at the end of an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recommendation {
    /// Hire without reservation.
    StrongHire,
    /// Hire.
    Hire,
    /// Do not hire.
    NoHire,
    /// Clearly do not hire.
    StrongNoHire,
}

/// A score for one competency, with the candidate's own words that support it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompetencyScore {
    /// The competency (for example "Rust", "system design", "communication").
    pub competency: String,
    /// How well the candidate showed it.
    pub score: Score,
    /// Quotes from the transcript that support the score.
    pub evidence: Vec<String>,
}

/// An evaluation of a finished interview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    /// One score per competency assessed.
    pub competencies: Vec<CompetencyScore>,
    /// What the candidate did well.
    pub strengths: Vec<String>,
    /// What gave the interviewer pause.
    pub concerns: Vec<String>,
    /// The verdict.
    pub recommendation: Recommendation,
    /// A short summary in prose.
    pub summary: String,
    /// When the evaluation was made.
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_are_one_to_five() {
        assert!(Score::try_from(0).is_err());
        assert_eq!(Score::try_from(1).unwrap().get(), 1);
        assert_eq!(Score::try_from(5).unwrap().get(), 5);
        assert_eq!(Score::try_from(6).unwrap_err(), InvalidScore(6));
        assert!(serde_json::from_str::<Score>("7").is_err());
        assert_eq!(serde_json::from_str::<Score>("3").unwrap().get(), 3);
    }
}
