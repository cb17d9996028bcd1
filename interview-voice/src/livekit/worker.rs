//! The worker: one registered connection to the server at a time (replaced when it
//! drops), the job offers it answers, and the jobs it runs.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use interview_core::Secret;
use livekit_protocol as proto;
use proto::server_message::Message as ServerMessage;
use proto::worker_message::Message as WorkerMessage;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderValue, header};
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};
use tokio_util::sync::CancellationToken;
use url::Url;

use super::job::{JobContext, JobHandler, JobParticipant, RoomMetadata, booking_token_in};
use super::options::{WorkerLoad, WorkerOptions};
use super::protocol::{agent_url, decode, encode, worker_token};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The participant attribute that names the agent a participant is (as the
/// official agents set it).
pub const AGENT_NAME_ATTRIBUTE: &str = "lk.agent.name";

/// Failures of a worker.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorkerError {
    /// The server URL cannot be used.
    #[error("invalid LiveKit URL: {0}")]
    InvalidUrl(String),
    /// The worker token could not be signed.
    #[error("the worker token could not be made: {0}")]
    Token(String),
    /// The connection could not be opened or registered.
    #[error("could not connect to LiveKit: {0}")]
    Connect(String),
    /// The server sent something the protocol does not allow.
    #[error("LiveKit protocol error: {0}")]
    Protocol(String),
    /// The worker stopped trying to connect.
    #[error("gave up connecting to LiveKit after {attempts} attempts: {last_error}")]
    GaveUp {
        /// Failed attempts in a row.
        attempts: u32,
        /// The last attempt's failure.
        last_error: String,
    },
}

/// A snapshot of a worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerState {
    /// The id the server gave at the last registration.
    pub worker_id: Option<String>,
    /// Whether a registered connection is open.
    pub connected: bool,
    /// Whether the worker is draining (taking no new jobs).
    pub draining: bool,
    /// Jobs running.
    pub running_jobs: usize,
}

/// A job accepted whose assignment has not come yet.
struct Pending {
    identity: String,
    deadline: Instant,
}

#[derive(Default)]
struct State {
    worker_id: Option<String>,
    connected: bool,
    draining: bool,
    running: HashMap<String, CancellationToken>,
    pending: HashMap<String, Pending>,
}

impl State {
    fn idle(&self) -> bool {
        self.running.is_empty() && self.pending.is_empty()
    }

    fn expire_pending(&mut self, now: Instant) -> bool {
        let before = self.pending.len();
        self.pending.retain(|job_id, pending| {
            let keep = pending.deadline > now;
            if !keep {
                tracing::warn!(
                    job_id,
                    "no assignment came for an accepted job: slot released"
                );
            }
            keep
        });
        self.pending.len() != before
    }

    /// What a status report says; a new report is sent when it changes.
    fn summary(&self) -> (usize, usize, bool) {
        (self.running.len(), self.pending.len(), self.draining)
    }
}

struct Shared {
    options: WorkerOptions,
    agent_url: Url,
    tls: Option<Arc<rustls::ClientConfig>>,
    instance_id: String,
    handler: Arc<dyn JobHandler>,
    state: watch::Sender<State>,
    /// Messages for the server that must survive a reconnection (job status).
    outbox: mpsc::UnboundedSender<WorkerMessage>,
    /// The parent of every job's cancellation: cancelled to stop jobs at once.
    force: CancellationToken,
    /// Cancelled when the worker is to close its connection and stop.
    close: CancellationToken,
}

/// A running worker: registered with LiveKit under an agent name, it answers job
/// offers, runs assigned jobs with a [`JobHandler`], reports its load, and
/// reconnects when its connection drops.
///
/// Stop it with [`Worker::drain`] (finish running jobs first) or
/// [`Worker::shutdown`] (cancel them). Dropping it stops it abruptly.
pub struct Worker {
    shared: Arc<Shared>,
    task: Option<JoinHandle<Result<(), WorkerError>>>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("agent_name", &self.shared.options.agent_name)
            .field("state", &self.state())
            .finish()
    }
}

impl Worker {
    /// Starts a worker on the current tokio runtime. It connects and registers in
    /// the background; only a URL or TLS set-up that can never work fails here.
    pub fn start(options: WorkerOptions, handler: impl JobHandler) -> Result<Self, WorkerError> {
        Self::start_shared(options, Arc::new(handler))
    }

