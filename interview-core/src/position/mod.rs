//! The roles candidates are interviewed for.
//!
//! A [`Position`] is what an HR platform hires for: a title at a company, a job
//! description, the competencies the interview assesses (each with an anchored
//! 1-5 [`Rubric`]), the interview plan (stages with time budgets and focus), the
//! interview's length and language, the phone region its candidates' numbers are
//! read in, and what the interviewer may tell candidates about the role.
//!
//! Positions are written as a [`PositionDraft`] (the shape of a `POSITIONS_FILE`
//! entry, of the stored JSON, and of the recruiter API) and parsed into a
//! [`Position`], which cannot hold an invalid value: every mistake in a draft is
//! reported at once, naming its field ([`PositionErrors`]). Positions are kept in
//! a [`PositionStore`](crate::store::PositionStore).

mod draft;
mod file;
mod language;

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub(crate) use draft::standard_plan;
pub use draft::{
    CompetencyDraft, DEFAULT_INTERVIEW_MINUTES, PositionDraft, RubricDraft, StageDraft,
};
pub use file::{
    MAX_POSITIONS_FILE_BYTES, MAX_POSITIONS_IN_FILE, PositionsFile, PositionsFileError,
};
pub use language::Language;

use crate::PhoneRegion;
use crate::interview::Stage;

/// The longest id or slug.
pub const MAX_SLUG_CHARS: usize = 64;
/// The longest title or company name.
pub const MAX_TITLE_CHARS: usize = 120;
/// The longest job description or knowledge text, in characters: it goes into
/// every prompt of the interview.
pub const MAX_DESCRIPTION_CHARS: usize = 20_000;
/// The most competencies one position assesses.
pub const MAX_COMPETENCIES: usize = 12;
/// The shortest and longest interview, in minutes.
pub const INTERVIEW_MINUTES: std::ops::RangeInclusive<u32> = 5..=180;
/// How many times a candidate may move their interview, at most, by default.
pub const DEFAULT_MAX_RESCHEDULES: u32 = 2;
/// The most a position may allow.
pub const MAX_RESCHEDULES: u32 = 20;
/// How long before the start candidates may still move or cancel, by default.
pub const DEFAULT_CHANGE_NOTICE_HOURS: u32 = 12;
/// The longest notice a position may ask (30 days).
pub const MAX_CHANGE_NOTICE_HOURS: u32 = 720;
/// The id of the position made from `INTERVIEW_COMPANY` / `INTERVIEW_POSITION` when
/// there is no `POSITIONS_FILE`; bookings stored before positions existed belong
/// to it.
pub const DEFAULT_POSITION_ID: &str = "default";

/// A position's id or URL slug: 1 to 64 lowercase ASCII letters, digits and
/// hyphens, starting with a letter or digit (`backend-engineer`, `sre-2031`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

impl Slug {
    /// Parses a slug; `None` when it is not one.
    pub fn parse(text: &str) -> Option<Self> {
        let valid = !text.is_empty()
            && text.len() <= MAX_SLUG_CHARS
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !text.starts_with('-');
        valid.then(|| Self(text.to_owned()))
    }

    /// The slug made from any text: lowercase letters and digits, runs of
    /// anything else as one hyphen ("Senior Backend Engineer" ->
    /// `senior-backend-engineer`); `None` when nothing is left.
    pub fn from_title(title: &str) -> Option<Self> {
        let mut slug = String::new();
        for c in title.chars() {
            if c.is_ascii_alphanumeric() {
                if slug.len() == MAX_SLUG_CHARS {
                    break;
                }
                slug.push(c.to_ascii_lowercase());
            } else if !slug.is_empty() && !slug.ends_with('-') && slug.len() < MAX_SLUG_CHARS {
                slug.push('-');
            }
        }
        Self::parse(slug.trim_end_matches('-'))
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Slug {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).ok_or_else(|| format!("{value:?} is not a valid slug"))
    }
}

impl From<Slug> for String {
    fn from(slug: Slug) -> Self {
        slug.0
    }
}

/// The id of the default position ([`DEFAULT_POSITION_ID`]).
pub fn default_position_id() -> PositionId {
    Slug(DEFAULT_POSITION_ID.to_owned())
}

/// A position's stable id: a [`Slug`] that never changes, even when the URL slug
/// does. Bookings refer to it.
pub type PositionId = Slug;

/// What a 1, a 3 and a 5 look like for one competency: anchors the scores of
/// the evaluation, so two evaluations of the same answers agree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rubric {
    /// What a 1 (poor) looks like.
    pub poor: String,
    /// What a 3 (solid) looks like.
    pub solid: String,
    /// What a 5 (excellent) looks like.
    pub excellent: String,
}

/// One thing the interview assesses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Competency {
    /// Its name, as the evaluation scores it ("System design").
    pub name: String,
    /// What it covers, in a sentence (may be empty).
    pub description: String,
    /// What a 1, 3 and 5 look like.
    pub rubric: Rubric,
}

/// One stage of a position's interview plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagePlan {
    /// Which stage.
    pub stage: Stage,
    /// The time it should take.
    pub budget: Duration,
    /// What the interviewer does in it, for the model.
    pub focus: String,
    /// The competencies this stage looks for evidence of (names from
    /// [`Position::competencies`]); empty: none in particular.
    pub competencies: Vec<String>,
}

