#![allow(clippy::unwrap_used)]
//! The synthetic speech the session tests use is speech to earshot, and silence
//! and the scripted synthesizer's tone are not.

mod session_support;

use std::time::Duration;

use earshot::Detector;
use interview_core::audio::AudioFormat;
use session_support::speech;

fn speech_share(samples: &[i16]) -> f32 {
    let mut detector = Detector::default();
    let frames: Vec<f32> = samples
        .chunks_exact(256)
        .map(|frame| detector.predict_i16(frame))
        .collect();
    frames.iter().filter(|&&p| p >= 0.5).count() as f32 / frames.len() as f32
}

#[test]
fn synthetic_speech_is_detected_as_speech() {
    for seed in 1..4 {
        let share = speech_share(&speech(Duration::from_secs(2), AudioFormat::SPEECH, seed));
        assert!(share > 0.9, "seed {seed}: {share}");
    }
}

#[test]
fn silence_and_a_pure_tone_are_not_speech() {
    assert_eq!(speech_share(&vec![0; 16_000]), 0.0);
    let tone: Vec<i16> = (0..16_000)
        .map(|i| ((i as f32 * 440.0 * std::f32::consts::TAU / 16_000.0).sin() * 3000.0) as i16)
        .collect();
    assert!(speech_share(&tone) < 0.1);
}
