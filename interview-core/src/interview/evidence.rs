//! What counts as evidence: a quote is a run of at least
//! [`EvaluationRules::min_quote_words`] whole words from one single answer of the
//! candidate, and supports one competency only. Words are runs of letters and
//! digits compared in lower case, so punctuation, case and spacing do not matter
//! ("don't" is the two words "don" and "t" on both sides).

use super::evaluate::DEFAULT_COMPETENCIES;
use super::evaluation::NotAssessed;
use super::fault::{EvaluationFault, clip};
use super::transcript::{Speaker, TranscriptEntry};
use crate::position::{Competency, Position};

/// The fewest words a quote of evidence may have, unless
/// [`EvaluationRules::with_min_quote_words`] says otherwise.
pub const DEFAULT_MIN_QUOTE_WORDS: usize = 6;

/// The most quotes per competency, unless [`EvaluationRules::with_max_quotes`]
/// says otherwise.
pub const DEFAULT_MAX_QUOTES: usize = 5;

/// What an evaluation must cover and what counts as evidence.
///
/// `evaluate` and `evaluation_request` take one; the interview session builds it
/// from its configured competencies with the default evidence rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvaluationRules {
    competencies: Vec<String>,
    rubrics: Vec<Competency>,
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
            rubrics: Vec::new(),
            min_quote_words: DEFAULT_MIN_QUOTE_WORDS,
            max_quotes: DEFAULT_MAX_QUOTES,
        }
    }

    /// Rules for the competencies of `position`, each scored against its rubric,
    /// with the default evidence rules.
    pub fn for_position(position: &Position) -> Self {
        let mut rules = Self::new(position.competencies.iter().map(|c| c.name.as_str()));
        rules.rubrics = position.competencies.clone();
        rules
    }

    /// The competencies with their rubrics, when the rules were made
    /// [`for_position`](Self::for_position); empty otherwise.
    pub fn rubrics(&self) -> &[Competency] {
        &self.rubrics
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
pub(super) fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// `quotes` without repeats (a quote given twice for one competency is harmless).
pub(super) fn distinct(quotes: Vec<String>) -> Vec<String> {
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

/// Checks the quotes given for each competency against what the candidate said,
/// and that no quote supports two competencies.
pub(super) fn check_quotes<'a>(
    quoted: impl IntoIterator<Item = (&'a str, &'a [String])>,
    transcript: &[TranscriptEntry],
    rules: &EvaluationRules,
    faults: &mut Vec<EvaluationFault>,
) {
    let said = Said::of(transcript);
    // Accepted quotes, padded, with their competency.
    let mut accepted: Vec<(&str, String)> = Vec::new();
    for (competency, quotes) in quoted {
        if quotes.len() > rules.max_quotes {
            faults.push(EvaluationFault::TooManyQuotes {
                competency: competency.to_owned(),
                count: quotes.len(),
                max: rules.max_quotes,
            });
        }
        for quote in quotes.iter().take(rules.max_quotes) {
            let words = words(quote);
            if words.len() < rules.min_quote_words {
                faults.push(EvaluationFault::QuoteTooShort {
                    competency: competency.to_owned(),
                    quote: clip(quote),
                    words: words.len(),
                    min: rules.min_quote_words,
                });
                continue;
            }
            let needle = padded(&words);
            if !said.answers.iter().any(|answer| answer.contains(&needle)) {
                let (competency, quote) = (competency.to_owned(), clip(quote));
                faults.push(
                    if said.interviewer.iter().any(|line| line.contains(&needle)) {
                        EvaluationFault::QuoteFromInterviewer { competency, quote }
                    } else if said.joined.contains(&needle) {
                        EvaluationFault::QuoteSpansAnswers { competency, quote }
                    } else {
                        EvaluationFault::QuoteNotSaid { competency, quote }
                    },
                );
                continue;
            }
            // The same words, or a quote inside (or around) them, for another
            // competency: one piece of evidence counted twice.
            let repeated = accepted.iter().find(|(other, earlier)| {
                *other != competency
                    && (earlier.contains(&needle) || needle.contains(earlier.as_str()))
            });
            match repeated {
                Some((other, _)) => faults.push(EvaluationFault::SharedQuote {
                    competency: competency.to_owned(),
                    quote: clip(quote),
                    other: (*other).to_owned(),
                }),
                None => accepted.push((competency, needle)),
            }
        }
    }
}

/// The lower-case words of `text`: its runs of letters and digits.
pub(super) fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// `words` joined by single spaces, with a space before and after.
fn padded(words: &[String]) -> String {
    format!(" {} ", words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
