//! Validation of the model's evaluation answer: its shape, its scores and its
//! evidence. Every fault is collected, not only the first, so that the one repair
//! round can fix them all.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::evaluation::{CompetencyScore, Evaluation, NotAssessed, Recommendation, Score};
use super::transcript::{Speaker, TranscriptEntry};

/// Answers longer than this are refused unread: an evaluation is a few thousand
/// characters, and validation time must stay bounded whatever the model sends.
pub const MAX_ANSWER_CHARS: usize = 100_000;

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
    /// The answer is longer than [`MAX_ANSWER_CHARS`].
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
    /// A quote the candidate never said.
    #[error(
        "the quote \"{quote}\" for \"{competency}\" is not in the candidate's answers; quote the \
         candidate's words exactly"
    )]
    QuoteNotSaid {
        /// The competency.
        competency: String,
        /// The quote (cut when long).
        quote: String,
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
            Self::QuoteNotSaid { .. } => "quote_not_said",
            Self::UnknownRecommendation(_) => "unknown_recommendation",
            Self::EmptySummary => "empty_summary",
        }
    }
}

/// What a valid evaluation answer says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assessment {
    /// At least one competency is scored.
    Evaluated(Evaluation),
    /// Every competency is marked not assessed: there is no evaluation to record,
    /// and the answer's recommendation (the schema forces one) means nothing.
    NothingAssessed(Vec<NotAssessed>),
}

/// Validates a model's evaluation answer against the competencies `required` and
/// the `transcript`, and returns what it says or every fault found.
///
/// The JSON object may stand alone or inside prose or a code fence. Every
/// competency in `required` must be there once (names compare case-insensitively;
/// the evaluation uses the names as listed, in their order), either with an
/// integer score from 1 to 5 and at least one quote of the candidate's words as
/// evidence, or not assessed: score null, no evidence, and a reason. The
/// recommendation must be one of the four, and the summary not empty.
pub fn validate_evaluation(
    answer: &str,
    required: &[String],
    transcript: &[TranscriptEntry],
    created_at: DateTime<Utc>,
) -> Result<Assessment, Vec<EvaluationFault>> {
    let mut faults = Vec::new();
    let draft = parse(answer, required, &mut faults);
    if let Some(draft) = &draft {
        check_evidence(draft, transcript, &mut faults);
    }
    match draft.filter(|_| faults.is_empty()) {
        Some(draft) => draft.into_assessment(required, created_at).ok_or(faults),
        None => Err(faults),
    }
}

/// An answer read as far as its shape allows, faults aside.
struct Draft {
    items: Vec<Item>,
    strengths: Vec<String>,
    concerns: Vec<String>,
    recommendation: Option<Recommendation>,
    summary: String,
}

/// One competency of the answer, named as listed.
struct Item {
    competency: String,
    scoring: Scoring,
    quotes: Vec<String>,
    /// Why it is not assessed; read only when it is not.
    reason: Option<String>,
}

enum Scoring {
    Scored(Score),
    NotAssessed,
    /// Missing or invalid (a fault says so).
    Invalid,
}

impl Draft {
    /// What the answer says, when every item is scored or explained and the
    /// recommendation known (always so when no fault was found).
    fn into_assessment(
        mut self,
        required: &[String],
        created_at: DateTime<Utc>,
    ) -> Option<Assessment> {
        let order = |item: &Item| required.iter().position(|c| c == &item.competency);
        self.items.sort_by_key(order);
        let mut competencies = Vec::new();
        let mut not_assessed = Vec::new();
        for item in self.items {
            match item.scoring {
                Scoring::Scored(score) => competencies.push(CompetencyScore {
                    competency: item.competency,
                    score,
                    evidence: item.quotes,
                }),
                Scoring::NotAssessed => not_assessed.push(NotAssessed {
                    competency: item.competency,
                    reason: item.reason?,
                }),
                Scoring::Invalid => return None,
            }
        }
        if competencies.is_empty() {
            return Some(Assessment::NothingAssessed(not_assessed));
        }
        Some(Assessment::Evaluated(Evaluation {
            competencies,
            not_assessed,
            strengths: self.strengths,
            concerns: self.concerns,
            recommendation: self.recommendation?,
            summary: self.summary,
            created_at,
        }))
    }
}

