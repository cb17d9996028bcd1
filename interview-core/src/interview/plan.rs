//! The structured interview: stages in order, each with a time budget, and the
//! resume items its questions start from.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::highlights::resume_highlights_for;
use crate::position::{Position, StagePlan};

/// A stage of the interview, in the order they are held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The interviewer introduces itself and the format.
    Introduction,
    /// The candidate's background and experience, from the resume.
    Background,
    /// Technical depth in what the candidate has worked on.
    Technical,
    /// Past behaviour: teamwork, conflict, ownership, failure.
    Behavioural,
    /// The candidate's own questions.
    CandidateQuestions,
    /// Thanks, next steps, goodbye.
    WrapUp,
}

impl Stage {
    /// Every stage, in the order they are held.
    pub const ALL: [Self; 6] = [
        Self::Introduction,
        Self::Background,
        Self::Technical,
        Self::Behavioural,
        Self::CandidateQuestions,
        Self::WrapUp,
    ];

    /// Its place in [`Stage::ALL`]: stages of a plan come in this order.
    pub fn order(self) -> usize {
        Self::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }

    /// Its name in positions files and JSON (`"candidate_questions"`).
    pub fn key(self) -> &'static str {
        match self {
            Self::Introduction => "introduction",
            Self::Background => "background",
            Self::Technical => "technical",
            Self::Behavioural => "behavioural",
            Self::CandidateQuestions => "candidate_questions",
            Self::WrapUp => "wrap_up",
        }
    }

    /// What the interviewer does in this stage unless a position says otherwise.
    pub fn standard_goal(self) -> &'static str {
        match self {
            Self::Introduction => {
                "Greet the candidate, introduce yourself and the format of the interview, and \
                 put them at ease."
            }
            Self::Background => {
                "Understand the candidate's background: recent roles, what they owned, and why \
                 they are interested in this position. Ask about specific items from their \
                 resume."
            }
            Self::Technical => {
                "Probe technical depth in what the candidate has actually worked on: design \
                 decisions, trade-offs, debugging, how they would extend it. One question at a \
                 time; follow up on vague answers."
            }
            Self::Behavioural => {
                "Ask for concrete past situations: teamwork, disagreement, ownership, a failure \
                 and what they learned. Ask for specifics (situation, action, result)."
            }
            Self::CandidateQuestions => {
                "Invite the candidate's questions about the role, the team and the company, and \
                 answer briefly and honestly; say so when you do not know."
            }
            Self::WrapUp => {
                "Thank the candidate, explain that the team will follow up about next steps, \
                 and say goodbye."
            }
        }
    }

    /// A human name for prompts and logs.
    pub fn title(self) -> &'static str {
        match self {
            Self::Introduction => "Introduction",
            Self::Background => "Background",
            Self::Technical => "Technical",
            Self::Behavioural => "Behavioural",
            Self::CandidateQuestions => "Candidate's questions",
            Self::WrapUp => "Wrap-up",
        }
    }

    /// How many answers the stage takes: it is done after the first number of
    /// answers once its competencies have evidence, and after the second whatever
    /// they show (unless its time runs out first). The candidate's questions are
    /// done sooner, with an answer that asks nothing (see [`Pace`](super::Pace)).
    pub fn answers(self) -> (usize, usize) {
        match self {
            Self::Introduction => (1, 1),
            Self::Background => (1, 3),
            Self::Technical => (2, 4),
            Self::Behavioural => (1, 3),
            Self::CandidateQuestions => (1, 3),
            Self::WrapUp => (usize::MAX, usize::MAX),
        }
    }

    /// The question stage whose questions best show `competency`, by its words:
    /// technical words (design, system, code, problem, data ...) the technical
    /// stage, people words (team, collaboration, leadership, conflict ...) the
    /// behavioural one, background words (experience, communication, motivation,
    /// domain ...) the background one; anything else the technical stage.
    pub fn for_competency(competency: &str) -> Self {
        const TECHNICAL: [&str; 19] = [
            "technical",
            "tech",
            "design",
            "system",
            "architect",
            "code",
            "coding",
            "program",
            "engineer",
            "debug",
            "problem",
            "algorithm",
            "data",
            "security",
            "performance",
            "testing",
            "quality",
            "analytic",
            "tool",
        ];
        const BEHAVIOURAL: [&str; 16] = [
            "collab",
            "team",
            "conflict",
            "lead",
            "ownership",
            "owner",
            "mentor",
            "stakeholder",
            "culture",
            "value",
            "adapt",
            "learn",
            "initiative",
            "empathy",
            "feedback",
            "resilien",
        ];
        const BACKGROUND: [&str; 9] = [
            "experience",
            "background",
            "domain",
            "motivation",
            "career",
            "industry",
            "communic",
            "knowledge",
            "interest",
        ];
        let lower = competency.to_lowercase();
        let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).collect();
        let has = |stems: &[&str]| words.iter().any(|w| stems.iter().any(|s| w.starts_with(s)));
        if has(&TECHNICAL) {
            Self::Technical
        } else if has(&BEHAVIOURAL) {
            Self::Behavioural
        } else if has(&BACKGROUND) {
            Self::Background
        } else {
            Self::Technical
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.title())
    }
}

