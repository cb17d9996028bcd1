//! The interview's pace: which stage of the plan it is in, kept as the interview
//! goes rather than read off the clock, which competencies have evidence, and
//! whether the interviewer may end it now.
//!
//! - **A stage ends** when its time is up (its own budget since it began, or the
//!   plan's schedule for it, whichever comes first), or when it has had enough
//!   answers: the most it takes ([`Stage::answers`]), or the fewest once its
//!   competencies have evidence. The candidate's questions end with an answer that
//!   asks nothing. So a quick interview moves on as fast as it is answered, and a
//!   slow one never falls behind the plan's clock.
//! - **Evidence** comes from the interviewer (a model names it in an evidence
//!   marker, see [`read_hidden_markers`](super::read_hidden_markers)); only names on
//!   the list count, and only for an answer of at least
//!   [`PaceRules::min_answer_words`] words.
//! - **The end**: the interviewer's end marker is refused before the last stage,
//!   and in it while coverage is short of [`PaceRules::min_coverage_percent`] and a
//!   competency without evidence has not been asked about at the end. Once the
//!   plan's time is used up it is always accepted (the note then asks for it).
//! - **The note** ([`Pace::note`]) tells the interviewer all of this before each
//!   reply.

use std::time::Duration;

use super::coverage::{Coverage, EVIDENCE_OPEN};
use super::evidence::DEFAULT_MIN_QUOTE_WORDS;
use super::plan::{END_MARKER, InterviewPlan, STATUS, Stage, minutes, time_up_note};

/// How the pace is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaceRules {
    /// The share of the competencies, in percent, that needs evidence before the
    /// interviewer may close without asking about the rest (80).
    pub min_coverage_percent: u32,
    /// The fewest words an answer needs for its evidence to count (as for a quote
    /// of evidence in the evaluation: 6).
    pub min_answer_words: usize,
}

impl Default for PaceRules {
    fn default() -> Self {
        Self {
            min_coverage_percent: 80,
            min_answer_words: DEFAULT_MIN_QUOTE_WORDS,
        }
    }
}

/// Why the interviewer may not end the interview yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndRefused {
    /// The interview is not in its last stage.
    TooEarly {
        /// The stage it is in.
        stage: Stage,
    },
    /// The competency has no evidence and was not asked about at the end.
    Uncovered {
        /// Its name.
        competency: String,
    },
}

impl std::fmt::Display for EndRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooEarly { stage } => write!(f, "the interview is still in the {stage} stage"),
            Self::Uncovered { competency } => write!(f, "{competency} has no evidence yet"),
        }
    }
}

/// Where an interview stands: its stage, its answers, its coverage.
#[derive(Debug, Clone)]
pub struct Pace {
    plan: InterviewPlan,
    rules: PaceRules,
    coverage: Coverage,
    /// Per stage, the competencies (indices into `coverage`) it is to cover.
    focus: Vec<Vec<usize>>,
    index: usize,
    /// The interview's time when the current stage began.
    stage_started: Duration,
    /// Answers in the current stage.
    stage_answers: usize,
    /// Answers in the whole interview.
    answers: usize,
    /// Whether the last answer asked something (it keeps the candidate's questions
    /// going).
    last_asked: bool,
    /// Per competency, whether it was asked about at the end, after the stages
    /// left it without evidence.
    asked_at_end: Vec<bool>,
    /// The competency the last note asked about at the end: the next answer is
    /// about it.
    asking: Option<usize>,
    /// The end the interviewer last tried, refused, to be mentioned in the next
    /// note.
    refused: Option<EndRefused>,
}

impl Pace {
    /// The start of an interview held by `plan`, assessing `competencies` (the
    /// evaluation's list). The plan's stages are given the competencies by
    /// [`InterviewPlan::with_competencies`] unless it assigns them itself.
    pub fn new<S: AsRef<str>>(plan: InterviewPlan, competencies: &[S], rules: PaceRules) -> Self {
        let plan = plan.with_competencies(competencies);
        let coverage = Coverage::new(competencies);
        let focus = plan
            .stages
            .iter()
            .map(|s| coverage.matching(&s.competencies))
            .collect();
        let count = coverage.names().len();
        Self {
            plan,
            rules,
            coverage,
            focus,
            index: 0,
            stage_started: Duration::ZERO,
            stage_answers: 0,
            answers: 0,
            last_asked: false,
            asked_at_end: vec![false; count],
            asking: None,
            refused: None,
        }
    }

