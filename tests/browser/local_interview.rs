//! The interview page over the local WebSocket transport, with Chromium's fake
//! microphone playing a WAV file the test writes.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use interview::audio::AudioFormat;
use interview::testing::{ScriptedStt, ScriptedTts};
use interview::voice::offline::OfflineInterviewer;
use interview::voice::session::Engines;

use crate::cdp::Browser;
use crate::{book_open_interview, screenshot_path, start_server_with};

/// Real speech for the fake microphone: espeak-ng says `text`, followed by
/// `silence_secs` of silence (the file loops, so each loop is one utterance). Returns
/// how long the speech lasts.
fn write_microphone_wav(path: &Path, text: &str, silence_secs: u32) -> std::time::Duration {
    let spoken = path.with_extension("speech.wav");
    let status = std::process::Command::new("espeak-ng")
        .args(["-v", "en-us", "-w"])
        .arg(&spoken)
        .arg(text)
        .status()
        .expect("espeak-ng runs (scripts/setup.sh installs it)");
    assert!(status.success());
    let wav = std::fs::read(&spoken).unwrap();
    let rate = u32::from_le_bytes([wav[24], wav[25], wav[26], wav[27]]);
    let data_at = wav.windows(4).position(|w| w == b"data").unwrap() + 8;
    let mut data = wav[data_at..].to_vec();
    let speech = std::time::Duration::from_secs_f64(data.len() as f64 / 2.0 / f64::from(rate));
    data.extend(std::iter::repeat_n(
        0_u8,
        (rate * 2 * silence_secs) as usize,
    ));
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16_u32.to_le_bytes());
    out.extend_from_slice(&1_u16.to_le_bytes());
    out.extend_from_slice(&1_u16.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2).to_le_bytes());
    out.extend_from_slice(&2_u16.to_le_bytes());
    out.extend_from_slice(&16_u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&data);
    std::fs::write(path, out).unwrap();
    speech
}

#[tokio::test]
async fn the_page_streams_the_microphone_to_the_session_and_plays_its_answer() {
    // The real session, with a test speech-to-text engine that records what it hears.
    let stt = Arc::new(ScriptedStt::new([
        "I built a job scheduler in Rust.",
        "It ran ten thousand jobs a second.",
        "We sharded it by tenant.",
        "I am still talking about it.",
    ]));
    let engines = Engines {
        stt: Some(stt.clone()),
        llm: Arc::new(OfflineInterviewer::new()),
        tts: Arc::new(ScriptedTts::new(
            AudioFormat::PCM_24K,
            Duration::from_millis(5),
        )),
    };
    let server = start_server_with(Some(engines)).await;
    let booked = book_open_interview(&server, "Rust engineer").await;
    let wav = server.data_dir.path().join("microphone.wav");
    let speech = write_microphone_wav(&wav, "I built a job scheduler in Rust for my last team.", 4);

    let browser = Browser::launch_with(&[
        "--use-fake-ui-for-media-stream".to_owned(),
        "--use-fake-device-for-media-stream".to_owned(),
        format!("--use-file-for-fake-audio-capture={}", wav.display()),
        "--autoplay-policy=no-user-gesture-required".to_owned(),
    ])
    .await;
    browser.grant_microphone(&server.origin).await;
    let page = browser.new_page().await;
    page.goto(booked.interview_url.as_str()).await;
    assert_eq!(
        page.eval("document.getElementById('room').dataset.transport")
            .await,
        "local"
    );
    page.eval("document.getElementById('join').click()").await;

    // The microphone reaches the session's speech-to-text as one utterance about as
    // long as the spoken sentence (voice activity detection trims and pads it).
    let deadline = std::time::Instant::now() + crate::cdp::DEADLINE;
    let heard = loop {
        if let Some(first) = stt.heard().first() {
            break first.duration();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no utterance reached speech-to-text"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        heard >= speech.mul_f64(0.6) && heard <= speech + Duration::from_secs(2),
        "heard {heard:?} of a {speech:?} sentence"
    );
    // The answer's speech is played by the page, and the transcript shows both sides.
    page.wait_for("window.__interview.transcript.some(l => l.speaker === 'candidate' && l.text.includes('job scheduler'))").await;
    page.wait_for(
        "window.__interview.transcript.filter(l => l.speaker === 'interviewer').length >= 2",
    )
    .await;
    page.wait_for("window.__interview.playedSamples > 24000")
        .await;
    // The microphone level meter runs during the interview, and saw the speech.
    assert_eq!(
        page.eval("!document.getElementById('mic-check').hidden && document.getElementById('mic-test').hidden && window.__interview.micPeak > 0.35")
            .await,
        true
    );
    page.screenshot(&screenshot_path("interview-local.png"))
        .await;

    // Leaving pauses the interview: the page says it is kept and offers to rejoin.
    page.eval("document.getElementById('leave').click()").await;
    page.wait_for("document.getElementById('agent-state').dataset.state === 'left'")
        .await;
    // The interview is kept for the candidate to come back to.
    page.wait_for("document.getElementById('join').textContent === 'Rejoin interview' && !document.getElementById('join').hidden")
        .await;
}
