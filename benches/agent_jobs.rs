//! What a LiveKit interview job costs in this process: the agent worker takes jobs
//! from an in-test LiveKit agent server (the real protocol over a WebSocket: offer,
//! availability, assignment, status), and each job holds an interview session on an
//! in-memory room with scripted engines (instant speech-to-text, model and
//! synthesizer), so what is measured is the worker and the session, not the
//! vendors. The part that cannot run here is WebRTC (joining the room's media with
//! libwebrtc).
//!
//! For 1, 10 and 50 jobs at once: the start-up time from the assignment being sent
//! to the greeting's first audio frame in the room (p50, p99, max), and the memory
//! each running job holds (RSS with the jobs greeted and waiting, minus RSS before,
//! per job).
//!
//! ```sh
//! cargo bench --bench agent_jobs --features livekit-agent
//! ```

#![allow(clippy::unwrap_used)] // a benchmark: failing loudly is the point

#[path = "../interview-livekit/tests/support/agent_server.rs"]
#[allow(dead_code, unreachable_pub)]
mod agent_server;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use interview_core::Secret;
use interview_core::audio::AudioFormat;
use interview_core::clock::SystemClock;
use interview_core::testing::{
    InMemoryBookingStore, ScriptedLlm, ScriptedStt, ScriptedTts, in_memory_room,
};
use interview_core::transport::RoomEvent;
use interview_livekit::{JobContext, JobError, JobHandler, Worker, WorkerOptions};
use interview_voice::session::{Engines, InterviewSession, SessionBooking, SessionConfig};
use tokio::sync::{mpsc, watch};

use agent_server::{AgentServer, room_job};

const API_KEY: &str = "APIbenchkey";
const API_SECRET: &str = "a-long-enough-benchmark-secret-for-hs256";

/// Holds each job's interview on an in-memory room until released, reporting
/// when the greeting's first frame was played.
struct Jobs {
    session: InterviewSession,
    greeted: mpsc::UnboundedSender<(String, Instant)>,
    released: watch::Receiver<bool>,
}

#[async_trait]
impl JobHandler for Jobs {
    async fn run(&self, ctx: JobContext) -> Result<(), JobError> {
        let (io, room) = in_memory_room(ctx.room_name(), None, AudioFormat::PCM_24K);
        let session = self.session.clone();
        let booking = SessionBooking {
            token: None,
            candidate_name: Some(interview_core::PersonName::parse("Priya Sharma").unwrap()),
            resume_text: Some("Rust engineer, 7 years".to_owned()),
            scheduled_at: None,
            position: None,
        };
        let interview = tokio::spawn(async move { session.run(io, booking).await });
        while room.played().is_empty() {
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        let _ = self.greeted.send((ctx.job_id().to_owned(), Instant::now()));
        let mut released = self.released.clone();
        let _ = released.wait_for(|released| *released).await;
        room.send_event(RoomEvent::ParticipantLeft {
            identity: "candidate".to_owned(),
        });
        drop(room);
        interview.abort();
        Ok(())
    }
}

/// The resident set size of this process, in KiB.
fn rss_kib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

async fn run(jobs: usize) {
    let mut server = AgentServer::start().await;
    let (greeted_tx, mut greeted) = mpsc::unbounded_channel();
    let (release, released) = watch::channel(false);
    let engines = Engines {
        stt: Some(Arc::new(ScriptedStt::default())),
        llm: Arc::new(ScriptedLlm::default()),
        // 5 ms of speech per character, synthesized at once.
        tts: Arc::new(ScriptedTts::new(
            AudioFormat::PCM_24K,
            Duration::from_millis(5),
        )),
    };
    let session = InterviewSession::new(
        SessionConfig::default(),
        engines,
        Arc::new(InMemoryBookingStore::new()),
        Arc::new(SystemClock),
    );
    let options = WorkerOptions::from_parts(
        server.url(),
        API_KEY,
        Secret::new(API_SECRET),
        "my-interviewer",
    )
    .with_max_jobs(jobs.max(1))
    .with_status_interval(Duration::from_millis(250));
    let worker = Worker::start(
        options,
        Jobs {
            session,
            greeted: greeted_tx,
            released,
        },
    )
    .unwrap();
    let mut connection = server.next_connection().await;
    connection.register("W_bench").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = rss_kib();

    let assigned: Arc<Mutex<std::collections::HashMap<String, Instant>>> = Arc::default();
    for n in 0..jobs {
        let job = room_job(&format!("J_{n}"), &format!("room-{n}"), "");
        assert!(connection.offer(&job).await.available, "job {n} refused");
        assigned
            .lock()
            .unwrap()
            .insert(job.id.clone(), Instant::now());
        connection.assign(&job, None, "room-jwt").await;
    }
    let mut startup = Vec::with_capacity(jobs);
    for _ in 0..jobs {
        let (id, at) = tokio::time::timeout(Duration::from_secs(60), greeted.recv())
            .await
            .expect("every job greets within a minute")
            .unwrap();
        startup.push(at - assigned.lock().unwrap()[&id]);
    }
    // Every job is running and greeted: what they hold now.
    let after = rss_kib();
    startup.sort();
    let per_job = after.saturating_sub(before) as f64 / jobs as f64;
    println!(
        "{jobs:>3} jobs: assignment to greeting p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; \
         RSS {before} KiB before, {after} KiB with them running: {per_job:.0} KiB per job",
        percentile(&startup, 0.5).as_secs_f64() * 1e3,
        percentile(&startup, 0.99).as_secs_f64() * 1e3,
        startup.last().unwrap().as_secs_f64() * 1e3,
    );
    release.send(true).unwrap();
    // The worker keeps answering the server while its jobs end.
    let drained = tokio::spawn(worker.drain(Some(Duration::from_secs(30))));
    let _ = connection.until_closed().await;
    drained.await.unwrap().unwrap();
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    for jobs in [1, 10, 50] {
        run(jobs).await;
    }
}
