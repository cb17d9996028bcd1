//! The offline voice against the real espeak-ng (installed by `scripts/setup.sh --test`).
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::time::Duration;

use futures_util::StreamExt;
use interview_core::engine::{TtsEngine, TtsError};
use interview_voice::offline::EspeakTts;

#[tokio::test]
async fn speaks_a_sentence_as_a_stream_of_22khz_frames() {
    let tts = EspeakTts::new();
    assert!(
        tts.is_available().await,
        "espeak-ng is missing: run scripts/setup.sh --test"
    );
    let mut stream = tts
        .synthesize("Hello, I am Arjun. Could you tell me about the last system you built?")
        .await
        .unwrap();
    let mut frames = 0;
    let mut samples = Vec::new();
    while let Some(frame) = stream.next().await {
        let frame = frame.unwrap();
        assert_eq!(frame.format(), tts.output_format());
        frames += 1;
        samples.extend_from_slice(frame.samples());
    }
    let seconds = samples.len() as f64 / 22_050.0;
    assert!((2.0..15.0).contains(&seconds), "{seconds} s of speech");
    assert!(
        frames > 10,
        "delivered in pieces while speaking, not as one clip ({frames})"
    );
    let loud = samples.iter().filter(|s| s.unsigned_abs() > 1000).count();
    assert!(
        loud > samples.len() / 10,
        "the audio is speech, not silence"
    );
}

#[tokio::test]
async fn text_cannot_pass_options_to_the_program() {
    // Given as an argument, "--version" would make espeak-ng print its version
    // instead of speaking; on stdin it is just text.
    let mut stream = EspeakTts::new().synthesize("--version").await.unwrap();
    let mut samples = 0;
    while let Some(frame) = stream.next().await {
        samples += frame.unwrap().samples().len();
    }
    assert!(samples > 2_000);
}

#[tokio::test]
async fn a_missing_program_and_empty_text_are_clear_errors() {
    let missing = EspeakTts::new().with_program("/nonexistent/espeak-ng");
    assert!(!missing.is_available().await);
    let Err(TtsError::Synthesizer(message)) = missing.synthesize("Hello").await else {
        panic!("expected a synthesizer error");
    };
    assert!(
        message.contains("install the Debian package espeak-ng"),
        "{message}"
    );
    assert!(matches!(
        EspeakTts::new().synthesize("   ").await,
        Err(TtsError::InvalidText(_))
    ));
}

#[tokio::test]
async fn dropping_the_stream_stops_the_process() {
    let mut stream = EspeakTts::new()
        .synthesize(&"This sentence is long. ".repeat(60))
        .await
        .unwrap();
    let first = tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .unwrap();
    assert!(first.unwrap().is_ok());
    drop(stream); // kill_on_drop ends espeak-ng; nothing to wait for here
}
