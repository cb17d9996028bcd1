//! Validation of the model's evaluation answer: its shape, its scores and its
//! evidence. Every fault is collected, not only the first, so that the one repair
//! round can fix them all.
//!
//! Evidence is what keeps a score honest, so a quote must be a run of at least
//! [`EvaluationRules::min_quote_words`] whole words from one single answer of the
//! candidate, and may support one competency only. Words are runs of letters and
//! digits compared in lower case, so punctuation, case and spacing do not matter
//! ("don't" is the two words "don" and "t" on both sides).

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::evaluate::DEFAULT_COMPETENCIES;
use super::evaluation::{CompetencyScore, Evaluation, NotAssessed, Recommendation, Score};
use super::transcript::{Speaker, TranscriptEntry};

/// The fewest words a quote of evidence may have, unless
/// [`EvaluationRules::with_min_quote_words`] says otherwise.
pub const DEFAULT_MIN_QUOTE_WORDS: usize = 6;

/// The most quotes per competency, unless [`EvaluationRules::with_max_quotes`]
/// says otherwise.
pub const DEFAULT_MAX_QUOTES: usize = 5;

/// Answers longer than this are refused unread: an evaluation is a few thousand
/// characters, and validation time must stay bounded whatever the model sends.
pub const MAX_ANSWER_CHARS: usize = 100_000;

/// Model text quoted back in a fault (a quote, a name, a value) is cut to this
/// many characters, so a fault stays a line.
const MAX_QUOTED_CHARS: usize = 160;

/// What an evaluation must cover and what counts as evidence.
///
/// `evaluate` and `evaluation_request` take one; the interview session builds it
/// from its configured competencies with the default evidence rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvaluationRules {
    competencies: Vec<String>,
    min_quote_words: usize,
    max_quotes: usize,
}

impl Default for EvaluationRules {
    /// [`DEFAULT_COMPETENCIES`] with the default evidence rules.
    fn default() -> Self {
        Self::new(DEFAULT_COMPETENCIES)
    }
}

impl EvaluationRules {
    /// Rules for `competencies` (trimmed; blanks and repeats, compared
    /// case-insensitively, dropped; none at all means [`DEFAULT_COMPETENCIES`]),
    /// quotes of at least [`DEFAULT_MIN_QUOTE_WORDS`] words and at most
    /// [`DEFAULT_MAX_QUOTES`] per competency.
    pub fn new<S: AsRef<str>>(competencies: impl IntoIterator<Item = S>) -> Self {
        let mut listed: Vec<String> = Vec::new();
        for name in competencies {
            let name = name.as_ref().trim();
            if !name.is_empty() && !listed.iter().any(|seen| same_name(seen, name)) {
                listed.push(name.to_owned());
            }
        }
        if listed.is_empty() {
            listed = DEFAULT_COMPETENCIES.map(str::to_owned).to_vec();
        }
        Self {
            competencies: listed,
            min_quote_words: DEFAULT_MIN_QUOTE_WORDS,
            max_quotes: DEFAULT_MAX_QUOTES,
        }
    }

    /// Quotes must have at least `words` words (at least 1). Fewer words are easier
    /// to find by chance and to stretch: "I led" supports anything.
    pub fn with_min_quote_words(mut self, words: usize) -> Self {
        self.min_quote_words = words.max(1);
        self
    }

    /// At most `quotes` quotes per competency (at least 1); bounds the work of
    /// checking them, whatever the model sends.
    pub fn with_max_quotes(mut self, quotes: usize) -> Self {
        self.max_quotes = quotes.max(1);
        self
    }

    /// The competencies to assess, in order.
    pub fn competencies(&self) -> &[String] {
        &self.competencies
    }

    /// The fewest words a quote may have.
    pub fn min_quote_words(&self) -> usize {
        self.min_quote_words
    }

    /// The most quotes per competency.
    pub fn max_quotes(&self) -> usize {
        self.max_quotes
    }

