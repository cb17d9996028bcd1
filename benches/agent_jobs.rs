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
//! each running job holds (the bytes allocated and not freed with the jobs greeted
//! and waiting, minus those before, per job, counted by a global allocator, which
//! allocator reuse does not blur as RSS does). The baseline,
//! measured in the same run: as many sessions started directly on in-memory rooms,
//! without the worker (spawn to first frame, memory per session). Jobs arrive one
//! after another, each after its offer and assignment round trip; the baseline's
//! sessions are all spawned at once, so its start-up at 50 includes their
//! contention.
//!
//! ```sh
//! cargo bench --bench agent_jobs --features livekit-agent
//! ```

#![allow(clippy::unwrap_used)] // a benchmark: failing loudly is the point

#[path = "../interview-livekit/tests/support/agent_server.rs"]
#[allow(dead_code, unreachable_pub)]
mod agent_server;

use std::alloc::System;
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
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};
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
        let interview = tokio::spawn(async move { session.run(io, booking()).await });
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

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// The bytes allocated and not yet freed, in KiB.
fn live_kib() -> u64 {
    let stats = GLOBAL.stats();
    let live = stats.bytes_allocated as i128 - stats.bytes_deallocated as i128
        + stats.bytes_reallocated as i128;
    u64::try_from(live.max(0) / 1024).unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn session() -> InterviewSession {
    let engines = Engines {
        stt: Some(Arc::new(ScriptedStt::default())),
        llm: Arc::new(ScriptedLlm::default()),
        // 5 ms of speech per character, synthesized at once.
        tts: Arc::new(ScriptedTts::new(
            AudioFormat::PCM_24K,
            Duration::from_millis(5),
        )),
    };
    InterviewSession::new(
        SessionConfig::default(),
        engines,
        Arc::new(InMemoryBookingStore::new()),
        Arc::new(SystemClock),
    )
}

fn booking() -> SessionBooking {
    SessionBooking {
        token: None,
        candidate_name: Some(interview_core::PersonName::parse("Priya Sharma").unwrap()),
        resume_text: Some("Rust engineer, 7 years".to_owned()),
        scheduled_at: None,
        position: None,
    }
}

fn report(what: &str, count: usize, mut startup: Vec<Duration>, before: u64, after: u64) -> f64 {
    startup.sort();
    let per = after.saturating_sub(before) as f64 / count as f64;
    println!(
        "{count:>3} {what}: to greeting p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; \
         {before} KiB live before, {after} KiB with them running: {per:.0} KiB each",
        percentile(&startup, 0.5).as_secs_f64() * 1e3,
        percentile(&startup, 0.99).as_secs_f64() * 1e3,
        startup.last().unwrap().as_secs_f64() * 1e3,
    );
    per
}

/// The baseline: `count` sessions on in-memory rooms, started directly.
async fn sessions(count: usize) -> f64 {
    let before = live_kib();
    let mut rooms = Vec::with_capacity(count);
    let mut started = Vec::with_capacity(count);
    for n in 0..count {
        let (io, room) = in_memory_room(&format!("room-{n}"), None, AudioFormat::PCM_24K);
        let session = session();
        started.push(Instant::now());
        rooms.push((
            room,
            tokio::spawn(async move { session.run(io, booking()).await }),
        ));
    }
    let mut startup = vec![Duration::ZERO; count];
    let mut greeted = vec![false; count];
    while greeted.iter().any(|g| !g) {
        for (n, (room, _)) in rooms.iter().enumerate() {
            if !greeted[n] && !room.played().is_empty() {
                greeted[n] = true;
                startup[n] = started[n].elapsed();
            }
        }
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
    let after = live_kib();
    let per = report("sessions (baseline)", count, startup, before, after);
    for (_, interview) in rooms {
        interview.abort();
    }
    per
}

async fn run(jobs: usize) -> f64 {
    let mut server = AgentServer::start().await;
    let (greeted_tx, mut greeted) = mpsc::unbounded_channel();
    let (release, released) = watch::channel(false);
    let session = session();
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
    let before = live_kib();

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
    let after = live_kib();
    let per_job = report("LiveKit jobs", jobs, startup, before, after);
    release.send(true).unwrap();
    // The worker keeps answering the server while its jobs end.
    let drained = tokio::spawn(worker.drain(Some(Duration::from_secs(30))));
    let _ = connection.until_closed().await;
    drained.await.unwrap().unwrap();
    per_job
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    for count in [1, 10, 50] {
        let baseline = sessions(count).await;
        let jobs = run(count).await;
        println!(
            "{count:>3}: a job holds {:.2}x the memory of a bare session",
            jobs / baseline.max(1.0)
        );
    }
}