    /// The plan, with its competencies assigned.
    pub fn plan(&self) -> &InterviewPlan {
        &self.plan
    }

    /// The current stage; `None` for a plan without stages.
    pub fn stage(&self) -> Option<Stage> {
        self.plan.stages.get(self.index).map(|s| s.stage)
    }

    /// The index of the current stage in the plan.
    pub fn stage_index(&self) -> usize {
        self.index
    }

    /// Which competencies have evidence.
    pub fn coverage(&self) -> &Coverage {
        &self.coverage
    }

    /// The candidate's answers so far.
    pub fn answers(&self) -> usize {
        self.answers
    }

    /// Picks up an interview that resumes after `answers` answers at `elapsed`:
    /// the stage follows the plan's schedule (the evidence of the earlier
    /// connection is not known again).
    pub fn resume(&mut self, answers: usize, elapsed: Duration) {
        self.answers = answers;
        self.advance(elapsed);
    }

    /// Counts the candidate's answer `text` at `elapsed`, in the current stage,
    /// then moves on past the stages that are done.
    pub fn answered(&mut self, text: &str, elapsed: Duration) {
        self.answers += 1;
        self.stage_answers += 1;
        self.last_asked = asks_something(text);
        if let Some(i) = self.asking.take()
            && let Some(asked) = self.asked_at_end.get_mut(i)
        {
            *asked = true;
        }
        self.advance(elapsed);
    }

    /// Records the competencies `named` by the interviewer as shown by the answer
    /// `text`; returns those that count (on the list, and the answer long enough).
    pub fn answer_evidence<S: AsRef<str>>(&mut self, named: &[S], text: &str) -> Vec<String> {
        if named.is_empty() || word_count(text) < self.rules.min_answer_words {
            return Vec::new();
        }
        let found = self.coverage.matching(named);
        self.coverage.add(&found);
        found
            .into_iter()
            .map(|i| self.coverage.names()[i].clone())
            .collect()
    }

    /// Notes what the interviewer said: once the question stages are over (the
    /// candidate's questions, the wrap-up), a competency without evidence that it
    /// names was asked about, and is not asked about again before closing.
    pub fn interviewer_said(&mut self, text: &str) {
        if !matches!(
            self.stage(),
            Some(Stage::CandidateQuestions | Stage::WrapUp)
        ) {
            return;
        }
        for i in self.coverage.mentioned_in(text) {
            if !self.coverage.is_covered(i) {
                self.asked_at_end[i] = true;
            }
        }
    }

    /// Moves on past the stages that are done at `elapsed`; whether it moved.
    pub fn advance(&mut self, elapsed: Duration) -> bool {
        let mut moved = false;
        while self.index + 1 < self.plan.stages.len() && self.stage_done(elapsed) {
            self.index += 1;
            self.stage_started = elapsed;
            self.stage_answers = 0;
            self.last_asked = false;
            moved = true;
        }
        moved
    }

    fn stage_done(&self, elapsed: Duration) -> bool {
        let stage = &self.plan.stages[self.index];
        let own_time_up = elapsed.saturating_sub(self.stage_started) >= stage.budget;
        if own_time_up || elapsed >= self.plan.scheduled_end(self.index) {
            return true;
        }
        let (fewest, most) = stage.stage.answers();
        if self.stage_answers >= most {
            return true;
        }
        if self.stage_answers < fewest {
            return false;
        }
        if stage.stage == Stage::CandidateQuestions {
            return !self.last_asked;
        }
        self.focus[self.index]
            .iter()
            .all(|&i| self.coverage.is_covered(i))
    }

    /// The time left in the current stage at `elapsed`.
    fn stage_remaining(&self, elapsed: Duration) -> Duration {
        let Some(stage) = self.plan.stages.get(self.index) else {
            return Duration::ZERO;
        };
        let own = (self.stage_started + stage.budget).saturating_sub(elapsed);
        let scheduled = self.plan.scheduled_end(self.index).saturating_sub(elapsed);
        own.min(scheduled)
    }

    /// Whether the interview is in the plan's last stage.
    fn in_last_stage(&self) -> bool {
        self.index + 1 >= self.plan.stages.len()
    }

    /// The competency to ask about before closing: coverage is short and it has
    /// neither evidence nor a question at the end yet.
    fn to_ask_at_end(&self) -> Option<usize> {
        if self.coverage.percent() >= self.rules.min_coverage_percent {
            return None;
        }
        (0..self.coverage.names().len())
            .find(|&i| !self.coverage.is_covered(i) && !self.asked_at_end[i])
    }

