//! Shared by the session tests: synthetic speech, a room whose playback the test
//! can hold, scripted engines, a booking, and waiting without sleeping.

#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use interview_core::audio::{AudioFormat, AudioFrame};
use interview_core::clock::ManualClock;
use interview_core::interview::{AGENT_STATE_TOPIC, TRANSCRIPT_TOPIC};
use interview_core::store::BookingStore;
use interview_core::testing::{
    InMemoryBookingStore, InMemoryRoom, ScriptedLlm, ScriptedStt, ScriptedTts, in_memory_room,
    in_memory_room_in_real_time,
};
use interview_core::transport::{Playout, RoomIo, RoomOutput, TransportError};
use interview_core::{Booking, BookingStatus, BookingToken, EmailAddress, PersonName, PhoneNumber};
use interview_voice::session::{
    Engines, InputLimits, InterviewSession, SessionBooking, SessionConfig, SessionReport,
    SilenceConfig,
};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A valid evaluation answer for the default competencies, when the candidate said
/// "I built a ledger in Rust.": one sentence of six words is evidence for one
/// competency, and the others cannot be assessed.
pub const EVALUATION: &str = r#"{"competencies": [
 {"competency": "communication", "score": null, "evidence": [],
  "not_assessed_reason": "One sentence says little about communication."},
 {"competency": "technical depth", "score": null, "evidence": [],
  "not_assessed_reason": "No technical question was answered."},
 {"competency": "problem solving", "score": null, "evidence": [],
  "not_assessed_reason": "No problem was discussed."},
 {"competency": "relevant experience", "score": 3, "evidence": ["I built a ledger in Rust."],
  "not_assessed_reason": null},
 {"competency": "collaboration", "score": null, "evidence": [],
  "not_assessed_reason": "Teamwork never came up."}
], "strengths": ["clear"], "concerns": ["short answers"], "recommendation": "hire",
 "summary": "A solid candidate."}"#;

pub const RESUME: &str = "Priya Sharma\n- Built a payment ledger in Rust handling 2k TPS\n\
    - Led the migration of the monolith to Kubernetes\n";

/// The default config, but with a plan of one stage, the wrap-up, and no coverage
/// required: the interviewer may end the interview whenever it says goodbye.
pub fn may_end_any_time() -> SessionConfig {
    use interview_core::interview::{InterviewPlan, PlanStage, Stage};
    SessionConfig {
        plan: Some(InterviewPlan {
            stages: vec![PlanStage {
                stage: Stage::WrapUp,
                budget: Duration::from_secs(30 * 60),
                goal: "Thank the candidate and say goodbye.".to_owned(),
                highlights: Vec::new(),
                competencies: Vec::new(),
            }],
            highlights: Vec::new(),
        }),
        min_coverage_percent: 0,
        ..SessionConfig::default()
    }
}

/// Speech-like audio: a glottal pulse train (f0 ~140 Hz with vibrato) through three
/// vowel formant resonators, with a 4 Hz syllable envelope. earshot calls it speech
/// (tests/session_vad.rs checks).
pub fn speech(duration: Duration, format: AudioFormat, seed: u32) -> Vec<i16> {
    let sr = format.sample_rate as f32;
    let n = format.samples_for(duration) / usize::from(format.channels);
    let vowels = [
        (730.0, 1090.0, 2440.0),
        (270.0, 2290.0, 3010.0),
        (570.0, 840.0, 2410.0),
        (440.0, 1020.0, 2240.0),
        (300.0, 870.0, 2240.0),
    ];
    let mut state = [0f32; 6];
    let mut phase = 0f32;
    let mut rng = seed.wrapping_mul(2_654_435_761).max(1);
    let mut out = Vec::with_capacity(n * usize::from(format.channels));
    for i in 0..n {
        let t = i as f32 / sr;
        let syllable = (t * 4.0) as usize + seed as usize;
        let (f1, f2, f3) = vowels[syllable % vowels.len()];
        let f0 =
            140.0 + 25.0 * (std::f32::consts::TAU * 3.0 * t).sin() + 10.0 * (syllable % 3) as f32;
        phase += f0 / sr;
        let pulse = if phase >= 1.0 {
            phase -= 1.0;
            1.0
        } else {
            0.0
        };
        rng ^= rng << 13;
        rng ^= rng >> 17;
        rng ^= rng << 5;
        let x = pulse + (rng as f32 / u32::MAX as f32 - 0.5) * 0.02;
        let mut resonate = |f: f32, bw: f32, k: usize| {
            let r = (-std::f32::consts::PI * bw / sr).exp();
            let c = 2.0 * r * (std::f32::consts::TAU * f / sr).cos();
            let y = x * (1.0 - r) + c * state[k] - r * r * state[k + 1];
            state[k + 1] = state[k];
            state[k] = y;
            y
        };
        let a = resonate(f1, 80.0, 0);
        let b = resonate(f2, 100.0, 2);
        let c = resonate(f3, 120.0, 4);
        let envelope = (std::f32::consts::PI * (t * 4.0).fract()).sin().powf(0.6);
        let v = ((a + 0.6 * b + 0.3 * c) * envelope * 60_000.0).clamp(-32_000.0, 32_000.0) as i16;
        out.extend(std::iter::repeat_n(v, usize::from(format.channels)));
    }
    out
}