    /// [`Worker::start`] with a shared handler.
    pub fn start_shared(
        options: WorkerOptions,
        handler: Arc<dyn JobHandler>,
    ) -> Result<Self, WorkerError> {
        let agent_url = agent_url(&options.server_url)?;
        let tls = match agent_url.scheme() {
            "wss" => Some(tls_config()?),
            _ => None,
        };
        let (outbox, outbox_rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            options,
            agent_url,
            tls,
            instance_id: random_id(),
            handler,
            state: watch::Sender::new(State::default()),
            outbox,
            force: CancellationToken::new(),
            close: CancellationToken::new(),
        });
        let task = tokio::spawn(run(shared.clone(), outbox_rx));
        Ok(Self {
            shared,
            task: Some(task),
        })
    }

    /// The worker's state now.
    pub fn state(&self) -> WorkerState {
        let state = self.shared.state.borrow();
        WorkerState {
            worker_id: state.worker_id.clone(),
            connected: state.connected,
            draining: state.draining,
            running_jobs: state.running.len(),
        }
    }

    /// Stops taking jobs (offers are refused, the server is told the worker is
    /// full) without waiting; [`Worker::drain`] then waits for running jobs.
    pub fn start_draining(&self) {
        self.shared.state.send_modify(|state| state.draining = true);
    }

    /// Drains: stops taking jobs, reports itself full, waits for running jobs
    /// (and accepted ones still to be assigned) to end, then closes the
    /// connection. After `timeout`, remaining jobs are cancelled (and aborted if
    /// they do not stop within the termination grace).
    pub async fn drain(mut self, timeout: Option<Duration>) -> Result<(), WorkerError> {
        if !self.shared.state.borrow().draining {
            tracing::info!(jobs = self.state().running_jobs, "draining the worker");
        }
        self.start_draining();
        let mut state = self.shared.state.subscribe();
        let idle = async move {
            // The sender lives in `shared`, so this only returns once idle.
            let _ = state.wait_for(State::idle).await;
        };
        match timeout {
            None => idle.await,
            Some(limit) => {
                if tokio::time::timeout(limit, idle).await.is_err() {
                    tracing::warn!(?limit, "drain timed out: cancelling the remaining jobs");
                    self.stop_now();
                    let _ = self.shared.state.subscribe().wait_for(State::idle).await;
                }
            }
        }
        self.finish().await
    }

    /// Cancels every running job, waits for them to stop (each within the
    /// termination grace), reports them, and closes the connection.
    pub async fn shutdown(mut self) -> Result<(), WorkerError> {
        self.stop_now();
        let _ = self.shared.state.subscribe().wait_for(State::idle).await;
        self.finish().await
    }

    /// Waits until the worker stops by itself: only when it gives up connecting
    /// (see [`WorkerOptions::with_max_reconnect_attempts`]).
    pub async fn wait(&mut self) -> Result<(), WorkerError> {
        match self.task.take() {
            Some(task) => joined(task.await),
            None => Ok(()),
        }
    }

    /// Takes no more jobs, forgets accepted ones not yet assigned, and cancels
    /// the running ones.
    fn stop_now(&self) {
        self.shared.state.send_modify(|state| {
            state.draining = true;
            state.pending.clear();
        });
        self.shared.force.cancel();
    }

    async fn finish(&mut self) -> Result<(), WorkerError> {
        self.shared.close.cancel();
        match self.task.take() {
            Some(task) => joined(task.await),
            None => Ok(()),
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.shared.force.cancel();
        self.shared.close.cancel();
    }
}

fn joined(
    result: Result<Result<(), WorkerError>, tokio::task::JoinError>,
) -> Result<(), WorkerError> {
    result.unwrap_or_else(|e| {
        Err(WorkerError::Protocol(format!(
            "the worker task failed: {e}"
        )))
    })
}

/// How one registered connection ended.
enum SessionEnd {
    /// The worker closed it on purpose.
    Closed,
    /// The server asked the worker to register again elsewhere.
    GoAway,
    /// It failed or the server dropped it.
    Lost(String),
}

