//! The interview page over the local WebSocket transport, with Chromium's fake
//! microphone playing a WAV file the test writes.

use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use futures_util::StreamExt;
use interview::audio::{AudioFormat, AudioFrame};
use interview::transport::{InterviewRunner, RoomEvent, RoomIo};
use interview::{Booking, ScheduleRequest};
use serde_json::json;

use crate::cdp::Browser;
use crate::{Server, screenshot_path, start_server_with};

/// 48 kHz mono 16-bit: one second of a speech-like tone burst, one second of silence.
fn write_microphone_wav(path: &Path) {
    let rate = 48_000_u32;
    let mut samples = Vec::new();
    for i in 0..rate {
        let t = f64::from(i) / f64::from(rate);
        let envelope = (std::f64::consts::PI * t).sin();
        let value = envelope
            * 8000.0
            * ((2.0 * std::f64::consts::PI * 220.0 * t).sin()
                + 0.5 * (2.0 * std::f64::consts::PI * 660.0 * t).sin());
        samples.push(value as i16);
    }
    samples.extend(std::iter::repeat_n(0_i16, rate as usize));
    let data: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    let mut wav = Vec::new();
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16_u32.to_le_bytes());
    wav.extend_from_slice(&1_u16.to_le_bytes());
    wav.extend_from_slice(&1_u16.to_le_bytes());
    wav.extend_from_slice(&rate.to_le_bytes());
    wav.extend_from_slice(&(rate * 2).to_le_bytes());
    wav.extend_from_slice(&2_u16.to_le_bytes());
    wav.extend_from_slice(&16_u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&(data.len() as u32).to_le_bytes());
    wav.extend_from_slice(&data);
    std::fs::write(path, wav).unwrap();
}

/// Greets with a line and half a second of speech, then after hearing a second of
/// microphone audio answers with a line for each side and more speech.
#[derive(Default)]
struct ListeningRunner {
    heard: Mutex<usize>,
}

#[async_trait]
impl InterviewRunner for ListeningRunner {
    async fn run(&self, room: RoomIo, booking: Booking) {
        let RoomIo {
            mut audio_in,
            mut events,
            output,
            ..
        } = room;
        let speech = || AudioFrame::new(vec![3000; 12_000], AudioFormat::PCM_24K).unwrap();
        let line =
            |speaker: &str, text: String| json!({"speaker": speaker, "text": text}).to_string();
        let _ = output
            .send_text(
                "transcript",
                &line(
                    "interviewer",
                    format!("Hello {}, I am Arjun.", booking.name),
                ),
            )
            .await;
        let _ = output.send_text("agent_state", "speaking").await;
        let _ = output.play(speech()).await;
        let _ = output.send_text("agent_state", "listening").await;
        let mut answered = false;
        loop {
            tokio::select! {
                frame = audio_in.next() => {
                    let Some(frame) = frame else { break };
                    let heard = {
                        let mut heard = self.heard.lock().unwrap();
                        *heard += frame.samples().len();
                        *heard
                    };
                    if heard >= 16_000 && !answered {
                        answered = true;
                        let _ = output.send_text("transcript", &line("candidate", format!("({heard} samples heard)"))).await;
                        let _ = output.send_text("transcript", &line("interviewer", "Thank you. Tell me more.".to_owned())).await;
                        let _ = output.play(speech()).await;
                    }
                }
                event = events.next() => {
                    if matches!(event, None | Some(RoomEvent::Disconnected { .. })) { break; }
                }
            }
        }
    }

    fn description(&self) -> Option<String> {
        Some("Test interviewer.".to_owned())
    }
}

#[tokio::test]
async fn the_page_streams_the_microphone_and_plays_the_interviewer() {
    let runner = Arc::new(ListeningRunner::default());
    let server: Server = start_server_with(Some(runner.clone())).await;
    let wav = server.data_dir.path().join("microphone.wav");
    write_microphone_wav(&wav);

    // An interview two minutes from now: its window is already open.
    let request = ScheduleRequest {
        name: Some("Jane Doe".into()),
        email: Some("jane@example.com".into()),
        phone: Some("5551234567".into()),
        datetime: Some((chrono::Utc::now() + chrono::TimeDelta::minutes(2)).to_rfc3339()),
        time_zone: Some("UTC".into()),
        resume_url: None,
        resume_text: Some("Rust engineer".into()),
    };
    let booked = server.state.scheduling().schedule(&request).await.unwrap();

    let browser = Browser::launch_with(&[
        "--use-fake-ui-for-media-stream".to_owned(),
        "--use-fake-device-for-media-stream".to_owned(),
        format!("--use-file-for-fake-audio-capture={}", wav.display()),
        "--autoplay-policy=no-user-gesture-required".to_owned(),
    ])
    .await;
    browser.grant_microphone(&server.base).await;
    let page = browser.new_page().await;
    page.goto(booked.interview_url.as_str()).await;
    assert_eq!(
        page.eval("document.getElementById('room').dataset.transport")
            .await,
        "local"
    );
    assert!(
        page.eval("document.getElementById('mode').textContent")
            .await
            .as_str()
            .unwrap()
            .contains("Test interviewer.")
    );
    page.eval("document.getElementById('join').click()").await;

    // The microphone reaches the server as 16 kHz PCM...
    page.wait_for("window.__interview.sentSamples >= 16000")
        .await;
    // ...the interviewer's speech is played, and the transcript shows both sides.
    page.wait_for("window.__interview.transcript.some(l => l.speaker === 'candidate')")
        .await;
    page.wait_for("window.__interview.playedSamples >= 24000")
        .await;
    assert!(*runner.heard.lock().unwrap() >= 16_000);
    let lines = page
        .eval("[...document.querySelectorAll('#transcript .line')].map(li => li.className)")
        .await;
    let lines: Vec<String> = serde_json::from_value(lines).unwrap();
    assert!(
        lines.iter().any(|c| c.contains("candidate"))
            && lines.iter().any(|c| c.contains("interviewer")),
        "{lines:?}"
    );
    page.screenshot(&screenshot_path("interview-local.png"))
        .await;

    // Leaving ends the interview on the page.
    page.eval("document.getElementById('leave').click()").await;
    page.wait_for("document.getElementById('agent-state').dataset.state === 'ended'")
        .await;
}