/// A role candidates are interviewed for. Made by parsing a [`PositionDraft`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// The stable id bookings refer to.
    pub id: PositionId,
    /// The URL slug of its apply page (`/apply/{slug}`).
    pub slug: Slug,
    /// The job title ("Backend Engineer").
    pub title: String,
    /// Who is hiring; `None`: the pages and the interviewer say "our team".
    pub company: Option<String>,
    /// The job description, in markdown (may be empty).
    pub description: String,
    /// What the interview assesses, in order.
    pub competencies: Vec<Competency>,
    /// The stages, in order; the last is always the wrap-up.
    pub plan: Vec<StagePlan>,
    /// The language of the interview, its pages and its e-mails.
    pub language: Language,
    /// The region a phone number written without a country code is read in.
    pub phone_region: PhoneRegion,
    /// What the interviewer may tell candidates about the role and the company
    /// (may be empty: it then defers their questions to the team).
    pub knowledge: String,
    /// Whether it is closed to new applications (its bookings still run).
    pub archived: bool,
    /// How many times a candidate may move their own interview (0: never; a
    /// recruiter may always).
    pub max_reschedules: u32,
    /// How long before the start a candidate may still move or cancel it.
    pub change_notice: Duration,
}

impl Default for Position {
    /// The default position with nothing configured: a Software Engineer for "our
    /// team", in English, with the default competencies and the standard 30-minute
    /// plan.
    fn default() -> Self {
        Self {
            id: default_position_id(),
            slug: default_position_id(),
            title: "Software Engineer".to_owned(),
            company: None,
            description: String::new(),
            competencies: draft::default_competencies(),
            plan: standard_plan(Duration::from_secs(
                u64::from(DEFAULT_INTERVIEW_MINUTES) * 60,
            )),
            language: Language::default(),
            phone_region: PhoneRegion::default(),
            knowledge: String::new(),
            archived: false,
            max_reschedules: DEFAULT_MAX_RESCHEDULES,
            change_notice: Duration::from_secs(u64::from(DEFAULT_CHANGE_NOTICE_HOURS) * 3600),
        }
    }
}

impl Position {
    /// The interview's planned length: the sum of the stage budgets.
    pub fn duration(&self) -> Duration {
        self.plan.iter().map(|stage| stage.budget).sum()
    }

    /// The competency names, in order.
    pub fn competency_names(&self) -> Vec<String> {
        self.competencies.iter().map(|c| c.name.clone()).collect()
    }

    /// "Backend Engineer at Acme", or the title alone without a company.
    pub fn title_at_company(&self) -> String {
        match &self.company {
            Some(company) => format!("{} at {company}", self.title),
            None => self.title.clone(),
        }
    }

    /// Who will follow up, as the subject of a sentence ([`team`]).
    pub fn team(&self) -> String {
        team(self.company.as_deref())
    }

    /// The position's draft: what parses back into it.
    pub fn to_draft(&self) -> PositionDraft {
        PositionDraft::from(self)
    }

    /// Parses a draft, reporting every invalid field at once. `defaults` fills
    /// what the draft leaves out (the phone region, the company).
    pub fn parse(
        draft: &PositionDraft,
        defaults: &PositionDefaults,
    ) -> Result<Self, PositionErrors> {
        draft::parse(draft, defaults)
    }
}

/// "the Backend Engineer position at Acme", or "the Backend Engineer position"
/// without a company: how the greeting, the prompts and the invitation name a
/// position.
pub fn the_position(title: &str, company: Option<&str>) -> String {
    match company {
        Some(company) => format!("the {title} position at {company}"),
        None => format!("the {title} position"),
    }
}

/// Who follows up, as the subject of a sentence: "The team at Acme", or "Our
/// team" without a company (never "the team at the hiring team").
pub fn team(company: Option<&str>) -> String {
    match company {
        Some(company) => format!("The team at {company}"),
        None => "Our team".to_owned(),
    }
}

/// What a draft that leaves something out gets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PositionDefaults {
    /// The company of a draft that names none (`INTERVIEW_COMPANY`); `None`:
    /// "our team".
    pub company: Option<String>,
    /// The phone region of a draft that names none (`INTERVIEW_PHONE_REGION`).
    pub phone_region: PhoneRegion,
}

/// One invalid field of a [`PositionDraft`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionFieldError {
    /// The field, as a path (`title`, `competencies[2].rubric`, `plan[0].minutes`).
    pub field: String,
    /// What is wrong, in a sentence.
    pub message: String,
}

/// Every invalid field of a [`PositionDraft`] (never empty).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PositionErrors(pub Vec<PositionFieldError>);

impl fmt::Display for PositionErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", error.field, error.message)?;
        }
        Ok(())
    }
}

/// The default position: `title` (`INTERVIEW_POSITION`, or "Software Engineer") at
/// the defaults' company (`INTERVIEW_COMPANY`, or none: "our team"), with the
/// default competencies and the standard plan, under [`DEFAULT_POSITION_ID`]. An
/// error names the title when it is blank or too long.
pub fn default_position(
    defaults: &PositionDefaults,
    title: Option<&str>,
) -> Result<Position, PositionErrors> {
    let mut draft = PositionDraft::named(DEFAULT_POSITION_ID);
    if let Some(title) = title {
        draft.title = title.to_owned();
    }
    Position::parse(&draft, defaults)
}