    /// Whether the interviewer may end the interview at `elapsed`: in the last
    /// stage with enough coverage, or once the plan's time is used up.
    pub fn may_end(&mut self, elapsed: Duration) -> Result<(), EndRefused> {
        self.advance(elapsed);
        if elapsed >= self.plan.total() {
            return Ok(());
        }
        if !self.in_last_stage() {
            return Err(EndRefused::TooEarly {
                stage: self.stage().unwrap_or(Stage::WrapUp),
            });
        }
        match self.to_ask_at_end() {
            Some(i) => Err(EndRefused::Uncovered {
                competency: self.coverage.names()[i].clone(),
            }),
            None => Ok(()),
        }
    }

    /// Notes that the interviewer tried to end and was refused: the next note says
    /// the interview goes on.
    pub fn refuse(&mut self, why: EndRefused) {
        self.refused = Some(why);
    }

    /// The note for the interviewer's next reply at `elapsed`: the time, the stage
    /// and what is left in it, the competencies with and without evidence, how to
    /// name evidence, and whether to close now, not yet, or after one more
    /// question about a competency without evidence.
    pub fn note(&mut self, elapsed: Duration) -> String {
        self.advance(elapsed);
        if elapsed >= self.plan.total() {
            self.asking = None;
            return time_up_note(elapsed);
        }
        let Some(stage) = self.plan.stages.get(self.index) else {
            return String::new();
        };
        let mut note = format!(
            "{STATUS} {} elapsed. Current stage: {} (about {} left in it).",
            minutes(elapsed),
            stage.stage,
            minutes(self.stage_remaining(elapsed)),
        );
        if let Some(next) = self.plan.stages.get(self.index + 1) {
            note.push_str(&format!(" Next stage: {}.", next.stage));
        }
        let focus: Vec<&str> = self.focus[self.index]
            .iter()
            .filter(|&&i| !self.coverage.is_covered(i))
            .map(|&i| self.coverage.names()[i].as_str())
            .collect();
        if !focus.is_empty() {
            note.push_str(&format!(
                " Ask this stage's questions so that they show: {}.",
                focus.join(", ")
            ));
        }
        if self.refused.take().is_some() {
            note.push_str(&format!("\n{REFUSED}"));
        }
        self.asking = None;
        if !self.in_last_stage() {
            note.push_str(&format!(
                "\nDo not close the interview or say goodbye before the {} stage.",
                self.plan.stages.last().map_or(Stage::WrapUp, |s| s.stage)
            ));
        } else if let Some(i) = self.to_ask_at_end() {
            self.asking = Some(i);
            note.push_str(&format!(
                "\n{ASK_OPEN}{}{ASK_CLOSE}",
                self.coverage.names()[i]
            ));
        } else {
            note.push_str(&format!(
                "\n{CLOSE_NOW} thank the candidate, explain the next steps, say goodbye, and \
                 end your message with {END_MARKER}."
            ));
        }
        let covered = self.coverage.covered();
        let missing = self.coverage.missing();
        if !covered.is_empty() {
            note.push_str(&format!("\n{WITH}{}", covered.join("; ")));
        }
        if !missing.is_empty() {
            note.push_str(&format!("\n{WITHOUT}{}", missing.join("; ")));
        }
        if !self.coverage.names().is_empty() {
            note.push_str(&format!(
                "\nAfter you reply to an answer, end your message with {EVIDENCE_OPEN} ...]] \
                 naming, separated by semicolons, the competencies from these lists that the \
                 candidate's last answer gave evidence for (it is never spoken); leave it out \
                 when it gave none."
            ));
        }
        note
    }
}

/// What the note says after a refused end.
const REFUSED: &str = "You ended the interview too early: it is not over. Do not say goodbye \
    again; say you have another question, and carry on with the plan.";
/// How the note asks about a competency before closing; the name follows.
const ASK_OPEN: &str = "Do not end the interview yet: first ask one question about ";
/// See [`ASK_OPEN`].
const ASK_CLOSE: &str = ", which has no evidence yet.";
/// How the note says the interviewer may close now.
const CLOSE_NOW: &str = "Close the interview now:";
/// How the note lists the competencies with evidence.
const WITH: &str = "Competencies with evidence: ";
/// How the note lists the competencies without evidence.
const WITHOUT: &str = "Competencies without evidence yet: ";

