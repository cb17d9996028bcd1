//! How a session runs ([`SessionConfig`], [`Interruptions`]) and on which engines
//! ([`Engines`]).

use std::sync::Arc;
use std::time::Duration;

use interview_core::InterviewWindow;
use interview_core::config::InterviewConfig;
use interview_core::engine::{LlmEngine, SttEngine, SttOptions, TtsEngine};
use interview_core::interview::{
    DEFAULT_MIN_QUOTE_WORDS, EvaluationRules, InterviewPlan, PaceRules, Persona,
};
use interview_core::position::Position;

use super::turn::TurnConfig;
use super::vad::VadConfig;

/// What candidate speech does while the interviewer speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Interruptions {
    /// The interviewer is never cut off; what the candidate says meanwhile is
    /// queued and answered once afterwards (the original agent's behaviour).
    #[default]
    Never,
    /// Candidate speech stops the interviewer's audio.
    BargeIn,
}

/// What one interview takes from the candidate, so that a page (or a room
/// participant) sending as fast as it can fills neither the transcript, the store
/// nor the model's context. Past a bound the input is refused with a notice to the
/// room ([`NoticeMessage::too_fast`](interview_core::interview::NoticeMessage::too_fast));
/// a full transcript ends the interview politely ([`SessionEnd::TranscriptFull`](super::SessionEnd::TranscriptFull)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputLimits {
    /// The longest typed answer kept, in characters; longer ones are cut.
    pub max_typed_chars: usize,
    /// How many typed answers are taken in a row before the pace below applies.
    pub typed_burst: u32,
    /// After the burst, one more typed answer is taken per this long.
    pub typed_every: Duration,
    /// The most candidate turns waiting for the interviewer at once.
    pub max_pending: usize,
    /// The most lines one interview's transcript holds (both speakers, earlier
    /// connections included).
    pub max_transcript_lines: usize,
    /// The most characters one interview's transcript holds.
    pub max_transcript_chars: usize,
}

impl Default for InputLimits {
    fn default() -> Self {
        Self {
            max_typed_chars: 4_000,
            typed_burst: 4,
            typed_every: Duration::from_secs(5),
            max_pending: 8,
            // A 45-minute interview has a few hundred lines and some 50,000
            // characters; these leave room for the longest honest one.
            max_transcript_lines: 1_000,
            max_transcript_chars: 400_000,
        }
    }
}

/// What the interviewer does when the candidate is silent while it waits for an
/// answer (not while it speaks or thinks, nor while the candidate speaks or their
/// words are being transcribed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SilenceConfig {
    /// After this long, it checks in once, kindly ("Take your time — would you
    /// like me to repeat the question?"). Zero: never.
    pub check_in_after: Duration,
    /// After this much more silence following the check-in, it offers to continue
    /// later and ends politely; the interview stays resumable within its window
    /// ([`SessionEnd::Silent`](super::SessionEnd::Silent)). Zero: never.
    pub close_after: Duration,
    /// The same when answers can only be typed (no speech-to-text engine): typing a
    /// long answer is silent, so this is longer. Zero: never.
    pub close_after_typed: Duration,
}

impl Default for SilenceConfig {
    fn default() -> Self {
        Self {
            check_in_after: Duration::from_secs(20),
            close_after: Duration::from_secs(40),
            close_after_typed: Duration::from_secs(180),
        }
    }
}

