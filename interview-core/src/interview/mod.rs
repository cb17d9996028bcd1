//! What an interview produces: a transcript of both sides and an evaluation; and
//! what the interviewer is made of: its persona, plan, prompts and evaluation request.

mod defence;
mod evaluate;
mod evaluation;
mod live;
mod persona;
mod plan;
mod prompt;
mod transcript;

pub use defence::{
    CANDIDATE_NOTE, MARKER_REMOVED, clean_untrusted, fold, imitates_structure, looks_like_contact,
    reads_as_instruction, strip_invisible,
};
pub use evaluate::{
    DEFAULT_COMPETENCIES, EVALUATION_SCHEMA, EvaluateError, EvaluationError, check_evidence,
    evaluate, evaluation_request, parse_evaluation, repair_request,
};
pub use evaluation::{CompetencyScore, Evaluation, InvalidScore, Recommendation, Score};
pub use live::{
    AGENT_STATE_TOPIC, AgentState, AgentStateMessage, TRANSCRIPT_TOPIC, TranscriptMessage,
};
pub use persona::Persona;
pub use plan::{END_MARKER, InterviewPlan, PlanPosition, PlanStage, Stage, resume_highlights};
pub use prompt::{RESUME_CLOSE, RESUME_OPEN, ResumeText, system_prompt, truncate_chars};
pub use transcript::{Speaker, TranscriptEntry};
