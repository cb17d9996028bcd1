//! The faults an evaluation answer can have, worded for the model that must fix
//! them, and named by a code for everyone else.

use serde_json::Value;

/// Model text quoted back in a fault (a quote, a name, a value) is cut to this
/// many characters, so a fault stays a line.
const MAX_QUOTED_CHARS: usize = 160;

/// One thing wrong with an evaluation answer. Its `Display` is written for the
/// model (the repair round shows it) and quotes the model's own text;
/// [`code`](Self::code) names the fault without any of it, for logs and stored
/// reasons.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EvaluationFault {
    /// The answer holds no JSON object.
    #[error("the answer contains no JSON object")]
    NoJson,
    /// The answer is longer than [`MAX_ANSWER_CHARS`](super::MAX_ANSWER_CHARS).
    #[error("the answer is {chars} characters long; at most {max} are read")]
    TooLong {
        /// The answer's length in characters.
        chars: usize,
        /// The most accepted.
        max: usize,
    },
    /// The JSON cannot be read.
    #[error("the JSON cannot be read: {0}")]
    MalformedJson(String),
    /// A field has the wrong type.
    #[error("`{field}` must be {expected}, not {found}")]
    WrongType {
        /// Where, as a path (`competencies[1].evidence`).
        field: String,
        /// What the schema asks for.
        expected: &'static str,
        /// The JSON value found, as written (cut when long).
        found: String,
    },
    /// A field the schema requires is missing.
    #[error("`{0}` is missing")]
    MissingField(String),
    /// A competency that was not asked for.
    #[error("\"{0}\" is not one of the listed competencies")]
    UnknownCompetency(String),
    /// A competency listed twice.
    #[error("the competency \"{0}\" appears more than once")]
    DuplicateCompetency(String),
    /// A competency that was asked for is missing.
    #[error("the competency \"{0}\" is missing")]
    MissingCompetency(String),
    /// A score that is not an integer from 1 to 5 (or null, for not assessed).
    #[error(
        "the score of \"{competency}\" is {value}; a score is a whole number from 1 to 5, or \
         null when the competency is not assessed"
    )]
    InvalidScore {
        /// The competency.
        competency: String,
        /// The JSON value given, as written: `3.5`, `7`, `"five"`.
        value: String,
    },
    /// A scored competency without quoted evidence.
    #[error(
        "\"{0}\" has a score but no quoted evidence; quote the candidate, or mark it not \
         assessed (score null, with a reason)"
    )]
    MissingEvidence(String),
    /// A competency marked not assessed (score null) that quotes evidence anyway.
    #[error(
        "\"{0}\" is not assessed (score null) but quotes evidence; give a score, or leave the \
         evidence empty"
    )]
    EvidenceWithoutScore(String),
    /// A competency marked not assessed without saying why.
    #[error(
        "\"{0}\" is not assessed (score null) but gives no reason; say in a short sentence why \
         it cannot be scored"
    )]
    MissingReason(String),
    /// More quotes than [`EvaluationRules::max_quotes`](super::EvaluationRules::max_quotes); the rest were not read.
    #[error("\"{competency}\" has {count} quotes; give at most {max}")]
    TooManyQuotes {
        /// The competency.
        competency: String,
        /// How many were given.
        count: usize,
        /// The most allowed.
        max: usize,
    },
    /// A quote of fewer words than [`EvaluationRules::min_quote_words`](super::EvaluationRules::min_quote_words) (a letter,
    /// a fragment of a word, "I led").
    #[error(
        "the quote \"{quote}\" for \"{competency}\" is too short: a quote is at least {min} \
         consecutive whole words from one answer of the candidate (this one has {words})"
    )]
    QuoteTooShort {
        /// The competency.
        competency: String,
        /// The quote (cut when long).
        quote: String,
        /// Its words.
        words: usize,
        /// The fewest allowed.
        min: usize,
    },
    /// A quote that is not a run of whole words of any one answer of the
    /// candidate: invented, paraphrased, or cut inside a word.
    #[error(
        "the quote \"{quote}\" for \"{competency}\" is not in any answer of the candidate; \
         quote whole words exactly as the candidate said them"
    )]
    QuoteNotSaid {
        /// The competency.
        competency: String,
        /// The quote (cut when long).
        quote: String,
    },
    /// A quote of the interviewer's words.
    #[error(
        "the quote \"{quote}\" for \"{competency}\" is the interviewer's words, not the \
         candidate's"
    )]
    QuoteFromInterviewer {
        /// The competency.
        competency: String,
        /// The quote (cut when long).
        quote: String,
    },
    /// A quote that joins the end of one answer to the start of another.
    #[error(
        "the quote \"{quote}\" for \"{competency}\" joins two answers of the candidate; quote \
         from one answer only"
    )]
    QuoteSpansAnswers {
        /// The competency.
        competency: String,
        /// The quote (cut when long).
        quote: String,
    },
    /// A quote already given for another competency (or one containing it, or
    /// contained in it).
    #[error(
        "the quote \"{quote}\" for \"{competency}\" repeats evidence given for \"{other}\"; \
         each quote supports one competency only"
    )]
    SharedQuote {
        /// The competency.
        competency: String,
        /// The quote (cut when long).
        quote: String,
        /// The competency it was first given for.
        other: String,
    },
    /// A recommendation not in the schema.
    #[error("\"{0}\" is not a recommendation (strong_hire, hire, no_hire, strong_no_hire)")]
    UnknownRecommendation(String),
    /// The summary is empty.
    #[error("the summary is empty")]
    EmptySummary,
}

