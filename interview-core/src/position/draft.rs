//! A position as written: in a `POSITIONS_FILE`, in the store's JSON and in the
//! recruiter API. Everything is optional that has a sensible default.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{
    Competency, DEFAULT_CHANGE_NOTICE_HOURS, DEFAULT_MAX_RESCHEDULES, INTERVIEW_MINUTES, Language,
    MAX_CHANGE_NOTICE_HOURS, MAX_COMPETENCIES, MAX_DESCRIPTION_CHARS, MAX_RESCHEDULES,
    MAX_TITLE_CHARS, Position, PositionDefaults, PositionErrors, PositionFieldError, Rubric, Slug,
    StagePlan,
};
use crate::PhoneRegion;
use crate::interview::Stage;

/// The default interview length, in minutes.
pub const DEFAULT_INTERVIEW_MINUTES: u32 = 30;

/// A position as written; [`Position::parse`] checks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(
        description = "A position as written (a POSITIONS_FILE entry): every field but `id` has a default. Answers have every field filled in."
    )
)]
#[serde(deny_unknown_fields)]
pub struct PositionDraft {
    /// The stable id (a slug: lowercase letters, digits, hyphens).
    #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z0-9][a-z0-9-]{0,63}$"))]
    pub id: String,
    /// The apply page's URL slug; the id when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// The job title ("Software Engineer" when left out).
    #[serde(default = "default_title")]
    pub title: String,
    /// Who is hiring; left out: the defaults' company, or "our team".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    /// The job description, in markdown.
    #[serde(default)]
    pub description: String,
    /// What the interview assesses; left out: five general competencies.
    #[serde(default)]
    pub competencies: Vec<CompetencyDraft>,
    /// The interview's length in minutes; with a `plan`, the sum of its minutes
    /// (when both are given they must agree). 30 when both are left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_minutes: Option<u32>,
    /// The stages; left out: the standard six over the interview's length.
    #[serde(default)]
    pub plan: Vec<StageDraft>,
    /// The interview's language as a BCP-47 tag ("en" when left out).
    #[serde(default = "default_language")]
    pub language: String,
    /// The ISO 3166 region phone numbers without a country code are read in;
    /// left out: the defaults' region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_region: Option<String>,
    /// What the interviewer may tell candidates about the role and the company.
    #[serde(default)]
    pub knowledge: String,
    /// Closed to new applications.
    #[serde(default)]
    pub archived: bool,
    /// How many times a candidate may move their own interview (2 when left
    /// out; 0: never, though a recruiter always may).
    #[serde(default = "default_max_reschedules")]
    pub max_reschedules: u32,
    /// How many hours before the start a candidate may still move or cancel
    /// their interview (12 when left out).
    #[serde(default = "default_change_notice_hours")]
    pub change_notice_hours: u32,
}

/// A competency as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CompetencyDraft {
    /// Its name.
    pub name: String,
    /// What it covers.
    #[serde(default)]
    pub description: String,
    /// What a 1, 3 and 5 look like.
    pub rubric: RubricDraft,
}

/// A rubric as written: `{ 1 = "...", 3 = "...", 5 = "..." }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RubricDraft {
    /// What a 1 looks like.
    #[serde(rename = "1")]
    pub one: String,
    /// What a 3 looks like.
    #[serde(rename = "3")]
    pub three: String,
    /// What a 5 looks like.
    #[serde(rename = "5")]
    pub five: String,
}

/// A stage as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StageDraft {
    /// Which stage (`introduction`, `background`, `technical`, `behavioural`,
    /// `candidate_questions`, `wrap_up`).
    pub stage: Stage,
    /// Its time budget in whole minutes.
    pub minutes: u32,
    /// What the interviewer does in it; left out: the stage's standard focus.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub focus: Option<String>,
    /// Competencies (by name) this stage looks for evidence of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub competencies: Vec<String>,
}

fn default_title() -> String {
    "Software Engineer".to_owned()
}

fn default_max_reschedules() -> u32 {
    DEFAULT_MAX_RESCHEDULES
}

fn default_change_notice_hours() -> u32 {
    DEFAULT_CHANGE_NOTICE_HOURS
}

fn default_language() -> String {
    "en".to_owned()
}

impl PositionDraft {
    /// A draft with `id` and every default.
    pub fn named(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            slug: None,
            title: default_title(),
            company: None,
            description: String::new(),
            competencies: Vec::new(),
            duration_minutes: None,
            plan: Vec::new(),
            language: default_language(),
            phone_region: None,
            knowledge: String::new(),
            archived: false,
            max_reschedules: DEFAULT_MAX_RESCHEDULES,
            change_notice_hours: DEFAULT_CHANGE_NOTICE_HOURS,
        }
    }
}

