//! The agent worker against an in-test LiveKit agent server.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use interview_core::Secret;
use interview_core::backoff::Backoff;
use interview_livekit::{
    AGENT_NAME_ATTRIBUTE, JobContext, JobError, JobHandler, Worker, WorkerError, WorkerOptions,
};
use livekit_api::access_token::TokenVerifier;
use livekit_protocol as proto;
use proto::server_message::Message as ServerMessage;
use proto::worker_message::Message as WorkerMessage;
use support::agent_server::{AgentServer, Connection, DEADLINE, room_job};
use tokio::sync::{mpsc, watch};

const API_KEY: &str = "APItestkey";
const API_SECRET: &str = "a-long-enough-test-secret-for-hs256";
const BOOKING: &str = "0123456789abcdef0123456789abcdef";

/// A handler that reports each context it gets and then waits until the test
/// releases its job (ending it, failed if its room is `fail`) or it is cancelled.
struct TestHandler {
    started: mpsc::UnboundedSender<JobContext>,
    ended: mpsc::UnboundedSender<(String, &'static str)>,
    released: watch::Receiver<Vec<String>>,
    ignores_cancellation: bool,
}

#[async_trait]
impl JobHandler for TestHandler {
    async fn run(&self, ctx: JobContext) -> Result<(), JobError> {
        self.started.send(ctx.clone()).unwrap();
        let job_id = ctx.job_id().to_owned();
        let mut released = self.released.clone();
        let release = released.wait_for(|ids| ids.contains(&job_id));
        if self.ignores_cancellation {
            let _ = release.await;
        } else {
            tokio::select! {
                () = ctx.cancelled() => {
                    self.ended.send((job_id, "cancelled")).unwrap();
                    return Ok(());
                }
                _ = release => {}
            }
        }
        self.ended.send((job_id, "released")).unwrap();
        if ctx.room_name() == "fail" {
            return Err(JobError::Unsupported(
                "no media transport in this build".into(),
            ));
        }
        Ok(())
    }
}

struct Harness {
    server: AgentServer,
    started: mpsc::UnboundedReceiver<JobContext>,
    ended: mpsc::UnboundedReceiver<(String, &'static str)>,
    release: watch::Sender<Vec<String>>,
}

impl Harness {
    async fn new() -> (Self, TestHandler) {
        let _ = tracing_subscriber::fmt().with_test_writer().try_init();
        let server = AgentServer::start().await;
        let (started_tx, started) = mpsc::unbounded_channel();
        let (ended_tx, ended) = mpsc::unbounded_channel();
        let (release, released) = watch::channel(Vec::new());
        let handler = TestHandler {
            started: started_tx,
            ended: ended_tx,
            released,
            ignores_cancellation: false,
        };
        (
            Self {
                server,
                started,
                ended,
                release,
            },
            handler,
        )
    }

    fn options(&self) -> WorkerOptions {
        WorkerOptions::from_parts(
            self.server.url(),
            API_KEY,
            Secret::new(API_SECRET),
            "my-interviewer",
        )
        .with_version("9.9.9-test")
        .with_status_interval(Duration::from_millis(50))
        .with_backoff(Backoff {
            initial: Duration::from_millis(10),
            max: Duration::from_millis(50),
            jitter: 0.5,
        })
    }

    async fn started(&mut self) -> JobContext {
        tokio::time::timeout(DEADLINE, self.started.recv())
            .await
            .expect("no job started in time")
            .unwrap()
    }

    async fn ended(&mut self) -> (String, &'static str) {
        tokio::time::timeout(DEADLINE, self.ended.recv())
            .await
            .expect("no job ended in time")
            .unwrap()
    }

    fn release(&self, job_id: &str) {
        self.release.send_modify(|ids| ids.push(job_id.to_owned()));
    }