/// The competencies a [`Pace::note`] lists: `(with evidence, without evidence)`.
/// Only a system message can be that note (a caller checks the role).
pub fn note_competencies(note: &str) -> (Vec<String>, Vec<String>) {
    if !note.starts_with(STATUS) {
        return (Vec::new(), Vec::new());
    }
    let list = |title: &str| -> Vec<String> {
        note.lines()
            .find_map(|line| line.strip_prefix(title))
            .map(|names| {
                names
                    .split("; ")
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    (list(WITH), list(WITHOUT))
}

/// Whether `note` lets the interviewer close the interview now: `None` if it is
/// not a [`Pace::note`] (nor [`InterviewPlan::progress_note`]), `Some(true)` if it
/// says to close now or that the time is used up.
pub fn note_lets_close(note: &str) -> Option<bool> {
    if !note.starts_with(STATUS) {
        return None;
    }
    Some(super::plan::is_time_up_note(note) || note.lines().any(|l| l.starts_with(CLOSE_NOW)))
}

/// The competency a [`Pace::note`] asks to ask about before closing.
pub fn note_asks_about(note: &str) -> Option<String> {
    if !note.starts_with(STATUS) {
        return None;
    }
    note.lines().find_map(|line| {
        let name = line.strip_prefix(ASK_OPEN)?.strip_suffix(ASK_CLOSE)?;
        Some(name.to_owned())
    })
}

/// The words of `text` (runs with a letter or digit).
fn word_count(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

/// Whether the answer asks something: a question mark, or a question's first
/// word, and not "no questions".
fn asks_something(text: &str) -> bool {
    let lower = text.trim().to_lowercase();
    if [
        "no question",
        "no more question",
        "no further question",
        "nothing else",
    ]
    .iter()
    .any(|n| lower.contains(n))
    {
        return false;
    }
    let first = lower
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| !w.is_empty())
        .unwrap_or_default();
    lower.contains('?')
        || [
            "what", "how", "why", "when", "where", "who", "which", "is", "are", "can", "could",
            "do", "does", "will", "would",
        ]
        .contains(&first)
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMPETENCIES: [&str; 5] = [
        "communication",
        "technical depth",
        "problem solving",
        "relevant experience",
        "collaboration",
    ];
    const MIN: Duration = Duration::from_secs(60);
    const LONG: &str = "I built the payment ledger in Rust and ran it for two years.";

    fn pace() -> Pace {
        let plan = InterviewPlan::standard(30 * MIN, None);
        Pace::new(plan, &COMPETENCIES, PaceRules::default())
    }

    #[test]
    fn competencies_go_to_the_stage_that_shows_them() {
        let pace = pace();
        let focus = |stage: Stage| {
            pace.plan()
                .stages
                .iter()
                .find(|s| s.stage == stage)
                .unwrap()
                .competencies
                .clone()
        };
        assert_eq!(
            focus(Stage::Background),
            ["communication", "relevant experience"]
        );
        assert_eq!(
            focus(Stage::Technical),
            ["technical depth", "problem solving"]
        );
        assert_eq!(focus(Stage::Behavioural), ["collaboration"]);
        assert!(
            pace.plan()
                .describe()
                .contains("evidence for here: collaboration.")
        );
        assert_eq!(Stage::for_competency("Negotiation"), Stage::Technical);
        assert_eq!(Stage::for_competency("Team leadership"), Stage::Behavioural);
    }

    #[test]
    fn quick_answers_move_through_the_stages_without_the_clock() {
        let mut pace = pace();
        let now = Duration::from_secs(30);
        assert_eq!(pace.stage(), Some(Stage::Introduction));
        pace.answered(LONG, now);
        assert_eq!(pace.stage(), Some(Stage::Background));
        // Evidence for the stage's competencies ends it after its fewest answers.
        pace.answered(LONG, now);
        assert_eq!(pace.stage(), Some(Stage::Background));
        pace.answer_evidence(&["Communication", "relevant experience"], LONG);
        pace.answered(LONG, now);
        assert_eq!(pace.stage(), Some(Stage::Technical));
        // Without evidence, the most answers end it.
        for _ in 0..4 {
            pace.answered(LONG, now);
        }
        assert_eq!(pace.stage(), Some(Stage::Behavioural));
        for _ in 0..3 {
            pace.answered(LONG, now);
        }
        assert_eq!(pace.stage(), Some(Stage::CandidateQuestions));
        pace.answered("What does the team work on next year?", now);
        assert_eq!(pace.stage(), Some(Stage::CandidateQuestions));
        pace.answered("No more questions, thank you.", now);
        assert_eq!(pace.stage(), Some(Stage::WrapUp));
    }

    #[test]
    fn time_moves_a_slow_stage_on() {
        let mut pace = pace();
        // The introduction's 90 s pass without an answer.
        pace.advance(Duration::from_secs(91));
        assert_eq!(pace.stage(), Some(Stage::Background));
        // Far into the plan's time, the stage follows the schedule.
        pace.answered(LONG, 20 * MIN);
        assert_eq!(pace.stage(), Some(Stage::Behavioural));
        // A stage that began early ends after its own budget (background: 6 min).
        let mut pace = self::pace();
        pace.answered(LONG, MIN);
        assert_eq!(pace.stage(), Some(Stage::Background));
        pace.advance(MIN + 5 * MIN);
        assert_eq!(pace.stage(), Some(Stage::Background));
        pace.advance(MIN + 6 * MIN);
        assert_eq!(pace.stage(), Some(Stage::Technical));
    }

    #[test]
    fn short_answers_give_no_evidence_and_unknown_names_none() {
        let mut pace = pace();
        assert!(
            pace.answer_evidence(&["communication"], "Yes, I did.")
                .is_empty()
        );
        assert!(pace.answer_evidence(&["charisma"], LONG).is_empty());
        assert_eq!(
            pace.answer_evidence(&["Technical-depth", "charisma"], LONG),
            ["technical depth"]
        );
        assert_eq!(pace.coverage().covered(), ["technical depth"]);
    }

    #[test]
    fn the_end_is_refused_before_the_last_stage_and_short_of_coverage() {
        let mut pace = pace();
        let now = 2 * MIN;
        for _ in 0..3 {
            pace.answered(LONG, now);
        }
        assert_eq!(
            pace.may_end(now),
            Err(EndRefused::TooEarly {
                stage: Stage::Background
            })
        );
        pace.refuse(EndRefused::TooEarly {
            stage: Stage::Background,
        });
        let note = pace.note(now);
        assert!(note.contains("ended the interview too early"), "{note}");
        assert!(note.contains("before the Wrap-up stage"), "{note}");
        assert!(!pace.note(now).contains("too early"), "said once");
        assert_eq!(note_lets_close(&note), Some(false));

        // In the wrap-up with two of five covered: each missing one is asked about
        // once, then the end is accepted.
        for _ in 0..12 {
            pace.answered("No more questions from me.", now);
        }
        assert_eq!(pace.stage(), Some(Stage::WrapUp));
        pace.answer_evidence(&["communication", "collaboration"], LONG);
        // Asked about in the interviewer's own words: not asked again.
        pace.interviewer_said("Before we finish, tell me about your relevant experience.");
        for expected in ["technical depth", "problem solving"] {
            assert_eq!(
                pace.may_end(now),
                Err(EndRefused::Uncovered {
                    competency: expected.to_owned()
                })
            );
            let note = pace.note(now);
            assert_eq!(note_asks_about(&note).as_deref(), Some(expected), "{note}");
            pace.answered("Not much.", now);
        }
        assert_eq!(pace.may_end(now), Ok(()));
        let note = pace.note(now);
        assert!(note.contains("Close the interview now"), "{note}");
        assert_eq!(note_lets_close(&note), Some(true));
        assert_eq!(note_lets_close("Close the interview now: bye"), None);
        assert_eq!(
            note_competencies(&note),
            (
                vec!["communication".to_owned(), "collaboration".to_owned()],
                vec![
                    "technical depth".to_owned(),
                    "problem solving".to_owned(),
                    "relevant experience".to_owned()
                ]
            )
        );
    }

    #[test]
    fn enough_coverage_closes_without_more_questions_and_time_up_always_does() {
        let mut pace = pace();
        pace.answer_evidence(&COMPETENCIES[..4], LONG);
        for _ in 0..20 {
            pace.answered("No questions.", MIN);
        }
        assert_eq!(pace.stage(), Some(Stage::WrapUp));
        assert_eq!(pace.may_end(MIN), Ok(()));

        let mut pace = self::pace();
        assert!(pace.may_end(MIN).is_err());
        assert_eq!(pace.may_end(30 * MIN), Ok(()));
        assert!(super::super::is_time_up_note(&pace.note(30 * MIN)));
    }
}
