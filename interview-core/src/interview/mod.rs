//! What an interview produces: a transcript of both sides and an evaluation.

mod evaluation;
mod transcript;

pub use evaluation::{CompetencyScore, Evaluation, InvalidScore, Recommendation, Score};
pub use transcript::{Speaker, TranscriptEntry};