/// Connects, registers and serves until told to close, reconnecting with backoff.
async fn run(
    shared: Arc<Shared>,
    mut outbox: mpsc::UnboundedReceiver<WorkerMessage>,
) -> Result<(), WorkerError> {
    let mut failures: u32 = 0;
    loop {
        if shared.close.is_cancelled() {
            return Ok(());
        }
        match connect(&shared).await {
            Ok((socket, registered)) => {
                failures = 0;
                tracing::info!(
                    worker_id = registered.worker_id,
                    agent_name = shared.options.agent_name,
                    region = registered.server_info.as_ref().map(|i| i.region.as_str()),
                    "registered with LiveKit"
                );
                shared.state.send_modify(|state| {
                    state.connected = true;
                    state.worker_id = Some(registered.worker_id);
                });
                let end = session(&shared, socket, &mut outbox).await;
                // Assignments only come on the connection that accepted the job.
                shared.state.send_modify(|state| {
                    state.connected = false;
                    state.pending.clear();
                });
                match end {
                    SessionEnd::Closed => return Ok(()),
                    SessionEnd::GoAway => {
                        tracing::info!("the server is moving this worker: registering again");
                        continue;
                    }
                    SessionEnd::Lost(reason) => {
                        tracing::warn!(reason, "lost the LiveKit connection: reconnecting");
                    }
                }
            }
            Err(error) => {
                failures = failures.saturating_add(1);
                if let Some(max) = shared.options.max_reconnect_attempts
                    && failures >= max
                {
                    return Err(WorkerError::GaveUp {
                        attempts: failures,
                        last_error: error.to_string(),
                    });
                }
                tracing::warn!(%error, attempt = failures, "could not connect to LiveKit");
            }
        }
        let delay = shared
            .options
            .backoff
            .next_delay(failures.saturating_sub(1));
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = shared.close.cancelled() => return Ok(()),
        }
    }
}

/// Opens the WebSocket and registers; the server's first message must be the
/// register response.
async fn connect(shared: &Shared) -> Result<(Socket, proto::RegisterWorkerResponse), WorkerError> {
    let options = &shared.options;
    let token = worker_token(&options.api_key, &options.api_secret, options.token_ttl)?;
    let mut request = shared
        .agent_url
        .as_str()
        .into_client_request()
        .map_err(|e| WorkerError::InvalidUrl(e.to_string()))?;
    let bearer = HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|e| WorkerError::Token(e.to_string()))?;
    request.headers_mut().insert(header::AUTHORIZATION, bearer);
    let connector = shared.tls.clone().map(Connector::Rustls);
    let attempt = async {
        let (mut socket, _) =
            tokio_tungstenite::connect_async_tls_with_config(request, None, false, connector)
                .await
                .map_err(|e| WorkerError::Connect(describe(&e)))?;
        let register = WorkerMessage::Register(register_request(shared));
        socket
            .send(Message::Binary(encode(register).into()))
            .await
            .map_err(|e| WorkerError::Connect(describe(&e)))?;
        loop {
            let frame = socket
                .next()
                .await
                .ok_or_else(|| WorkerError::Connect("closed before registering".to_owned()))?
                .map_err(|e| WorkerError::Connect(describe(&e)))?;
            match frame {
                Message::Binary(bytes) => {
                    return match decode(&bytes)? {
                        ServerMessage::Register(response) => Ok((socket, response)),
                        other => Err(WorkerError::Protocol(format!(
                            "expected the register response first, got {}",
                            message_name(&other)
                        ))),
                    };
                }
                Message::Close(frame) => {
                    return Err(WorkerError::Connect(format!(
                        "the server closed the connection while registering: {frame:?}"
                    )));
                }
                Message::Text(_) => {
                    return Err(WorkerError::Protocol(
                        "a text frame where a binary register response was expected".to_owned(),
                    ));
                }
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
            }
        }
    };
    tokio::time::timeout(options.connect_timeout, attempt)
        .await
        .map_err(|_| {
            WorkerError::Connect(format!(
                "no register response within {:?}",
                options.connect_timeout
            ))
        })?
}

// `agent` is deprecated in the protocol, but the official agents still set it.
#[allow(deprecated)]
fn register_request(shared: &Shared) -> proto::RegisterWorkerRequest {
    proto::RegisterWorkerRequest {
        r#type: proto::JobType::JtRoom as i32,
        agent_name: shared.options.agent_name.clone(),
        version: shared.options.version.clone(),
        allowed_permissions: Some(proto::ParticipantPermission {
            can_subscribe: true,
            can_publish: true,
            can_publish_data: true,
            agent: true,
            ..Default::default()
        }),
        instance_id: shared.instance_id.clone(),
        ..Default::default()
    }
}

