//! The interview session's own latency and its cost per session.
//!
//! Simulated engines with fixed latency (STT 150 ms, LLM 200 ms to the first
//! sentence, TTS 80 ms to the first frame) measure what the pipeline adds on top:
//! voice-to-voice minus endpointing (the silence wait) minus the engines' measured
//! latencies, per turn, at p50 and p99. Then 200 sessions run at once with
//! real-time audio (48 kHz in, paced playback out), reporting memory per session
//! and CPU use.
//!
//! ```sh
//! cargo bench --bench session --features voice
//! ```

#![allow(clippy::unwrap_used)] // a benchmark: failing loudly is the point

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use interview_core::audio::{AudioFormat, AudioFrame};
use interview_core::clock::SystemClock;
use interview_core::engine::{
    AudioStream, ChatRequest, LlmEngine, LlmError, LlmEvent, LlmStream, SttEngine, SttError,
    SttOptions, Transcription, TtsEngine, TtsError,
};
use interview_core::testing::InMemoryBookingStore;
use interview_core::transport::{RoomEvent, RoomInfo, RoomIo, RoomOutput, TransportError};
use interview_voice::session::{
    Engines, InterviewSession, SessionBooking, SessionConfig, SessionReport,
};
use tokio::sync::{Notify, mpsc};

const STT_LATENCY: Duration = Duration::from_millis(150);
const LLM_FIRST: Duration = Duration::from_millis(200);
const TTS_FIRST: Duration = Duration::from_millis(80);
// A quote is six whole words of one answer and supports one competency: the one
// sentence the simulated candidate says scores one, and the rest are not assessed.
const EVALUATION: &str = r#"{"competencies": [
 {"competency": "communication", "score": null, "evidence": [], "not_assessed_reason": "Too little said."},
 {"competency": "technical depth", "score": null, "evidence": [], "not_assessed_reason": "Too little said."},
 {"competency": "problem solving", "score": null, "evidence": [], "not_assessed_reason": "Too little said."},
 {"competency": "relevant experience", "score": 4, "evidence": ["I built a ledger in Rust."]},
 {"competency": "collaboration", "score": null, "evidence": [], "not_assessed_reason": "Too little said."}
], "strengths": ["clear"], "concerns": [], "recommendation": "hire", "summary": "Fine."}"#;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the simulated engines actually waited, per call, in order.
#[derive(Default)]
struct Measured {
    stt: Mutex<Vec<Duration>>,
    llm: Mutex<Vec<Duration>>,
    /// The first TTS call of each answer ("Interesting.").
    tts: Mutex<Vec<Duration>>,
}

async fn timed_sleep(duration: Duration) -> Duration {
    let start = Instant::now();
    tokio::time::sleep(duration).await;
    start.elapsed()
}

struct SimStt(Arc<Measured>);
struct SimLlm(Arc<Measured>);
struct SimTts(Arc<Measured>);

// The engine traits are `#[async_trait]`; written out by hand here because the
// facade package does not depend on async-trait.
impl SttEngine for SimStt {
    fn name(&self) -> &str {
        "sim"
    }

    fn transcribe<'a, 'b, 'c, 'd>(
        &'a self,
        _audio: &'b AudioFrame,
        _options: &'c SttOptions,
    ) -> BoxFuture<'d, Result<Transcription, SttError>>
    where
        'a: 'd,
        'b: 'd,
        'c: 'd,
        Self: 'd,
    {
        Box::pin(async move {
            let took = timed_sleep(STT_LATENCY).await;
            self.0.stt.lock().unwrap().push(took);
            Ok(Transcription {
                text: "I built a ledger in Rust.".to_owned(),
                language: None,
                confidence: None,
            })
        })
    }
}

impl LlmEngine for SimLlm {
    fn name(&self) -> &str {
        "sim"
    }

