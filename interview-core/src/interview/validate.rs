//! Validation of the model's evaluation answer: its shape, its scores and its
//! evidence. Every fault is collected, not only the first, so that the one repair
//! round can fix them all.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::evaluation::{CompetencyScore, Evaluation, NotAssessed, Recommendation, Score};
use super::evidence::{EvaluationRules, check_quotes, distinct, same_name};
use super::fault::{EvaluationFault, clip, wrong_type};
use super::transcript::TranscriptEntry;

/// Answers longer than this are refused unread: an evaluation is a few thousand
/// characters, and validation time must stay bounded whatever the model sends.
pub const MAX_ANSWER_CHARS: usize = 100_000;

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
        // Competencies marked not assessed are left alone: quotes there are a
        // fault already.
        let quoted = draft
            .items
            .iter()
            .filter(|item| !matches!(item.scoring, Scoring::NotAssessed))
            .map(|item| (item.competency.as_str(), item.quotes.as_slice()));
        check_quotes(quoted, transcript, rules, &mut faults);
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
            // The model's answer has no say in these: `evaluate` adds them.
            review_flags: Vec::new(),
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
}