/// One stage of a plan: what to cover and how long to spend on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanStage {
    /// Which stage.
    pub stage: Stage,
    /// The time it should take.
    pub budget: Duration,
    /// What the interviewer should do in it, for the model.
    pub goal: String,
    /// Which of the plan's [`InterviewPlan::highlights`] (0-based) to ask about here.
    pub highlights: Vec<usize>,
    /// The competencies (by name) this stage looks for evidence of; empty: none
    /// in particular (see [`InterviewPlan::with_competencies`]).
    #[serde(default)]
    pub competencies: Vec<String>,
}

/// Where an interview stands against its plan at some elapsed time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanPosition {
    /// The index of the current stage in [`InterviewPlan::stages`].
    pub index: usize,
    /// The current stage.
    pub stage: Stage,
    /// Time left in the current stage's budget.
    pub stage_remaining: Duration,
    /// Whether the whole plan's time is used up.
    pub overrun: bool,
}

/// The interview's stages with their budgets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterviewPlan {
    /// The stages, in order.
    pub stages: Vec<PlanStage>,
    /// Resume lines the questions start from. They are resume text, so untrusted:
    /// [`system_prompt`](super::system_prompt) lists them in a fenced list of their
    /// own, each with an id ([`highlight_id`](super::highlight_id): `H1`, `H2` ...),
    /// and the plan refers to them by id only.
    pub highlights: Vec<String>,
}

impl InterviewPlan {
    /// The standard six-stage plan for about `total` minutes, with questions
    /// grounded in `resume` (already truncated) when there is one.
    ///
    /// Budgets are shares of `total`: introduction 5%, background 20%, technical 35%,
    /// behavioural 20%, candidate's questions 12%, wrap-up 8%.
    pub fn standard(total: Duration, resume: Option<&str>) -> Self {
        Self::from_stages(crate::position::standard_plan(total), resume, &[])
    }

    /// The plan of `position`: its stages, budgets and focus, with questions
    /// grounded in `resume` (already truncated) when there is one, highlights
    /// chosen for the position's competencies.
    pub fn for_position(position: &Position, resume: Option<&str>) -> Self {
        let names: Vec<&str> = position
            .competencies
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        Self::from_stages(position.plan.clone(), resume, &names)
    }

    fn from_stages(stages: Vec<StagePlan>, resume: Option<&str>, competencies: &[&str]) -> Self {
        let highlights = resume
            .map(|resume| resume_highlights_for(resume, competencies))
            .unwrap_or_default();
        // The first half of the highlights ground the background questions, the rest
        // (or all, when there are few) the technical ones; a plan with only one of
        // the two stages grounds it in all of them.
        let split = highlights.len().div_ceil(2);
        let all: Vec<usize> = (0..highlights.len()).collect();
        let has = |stage| stages.iter().any(|s| s.stage == stage);
        let (background, technical) = match (has(Stage::Background), has(Stage::Technical)) {
            (true, true) if highlights.len() > 1 => (all[..split].to_vec(), all[split..].to_vec()),
            _ => (all.clone(), all),
        };
        let stages = stages
            .into_iter()
            .map(|stage| PlanStage {
                highlights: match stage.stage {
                    Stage::Background => background.clone(),
                    Stage::Technical => technical.clone(),
                    _ => Vec::new(),
                },
                stage: stage.stage,
                budget: stage.budget,
                goal: stage.focus,
                competencies: stage.competencies,
            })
            .collect();
        Self { stages, highlights }
    }