impl From<&Position> for PositionDraft {
    fn from(position: &Position) -> Self {
        Self {
            id: position.id.to_string(),
            slug: Some(position.slug.to_string()),
            title: position.title.clone(),
            company: position.company.clone(),
            description: position.description.clone(),
            competencies: position
                .competencies
                .iter()
                .map(|c| CompetencyDraft {
                    name: c.name.clone(),
                    description: c.description.clone(),
                    rubric: RubricDraft {
                        one: c.rubric.poor.clone(),
                        three: c.rubric.solid.clone(),
                        five: c.rubric.excellent.clone(),
                    },
                })
                .collect(),
            duration_minutes: Some(minutes_of(position.duration())),
            // The standard plan's budgets are shares, not whole minutes: it is
            // written as its length alone, which parses back into it.
            plan: if position.plan == standard_plan(position.duration()) {
                Vec::new()
            } else {
                position
                    .plan
                    .iter()
                    .map(|s| StageDraft {
                        stage: s.stage,
                        minutes: minutes_of(s.budget),
                        focus: Some(s.focus.clone()),
                        competencies: s.competencies.clone(),
                    })
                    .collect()
            },
            language: position.language.to_string(),
            phone_region: Some(position.phone_region.code().to_owned()),
            knowledge: position.knowledge.clone(),
            archived: position.archived,
            max_reschedules: position.max_reschedules,
            change_notice_hours: u32::try_from(position.change_notice.as_secs() / 3600)
                .unwrap_or(u32::MAX),
        }
    }
}

fn minutes_of(duration: Duration) -> u32 {
    u32::try_from(duration.as_secs() / 60).unwrap_or(u32::MAX)
}

/// The five general competencies a position assesses unless it names its own,
/// with their rubrics.
pub(super) fn default_competencies() -> Vec<Competency> {
    let competency =
        |name: &str, description: &str, poor: &str, solid: &str, excellent: &str| Competency {
            name: name.to_owned(),
            description: description.to_owned(),
            rubric: Rubric {
                poor: poor.to_owned(),
                solid: solid.to_owned(),
                excellent: excellent.to_owned(),
            },
        };
    vec![
        competency(
            "communication",
            "Explains ideas clearly and answers the question asked.",
            "Answers are hard to follow or miss the question.",
            "Answers are clear and on topic, with some rambling or gaps.",
            "Answers are structured, concise and adapted to the listener.",
        ),
        competency(
            "technical depth",
            "Understands the technology behind their own work.",
            "Stays at buzzwords; cannot explain how or why something works.",
            "Explains their design choices and the main trade-offs.",
            "Reasons about internals, failure modes and alternatives with evidence.",
        ),
        competency(
            "problem solving",
            "Breaks problems down and reasons to a solution.",
            "Jumps to answers without reasoning or gets stuck.",
            "Works through a problem step by step with some prompting.",
            "Frames the problem, weighs options and checks the result unprompted.",
        ),
        competency(
            "relevant experience",
            "Has done work like the role's.",
            "Little experience related to the role.",
            "Some directly relevant work, described with concrete examples.",
            "Repeated, substantial relevant work with measurable outcomes they owned.",
        ),
        competency(
            "collaboration",
            "Works well with others and handles disagreement.",
            "Describes work only alone, or conflict handled badly.",
            "Gives examples of working with others and resolving friction.",
            "Shows leading, unblocking and learning from others, with specific examples.",
        ),
    ]
}

/// The standard plan's shares of the interview, in percent, and each stage's
/// standard focus.
pub(super) const STANDARD_PLAN: [(Stage, u32); 6] = [
    (Stage::Introduction, 5),
    (Stage::Background, 20),
    (Stage::Technical, 35),
    (Stage::Behavioural, 20),
    (Stage::CandidateQuestions, 12),
    (Stage::WrapUp, 8),
];

/// The standard plan over `total`: each stage its share, the first stage taking
/// what rounding left over, so the budgets add up to `total` exactly.
pub(crate) fn standard_plan(total: Duration) -> Vec<StagePlan> {
    let mut plan: Vec<StagePlan> = STANDARD_PLAN
        .iter()
        .map(|&(stage, percent)| StagePlan {
            stage,
            budget: total * percent / 100,
            focus: stage.standard_goal().to_owned(),
            competencies: Vec::new(),
        })
        .collect();
    let used: Duration = plan.iter().map(|s| s.budget).sum();
    if let Some(first) = plan.first_mut() {
        first.budget += total.saturating_sub(used);
    }
    plan
}

