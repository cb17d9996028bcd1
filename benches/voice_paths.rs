//! The hot paths of the voice engines: the server-sent-events parser every streamed
//! chat answer goes through, and the PCM chunk path every streamed speech byte goes
//! through. Reports MB/s and heap allocations per network chunk (counted with a
//! global allocator).
//!
//! ```sh
//! cargo bench --bench voice_paths --features openai
//! ```

use std::alloc::System;
use std::hint::black_box;
use std::time::{Duration, Instant};

use interview::audio::AudioFormat;
use interview_voice::providers::openai::sse::SseParser;
use interview_voice::providers::pcm::PcmChunker;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// How long each case runs.
const RUN_FOR: Duration = Duration::from_secs(2);

/// A chat answer as OpenAI streams it: one `chat.completion.chunk` per token.
fn chat_stream(tokens: usize) -> Vec<u8> {
    let mut body = String::new();
    for i in 0..tokens {
        body.push_str(&format!(
            "data: {{\"id\":\"chatcmpl-AbCdEf0123456789\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,\"model\":\"gpt-4o-mini-2024-07-18\",\"system_fingerprint\":\"fp_0123456789\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\" word{i}\"}},\"logprobs\":null,\"finish_reason\":null}}],\"usage\":null,\"obfuscation\":\"x1y2z3\"}}\n\n"
        ));
        if i % 50 == 0 {
            body.push_str(": keep-alive\n\n");
        }
    }
    body.push_str("data: [DONE]\n\n");
    body.into_bytes()
}

struct Result {
    mb_per_s: f64,
    chunks: u64,
    items: u64,
    allocations: u64,
}

fn run(bytes_per_pass: usize, mut pass: impl FnMut() -> (u64, u64)) -> Result {
    // Warm up (buffers reach their steady size).
    pass();
    let region = Region::new(GLOBAL);
    let start = Instant::now();
    let (mut chunks, mut items, mut passes) = (0u64, 0u64, 0u64);
    while start.elapsed() < RUN_FOR {
        let (c, i) = pass();
        chunks += c;
        items += i;
        passes += 1;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let allocations = region.change().allocations as u64;
    Result {
        mb_per_s: (bytes_per_pass as f64 * passes as f64) / elapsed / 1e6,
        chunks,
        items,
        allocations,
    }
}

fn sse_case(label: &str, stream: &[u8], chunk_size: usize) {
    let result = run(stream.len(), || {
        let mut parser = SseParser::new();
        let (mut chunks, mut events) = (0, 0);
        for chunk in stream.chunks(chunk_size) {
            parser.push(chunk);
            chunks += 1;
            while let Some(event) = parser.next_event() {
                black_box(&event);
                events += 1;
            }
        }
        (chunks, events)
    });
    println!(
        "| SSE parser | {label} | {chunk_size} | {:.0} | {:.2} | {:.2} |",
        result.mb_per_s,
        result.allocations as f64 / result.chunks as f64,
        result.allocations as f64 / result.items as f64,
    );
}

fn pcm_case(label: &str, audio: &[u8], chunk_size: usize) {
    let result = run(audio.len(), || {
        let mut chunker = PcmChunker::new(AudioFormat::PCM_24K);
        let (mut chunks, mut frames) = (0, 0);
        for chunk in audio.chunks(chunk_size) {
            chunks += 1;
            if let Ok(Some(frame)) = chunker.push(chunk) {
                black_box(&frame);
                frames += 1;
            }
        }
        (chunks, frames)
    });
    println!(
        "| PCM chunks to frames | {label} | {chunk_size} | {:.0} | {:.2} | {:.2} |",
        result.mb_per_s,
        result.allocations as f64 / result.chunks as f64,
        result.allocations as f64 / result.items as f64,
    );
}

fn main() {
    let stream = chat_stream(2_000);
    let audio: Vec<u8> = (0..24_000 * 10)
        .flat_map(|i: i32| ((i % 2000 - 1000) as i16).to_le_bytes())
        .collect();
    println!(
        "chat stream: {} KiB, 2000 events; audio: {} KiB (10 s of 24 kHz mono)",
        stream.len() / 1024,
        audio.len() / 1024
    );
    println!(
        "| path | input | chunk bytes | MB/s | allocations per chunk | allocations per event or frame |"
    );
    println!("|---|---|---:|---:|---:|---:|");
    sse_case("2000-token answer", &stream, 1);
    sse_case("2000-token answer", &stream, 97);
    sse_case("2000-token answer", &stream, 1_400);
    sse_case("2000-token answer", &stream, 16_384);
    pcm_case("10 s of speech", &audio, 1);
    pcm_case("10 s of speech", &audio, 1_001);
    pcm_case("10 s of speech", &audio, 4_096);
    pcm_case("10 s of speech", &audio, 16_385);
}