/// How a session runs.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// Who the interviewer is (its company and the title come from the position).
    pub persona: Persona,
    /// The position of interviews whose booking names none the session was given
    /// ([`SessionBooking::position`](super::SessionBooking::position)): its plan,
    /// competencies with their rubrics, language and knowledge.
    pub position: Position,
    /// A plan that replaces the position's; `None` builds the position's plan,
    /// grounded in the resume.
    pub plan: Option<InterviewPlan>,
    /// The hard limit: at this age the interviewer closes politely and ends.
    /// `None`: half as long again as the position's plan (45 minutes for the
    /// standard 30).
    pub max_duration: Option<Duration>,
    /// `MAX_RESUME_LENGTH`: the most resume characters the model sees.
    pub max_resume_length: usize,
    /// Whether the candidate can cut the interviewer off.
    pub interruptions: Interruptions,
    /// Voice activity detection.
    pub vad: VadConfig,
    /// End of turn.
    pub turn: TurnConfig,
    /// Hints for speech-to-text (the language is the position's).
    pub stt_options: SttOptions,
    /// What one interview takes from the candidate.
    pub input: InputLimits,
    /// The fewest whole words a quote of evidence must have (from one answer); an
    /// answer shorter than this gives no evidence during the interview either.
    pub min_quote_words: usize,
    /// The share of the competencies, in percent, that needs evidence before the
    /// interviewer may close without first asking about each one still without
    /// it (80). See [`Pace`](interview_core::interview::Pace).
    pub min_coverage_percent: u32,
    /// What the interviewer does when the candidate stays silent.
    pub silence: SilenceConfig,
    /// Sampling temperature of the interviewer's answers.
    pub temperature: Option<f32>,
    /// The longest answer, in tokens.
    pub max_tokens: Option<u32>,
    /// How often the time limit is checked when nothing else happens.
    pub check_interval: Duration,
    /// When interviews can be joined: a candidate whose connection dropped may come
    /// back and resume until the window closes, when the interview ends.
    pub window: InterviewWindow,
    /// How long a live session's hold on its interview lasts unless renewed (it
    /// renews every third of it): a session that died frees its interview for
    /// another after this long.
    pub lease: Duration,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            persona: Persona::default(),
            position: Position::default(),
            plan: None,
            max_duration: None,
            max_resume_length: 8000,
            interruptions: Interruptions::Never,
            vad: VadConfig::default(),
            turn: TurnConfig::default(),
            stt_options: SttOptions {
                language: Some("en".to_owned()),
                prompt: None,
            },
            min_quote_words: DEFAULT_MIN_QUOTE_WORDS,
            min_coverage_percent: PaceRules::default().min_coverage_percent,
            silence: SilenceConfig::default(),
            input: InputLimits::default(),
            temperature: Some(0.7),
            max_tokens: Some(300),
            check_interval: Duration::from_millis(250),
            window: InterviewWindow::DEFAULT,
            lease: Duration::from_secs(30),
        }
    }
}

impl SessionConfig {
    /// The rules the evaluation is checked against: the position's competencies,
    /// each with its rubric.
    pub fn evaluation_rules(&self) -> EvaluationRules {
        EvaluationRules::for_position(&self.position).with_min_quote_words(self.min_quote_words)
    }

    /// The hard limit in force: [`SessionConfig::max_duration`], or half as long
    /// again as the position's plan.
    pub fn time_limit(&self) -> Duration {
        self.max_duration
            .unwrap_or_else(|| self.position.duration() * 3 / 2)
    }

    /// The competencies the interview assesses, by name.
    pub fn competencies(&self) -> Vec<String> {
        self.position.competency_names()
    }

    /// This configuration for an interview for `position`: the persona speaks of
    /// its title and company, speech-to-text listens for its language, and the
    /// plan, the rubric and the time limit are its.
    pub fn for_position(mut self, position: Position) -> Self {
        self.persona = self.persona.for_position(&position);
        self.stt_options.language = Some(position.language.primary().to_owned());
        self.position = position;
        self
    }

    /// The defaults, with the first configured position, `MAX_RESUME_LENGTH` and
    /// the window from `config`.
    /// The rules the interview's pace is judged by.
    pub fn pace_rules(&self) -> PaceRules {
        PaceRules {
            min_coverage_percent: self.min_coverage_percent,
            min_answer_words: self.min_quote_words,
        }
    }

    /// The defaults, with the company, position, `MAX_RESUME_LENGTH` and the window
    /// from `config`.
    pub fn from_interview_config(config: &InterviewConfig) -> Self {
        let mut session = Self::default();
        if let Some(position) = config.positions.first() {
            session = session.for_position(position.clone());
        }
        session.max_resume_length = config.max_resume_length;
        session.window = config.window;
        session
    }
}

/// The engines an interview runs on.
#[derive(Clone)]
pub struct Engines {
    /// Speech-to-text; without one, only typed answers are heard.
    pub stt: Option<Arc<dyn SttEngine>>,
    /// The language model.
    pub llm: Arc<dyn LlmEngine>,
    /// Text-to-speech.
    pub tts: Arc<dyn TtsEngine>,
}

impl Engines {
    /// Whether the interviewer is the offline, scripted one, which asks questions
    /// but does not judge answers (so there is no evaluation to make).
    pub fn interviewer_is_offline(&self) -> bool {
        self.llm.name() == crate::offline::OfflineInterviewer::NAME
    }
}

impl std::fmt::Debug for Engines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engines")
            .field("stt", &self.stt.as_ref().map(|e| e.name().to_owned()))
            .field("llm", &self.llm.name())
            .field("tts", &self.tts.name())
            .finish()
    }
}