/// Collects the errors of one draft.
struct Errors(Vec<PositionFieldError>);

impl Errors {
    fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(PositionFieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// `text` trimmed, or an error when it is blank or longer than `max`.
    fn text(&mut self, field: &str, text: &str, max: usize, required: bool) -> String {
        let trimmed = text.trim();
        if required && trimmed.is_empty() {
            self.add(field, "must not be blank");
        }
        let length = trimmed.chars().count();
        if length > max {
            self.add(
                field,
                format!("is {length} characters long; at most {max} are allowed"),
            );
        }
        if trimmed
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
        {
            self.add(field, "must not contain control characters");
        }
        trimmed.to_owned()
    }
}

pub(super) fn parse(
    draft: &PositionDraft,
    defaults: &PositionDefaults,
) -> Result<Position, PositionErrors> {
    let mut errors = Errors(Vec::new());
    let id = Slug::parse(&draft.id);
    if id.is_none() {
        errors.add(
            "id",
            "must be 1 to 64 lowercase letters, digits and hyphens, not starting with a hyphen",
        );
    }
    let slug = match &draft.slug {
        Some(slug) => {
            let parsed = Slug::parse(slug);
            if parsed.is_none() {
                errors.add(
                    "slug",
                    "must be 1 to 64 lowercase letters, digits and hyphens, not starting with a \
                     hyphen",
                );
            }
            parsed
        }
        None => id.clone(),
    };
    let title = errors.text("title", &draft.title, MAX_TITLE_CHARS, true);
    let company = match &draft.company {
        Some(company) => Some(errors.text("company", company, MAX_TITLE_CHARS, true)),
        None => defaults.company.clone(),
    };
    let description = errors.text(
        "description",
        &draft.description,
        MAX_DESCRIPTION_CHARS,
        false,
    );
    let knowledge = errors.text("knowledge", &draft.knowledge, MAX_DESCRIPTION_CHARS, false);
    let competencies = parse_competencies(&draft.competencies, &mut errors);
    let plan = parse_plan(draft, &competencies, &mut errors);
    let language = Language::parse(&draft.language);
    if language.is_none() {
        errors.add(
            "language",
            format!(
                "{:?} is not a BCP-47 language tag (such as en, en-GB or de)",
                draft.language
            ),
        );
    }
    let phone_region = match &draft.phone_region {
        Some(code) => {
            let parsed = PhoneRegion::parse(code);
            if parsed.is_none() {
                errors.add(
                    "phone_region",
                    format!(
                        "{code:?} is not an ISO 3166 two-letter country code with a telephone \
                         numbering plan (such as US, GB or IN)"
                    ),
                );
            }
            parsed
        }
        None => Some(defaults.phone_region),
    };
    if draft.max_reschedules > MAX_RESCHEDULES {
        errors.add("max_reschedules", format!("must be 0 to {MAX_RESCHEDULES}"));
    }
    if draft.change_notice_hours > MAX_CHANGE_NOTICE_HOURS {
        errors.add(
            "change_notice_hours",
            format!("must be 0 to {MAX_CHANGE_NOTICE_HOURS} (30 days)"),
        );
    }
    match (id, slug, language, phone_region) {
        (Some(id), Some(slug), Some(language), Some(phone_region)) if errors.0.is_empty() => {
            Ok(Position {
                id,
                slug,
                title,
                company,
                description,
                competencies,
                plan,
                language,
                phone_region,
                knowledge,
                archived: draft.archived,
                max_reschedules: draft.max_reschedules,
                change_notice: Duration::from_secs(u64::from(draft.change_notice_hours) * 3600),
            })
        }
        _ => Err(PositionErrors(errors.0)),
    }
}

fn parse_competencies(drafts: &[CompetencyDraft], errors: &mut Errors) -> Vec<Competency> {
    if drafts.is_empty() {
        return default_competencies();
    }
    if drafts.len() > MAX_COMPETENCIES {
        errors.add(
            "competencies",
            format!(
                "lists {}; at most {MAX_COMPETENCIES} are allowed",
                drafts.len()
            ),
        );
    }
    let mut competencies: Vec<Competency> = Vec::new();
    for (i, draft) in drafts.iter().enumerate() {
        let at = |field: &str| format!("competencies[{i}].{field}");
        let name = errors.text(&at("name"), &draft.name, MAX_TITLE_CHARS, true);
        if competencies
            .iter()
            .any(|c| c.name.to_lowercase() == name.to_lowercase())
        {
            errors.add(at("name"), format!("{name:?} is listed twice"));
        }
        let description = errors.text(
            &at("description"),
            &draft.description,
            MAX_DESCRIPTION_CHARS / 10,
            false,
        );
        let mut anchor = |score: &str, text: &str| {
            errors.text(
                &format!("competencies[{i}].rubric.{score}"),
                text,
                MAX_DESCRIPTION_CHARS / 10,
                true,
            )
        };
        let rubric = Rubric {
            poor: anchor("1", &draft.rubric.one),
            solid: anchor("3", &draft.rubric.three),
            excellent: anchor("5", &draft.rubric.five),
        };
        competencies.push(Competency {
            name,
            description,
            rubric,
        });
    }
    competencies
}

fn parse_plan(
    draft: &PositionDraft,
    competencies: &[Competency],
    errors: &mut Errors,
) -> Vec<StagePlan> {
    let minutes_range = || {
        format!(
            "must be from {} to {} minutes",
            INTERVIEW_MINUTES.start(),
            INTERVIEW_MINUTES.end()
        )
    };
    if draft.plan.is_empty() {
        let minutes = draft.duration_minutes.unwrap_or(DEFAULT_INTERVIEW_MINUTES);
        if !INTERVIEW_MINUTES.contains(&minutes) {
            errors.add("duration_minutes", minutes_range());
        }
        let minutes = minutes.clamp(*INTERVIEW_MINUTES.start(), *INTERVIEW_MINUTES.end());
        return standard_plan(Duration::from_secs(u64::from(minutes) * 60));
    }
    let mut plan: Vec<StagePlan> = Vec::new();
    for (i, stage) in draft.plan.iter().enumerate() {
        let at = |field: &str| format!("plan[{i}].{field}");
        if let Some(previous) = plan.last()
            && previous.stage.order() >= stage.stage.order()
        {
            errors.add(
                at("stage"),
                format!(
                    "{} must come after {} and appear once (the order is introduction, \
                     background, technical, behavioural, candidate_questions, wrap_up)",
                    stage.stage.key(),
                    previous.stage.key()
                ),
            );
        }
        if stage.minutes == 0 {
            errors.add(at("minutes"), "must be at least 1");
        }
        let focus = match &stage.focus {
            Some(focus) => errors.text(&at("focus"), focus, MAX_DESCRIPTION_CHARS / 10, true),
            None => stage.stage.standard_goal().to_owned(),
        };
        for name in &stage.competencies {
            if !competencies
                .iter()
                .any(|c| c.name.to_lowercase() == name.trim().to_lowercase())
            {
                errors.add(
                    at("competencies"),
                    format!("{name:?} is not one of the position's competencies"),
                );
            }
        }
        plan.push(StagePlan {
            stage: stage.stage,
            budget: Duration::from_secs(u64::from(stage.minutes) * 60),
            focus,
            competencies: stage
                .competencies
                .iter()
                .map(|c| c.trim().to_owned())
                .collect(),
        });
    }
    if plan.last().map(|s| s.stage) != Some(Stage::WrapUp) {
        errors.add("plan", "must end with the wrap_up stage");
    }
    // Summed wide: stage minutes near u32::MAX must be refused, not overflow.
    let total: u64 = draft.plan.iter().map(|s| u64::from(s.minutes)).sum();
    if !u32::try_from(total).is_ok_and(|total| INTERVIEW_MINUTES.contains(&total)) {
        errors.add(
            "plan",
            format!("adds up to {total} minutes; it {}", minutes_range()),
        );
    }
    if let Some(minutes) = draft.duration_minutes
        && u64::from(minutes) != total
    {
        errors.add(
            "duration_minutes",
            format!("is {minutes} but the plan's stages add up to {total} minutes"),
        );
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> PositionDefaults {
        PositionDefaults::default()
    }

    #[test]
    fn stage_minutes_that_overflow_are_refused_not_added_up_wrapping() {
        let mut draft = PositionDraft::named("huge");
        draft.plan = [Stage::Technical, Stage::WrapUp]
            .into_iter()
            .map(|stage| StageDraft {
                stage,
                minutes: u32::MAX,
                focus: None,
                competencies: Vec::new(),
            })
            .collect();
        let errors = Position::parse(&draft, &defaults())
            .unwrap_err()
            .to_string();
        assert!(errors.contains("adds up to 8589934590 minutes"), "{errors}");
    }

    #[test]
    fn a_bare_draft_gets_every_default() {
        let position = Position::parse(&PositionDraft::named("default"), &defaults()).unwrap();
        assert_eq!(position.slug.as_str(), "default");
        assert_eq!(position.title, "Software Engineer");
        assert_eq!(position.company, None);
        assert_eq!(position.team(), "Our team");
        assert_eq!(position.duration(), Duration::from_secs(30 * 60));
        assert_eq!(position.competencies.len(), 5);
        assert_eq!(position.plan.len(), 6);
        assert_eq!(position.plan.last().map(|s| s.stage), Some(Stage::WrapUp));
        assert_eq!(position.language.to_string(), "en");
    }

    #[test]
    fn standard_budgets_add_up_to_odd_lengths() {
        for minutes in [5, 7, 13, 30, 45, 180] {
            let total = Duration::from_secs(minutes * 60);
            let plan = standard_plan(total);
            assert_eq!(plan.iter().map(|s| s.budget).sum::<Duration>(), total);
        }
    }

    #[test]
    fn every_mistake_is_reported_with_its_field() {
        let mut draft = PositionDraft::named("Bad Id");
        draft.title = "  ".to_owned();
        draft.language = "not a language!".to_owned();
        draft.phone_region = Some("XX".to_owned());
        draft.competencies = vec![CompetencyDraft {
            name: "Design".to_owned(),
            description: String::new(),
            rubric: RubricDraft {
                one: "weak".to_owned(),
                three: String::new(),
                five: "strong".to_owned(),
            },
        }];
        draft.plan = vec![
            StageDraft {
                stage: Stage::Technical,
                minutes: 10,
                focus: None,
                competencies: vec!["Cooking".to_owned()],
            },
            StageDraft {
                stage: Stage::Background,
                minutes: 0,
                focus: None,
                competencies: Vec::new(),
            },
        ];
        draft.duration_minutes = Some(30);
        let errors = Position::parse(&draft, &defaults()).unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        for expected in [
            "id",
            "title",
            "language",
            "phone_region",
            "competencies[0].rubric.3",
            "plan[0].competencies",
            "plan[1].stage",
            "plan[1].minutes",
            "plan",
            "duration_minutes",
        ] {
            assert!(fields.contains(&expected), "{expected} missing in {errors}");
        }
    }

    #[test]
    fn a_position_round_trips_through_its_draft() {
        let mut draft = PositionDraft::named("backend");
        draft.slug = Some("backend-engineer".to_owned());
        draft.company = Some("Acme".to_owned());
        draft.plan = vec![
            StageDraft {
                stage: Stage::Introduction,
                minutes: 2,
                focus: Some("Say hello.".to_owned()),
                competencies: Vec::new(),
            },
            StageDraft {
                stage: Stage::Technical,
                minutes: 15,
                focus: None,
                competencies: vec!["technical depth".to_owned()],
            },
            StageDraft {
                stage: Stage::WrapUp,
                minutes: 3,
                focus: None,
                competencies: Vec::new(),
            },
        ];
        let position = Position::parse(&draft, &defaults()).unwrap();
        assert_eq!(position.duration(), Duration::from_secs(20 * 60));
        assert_eq!(position.title_at_company(), "Software Engineer at Acme");
        let again = Position::parse(&position.to_draft(), &defaults()).unwrap();
        assert_eq!(again, position);
        let json = serde_json::to_string(&position.to_draft()).unwrap();
        let back: PositionDraft = serde_json::from_str(&json).unwrap();
        assert_eq!(Position::parse(&back, &defaults()).unwrap(), position);
    }

    #[test]
    fn positions_with_the_standard_plan_round_trip_through_their_draft() {
        for minutes in [5, 7, 30, 45] {
            let mut draft = PositionDraft::named("any");
            draft.duration_minutes = Some(minutes);
            let position = Position::parse(&draft, &defaults()).unwrap();
            let again = Position::parse(&position.to_draft(), &defaults()).unwrap();
            assert_eq!(again, position, "{minutes} minutes");
        }
        let builtin = Position::default();
        assert_eq!(
            Position::parse(&builtin.to_draft(), &defaults()).unwrap(),
            builtin
        );
    }

    #[test]
    fn slugs_from_titles() {
        assert_eq!(
            Slug::from_title("Senior Backend Engineer (Rust)")
                .unwrap()
                .as_str(),
            "senior-backend-engineer-rust"
        );
        assert_eq!(
            Slug::from_title("Ünïcode only ✓"),
            Slug::parse("n-code-only")
        );
        assert!(Slug::from_title("✓✓").is_none());
        assert!(Slug::parse(&"a".repeat(65)).is_none());
        assert!(Slug::parse("-a").is_none());
    }
}