/// Sends `samples` as 20 ms frames.
pub fn send_samples(room: &InMemoryRoom, samples: &[i16], format: AudioFormat) {
    let frame_len = format.samples_for(Duration::from_millis(20));
    for chunk in samples.chunks(frame_len) {
        room.send_audio(AudioFrame::new(chunk.to_vec(), format).unwrap());
    }
}

/// The candidate speaks for `duration`.
pub fn say(room: &InMemoryRoom, duration: Duration, format: AudioFormat) {
    send_samples(room, &speech(duration, format, 1), format);
}

/// The candidate is silent for `duration`.
pub fn silence(room: &InMemoryRoom, duration: Duration, format: AudioFormat) {
    let samples = vec![0; format.samples_for(duration)];
    send_samples(room, &samples, format);
}

/// Typed answers as fast as the candidate likes; no silence handling (the tests
/// that move the clock while the interviewer listens would otherwise meet it).
pub fn typed_quickly() -> SessionConfig {
    SessionConfig {
        input: InputLimits {
            typed_every: Duration::ZERO,
            ..InputLimits::default()
        },
        silence: SilenceConfig {
            check_in_after: Duration::ZERO,
            close_after: Duration::ZERO,
            close_after_typed: Duration::ZERO,
        },
        ..SessionConfig::default()
    }
}

/// Lets the session's tasks run until `condition` holds (no sleeping: the tests run
/// on a current-thread runtime, where yielding runs every other ready task).
pub async fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    for _ in 0..200_000 {
        if condition() {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("timed out waiting for: {what}");
}

/// A room output whose playback the test can hold (the interviewer is then
/// "speaking" for as long as the test wants).
pub struct GatedOutput {
    inner: Arc<dyn RoomOutput>,
    open: watch::Sender<bool>,
    /// Playout is never confirmed (a page that never acknowledges).
    deaf: std::sync::atomic::AtomicBool,
}

impl GatedOutput {
    /// From now on the room never confirms that audio was heard.
    pub fn never_confirm_playout(&self) {
        self.deaf.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn hold(&self) {
        self.open.send_replace(false);
    }

    pub fn release(&self) {
        self.open.send_replace(true);
    }
}

#[async_trait]
impl RoomOutput for GatedOutput {
    fn output_format(&self) -> AudioFormat {
        self.inner.output_format()
    }

    async fn play(&self, frame: AudioFrame) -> Result<(), TransportError> {
        let mut open = self.open.subscribe();
        let _ = open.wait_for(|open| *open).await;
        self.inner.play(frame).await
    }

    async fn clear(&self) -> Result<(), TransportError> {
        self.inner.clear().await
    }

    fn playout(&self) -> Playout {
        if self.deaf.load(std::sync::atomic::Ordering::SeqCst) {
            return Box::pin(std::future::pending());
        }
        self.inner.playout()
    }

    async fn send_text(&self, topic: &str, text: &str) -> Result<(), TransportError> {
        self.inner.send_text(topic, text).await
    }

    async fn close(&self) {
        self.inner.close().await;
    }
}

/// Everything a test needs around one session.
pub struct Harness {
    pub room: InMemoryRoom,
    pub gate: Arc<GatedOutput>,
    pub stt: Arc<ScriptedStt>,
    pub llm: Arc<ScriptedLlm>,
    pub tts: Arc<ScriptedTts>,
    pub store: Arc<InMemoryBookingStore>,
    pub clock: Arc<ManualClock>,
    /// What the session told the HR platform.
    pub events: Arc<interview_core::testing::RecordingPublisher>,
    pub token: BookingToken,
    /// The interview's booking, as the session is given it.
    pub booking: Booking,
    io: Option<RoomIo>,
}

pub fn start_time() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 15, 9, 0, 0).unwrap()
}

impl Harness {
    /// A booked interview for "Priya Sharma" whose agent plays into `output_format`.
    pub async fn new(output_format: AudioFormat) -> Self {
        let (mut io, room) = in_memory_room("room-1", None, output_format);
        let (open, _) = watch::channel(true);
        let gate = Arc::new(GatedOutput {
            inner: io.output.clone(),
            open,
            deaf: Default::default(),
        });
        io.output = gate.clone();
        let store = Arc::new(InMemoryBookingStore::new());
        let token = BookingToken::generate().unwrap();
        let booking = Booking {
            token: token.clone(),
            position_id: interview_core::position::default_position_id(),
            name: PersonName::parse("Priya Sharma").unwrap(),
            email: EmailAddress::parse("priya@example.com").unwrap(),
            phone: PhoneNumber::parse("5551234567").unwrap(),
            scheduled_at: start_time(),
            time_zone: None,
            resume_text: Some(RESUME.to_owned()),
            resume_url: None,
            status: BookingStatus::Scheduled,
            evaluation_status: interview_core::EvaluationStatus::Pending,
            reschedules: 0,
            created_at: start_time(),
        };
        store.create(&booking).await.unwrap();
        Self {
            room,
            gate,
            stt: Arc::new(ScriptedStt::default()),
            llm: Arc::new(ScriptedLlm::default()),
            tts: Arc::new(ScriptedTts::new(
                AudioFormat::PCM_24K,
                Duration::from_millis(5),
            )),
            store,
            clock: Arc::new(ManualClock::new(start_time())),
            events: Arc::default(),
            token,
            booking,
            io: Some(io),
        }
    }

