//! What a job is given: the room it is for, what the web layer put in the room's
//! metadata, how to join it, and a signal to stop. And the trait that runs it.

use std::future::Future;

use async_trait::async_trait;
use interview_core::error::BoxError;
use interview_core::transport::TransportError;
use interview_core::{BookingToken, Secret};
use tokio_util::sync::CancellationToken;

use crate::metadata::RoomMetadata;

/// Runs one job: joins the room with [`JobContext::url`] and [`JobContext::token`]
/// and holds the interview until it ends or [`JobContext::cancelled`] fires.
///
/// The worker reports the job as succeeded when `run` returns `Ok`, as failed
/// with the error's message when it returns `Err` (or panics).
#[async_trait]
pub trait JobHandler: Send + Sync + 'static {
    /// Runs the job to its end.
    async fn run(&self, ctx: JobContext) -> Result<(), JobError>;
}

/// Why a job failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JobError {
    /// This build cannot run the job (for example, without a media transport).
    #[error("{0}")]
    Unsupported(String),
    /// The room could not be joined or its connection failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// Any other failure.
    #[error("{0}")]
    Failed(#[source] BoxError),
}

/// The participant a job is about, for jobs dispatched per participant (a room
/// job, like an interview, has none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobParticipant {
    /// Their identity.
    pub identity: String,
    /// Their display name.
    pub name: String,
}

/// Everything a [`JobHandler`] needs to run one job.
#[derive(Debug, Clone)]
pub struct JobContext {
    pub(crate) job_id: String,
    pub(crate) room_name: String,
    pub(crate) room_metadata: Option<String>,
    pub(crate) metadata: RoomMetadata,
    pub(crate) dispatch_metadata: Option<String>,
    pub(crate) url: String,
    pub(crate) token: Secret,
    pub(crate) agent_identity: String,
    pub(crate) agent_name: String,
    pub(crate) participant: Option<JobParticipant>,
    pub(crate) worker_id: String,
    pub(crate) cancel: CancellationToken,
}

impl JobContext {
    /// A context for job `job_id` in room `room_name`, joined at `url` with `token`:
    /// for running a handler outside a worker (tests, a local runner). The room
    /// metadata is parsed as [`RoomMetadata::parse`] does; cancel through
    /// [`JobContext::cancellation`].
    pub fn new(
        job_id: impl Into<String>,
        room_name: impl Into<String>,
        room_metadata: Option<String>,
        url: impl Into<String>,
        token: Secret,
    ) -> Self {
        let metadata = RoomMetadata::parse(room_metadata.as_deref());
        let job_id = job_id.into();
        Self {
            agent_identity: format!("agent-{job_id}"),
            job_id,
            room_name: room_name.into(),
            room_metadata,
            metadata,
            dispatch_metadata: None,
            url: url.into(),
            token,
            agent_name: String::new(),
            participant: None,
            worker_id: String::new(),
            cancel: CancellationToken::new(),
        }
    }

    /// The job's id, as LiveKit knows it.
    pub fn job_id(&self) -> &str {
        &self.job_id
    }

    /// The room's name.
    pub fn room_name(&self) -> &str {
        &self.room_name
    }

    /// The room's metadata as LiveKit gave it.
    pub fn room_metadata(&self) -> Option<&str> {
        self.room_metadata.as_deref()
    }

    /// What the web layer put in the room's metadata (the booking's token falling
    /// back to the agent dispatch's metadata).
    pub fn metadata(&self) -> &RoomMetadata {
        &self.metadata
    }

    /// The candidate's resume text from the room metadata.
    pub fn resume_text(&self) -> Option<&str> {
        self.metadata.resume_text.as_deref()
    }

    /// The booking the room is for, from the room metadata (or, failing that, the
    /// agent dispatch's metadata).
    pub fn booking_token(&self) -> Option<&BookingToken> {
        self.metadata.booking_token.as_ref()
    }

    /// The metadata of the agent dispatch that created the job, if any.
    pub fn dispatch_metadata(&self) -> Option<&str> {
        self.dispatch_metadata.as_deref()
    }

    /// The LiveKit server URL to join the room at.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The agent's participant token for the room.
    pub fn token(&self) -> &Secret {
        &self.token
    }

    /// The identity the agent has in the room.
    pub fn agent_identity(&self) -> &str {
        &self.agent_identity
    }

    /// The agent name the worker is registered under.
    pub fn agent_name(&self) -> &str {
        &self.agent_name
    }

    /// The participant the job is about (participant jobs only).
    pub fn participant(&self) -> Option<&JobParticipant> {
        self.participant.as_ref()
    }

    /// The id the server gave the worker running the job.
    pub fn worker_id(&self) -> &str {
        &self.worker_id
    }

    /// Whether the job has been told to stop.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Resolves when the job must stop: the server terminated it, or the worker
    /// is shutting down without waiting.
    pub fn cancelled(&self) -> impl Future<Output = ()> + Send + '_ {
        self.cancel.cancelled()
    }

    /// The job's cancellation signal, to hand to tasks the job spawns (or to
    /// cancel a context made with [`JobContext::new`]).
    pub fn cancellation(&self) -> CancellationToken {
        self.cancel.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_context_never_prints_its_token() {
        let ctx = JobContext::new("j1", "r1", None, "wss://x", Secret::new("jwt-secret"));
        assert!(!format!("{ctx:?}").contains("jwt-secret"));
        assert!(!ctx.is_cancelled());
        ctx.cancellation().cancel();
        assert!(ctx.is_cancelled());
    }
}