    /// The plan with each of `competencies` assigned to the stage whose questions
    /// best show it ([`Stage::for_competency`]), unless the plan already assigns
    /// some (a plan written for a position says itself which stage covers what).
    /// A competency is assigned to a stage the plan has; without that stage, to the
    /// first question stage it has.
    pub fn with_competencies<S: AsRef<str>>(mut self, competencies: &[S]) -> Self {
        if self.stages.iter().any(|s| !s.competencies.is_empty()) {
            return self;
        }
        for competency in competencies {
            let name = competency.as_ref().trim();
            if name.is_empty() {
                continue;
            }
            let wanted = Stage::for_competency(name);
            let index = self
                .stages
                .iter()
                .position(|s| s.stage == wanted)
                .or_else(|| {
                    self.stages.iter().position(|s| {
                        matches!(
                            s.stage,
                            Stage::Background | Stage::Technical | Stage::Behavioural
                        )
                    })
                });
            if let Some(index) = index {
                self.stages[index].competencies.push(name.to_owned());
            }
        }
        self
    }

    /// Where in the plan's time the stage at `index` ends: the sum of the budgets
    /// up to it.
    pub fn scheduled_end(&self, index: usize) -> Duration {
        self.stages.iter().take(index + 1).map(|s| s.budget).sum()
    }

    /// The sum of the stage budgets.
    pub fn total(&self) -> Duration {
        self.stages.iter().map(|s| s.budget).sum()
    }

    /// Where the interview stands after `elapsed`. Past the last budget, the
    /// position stays on the last stage with `overrun` set.
    pub fn position(&self, elapsed: Duration) -> Option<PlanPosition> {
        let mut start = Duration::ZERO;
        for (index, stage) in self.stages.iter().enumerate() {
            let end = start + stage.budget;
            if elapsed < end {
                return Some(PlanPosition {
                    index,
                    stage: stage.stage,
                    stage_remaining: end - elapsed,
                    overrun: false,
                });
            }
            start = end;
        }
        self.stages.last().map(|last| PlanPosition {
            index: self.stages.len() - 1,
            stage: last.stage,
            stage_remaining: Duration::ZERO,
            overrun: true,
        })
    }

    /// The plan as instructions for the model.
    pub fn describe(&self) -> String {
        let mut text = String::new();
        for (i, stage) in self.stages.iter().enumerate() {
            text.push_str(&format!(
                "{}. {} (about {}): {}\n",
                i + 1,
                stage.stage,
                minutes(stage.budget),
                stage.goal
            ));
            if !stage.competencies.is_empty() {
                text.push_str(&format!(
                    "   Competencies to find evidence for here: {}.\n",
                    stage.competencies.join(", ")
                ));
            }
            if !stage.highlights.is_empty() {
                let ids: Vec<String> = stage
                    .highlights
                    .iter()
                    .map(|i| super::prompt::highlight_id(*i))
                    .collect();
                text.push_str(&format!(
                    "   Ground your questions in resume highlights {} (in the highlights list \
                     after the resume).\n",
                    ids.join(", ")
                ));
            }
        }
        text
    }

    /// A short note for the model about where the interview stands now.
    pub fn progress_note(&self, elapsed: Duration) -> String {
        let Some(position) = self.position(elapsed) else {
            return String::new();
        };
        if position.overrun {
            return time_up_note(elapsed);
        }
        let next = self
            .stages
            .get(position.index + 1)
            .map(|s| format!(" Next stage: {}.", s.stage))
            .unwrap_or_default();
        format!(
            "{STATUS} {} elapsed. Current stage: {} (about {} left in it).{next} \
             Move on when its time is up.",
            minutes(elapsed),
            position.stage,
            minutes(position.stage_remaining),
        )
    }
}

/// The note once the plan's time is used up: wrap up and end now.
pub(super) fn time_up_note(elapsed: Duration) -> String {
    format!(
        "{STATUS} {} elapsed; {TIME_UP}. Wrap up now: thank the candidate, say the team will \
         follow up, say goodbye, and end your message with {END_MARKER}.",
        minutes(elapsed)
    )
}

/// How every progress note starts.
pub(super) const STATUS: &str = "Interview status:";