    /// When no answer of the candidate has [`min_quote_words`](Self::min_quote_words)
    /// words, nothing can be quoted, so nothing can be scored: every competency,
    /// not assessed, with the reason. `None` when some answer is long enough.
    pub fn nothing_quotable(&self, transcript: &[TranscriptEntry]) -> Option<Vec<NotAssessed>> {
        let quotable = transcript.iter().any(|entry| {
            entry.speaker == Speaker::Candidate && words(&entry.text).len() >= self.min_quote_words
        });
        if quotable {
            return None;
        }
        let reason = format!(
            "The candidate never said {} words in a row in one answer, so nothing could be \
             quoted as evidence.",
            self.min_quote_words
        );
        Some(
            self.competencies
                .iter()
                .map(|competency| NotAssessed {
                    competency: competency.clone(),
                    reason: reason.clone(),
                })
                .collect(),
        )
    }
}

/// Competency names compare case-insensitively, also beyond ASCII.
fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

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
    /// More quotes than [`EvaluationRules::max_quotes`]; the rest were not read.
    #[error("\"{competency}\" has {count} quotes; give at most {max}")]
    TooManyQuotes {
        /// The competency.
        competency: String,
        /// How many were given.
        count: usize,
        /// The most allowed.
        max: usize,
    },
    /// A quote of fewer words than [`EvaluationRules::min_quote_words`] (a letter,
    /// a fragment of a word, "I led").
    #[error(
        "the quote \"{quote}\" for \"{competency}\" has {words} words; a quote is at least \
         {min} consecutive whole words from one answer of the candidate"
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

/// What a valid evaluation answer says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assessment {
    /// At least one competency is scored.
    Evaluated(Evaluation),
    /// Every competency is marked not assessed: there is no evaluation to record,
    /// and the answer's recommendation (the schema forces one) means nothing.
    NothingAssessed(Vec<NotAssessed>),
}

