//! The dispatch layer: the server's job offers answered by capacity and load,
//! assigned jobs run with the handler, terminations, and what the worker reports.

use std::collections::HashMap;
use std::sync::Arc;

use interview_core::Secret;
use livekit_protocol as proto;
use proto::server_message::Message as ServerMessage;
use proto::worker_message::Message as WorkerMessage;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::job::{JobContext, JobParticipant};
use super::options::{WorkerLoad, WorkerOptions};
use super::state::{Pending, Shared};
use crate::metadata::RoomMetadata;

/// The participant attribute that names the agent a participant is (as the
/// official agents set it).
pub const AGENT_NAME_ATTRIBUTE: &str = "lk.agent.name";

pub(super) fn on_server_message(
    shared: &Arc<Shared>,
    message: ServerMessage,
) -> Option<WorkerMessage> {
    match message {
        ServerMessage::Availability(request) => Some(on_availability(shared, request)),
        ServerMessage::Assignment(assignment) => on_assignment(shared, assignment),
        ServerMessage::Termination(termination) => {
            on_termination(shared, &termination.job_id);
            None
        }
        ServerMessage::Register(_) => {
            tracing::warn!("ignored a second register response");
            None
        }
        ServerMessage::Pong(_) | ServerMessage::GoAway(_) => None,
    }
}

/// Accepts a job offer while under the job limit and load threshold and not
/// draining, holding a slot for its assignment; refuses it otherwise.
fn on_availability(shared: &Shared, request: proto::AvailabilityRequest) -> WorkerMessage {
    let options = &shared.options;
    let Some(job) = request.job else {
        tracing::warn!("a job offer without a job: refused");
        return availability_answer(String::new(), None, options);
    };
    let mut identity = None;
    shared.state.send_if_modified(|state| {
        state.expire_pending(Instant::now());
        let load = WorkerLoad {
            running: state.running.len(),
            reserved: state.pending.len(),
            max_jobs: options.max_jobs,
        };
        let open = !state.draining
            && !shared.close.is_cancelled()
            && load.running + load.reserved < load.max_jobs
            && options.measure(load) < options.load_threshold
            && !state.running.contains_key(&job.id);
        if !open {
            return false;
        }
        let agent_identity = format!("agent-{}", job.id);
        state.pending.insert(
            job.id.clone(),
            Pending {
                identity: agent_identity.clone(),
                deadline: Instant::now() + options.assignment_timeout,
            },
        );
        identity = Some(agent_identity);
        true
    });
    let room = job.room.as_ref().map_or("", |room| room.name.as_str());
    if identity.is_some() {
        tracing::info!(
            job_id = job.id,
            room,
            resuming = request.resuming,
            "accepted a job offer"
        );
    } else {
        tracing::info!(
            job_id = job.id,
            room,
            "refused a job offer: draining or at capacity"
        );
    }
    availability_answer(job.id, identity, options)
}

fn availability_answer(
    job_id: String,
    identity: Option<String>,
    options: &WorkerOptions,
) -> WorkerMessage {
    let answer = match identity {
        Some(identity) => proto::AvailabilityResponse {
            job_id,
            available: true,
            participant_identity: identity,
            participant_name: options.participant_name.clone(),
            participant_attributes: HashMap::from([(
                AGENT_NAME_ATTRIBUTE.to_owned(),
                options.agent_name.clone(),
            )]),
            ..Default::default()
        },
        None => proto::AvailabilityResponse {
            job_id,
            available: false,
            ..Default::default()
        },
    };
    WorkerMessage::Availability(answer)
}

/// Starts an assigned job, if this worker accepted it.
fn on_assignment(shared: &Arc<Shared>, assignment: proto::JobAssignment) -> Option<WorkerMessage> {
    let Some(job) = assignment.job else {
        tracing::warn!("ignored an assignment without a job");
        return None;
    };
    let cancel = shared.force.child_token();
    let mut accepted = None;
    shared
        .state
        .send_if_modified(|state| match state.pending.remove(&job.id) {
            Some(pending) => {
                state.running.insert(job.id.clone(), cancel.clone());
                accepted = Some(pending);
                true
            }
            None => false,
        });
    let Some(pending) = accepted else {
        tracing::warn!(
            job_id = job.id,
            "an assignment for a job this worker is not holding: failed"
        );
        return Some(job_update(
            &job.id,
            proto::JobStatus::JsFailed,
            "the worker was not holding this job (it refused it, or the assignment came too late)",
        ));
    };
    let url = assignment
        .url
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| {
            shared
                .options
                .server_url
                .as_str()
                .trim_end_matches('/')
                .to_owned()
        });
    let ctx = job_context(
        shared,
        job,
        pending.identity,
        url,
        Secret::new(assignment.token),
        cancel,
    );
    tokio::spawn(run_job(shared.clone(), ctx));
    None
}