    /// Offers, assigns and waits for the job to start and report running.
    async fn start_job(&mut self, conn: &mut Connection, job: &proto::Job) -> JobContext {
        assert!(conn.offer(job).await.available);
        conn.assign(job, None, "room-jwt").await;
        let running = conn.next_job_update().await;
        assert_eq!(running.job_id, job.id);
        assert_eq!(running.status, proto::JobStatus::JsRunning as i32);
        self.started().await
    }
}

/// Polls `check` until it holds, failing the test after the deadline.
async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while !check() {
        assert!(tokio::time::Instant::now() < deadline, "never: {what}");
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn registers_with_an_agent_token_and_its_fields() {
    let (mut h, handler) = Harness::new().await;
    let worker = Worker::start(h.options(), handler).unwrap();
    let mut conn = h.server.next_connection().await;
    assert_eq!(conn.path, "/agent");

    let header = conn.authorization.clone().unwrap();
    let jwt = header.strip_prefix("Bearer ").expect("a Bearer token");
    let claims = TokenVerifier::with_api_key(API_KEY, API_SECRET)
        .verify(jwt)
        .unwrap();
    assert_eq!(claims.iss, API_KEY);
    assert!(
        claims.video.agent,
        "the video grant allows registering as an agent"
    );
    assert!(!claims.video.room_join && claims.video.room.is_empty());
    assert!(!claims.video.room_admin && !claims.video.room_create);
    assert!(claims.sub.is_empty() && claims.room_config.is_none());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as usize;
    assert!(claims.nbf <= now && claims.exp > now && claims.exp <= now + 2 * 3600);
    assert!(
        TokenVerifier::with_api_key(API_KEY, "another-secret-entirely-xx")
            .verify(jwt)
            .is_err()
    );

    let register = conn.register("W_1").await;
    assert_eq!(register.r#type, proto::JobType::JtRoom as i32);
    assert_eq!(register.agent_name, "my-interviewer");
    assert_eq!(register.version, "9.9.9-test");
    assert!(!register.instance_id.is_empty());
    #[allow(deprecated)]
    let agent = register.allowed_permissions.as_ref().unwrap().agent;
    let permissions = register.allowed_permissions.unwrap();
    assert!(agent && permissions.can_publish && permissions.can_subscribe);
    assert!(permissions.can_publish_data);

    let status = conn.next_status(|_| true).await;
    assert_eq!(status.status, Some(proto::WorkerStatus::WsAvailable as i32));
    assert_eq!(
        (status.job_count, status.load, status.draining),
        (0, 0.0, false)
    );
    // Reports keep coming, numbered.
    let later = conn.next_status(|s| s.seq > status.seq).await;
    assert_eq!(later.job_count, 0);
    eventually("the worker knows its id", || {
        worker.state().worker_id.as_deref() == Some("W_1") && worker.state().connected
    })
    .await;

    worker.shutdown().await.unwrap();
    conn.until_closed().await;
}

#[tokio::test]
async fn a_server_that_does_not_answer_register_first_is_left_and_retried() {
    let (mut h, handler) = Harness::new().await;
    let worker = Worker::start(h.options(), handler).unwrap();
    let mut first = h.server.next_connection().await;
    assert!(matches!(first.recv().await, WorkerMessage::Register(_)));
    first
        .send(ServerMessage::Availability(proto::AvailabilityRequest {
            job: Some(room_job("J_early", "r", "")),
            resuming: false,
        }))
        .await;
    // The worker gives up on this connection without answering the offer...
    assert!(
        first
            .until_closed()
            .await
            .iter()
            .all(|m| !matches!(m, WorkerMessage::Availability(_)))
    );
    // ...and registers again.
    let mut second = h.server.next_connection().await;
    second.register("W_2").await;
    second.next_status(|_| true).await;
    worker.shutdown().await.unwrap();
}

#[tokio::test]
async fn offers_are_accepted_under_the_job_limit_and_refused_past_it() {
    let (mut h, handler) = Harness::new().await;
    let worker = Worker::start(h.options().with_max_jobs(1), handler).unwrap();
    let mut conn = h.server.next_connection().await;
    conn.register("W_1").await;

    let first = room_job("J_1", "room-1", "");
    let answer = conn.offer(&first).await;
    assert!(answer.available);
    assert_eq!(answer.participant_identity, "agent-J_1");
    assert_eq!(answer.participant_name, "Interviewer");
    assert_eq!(
        answer
            .participant_attributes
            .get(AGENT_NAME_ATTRIBUTE)
            .map(String::as_str),
        Some("my-interviewer")
    );
    // The accepted job holds the only slot until its assignment comes.
    let refused = conn.offer(&room_job("J_2", "room-2", "")).await;
    assert!(!refused.available);
    assert!(refused.participant_identity.is_empty());

    conn.assign(&first, None, "room-jwt").await;
    h.started().await;
    assert!(!conn.offer(&room_job("J_3", "room-3", "")).await.available);
    let full = conn.next_status(|s| s.job_count == 1).await;
    assert_eq!(full.status, Some(proto::WorkerStatus::WsFull as i32));
    assert_eq!(full.load, 1.0);

    h.release("J_1");
    let done = conn
        .recv_where(|m| match m {
            WorkerMessage::UpdateJob(u) if u.status != proto::JobStatus::JsRunning as i32 => {
                Some(u)
            }
            _ => None,
        })
        .await;
    assert_eq!(
        (done.job_id.as_str(), done.status),
        ("J_1", proto::JobStatus::JsSuccess as i32)
    );
    let free = conn
        .next_status(|s| {
            s.job_count == 0 && s.status == Some(proto::WorkerStatus::WsAvailable as i32)
        })
        .await;
    assert_eq!(free.load, 0.0);
    assert!(conn.offer(&room_job("J_4", "room-4", "")).await.available);
    worker.shutdown().await.unwrap();
}

#[tokio::test]
async fn offers_are_refused_at_the_load_threshold() {
    let (mut h, handler) = Harness::new().await;
    let options = h.options().with_load(|_| 0.9).with_load_threshold(0.8);
    let worker = Worker::start(options, handler).unwrap();
    let mut conn = h.server.next_connection().await;
    conn.register("W_1").await;
    let status = conn.next_status(|_| true).await;
    assert_eq!(status.status, Some(proto::WorkerStatus::WsFull as i32));
    assert_eq!(status.load, 0.9);
    assert!(!conn.offer(&room_job("J_1", "r", "")).await.available);
    worker.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_assignment_starts_the_job_with_its_context() {
    let (mut h, handler) = Harness::new().await;
    let worker = Worker::start(h.options(), handler).unwrap();
    let mut conn = h.server.next_connection().await;
    conn.register("W_ctx").await;

    let metadata = format!(r#"{{"resume_text":"Ten years of Rust","booking_token":"{BOOKING}"}}"#);
    let job = room_job("J_1", "interview_abc", &metadata);
    assert!(conn.offer(&job).await.available);
    conn.assign(&job, Some("wss://media.example.com"), "room-jwt-1")
        .await;
    let ctx = h.started().await;
    assert_eq!(ctx.job_id(), "J_1");
    assert_eq!(ctx.room_name(), "interview_abc");
    assert_eq!(ctx.room_metadata(), Some(metadata.as_str()));
    assert_eq!(ctx.resume_text(), Some("Ten years of Rust"));
    assert_eq!(ctx.booking_token().unwrap().as_str(), BOOKING);
    assert_eq!(ctx.url(), "wss://media.example.com");
    assert_eq!(ctx.token().expose(), "room-jwt-1");
    assert_eq!(ctx.agent_identity(), "agent-J_1");
    assert_eq!(ctx.agent_name(), "my-interviewer");
    assert_eq!(ctx.worker_id(), "W_ctx");
    assert!(ctx.participant().is_none() && !ctx.is_cancelled());
    let running = conn.next_job_update().await;
    assert_eq!(running.status, proto::JobStatus::JsRunning as i32);

    // Malformed room metadata: no resume, but the dispatch still names the booking;
    // no URL in the assignment: the worker's own server.
    let mut odd = room_job("J_2", "interview_def", "{not json");
    odd.metadata = format!(r#"{{"booking_token":"{BOOKING}"}}"#);
    assert!(conn.offer(&odd).await.available);
    conn.assign(&odd, None, "room-jwt-2").await;
    let ctx = h.started().await;
    assert_eq!(ctx.resume_text(), None);
    assert_eq!(ctx.room_metadata(), Some("{not json"));
    assert_eq!(ctx.booking_token().unwrap().as_str(), BOOKING);
    assert_eq!(ctx.url(), h.server.url().as_str().trim_end_matches('/'));
    assert_eq!(ctx.job_id(), "J_2");
    assert_eq!(conn.next_job_update().await.job_id, "J_2");

    // A job whose handler fails is reported failed, with the reason.
    let failing = room_job("J_3", "fail", "");
    assert!(conn.offer(&failing).await.available);
    conn.assign(&failing, None, "room-jwt-3").await;
    h.started().await;
    assert_eq!(
        conn.next_job_update().await.status,
        proto::JobStatus::JsRunning as i32
    );
    h.release("J_3");
    let failed = conn.next_job_update().await;
    assert_eq!(failed.job_id, "J_3");
    assert_eq!(failed.status, proto::JobStatus::JsFailed as i32);
    assert_eq!(failed.error, "no media transport in this build");

    // An assignment for a job never accepted is reported failed, not run.
    conn.assign(&room_job("J_stray", "r", ""), None, "t").await;
    let stray = conn.next_job_update().await;
    assert_eq!(
        (stray.job_id.as_str(), stray.status),
        ("J_stray", proto::JobStatus::JsFailed as i32)
    );

    h.release("J_1");
    h.release("J_2");
    let mut ended = [conn.next_job_update().await, conn.next_job_update().await];
    ended.sort_by(|a, b| a.job_id.cmp(&b.job_id));
    assert_eq!(ended[0].job_id, "J_1");
    assert_eq!(ended[1].job_id, "J_2");
    assert!(
        ended
            .iter()
            .all(|u| u.status == proto::JobStatus::JsSuccess as i32)
    );
    worker.shutdown().await.unwrap();
}

#[tokio::test]
async fn termination_cancels_the_job() {
    let (mut h, handler) = Harness::new().await;
    let worker = Worker::start(h.options(), handler).unwrap();
    let mut conn = h.server.next_connection().await;
    conn.register("W_1").await;
    let job = room_job("J_1", "room", "");
    let ctx = h.start_job(&mut conn, &job).await;

    conn.send(ServerMessage::Termination(proto::JobTermination {
        job_id: "J_1".to_owned(),
    }))
    .await;
    assert_eq!(h.ended().await, ("J_1".to_owned(), "cancelled"));
    assert!(ctx.is_cancelled());
    let update = conn.next_job_update().await;
    assert_eq!(
        (update.job_id.as_str(), update.status),
        ("J_1", proto::JobStatus::JsSuccess as i32)
    );
    conn.next_status(|s| s.job_count == 0).await;
    worker.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_job_that_ignores_termination_is_aborted_after_the_grace() {
    let (mut h, mut handler) = Harness::new().await;
    handler.ignores_cancellation = true;
    let options = h
        .options()
        .with_termination_grace(Duration::from_millis(20));
    let worker = Worker::start(options, handler).unwrap();
    let mut conn = h.server.next_connection().await;
    conn.register("W_1").await;
    h.start_job(&mut conn, &room_job("J_1", "room", "")).await;
    conn.send(ServerMessage::Termination(proto::JobTermination {
        job_id: "J_1".to_owned(),
    }))
    .await;
    let update = conn.next_job_update().await;
    assert_eq!(update.status, proto::JobStatus::JsFailed as i32);
    assert!(update.error.contains("did not stop"), "{}", update.error);
    worker.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_dropped_connection_is_replaced_and_the_worker_registers_again() {
    let (mut h, handler) = Harness::new().await;
    let worker = Worker::start(h.options(), handler).unwrap();
    let mut first = h.server.next_connection().await;
    let registration = first.register("W_1").await;
    h.start_job(&mut first, &room_job("J_1", "room", "")).await;
    drop(first);

    let mut second = h.server.next_connection().await;
    let again = second.register("W_2").await;
    assert_eq!(again.agent_name, registration.agent_name);
    assert_eq!(
        again.instance_id, registration.instance_id,
        "the same process"
    );
    // The running job survives the reconnection and is reported to the new server.
    let migrate = second
        .recv_where(|m| match m {
            WorkerMessage::MigrateJob(request) => Some(request),
            _ => None,
        })
        .await;
    assert_eq!(migrate.job_ids, ["J_1"]);
    eventually("the worker has its new id", || {
        worker.state().worker_id.as_deref() == Some("W_2")
    })
    .await;
    second.next_status(|s| s.job_count == 1).await;
    h.release("J_1");
    let update = second.next_job_update().await;
    assert_eq!(
        (update.job_id.as_str(), update.status),
        ("J_1", proto::JobStatus::JsSuccess as i32)
    );
    worker.shutdown().await.unwrap();
}

#[tokio::test]
async fn drain_refuses_new_jobs_and_waits_for_running_ones_before_closing() {
    let (mut h, handler) = Harness::new().await;
    let worker = Worker::start(h.options(), handler).unwrap();
    let mut conn = h.server.next_connection().await;
    conn.register("W_1").await;
    h.start_job(&mut conn, &room_job("J_1", "room", "")).await;

    let drain = tokio::spawn(worker.drain(None));
    let status = conn.next_status(|s| s.draining).await;
    assert_eq!(status.status, Some(proto::WorkerStatus::WsFull as i32));
    assert_eq!(status.job_count, 1);
    assert!(!conn.offer(&room_job("J_2", "room-2", "")).await.available);
    // Still open and still draining while the interview runs.
    assert!(!drain.is_finished());

    h.release("J_1");
    let rest = conn.until_closed().await;
    let updates: Vec<_> = rest
        .iter()
        .filter_map(|m| match m {
            WorkerMessage::UpdateJob(u) => Some((u.job_id.as_str(), u.status)),
            _ => None,
        })
        .collect();
    assert_eq!(updates, [("J_1", proto::JobStatus::JsSuccess as i32)]);
    tokio::time::timeout(DEADLINE, drain)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(h.ended().await, ("J_1".to_owned(), "released"));
}

#[cfg(unix)]
#[tokio::test]
async fn sigterm_drains_the_worker_and_lets_the_running_interview_finish() {
    use tokio::signal::unix::{SignalKind, signal};

    let (mut h, handler) = Harness::new().await;
    let worker = Worker::start(h.options(), handler).unwrap();
    let mut conn = h.server.next_connection().await;
    conn.register("W_1").await;
    h.start_job(&mut conn, &room_job("J_1", "room", "")).await;
    // Listening before the signal is sent: this process handles SIGTERM from now.
    let mut terminate = signal(SignalKind::terminate()).unwrap();
    let stopping = tokio::spawn(worker.run_until(
        async move {
            terminate.recv().await;
        },
        std::future::pending(),
        Some(Duration::from_secs(60)),
    ));
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());

    // Draining: reported full, refusing offers, the interview still running.
    let status = conn.next_status(|s| s.draining).await;
    assert_eq!(status.status, Some(proto::WorkerStatus::WsFull as i32));
    assert!(!conn.offer(&room_job("J_2", "room-2", "")).await.available);
    assert!(!stopping.is_finished());
    h.release("J_1");
    let rest = conn.until_closed().await;
    assert!(rest.iter().any(|m| matches!(
        m,
        WorkerMessage::UpdateJob(u) if u.job_id == "J_1" && u.status == proto::JobStatus::JsSuccess as i32
    )));
    tokio::time::timeout(DEADLINE, stopping)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(h.ended().await, ("J_1".to_owned(), "released"));
}

#[tokio::test]
async fn a_second_stop_while_draining_cancels_the_running_interview() {
    let (mut h, handler) = Harness::new().await;
    let worker = Worker::start(h.options(), handler).unwrap();
    let mut conn = h.server.next_connection().await;
    conn.register("W_1").await;
    h.start_job(&mut conn, &room_job("J_1", "room", "")).await;
    let (again, stop_now) = tokio::sync::oneshot::channel::<()>();
    let stopping = tokio::spawn(worker.run_until(
        std::future::ready(()),
        async move {
            let _ = stop_now.await;
        },
        None,
    ));
    conn.next_status(|s| s.draining).await;
    again.send(()).unwrap();
    assert_eq!(h.ended().await, ("J_1".to_owned(), "cancelled"));
    tokio::time::timeout(DEADLINE, stopping)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn a_drain_with_a_timeout_cancels_what_is_still_running() {
    let (mut h, handler) = Harness::new().await;
    let worker = Worker::start(h.options(), handler).unwrap();
    let mut conn = h.server.next_connection().await;
    conn.register("W_1").await;
    h.start_job(&mut conn, &room_job("J_1", "room", "")).await;
    let drain = tokio::spawn(worker.drain(Some(Duration::from_millis(20))));
    assert_eq!(h.ended().await, ("J_1".to_owned(), "cancelled"));
    let rest = conn.until_closed().await;
    assert!(rest.iter().any(|m| matches!(
        m,
        WorkerMessage::UpdateJob(u) if u.job_id == "J_1" && u.status == proto::JobStatus::JsSuccess as i32
    )));
    drain.await.unwrap().unwrap();
}

#[tokio::test]
async fn the_worker_gives_up_after_the_configured_attempts() {
    // A port with nothing listening.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let (h, handler) = Harness::new().await;
    let url = url::Url::parse(&format!("ws://127.0.0.1:{port}")).unwrap();
    let options = WorkerOptions::from_parts(url, API_KEY, Secret::new(API_SECRET), "a")
        .with_backoff(Backoff {
            initial: Duration::from_millis(1),
            max: Duration::from_millis(5),
            jitter: 0.0,
        })
        .with_max_reconnect_attempts(3);
    drop(h);
    let mut worker = Worker::start(options, handler).unwrap();
    let error = tokio::time::timeout(DEADLINE, worker.wait())
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(error, WorkerError::GaveUp { attempts: 3, .. }),
        "{error}"
    );
    assert!(worker.drain(None).await.is_ok());
}

#[tokio::test]
async fn a_bad_url_is_refused_at_start() {
    let (h, handler) = Harness::new().await;
    let options = WorkerOptions::from_parts(
        url::Url::parse("ftp://example.com").unwrap(),
        API_KEY,
        Secret::new(API_SECRET),
        "a",
    );
    drop(h);
    assert!(matches!(
        Worker::start(options, handler),
        Err(WorkerError::InvalidUrl(_))
    ));
    let _ = Arc::new(());
}