/// Validates a model's evaluation answer against `rules` and the `transcript`, and
/// returns what it says or every fault found.
///
/// The JSON object may stand alone or inside prose or a code fence. Every
/// competency of the rules must be there once (names compare case-insensitively;
/// the evaluation uses the names as listed, in their order), either with an
/// integer score from 1 to 5 and at least one quote of evidence, or not assessed:
/// score null, no evidence, and a reason. Each quote must be a run of at least
/// [`EvaluationRules::min_quote_words`] whole words from one single answer of the
/// candidate, and may support one competency only. The recommendation must be
/// one of the four, and the summary not empty.
pub fn validate_evaluation(
    answer: &str,
    rules: &EvaluationRules,
    transcript: &[TranscriptEntry],
    created_at: DateTime<Utc>,
) -> Result<Assessment, Vec<EvaluationFault>> {
    let required = rules.competencies();
    let mut faults = Vec::new();
    let draft = parse(answer, required, &mut faults);
    if let Some(draft) = &draft {
        check_evidence(draft, transcript, rules, &mut faults);
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
        let Some(listed) = required.iter().find(|listed| same_name(listed, name)) else {
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
        let quotes = distinct(quotes(item, &path, faults));
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

/// `quotes` without repeats (a quote given twice for one competency is harmless).
fn distinct(quotes: Vec<String>) -> Vec<String> {
    let mut seen: Vec<Vec<String>> = Vec::new();
    quotes
        .into_iter()
        .filter(|quote| {
            let words = words(quote);
            let new = !seen.contains(&words);
            seen.push(words);
            new
        })
        .collect()
}

/// The transcript's lines as words, each padded with a space on both sides, so
/// that a padded quote found in one starts and ends on word boundaries.
struct Said {
    answers: Vec<String>,
    interviewer: Vec<String>,
    /// Every answer, in order, as one run: a quote found only here joins two.
    joined: String,
}

impl Said {
    fn of(transcript: &[TranscriptEntry]) -> Self {
        let mut answers = Vec::new();
        let mut interviewer = Vec::new();
        let mut all = Vec::new();
        for entry in transcript {
            let words = words(&entry.text);
            match entry.speaker {
                Speaker::Candidate => {
                    answers.push(padded(&words));
                    all.extend(words);
                }
                Speaker::Interviewer => interviewer.push(padded(&words)),
            }
        }
        Self {
            answers,
            interviewer,
            joined: padded(&all),
        }
    }
}

/// Checks every quote of the scored (or wrongly scored) items against what the
/// candidate said, and that no quote supports two competencies. Competencies
/// marked not assessed are left alone: their quotes are a fault already.
fn check_evidence(
    draft: &Draft,
    transcript: &[TranscriptEntry],
    rules: &EvaluationRules,
    faults: &mut Vec<EvaluationFault>,
) {
    let said = Said::of(transcript);
    // Accepted quotes, padded, with their competency.
    let mut accepted: Vec<(&str, String)> = Vec::new();
    for item in draft
        .items
        .iter()
        .filter(|item| !matches!(item.scoring, Scoring::NotAssessed))
    {
        let competency = item.competency.as_str();
        if item.quotes.len() > rules.max_quotes {
            faults.push(EvaluationFault::TooManyQuotes {
                competency: competency.to_owned(),
                count: item.quotes.len(),
                max: rules.max_quotes,
            });
        }
        for quote in item.quotes.iter().take(rules.max_quotes) {
            let words = words(quote);
            let needle = padded(&words);
            let (competency, quote) = (competency.to_owned(), clip(quote));
            let fault = if words.len() < rules.min_quote_words {
                EvaluationFault::QuoteTooShort {
                    competency,
                    quote,
                    words: words.len(),
                    min: rules.min_quote_words,
                }
            } else if said.answers.iter().any(|answer| answer.contains(&needle)) {
                let repeated = accepted.iter().find(|(other, earlier)| {
                    *other != competency && (earlier.contains(&needle) || needle.contains(earlier))
                });
                match repeated {
                    Some((other, _)) => EvaluationFault::SharedQuote {
                        competency,
                        quote,
                        other: (*other).to_owned(),
                    },
                    None => {
                        accepted.push((item.competency.as_str(), needle));
                        continue;
                    }
                }
            } else if said.interviewer.iter().any(|line| line.contains(&needle)) {
                EvaluationFault::QuoteFromInterviewer { competency, quote }
            } else if said.joined.contains(&needle) {
                EvaluationFault::QuoteSpansAnswers { competency, quote }
            } else {
                EvaluationFault::QuoteNotSaid { competency, quote }
            };
            faults.push(fault);
        }
    }
}

/// The lower-case words of `text`: its runs of letters and digits.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// `words` joined by single spaces, with a space before and after.
fn padded(words: &[String]) -> String {
    format!(" {} ", words.join(" "))
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
    fn rules_list_each_competency_once() {
        let rules = EvaluationRules::new([
            " Rust ",
            "",
            "rust",
            "Communication — Écrite",
            "communication — écrite",
        ]);
        assert_eq!(rules.competencies(), ["Rust", "Communication — Écrite"]);
        assert_eq!(
            EvaluationRules::new(Vec::<String>::new()).competencies(),
            EvaluationRules::default().competencies()
        );
        assert_eq!(EvaluationRules::default().competencies().len(), 5);
        let rules = EvaluationRules::default()
            .with_min_quote_words(0)
            .with_max_quotes(0);
        assert_eq!((rules.min_quote_words(), rules.max_quotes()), (1, 1));
    }

    #[test]
    fn words_are_runs_of_letters_and_digits() {
        assert_eq!(
            words("I don't   know — Kafka/Zoë, v2.5!"),
            ["i", "don", "t", "know", "kafka", "zoë", "v2", "5"]
        );
        assert_eq!(padded(&words("A b")), " a b ");
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