fn parse(answer: &str, required: &[String], faults: &mut Vec<EvaluationFault>) -> Option<Draft> {
    // Bytes bound characters from above: count them only when it may matter.
    if answer.len() > MAX_ANSWER_CHARS {
        let chars = answer.chars().count();
        if chars > MAX_ANSWER_CHARS {
            faults.push(EvaluationFault::TooLong {
                chars,
                max: MAX_ANSWER_CHARS,
            });
            return None;
        }
    }
    let (Some(start), Some(end)) = (answer.find('{'), answer.rfind('}')) else {
        faults.push(EvaluationFault::NoJson);
        return None;
    };
    if end < start {
        faults.push(EvaluationFault::NoJson);
        return None;
    }
    // serde_json refuses nesting deeper than 128 levels with an error, so no
    // answer can exhaust the stack here.
    let root = match serde_json::from_str::<Value>(&answer[start..=end]) {
        Ok(Value::Object(root)) => root,
        Ok(other) => {
            faults.push(wrong_type("the answer", "a JSON object", &other));
            return None;
        }
        Err(error) => {
            faults.push(EvaluationFault::MalformedJson(error.to_string()));
            return None;
        }
    };

    let items = competencies(&root, required, faults);
    let strengths = string_list(&root, "strengths", faults);
    let concerns = string_list(&root, "concerns", faults);
    let recommendation = match root.get("recommendation") {
        None | Some(Value::Null) => {
            faults.push(EvaluationFault::MissingField("recommendation".to_owned()));
            None
        }
        Some(Value::String(text)) => {
            let recommendation = recommendation(text);
            if recommendation.is_none() {
                faults.push(EvaluationFault::UnknownRecommendation(clip(text)));
            }
            recommendation
        }
        Some(other) => {
            faults.push(wrong_type("recommendation", "a string", other));
            None
        }
    };
    let summary = match root.get("summary") {
        None | Some(Value::Null) => {
            faults.push(EvaluationFault::MissingField("summary".to_owned()));
            String::new()
        }
        Some(Value::String(text)) => {
            if text.trim().is_empty() {
                faults.push(EvaluationFault::EmptySummary);
            }
            text.trim().to_owned()
        }
        Some(other) => {
            faults.push(wrong_type("summary", "a string", other));
            String::new()
        }
    };
    Some(Draft {
        items,
        strengths,
        concerns,
        recommendation,
        summary,
    })
}

fn recommendation(text: &str) -> Option<Recommendation> {
    match text.trim().to_ascii_lowercase().as_str() {
        "strong_hire" => Some(Recommendation::StrongHire),
        "hire" => Some(Recommendation::Hire),
        "no_hire" => Some(Recommendation::NoHire),
        "strong_no_hire" => Some(Recommendation::StrongNoHire),
        _ => None,
    }
}

/// The `competencies` array, item by item; items that cannot be attributed to a
/// listed competency are dropped (with their fault).
fn competencies(
    root: &Map<String, Value>,
    required: &[String],
    faults: &mut Vec<EvaluationFault>,
) -> Vec<Item> {
    let list = match root.get("competencies") {
        Some(Value::Array(list)) => list.as_slice(),
        None | Some(Value::Null) => {
            faults.push(EvaluationFault::MissingField("competencies".to_owned()));
            &[]
        }
        Some(other) => {
            faults.push(wrong_type("competencies", "an array", other));
            &[]
        }
    };
    let mut items: Vec<Item> = Vec::new();
    for (index, value) in list.iter().enumerate() {
        let path = format!("competencies[{index}]");
        let Value::Object(item) = value else {
            faults.push(wrong_type(&path, "an object", value));
            continue;
        };
        let name = match item.get("competency") {
            Some(Value::String(name)) => name.trim(),
            None | Some(Value::Null) => {
                faults.push(EvaluationFault::MissingField(format!("{path}.competency")));
                continue;
            }
            Some(other) => {
                faults.push(wrong_type(&format!("{path}.competency"), "a string", other));
                continue;
            }
        };
        let Some(listed) = required
            .iter()
            .find(|listed| listed.trim().eq_ignore_ascii_case(name))
        else {
            faults.push(EvaluationFault::UnknownCompetency(clip(name)));
            continue;
        };
        if items.iter().any(|seen| &seen.competency == listed) {
            faults.push(EvaluationFault::DuplicateCompetency(listed.clone()));
            continue;
        }
        let scoring = match item.get("score") {
            None => {
                faults.push(EvaluationFault::MissingField(format!("{path}.score")));
                Scoring::Invalid
            }
            Some(Value::Null) => Scoring::NotAssessed,
            Some(value) => match score(value) {
                Some(score) => Scoring::Scored(score),
                None => {
                    faults.push(EvaluationFault::InvalidScore {
                        competency: listed.clone(),
                        value: clip(&value.to_string()),
                    });
                    Scoring::Invalid
                }
            },
        };
        let quotes = quotes(item, &path, faults);
        let reason = match item.get("not_assessed_reason") {
            None | Some(Value::Null) => None,
            Some(Value::String(reason)) => Some(reason.trim().to_owned()).filter(|r| !r.is_empty()),
            Some(other) => {
                faults.push(wrong_type(
                    &format!("{path}.not_assessed_reason"),
                    "a string or null",
                    other,
                ));
                None
            }
        };
        match scoring {
            Scoring::Scored(_) if quotes.is_empty() => {
                faults.push(EvaluationFault::MissingEvidence(listed.clone()));
            }
            Scoring::NotAssessed => {
                if !quotes.is_empty() {
                    faults.push(EvaluationFault::EvidenceWithoutScore(listed.clone()));
                }
                if reason.is_none() {
                    faults.push(EvaluationFault::MissingReason(listed.clone()));
                }
            }
            _ => {}
        }
        items.push(Item {
            competency: listed.clone(),
            scoring,
            quotes,
            reason,
        });
    }
    for listed in required {
        if !items.iter().any(|item| &item.competency == listed) {
            faults.push(EvaluationFault::MissingCompetency(listed.clone()));
        }
    }
    items
}