    /// The room plays the interviewer's audio in real time on the harness's clock:
    /// it is speaking until the test moves the clock past its audio.
    pub fn play_in_real_time(&mut self, output_format: AudioFormat) {
        let (io, room) =
            in_memory_room_in_real_time("room-1", None, output_format, self.clock.clone());
        self.use_room(io, room);
    }

    /// A new room for the next session (a reconnection after the last one ended):
    /// `room` and `gate` are the new room's from now on.
    pub fn reopen(&mut self, output_format: AudioFormat) {
        let (io, room) = in_memory_room("room-2", None, output_format);
        self.use_room(io, room);
    }

    fn use_room(&mut self, mut io: RoomIo, room: InMemoryRoom) {
        let (open, _) = watch::channel(true);
        let gate = Arc::new(GatedOutput {
            inner: io.output.clone(),
            open,
            deaf: Default::default(),
        });
        io.output = gate.clone();
        self.room = room;
        self.gate = gate;
        self.io = Some(io);
    }

    /// Starts the session for the harness's booking with `config`; `with_stt` false
    /// runs it on typed answers.
    pub fn start(&mut self, config: SessionConfig, with_stt: bool) -> JoinHandle<SessionReport> {
        let booking = SessionBooking::from(&self.booking);
        self.start_for(booking, config, with_stt)
    }

    /// Starts the session for `booking`, whatever the store holds.
    pub fn start_for(
        &mut self,
        booking: SessionBooking,
        config: SessionConfig,
        with_stt: bool,
    ) -> JoinHandle<SessionReport> {
        let engines = Engines {
            stt: with_stt.then(|| self.stt.clone() as _),
            llm: self.llm.clone(),
            tts: self.tts.clone(),
        };
        let session =
            InterviewSession::new(config, engines, self.store.clone(), self.clock.clone())
                .with_events(self.events.clone());
        let io = self.io.take().expect("started once");
        tokio::spawn(async move { session.run(io, booking).await })
    }

    /// The JSON messages sent on `topic`.
    pub fn messages(&self, topic: &str) -> Vec<serde_json::Value> {
        self.room
            .texts()
            .into_iter()
            .filter(|(t, _)| t == topic)
            .map(|(_, text)| serde_json::from_str(&text).unwrap())
            .collect()
    }

    /// `(speaker, text)` of the transcript lines sent to the room.
    pub fn lines(&self) -> Vec<(String, String)> {
        self.messages(TRANSCRIPT_TOPIC)
            .into_iter()
            .map(|m| {
                (
                    m["speaker"].as_str().unwrap().to_owned(),
                    m["text"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    /// The agent states sent to the room.
    pub fn states(&self) -> Vec<String> {
        self.messages(AGENT_STATE_TOPIC)
            .into_iter()
            .map(|m| m["state"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Waits (yielding, not sleeping) until the store says the booking is `expected`.
    pub async fn status_becomes(&self, expected: BookingStatus) {
        for _ in 0..200_000 {
            let status = self.store.get(&self.token).await.unwrap().unwrap().status;
            if status == expected {
                return;
            }
            tokio::task::yield_now().await;
        }
        panic!("the booking never became {expected}");
    }

    /// Waits (yielding, not sleeping) until `n` transcript lines are stored.
    pub async fn lines_stored(&self, n: usize) {
        for _ in 0..200_000 {
            if self.store.transcript(&self.token).await.unwrap().len() >= n {
                return;
            }
            tokio::task::yield_now().await;
        }
        panic!("{n} lines were never stored");
    }

    /// The candidate types an answer.
    pub fn type_answer(&self, text: &str) {
        self.room
            .send_event(interview_core::transport::RoomEvent::Text {
                identity: "candidate".into(),
                text: text.to_owned(),
            });
    }

    /// The room closes under the session.
    pub fn disconnect(&self) {
        self.room
            .send_event(interview_core::transport::RoomEvent::Disconnected {
                reason: "done".into(),
            });
    }

    /// The candidate leaves and the interview waits for them (it is interrupted).
    pub async fn leave_and_wait(&self) {
        self.room
            .send_event(interview_core::transport::RoomEvent::ParticipantLeft {
                identity: "candidate".into(),
            });
        self.status_becomes(BookingStatus::Interrupted).await;
    }

    /// Waits until the interviewer is listening again after `n` lines were sent.
    pub async fn wait_lines(&self, n: usize) {
        eventually(&format!("{n} transcript lines"), || self.lines().len() >= n).await;
    }
}