impl EvaluationFault {
    /// A stable name for the kind of fault (`"invalid_score"`,
    /// `"quote_not_said"`, …), free of the model's text.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoJson => "no_json",
            Self::TooLong { .. } => "too_long",
            Self::MalformedJson(_) => "malformed_json",
            Self::WrongType { .. } => "wrong_type",
            Self::MissingField(_) => "missing_field",
            Self::UnknownCompetency(_) => "unknown_competency",
            Self::DuplicateCompetency(_) => "duplicate_competency",
            Self::MissingCompetency(_) => "missing_competency",
            Self::InvalidScore { .. } => "invalid_score",
            Self::MissingEvidence(_) => "missing_evidence",
            Self::EvidenceWithoutScore(_) => "evidence_without_score",
            Self::MissingReason(_) => "missing_reason",
            Self::TooManyQuotes { .. } => "too_many_quotes",
            Self::QuoteTooShort { .. } => "quote_too_short",
            Self::QuoteNotSaid { .. } => "quote_not_said",
            Self::QuoteFromInterviewer { .. } => "quote_from_interviewer",
            Self::QuoteSpansAnswers { .. } => "quote_spans_answers",
            Self::SharedQuote { .. } => "shared_quote",
            Self::UnknownRecommendation(_) => "unknown_recommendation",
            Self::EmptySummary => "empty_summary",
        }
    }
}

pub(super) fn wrong_type(field: &str, expected: &'static str, found: &Value) -> EvaluationFault {
    EvaluationFault::WrongType {
        field: field.to_owned(),
        expected,
        found: clip(&found.to_string()),
    }
}

/// `text` cut to [`MAX_QUOTED_CHARS`] characters, marked when cut.
pub(super) fn clip(text: &str) -> String {
    match text.char_indices().nth(MAX_QUOTED_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_model_text_is_cut_on_a_character_boundary() {
        assert_eq!(clip("short"), "short");
        let long = "é".repeat(MAX_QUOTED_CHARS + 10);
        let cut = clip(&long);
        assert_eq!(cut.chars().count(), MAX_QUOTED_CHARS + 1);
        assert!(cut.ends_with('…'));
    }
}