/// A score is an integer from 1 to 5; `4.0` counts as `4`, as JSON Schema's
/// "integer" has it.
fn score(value: &Value) -> Option<Score> {
    let number = value.as_number()?;
    let whole = match number.as_i64() {
        Some(whole) => whole,
        None => {
            let float = number.as_f64()?;
            if float.fract() != 0.0 || !(1.0..=5.0).contains(&float) {
                return None;
            }
            float as i64
        }
    };
    Score::try_from(u8::try_from(whole).ok()?).ok()
}

/// The non-empty quotes of an item's `evidence` (missing or null: none).
fn quotes(item: &Map<String, Value>, path: &str, faults: &mut Vec<EvaluationFault>) -> Vec<String> {
    let list = match item.get("evidence") {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(list)) => list,
        Some(other) => {
            faults.push(wrong_type(
                &format!("{path}.evidence"),
                "an array of strings",
                other,
            ));
            return Vec::new();
        }
    };
    let mut quotes = Vec::new();
    for (index, value) in list.iter().enumerate() {
        match value {
            Value::String(quote) if quote.trim().is_empty() => {}
            Value::String(quote) => quotes.push(quote.trim().to_owned()),
            other => faults.push(wrong_type(
                &format!("{path}.evidence[{index}]"),
                "a string",
                other,
            )),
        }
    }
    quotes
}

/// `strengths` or `concerns`: a list of strings, empty when missing.
fn string_list(
    root: &Map<String, Value>,
    key: &str,
    faults: &mut Vec<EvaluationFault>,
) -> Vec<String> {
    let list = match root.get(key) {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(list)) => list,
        Some(other) => {
            faults.push(wrong_type(key, "an array of strings", other));
            return Vec::new();
        }
    };
    let mut items = Vec::new();
    for (index, value) in list.iter().enumerate() {
        match value {
            Value::String(text) if !text.trim().is_empty() => items.push(text.trim().to_owned()),
            Value::String(_) => {}
            other => faults.push(wrong_type(&format!("{key}[{index}]"), "a string", other)),
        }
    }
    items
}

/// Checks that every quote is something the candidate said: it must appear in
/// their transcript lines, ignoring case, punctuation and spacing.
fn check_evidence(
    draft: &Draft,
    transcript: &[TranscriptEntry],
    faults: &mut Vec<EvaluationFault>,
) {
    let said = transcript
        .iter()
        .filter(|entry| entry.speaker == Speaker::Candidate)
        .map(|entry| normalize_words(&entry.text))
        .collect::<Vec<_>>()
        .join(" ");
    for item in &draft.items {
        for quote in &item.quotes {
            let words = normalize_words(quote);
            if words.is_empty() || !said.contains(&words) {
                faults.push(EvaluationFault::QuoteNotSaid {
                    competency: item.competency.clone(),
                    quote: clip(quote),
                });
            }
        }
    }
}

/// Lower-case words separated by single spaces, without punctuation.
fn normalize_words(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

fn wrong_type(field: &str, expected: &'static str, found: &Value) -> EvaluationFault {
    EvaluationFault::WrongType {
        field: field.to_owned(),
        expected,
        found: clip(&found.to_string()),
    }
}

/// `text` cut to [`MAX_QUOTED_CHARS`] characters, marked when cut.
fn clip(text: &str) -> String {
    match text.char_indices().nth(MAX_QUOTED_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn scores_are_whole_numbers_from_one_to_five() {
        let get = |value: Value| score(&value).map(Score::get);
        assert_eq!(get(json!(1)), Some(1));
        assert_eq!(get(json!(5)), Some(5));
        // JSON Schema's "integer" includes 4.0.
        assert_eq!(get(json!(4.0)), Some(4));
        for refused in [
            json!(0),
            json!(6),
            json!(-3),
            json!(4.5),
            json!(1e300),
            json!(u64::MAX),
            json!("4"),
            json!(true),
            json!([4]),
        ] {
            assert_eq!(get(refused.clone()), None, "{refused}");
        }
    }

    #[test]
    fn quoted_model_text_is_cut_on_a_character_boundary() {
        assert_eq!(clip("short"), "short");
        let long = "é".repeat(MAX_QUOTED_CHARS + 10);
        let cut = clip(&long);
        assert_eq!(cut.chars().count(), MAX_QUOTED_CHARS + 1);
        assert!(cut.ends_with('…'));
    }
}
