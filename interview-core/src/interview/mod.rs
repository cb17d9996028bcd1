//! What an interview produces: a transcript of both sides and an evaluation; and
//! what the interviewer is made of: its persona, plan, prompts and evaluation request.

mod coverage;
pub mod defence;
mod evaluate;
mod evaluation;
mod evidence;
mod fault;
mod highlights;
mod live;
mod pace;
mod persona;
mod plan;
mod prompt;
mod transcript;
mod validate;

pub use coverage::{Coverage, EVIDENCE_OPEN, HiddenMarkers, evidence_marker, read_hidden_markers};
pub use defence::{
    CANDIDATE_NOTE, INSTRUCTION_NOTE, MARKER_REMOVED, clean_untrusted, fold, imitates_structure,
    looks_like_contact, reads_as_instruction, strip_invisible,
};
pub use evaluate::{
    DEFAULT_COMPETENCIES, EVALUATION_SCHEMA, EVALUATION_SCHEMA_NAME, EvaluateError, evaluate,
    evaluation_request, evaluation_response_format, repair_request, review_flags,
};
pub use evaluation::{
    CompetencyScore, Evaluation, InvalidScore, NotAssessed, REVIEW_QUOTE_CHARS, Recommendation,
    ReviewFlag, ReviewReason, Score,
};
pub use evidence::{DEFAULT_MAX_QUOTES, DEFAULT_MIN_QUOTE_WORDS, EvaluationRules};
pub use fault::EvaluationFault;
pub use highlights::{resume_highlights, resume_highlights_for};
pub use live::{
    AGENT_STATE_TOPIC, AgentState, AgentStateMessage, CAPTION_TOPIC, CaptionMessage, LiveMessage,
    NOTICE_TOPIC, NoticeMessage, PROGRESS_TOPIC, ProgressMessage, TRANSCRIPT_TOPIC,
    TranscriptMessage, stage_for_candidate,
};
pub use pace::{EndRefused, Pace, PaceRules, note_asks_about, note_competencies, note_lets_close};
pub use persona::Persona;
pub use plan::{
    END_MARKER, InterviewPlan, PlanPosition, PlanStage, Stage, echoes_progress_note,
    is_time_up_note,
};
pub use prompt::{
    HIGHLIGHTS_CLOSE, HIGHLIGHTS_OPEN, RESUME_CLOSE, RESUME_OPEN, ResumeText, highlight_id,
    prompt_highlights, prompt_knowledge, prompt_next_steps, system_prompt, truncate_chars,
};
pub use transcript::{Speaker, TranscriptEntry};
pub use validate::{Assessment, MAX_ANSWER_CHARS, validate_evaluation};