/// Serves one registered connection until it ends.
async fn session(
    shared: &Arc<Shared>,
    mut socket: Socket,
    outbox: &mut mpsc::UnboundedReceiver<WorkerMessage>,
) -> SessionEnd {
    // After a reconnection, tell the server which jobs are still running here.
    let running: Vec<String> = shared.state.borrow().running.keys().cloned().collect();
    if !running.is_empty() {
        let report = WorkerMessage::MigrateJob(proto::MigrateJobRequest { job_ids: running });
        if let Err(e) = socket.send(Message::Binary(encode(report).into())).await {
            return SessionEnd::Lost(describe(&e));
        }
    }
    let options = &shared.options;
    let mut status_tick = tokio::time::interval(options.status_interval);
    status_tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let heartbeat = options.heartbeat_interval;
    let mut ping_tick = tokio::time::interval_at(Instant::now() + heartbeat, heartbeat);
    ping_tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    let mut state_changes = shared.state.subscribe();
    let mut reported = None;
    let mut seq: u64 = 0;
    loop {
        let outgoing = tokio::select! {
            () = shared.close.cancelled() => {
                while let Ok(message) = outbox.try_recv() {
                    if socket.send(Message::Binary(encode(message).into())).await.is_err() {
                        break;
                    }
                }
                let _ = socket.close(None).await;
                return SessionEnd::Closed;
            }
            frame = socket.next() => {
                last_heard = Instant::now();
                match frame {
                    None => return SessionEnd::Lost("the server closed the connection".to_owned()),
                    Some(Err(e)) => return SessionEnd::Lost(describe(&e)),
                    Some(Ok(Message::Close(frame))) => {
                        return SessionEnd::Lost(format!("the server closed the connection: {frame:?}"));
                    }
                    Some(Ok(Message::Binary(bytes))) => match decode(&bytes) {
                        Ok(ServerMessage::GoAway(_)) => return SessionEnd::GoAway,
                        Ok(message) => on_server_message(shared, message),
                        Err(error) => {
                            tracing::warn!(%error, "ignored a server message");
                            None
                        }
                    },
                    Some(Ok(Message::Text(_))) => {
                        tracing::warn!("ignored a text frame from the server");
                        None
                    }
                    Some(Ok(_)) => None,
                }
            }
            Some(message) = outbox.recv() => Some(message),
            _ = status_tick.tick() => {
                shared.state.send_if_modified(|state| state.expire_pending(Instant::now()));
                Some(status_report(shared, &mut seq, &mut reported))
            }
            _ = ping_tick.tick() => {
                if last_heard.elapsed() > heartbeat * 2 {
                    return SessionEnd::Lost(format!("nothing heard from the server for {:?}", heartbeat * 2));
                }
                if let Err(e) = socket.send(Message::Ping(Vec::new().into())).await {
                    return SessionEnd::Lost(describe(&e));
                }
                None
            }
            Ok(()) = state_changes.changed() => {
                let summary = state_changes.borrow_and_update().summary();
                (reported != Some(summary)).then(|| status_report(shared, &mut seq, &mut reported))
            }
        };
        if let Some(message) = outgoing {
            let frame = Message::Binary(encode(message.clone()).into());
            if let Err(e) = socket.send(frame).await {
                // Job status must reach the server: keep it for the next connection.
                if matches!(message, WorkerMessage::UpdateJob(_)) {
                    let _ = shared.outbox.send(message);
                }
                return SessionEnd::Lost(describe(&e));
            }
        }
    }
}

fn on_server_message(shared: &Arc<Shared>, message: ServerMessage) -> Option<WorkerMessage> {
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
        metadata.booking_token = dispatch_metadata.as_deref().and_then(booking_token_in);
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

fn status_report(
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

fn message_name(message: &ServerMessage) -> &'static str {
    match message {
        ServerMessage::Register(_) => "register",
        ServerMessage::Availability(_) => "availability",
        ServerMessage::Assignment(_) => "assignment",
        ServerMessage::Termination(_) => "termination",
        ServerMessage::Pong(_) => "pong",
        ServerMessage::GoAway(_) => "go_away",
    }
}

/// A WebSocket error for logs, with the HTTP status when the upgrade was refused
/// (401: wrong API key or secret).
fn describe(error: &tokio_tungstenite::tungstenite::Error) -> String {
    match error {
        tokio_tungstenite::tungstenite::Error::Http(response) => {
            format!("the server answered HTTP {}", response.status())
        }
        other => other.to_string(),
    }
}

/// TLS for `wss://` with the aws-lc-rs provider chosen explicitly, so it works
/// whichever rustls providers the binary links, without a process-wide default.
fn tls_config() -> Result<Arc<rustls::ClientConfig>, WorkerError> {
    let roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| WorkerError::Connect(format!("TLS set-up failed: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// 64 random bits as hex: this process's instance id.
fn random_id() -> String {
    let mut bytes = [0_u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        // Only uniqueness across this worker's processes matters; the time will do.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        return format!("{nanos:x}");
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