    fn chat<'a, 'd>(&'a self, request: ChatRequest) -> BoxFuture<'d, Result<LlmStream, LlmError>>
    where
        'a: 'd,
        Self: 'd,
    {
        Box::pin(async move {
            let evaluating = request.messages[0].content.contains("hiring panel");
            let took = timed_sleep(LLM_FIRST).await;
            let pieces: Vec<Result<LlmEvent, LlmError>> = if evaluating {
                vec![Ok(LlmEvent::Text(EVALUATION.to_owned()))]
            } else {
                self.0.llm.lock().unwrap().push(took);
                ["Interesting. ", "How did you ", "test it?"]
                    .into_iter()
                    .map(|p| Ok(LlmEvent::Text(p.to_owned())))
                    .collect()
            };
            Ok(Box::pin(futures_util::stream::iter(pieces)) as LlmStream)
        })
    }
}

impl TtsEngine for SimTts {
    fn name(&self) -> &str {
        "sim"
    }

    fn output_format(&self) -> AudioFormat {
        AudioFormat::PCM_24K
    }

    fn synthesize<'a, 'b, 'd>(
        &'a self,
        text: &'b str,
    ) -> BoxFuture<'d, Result<AudioStream, TtsError>>
    where
        'a: 'd,
        'b: 'd,
        Self: 'd,
    {
        Box::pin(async move {
            let took = timed_sleep(TTS_FIRST).await;
            if text == "Interesting." {
                self.0.tts.lock().unwrap().push(took);
            }
            // 0.5 s of speech per sentence in 20 ms frames.
            let frames: Vec<Result<AudioFrame, TtsError>> = (0..25)
                .map(|_| Ok(AudioFrame::new(vec![100; 480], AudioFormat::PCM_24K).unwrap()))
                .collect();
            Ok(Box::pin(futures_util::stream::iter(frames)) as AudioStream)
        })
    }
}

/// Counts frames, optionally paces them like a real transport (a 200 ms playout
/// buffer: `play` returns at once while the buffer has room), and tells the feeder
/// when the interviewer listens again.
struct BenchOutput {
    paced: bool,
    playout_until: Mutex<Option<Instant>>,
    frames: AtomicUsize,
    listening: Notify,
    closed: AtomicBool,
}

impl RoomOutput for BenchOutput {
    fn output_format(&self) -> AudioFormat {
        AudioFormat::PCM_48K
    }