fn job_context(
    shared: &Shared,
    job: proto::Job,
    agent_identity: String,
    url: String,
    token: Secret,
    cancel: CancellationToken,
) -> JobContext {
    let room = job.room.unwrap_or_default();
    let room_metadata = Some(room.metadata).filter(|m| !m.is_empty());
    let mut metadata = RoomMetadata::parse(room_metadata.as_deref());
    let dispatch_metadata = Some(job.metadata).filter(|m| !m.is_empty());
    if metadata.booking_token.is_none() {
        metadata.booking_token = RoomMetadata::parse(dispatch_metadata.as_deref()).booking_token;
    }
    JobContext {
        job_id: job.id,
        room_name: room.name,
        room_metadata,
        metadata,
        dispatch_metadata,
        url,
        token,
        agent_identity,
        agent_name: shared.options.agent_name.clone(),
        participant: job.participant.map(|p| JobParticipant {
            identity: p.identity,
            name: p.name,
        }),
        worker_id: shared.state.borrow().worker_id.clone().unwrap_or_default(),
        cancel,
    }
}

/// Runs a job with the handler and reports how it went.
async fn run_job(shared: Arc<Shared>, ctx: JobContext) {
    let job_id = ctx.job_id.clone();
    let cancel = ctx.cancel.clone();
    let grace = shared.options.termination_grace;
    tracing::info!(job_id, room = ctx.room_name, "job started");
    let _ = shared
        .outbox
        .send(job_update(&job_id, proto::JobStatus::JsRunning, ""));
    let handler = shared.handler.clone();
    let mut task = tokio::spawn(async move { handler.run(ctx).await });
    let finished = tokio::select! {
        joined = &mut task => Some(joined),
        () = cancel.cancelled() => None,
    };
    let outcome = match finished {
        Some(joined) => joined,
        None => match tokio::time::timeout(grace, &mut task).await {
            Ok(joined) => joined,
            Err(_) => {
                task.abort();
                task.await
            }
        },
    };
    let (status, error) = match outcome {
        Ok(Ok(())) => (proto::JobStatus::JsSuccess, String::new()),
        Ok(Err(error)) => (proto::JobStatus::JsFailed, error.to_string()),
        Err(e) if e.is_panic() => (proto::JobStatus::JsFailed, "the job panicked".to_owned()),
        Err(_) => (
            proto::JobStatus::JsFailed,
            format!("the job did not stop within {grace:?} of being cancelled"),
        ),
    };
    if error.is_empty() {
        tracing::info!(job_id, "job ended");
    } else {
        tracing::warn!(job_id, error, "job failed");
    }
    let _ = shared.outbox.send(job_update(&job_id, status, &error));
    shared.state.send_modify(|state| {
        state.running.remove(&job_id);
    });
}

fn on_termination(shared: &Shared, job_id: &str) {
    let mut cancel = None;
    shared.state.send_if_modified(|state| {
        cancel = state.running.get(job_id).cloned();
        state.pending.remove(job_id).is_some()
    });
    match cancel {
        Some(cancel) => {
            tracing::info!(job_id, "the server terminated the job");
            cancel.cancel();
        }
        None => tracing::debug!(job_id, "termination of a job not running here"),
    }
}

pub(super) fn status_report(
    shared: &Shared,
    seq: &mut u64,
    reported: &mut Option<(usize, usize, bool)>,
) -> WorkerMessage {
    let options = &shared.options;
    let state = shared.state.borrow();
    let load = WorkerLoad {
        running: state.running.len(),
        reserved: state.pending.len(),
        max_jobs: options.max_jobs,
    };
    let measured = options.measure(load);
    let full = state.draining
        || shared.close.is_cancelled()
        || load.running + load.reserved >= load.max_jobs
        || measured >= options.load_threshold;
    let status = if full {
        proto::WorkerStatus::WsFull
    } else {
        proto::WorkerStatus::WsAvailable
    };
    *seq += 1;
    *reported = Some(state.summary());
    WorkerMessage::UpdateWorker(proto::UpdateWorkerStatus {
        status: Some(status as i32),
        load: measured,
        job_count: u32::try_from(load.running).unwrap_or(u32::MAX),
        draining: state.draining,
        seq: *seq,
    })
}

fn job_update(job_id: &str, status: proto::JobStatus, error: &str) -> WorkerMessage {
    WorkerMessage::UpdateJob(proto::UpdateJobStatus {
        job_id: job_id.to_owned(),
        status: status as i32,
        error: error.to_owned(),
    })
}