/// Whether `sentence` repeats the progress note the model is given each turn
/// ("Interview status: 14 s elapsed. Current stage: ..."): a small model sometimes
/// reads it back, and the candidate must never hear it.
pub fn echoes_progress_note(sentence: &str) -> bool {
    let lower = sentence.trim().to_lowercase();
    lower.contains(&STATUS.to_lowercase())
        || lower.starts_with("current stage:")
        || lower.starts_with("next stage:")
        || lower.contains("move on when its time is up")
        || lower.contains(TIME_UP)
}
/// What the note says once the plan's time is used up.
pub(super) const TIME_UP: &str = "the planned time is used up";

/// Whether `note` is the progress note [`InterviewPlan::progress_note`] writes once
/// the planned time is used up. Only a system message can be that note: a
/// candidate's message saying the same words is not (a caller must check the
/// role; the session sends the note as the last system message).
pub fn is_time_up_note(note: &str) -> bool {
    note.starts_with(STATUS) && note.contains(TIME_UP)
}

/// What the model writes at the very end of its last message, once the wrap-up is
/// done; the session ends the interview when it sees it (and never speaks it).
pub const END_MARKER: &str = "[[END_INTERVIEW]]";

pub(super) fn minutes(duration: Duration) -> String {
    let secs = duration.as_secs();
    if secs < 90 {
        format!("{secs} s")
    } else {
        format!("{} min", (secs + 30) / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESUME: &str = "Jane Doe\nSenior Engineer at Acme\n\
        - Built a payment ledger in Rust handling 2k TPS\n\
        - Migrated the monolith to Kubernetes over six months\n\
        Skills: Rust, Go\n\
        - Led a team of four on the search relevance project\n";

    #[test]
    fn standard_plan_has_six_stages_within_the_total() {
        let plan = InterviewPlan::standard(Duration::from_secs(30 * 60), None);
        let stages: Vec<Stage> = plan.stages.iter().map(|s| s.stage).collect();
        assert_eq!(
            stages,
            [
                Stage::Introduction,
                Stage::Background,
                Stage::Technical,
                Stage::Behavioural,
                Stage::CandidateQuestions,
                Stage::WrapUp
            ]
        );
        assert_eq!(plan.total(), Duration::from_secs(30 * 60));
        assert!(plan.stages.iter().all(|s| s.budget > Duration::ZERO));
    }

    #[test]
    fn questions_are_grounded_in_the_resume() {
        let plan = InterviewPlan::standard(Duration::from_secs(1800), Some(RESUME));
        assert!(
            plan.highlights
                .iter()
                .any(|h| h.contains("payment ledger in Rust"))
        );
        assert!(
            plan.highlights
                .iter()
                .any(|h| h.contains("search relevance project"))
        );
        assert!(!plan.stages[1].highlights.is_empty());
        assert!(!plan.stages[2].highlights.is_empty());
        // The plan names highlights by id only: resume text stays in its fence.
        let described = plan.describe();
        assert!(
            described.contains("resume highlights H1, H2 "),
            "{described}"
        );
        assert!(!described.contains("ledger"));
    }

    #[test]
    fn position_follows_the_budgets() {
        let plan = InterviewPlan::standard(Duration::from_secs(1000), None);
        let at = |s| plan.position(Duration::from_secs(s)).unwrap();
        assert_eq!(at(0).stage, Stage::Introduction);
        assert_eq!(at(60).stage, Stage::Background);
        assert_eq!(at(300).stage, Stage::Technical);
        assert_eq!(at(990).stage, Stage::WrapUp);
        assert!(!at(990).overrun);
        assert!(at(1000).overrun);
        assert!(
            plan.progress_note(Duration::from_secs(1200))
                .contains(END_MARKER)
        );
        assert!(
            plan.progress_note(Duration::from_secs(300))
                .contains("Current stage: Technical")
        );
    }

    #[test]
    fn a_sentence_that_repeats_the_progress_note_is_recognised() {
        for echo in [
            "Interview status: 14 s elapsed.",
            "interview status: 3 min elapsed.",
            "Current stage: Technical questions (about 5 min left in it).",
            "Next stage: Wrap-up.",
            "Move on when its time is up.",
        ] {
            assert!(echoes_progress_note(echo), "{echo}");
        }
        for spoken in [
            "What is the current stage of your project?",
            "Tell me about the next stage of the migration.",
            "Thanks, that helps.",
        ] {
            assert!(!echoes_progress_note(spoken), "{spoken}");
        }
    }
}