    fn play<'a, 'd>(&'a self, frame: AudioFrame) -> BoxFuture<'d, Result<(), TransportError>>
    where
        'a: 'd,
        Self: 'd,
    {
        Box::pin(async move {
            self.frames.fetch_add(1, Ordering::Relaxed);
            if self.paced {
                let wait = {
                    let now = Instant::now();
                    let mut until = self.playout_until.lock().unwrap();
                    let start = until.filter(|u| *u > now).unwrap_or(now);
                    let end = start + frame.duration();
                    *until = Some(end);
                    (end - now).checked_sub(Duration::from_millis(200))
                };
                if let Some(wait) = wait {
                    tokio::time::sleep(wait).await;
                }
            }
            Ok(())
        })
    }

    fn clear<'a, 'd>(&'a self) -> BoxFuture<'d, Result<(), TransportError>>
    where
        'a: 'd,
        Self: 'd,
    {
        Box::pin(async { Ok(()) })
    }

    fn send_text<'a, 'b, 'c, 'd>(
        &'a self,
        topic: &'b str,
        text: &'c str,
    ) -> BoxFuture<'d, Result<(), TransportError>>
    where
        'a: 'd,
        'b: 'd,
        'c: 'd,
        Self: 'd,
    {
        Box::pin(async move {
            if topic == "agent_state" && text.contains("listening") {
                self.listening.notify_one();
            }
            Ok(())
        })
    }

    fn close<'a, 'd>(&'a self) -> BoxFuture<'d, ()>
    where
        'a: 'd,
        Self: 'd,
    {
        Box::pin(async move { self.closed.store(true, Ordering::Relaxed) })
    }
}

/// Speech-like audio (pulse train through vowel formants, syllable envelope) at
/// 48 kHz mono; earshot detects it as speech (see interview-voice/tests/session_vad.rs).
fn speech_48k(duration: Duration) -> Vec<i16> {
    let sr = 48_000.0f32;
    let n = (duration.as_secs_f32() * sr) as usize;
    let vowels = [
        (730.0, 1090.0),
        (270.0, 2290.0),
        (570.0, 840.0),
        (440.0, 1020.0),
    ];
    let (mut s, mut phase) = ([0f32; 4], 0f32);
    (0..n)
        .map(|i| {
            let t = i as f32 / sr;
            let syllable = (t * 4.0) as usize;
            let (f1, f2) = vowels[syllable % vowels.len()];
            phase += (140.0 + 25.0 * (std::f32::consts::TAU * 3.0 * t).sin()) / sr;
            let x = if phase >= 1.0 {
                phase -= 1.0;
                1.0
            } else {
                0.0
            };
            let mut resonate = |f: f32, bw: f32, k: usize| {
                let r = (-std::f32::consts::PI * bw / sr).exp();
                let c = 2.0 * r * (std::f32::consts::TAU * f / sr).cos();
                let y = x * (1.0 - r) + c * s[k] - r * r * s[k + 1];
                s[k + 1] = s[k];
                s[k] = y;
                y
            };
            let v = resonate(f1, 80.0, 0) + 0.6 * resonate(f2, 100.0, 2);
            let envelope = (std::f32::consts::PI * (t * 4.0).fract()).sin().powf(0.6);
            (v * envelope * 150_000.0).clamp(-32_000.0, 32_000.0) as i16
        })
        .collect()
}

struct Outcome {
    report: SessionReport,
    measured: Arc<Measured>,
}

/// One interview of `turns` spoken answers. Paced: audio arrives in real time;
/// unpaced: as fast as the session takes it, each turn once the interviewer listens.
async fn interview(turns: usize, paced: bool, speech: Arc<Vec<i16>>) -> Outcome {
    let measured = Arc::new(Measured::default());
    let output = Arc::new(BenchOutput {
        paced,
        playout_until: Mutex::new(None),
        frames: AtomicUsize::new(0),
        listening: Notify::new(),
        closed: AtomicBool::new(false),
    });
    let (audio_tx, audio_rx) = mpsc::channel::<AudioFrame>(64);
    let (event_tx, event_rx) = mpsc::unbounded_channel::<RoomEvent>();
    let io = RoomIo {
        info: RoomInfo {
            name: "bench".into(),
            metadata: None,
            local_identity: "agent".into(),
        },
        audio_in: Box::pin(futures_util::stream::unfold(
            audio_rx,
            |mut rx| async move { rx.recv().await.map(|f| (f, rx)) },
        )),
        events: Box::pin(futures_util::stream::unfold(
            event_rx,
            |mut rx| async move { rx.recv().await.map(|e| (e, rx)) },
        )),
        output: output.clone(),
    };
    let engines = Engines {
        stt: Some(Arc::new(SimStt(measured.clone()))),
        llm: Arc::new(SimLlm(measured.clone())),
        tts: Arc::new(SimTts(measured.clone())),
    };
    let session = InterviewSession::new(
        SessionConfig::default(),
        engines,
        Arc::new(InMemoryBookingStore::new()),
        Arc::new(SystemClock),
    );
    let task = tokio::spawn(session.run(io, SessionBooking::none()));

    let format = AudioFormat::PCM_48K;
    let frame = format.samples_for(Duration::from_millis(20));
    let silence = vec![0i16; frame];
    let send = |samples: Vec<i16>| {
        let tx = audio_tx.clone();
        async move {
            let _ = tx.send(AudioFrame::new(samples, format).unwrap()).await;
        }
    };
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    output.listening.notified().await; // the greeting is over
    for _ in 0..turns {
        for chunk in speech.chunks(frame) {
            if paced {
                tick.tick().await;
            }
            send(chunk.to_vec()).await;
        }
        if paced {
            // 4 s of silence: the answer (1 s of audio) plays meanwhile.
            for _ in 0..200 {
                tick.tick().await;
                send(silence.clone()).await;
            }
        } else {
            for _ in 0..60 {
                send(silence.clone()).await;
            }
            output.listening.notified().await;
        }
    }
    let _ = event_tx.send(RoomEvent::Disconnected {
        reason: "bench".into(),
    });
    let report = task.await.unwrap();
    Outcome { report, measured }
}

/// Pipeline overhead per turn: voice-to-voice minus endpointing minus the engines.
fn overheads(outcome: &Outcome) -> Vec<Duration> {
    let stt = outcome.measured.stt.lock().unwrap();
    let llm = outcome.measured.llm.lock().unwrap();
    let tts = outcome.measured.tts.lock().unwrap();
    outcome
        .report
        .turns
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.queued && !t.typed)
        .filter_map(|(i, t)| {
            let engines = *stt.get(i)? + *llm.get(i)? + *tts.get(i)?;
            t.voice_to_voice?.checked_sub(t.endpointing? + engines)
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    let index = (sorted.len() * p).div_ceil(100).saturating_sub(1);
    sorted[index.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// (resident set KiB, user+system CPU seconds) of this process.
fn process_usage() -> (u64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let rss = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the ")".
    let ticks: f64 = fields
        .get(11)
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0)
        + fields
            .get(12)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0);
    (rss, ticks / 100.0)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let speech = Arc::new(speech_48k(Duration::from_millis(1500)));

    // 1. The pipeline's own latency, 4 sessions x 50 turns.
    let outcomes = runtime.block_on(async {
        let runs: Vec<_> = (0..4)
            .map(|_| tokio::spawn(interview(50, false, speech.clone())))
            .collect();
        let mut outcomes = Vec::new();
        for run in runs {
            outcomes.push(run.await.unwrap());
        }
        outcomes
    });
    let mut all: Vec<Duration> = outcomes.iter().flat_map(overheads).collect();
    all.sort_unstable();
    let v2v: Vec<Duration> = outcomes
        .iter()
        .flat_map(|o| o.report.turns.iter().filter_map(|t| t.voice_to_voice))
        .collect();
    let mut v2v = v2v;
    v2v.sort_unstable();
    println!(
        "pipeline overhead over {} turns (engines: STT {} + LLM first sentence {} + TTS first frame {}):",
        all.len(),
        ms(STT_LATENCY),
        ms(LLM_FIRST),
        ms(TTS_FIRST)
    );
    println!(
        "  overhead p50 {}  p99 {}  max {}",
        ms(percentile(&all, 50)),
        ms(percentile(&all, 99)),
        ms(*all.last().unwrap())
    );
    println!(
        "  voice-to-voice p50 {}  p99 {}",
        ms(percentile(&v2v, 50)),
        ms(percentile(&v2v, 99))
    );

    // 2. 200 concurrent sessions in real time, 3 turns each.
    let sessions = 200;
    let (rss_before, cpu_before) = process_usage();
    let peak = Arc::new(AtomicUsize::new(rss_before as usize));
    let started = Instant::now();
    let outcomes = runtime.block_on(async {
        let sampler_peak = peak.clone();
        let sampler = tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(200)).await;
                let (rss, _) = process_usage();
                sampler_peak.fetch_max(rss as usize, Ordering::Relaxed);
            }
        });
        let runs: Vec<_> = (0..sessions)
            .map(|_| tokio::spawn(interview(3, true, speech.clone())))
            .collect();
        let mut outcomes = Vec::new();
        for run in runs {
            outcomes.push(run.await.unwrap());
        }
        sampler.abort();
        outcomes
    });
    let wall = started.elapsed();
    let (_, cpu_after) = process_usage();
    let cpu = cpu_after - cpu_before;
    let answered: usize = outcomes.iter().map(|o| o.report.turns.len()).sum();
    let evaluated = outcomes
        .iter()
        .filter(|o| o.report.evaluation.is_some())
        .count();
    let mut load: Vec<Duration> = outcomes.iter().flat_map(overheads).collect();
    load.sort_unstable();
    let peak_kib = peak.load(Ordering::Relaxed) as u64;
    println!(
        "{sessions} concurrent sessions, real-time 48 kHz audio in, paced playback out, 3 turns each:"
    );
    println!(
        "  wall {:.1} s, turns answered {answered}, evaluations {evaluated}",
        wall.as_secs_f64()
    );
    println!(
        "  CPU {:.2} s = {:.1}% of one core ({:.2} ms CPU per session-second)",
        cpu,
        100.0 * cpu / wall.as_secs_f64(),
        1000.0 * cpu / (wall.as_secs_f64() * sessions as f64)
    );
    println!(
        "  RSS before {} KiB, peak {} KiB: {:.0} KiB per session",
        rss_before,
        peak_kib,
        (peak_kib.saturating_sub(rss_before)) as f64 / sessions as f64
    );
    if !load.is_empty() {
        println!(
            "  overhead under load p50 {}  p99 {}",
            ms(percentile(&load, 50)),
            ms(percentile(&load, 99))
        );
    }
}
