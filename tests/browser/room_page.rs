//! The room page as a candidate uses it: the interviewer is "speaking" for as long
//! as its audio plays (the page acknowledges what it played), captions keep pace
//! with the speech, the stage and the time left are shown, Enter sends an answer,
//! and the microphone can be checked before joining.

use std::sync::Arc;
use std::time::Duration;

use interview::audio::AudioFormat;
use interview::testing::{ScriptedStt, ScriptedTts};
use interview::voice::offline::OfflineInterviewer;
use interview::voice::session::Engines;
use serde_json::json;

use crate::cdp::{Browser, Page};
use crate::{book_open_interview, screenshot_path, start_server_with};

/// Audio per character of the scripted voice: the greeting lasts several seconds.
const PER_CHAR: Duration = Duration::from_millis(15);

fn engines(stt: Option<Arc<ScriptedStt>>) -> Engines {
    Engines {
        stt: stt.map(|s| s as _),
        llm: Arc::new(OfflineInterviewer::new()),
        tts: Arc::new(ScriptedTts::new(AudioFormat::PCM_24K, PER_CHAR)),
    }
}

/// Presses a key in the focused element, as a keyboard does.
async fn press(page: &Page<'_>, key: &str, shift: bool) {
    let (code, text) = match key {
        "Enter" => (13, "\r"),
        _ => panic!("unknown key {key}"),
    };
    let modifiers = if shift { 8 } else { 0 };
    for kind in ["keyDown", "keyUp"] {
        let mut event = json!({
            "type": kind, "key": key, "code": key, "modifiers": modifiers,
            "windowsVirtualKeyCode": code, "nativeVirtualKeyCode": code,
        });
        if kind == "keyDown" {
            event["text"] = json!(text);
            event["unmodifiedText"] = json!(text);
        }
        page.call("Input.dispatchKeyEvent", event).await;
    }
}

async fn type_text(page: &Page<'_>, text: &str) {
    page.call("Input.insertText", json!({ "text": text })).await;
}

#[tokio::test]
async fn speech_lasts_as_long_as_its_audio_with_captions_in_step_and_enter_sends_answers() {
    let server = start_server_with(Some(engines(None))).await;
    let booked = book_open_interview(&server, "Jane Doe\n- Built a job scheduler in Rust").await;
    let browser =
        Browser::launch_with(&["--autoplay-policy=no-user-gesture-required".to_owned()]).await;
    let page = browser.new_page().await;
    page.goto(booked.interview_url.as_str()).await;
    // Typed answers only: no microphone check.
    assert_eq!(
        page.eval("document.getElementById('mic-test') === null")
            .await,
        true
    );
    page.eval("document.getElementById('join').click()").await;

    // The greeting: speaking, then listening once its audio has played.
    let state_at = |state: &str| {
        format!("(window.__interview.states.find(s => s.state === '{state}') || {{}}).at")
    };
    page.wait_for("window.__interview.transcript.length >= 1")
        .await;
    let speaking = page.wait_for(&state_at("speaking")).await.as_f64().unwrap();
    let listening = page
        .wait_for(&format!(
            "window.__interview.states.filter(s => s.state === 'listening' && s.at > {speaking})[0].at"
        ))
        .await
        .as_f64()
        .unwrap();
    let played = page
        .eval("window.__interview.playedSamples / window.__interview.outputRate")
        .await
        .as_f64()
        .unwrap();
    let greeting = page.eval("window.__interview.transcript[0]").await;
    let text = greeting["text"].as_str().unwrap();
    assert!(text.starts_with("Hello Jane!"), "{text}");
    let audio = played * 1000.0;
    let speaking_for = listening - speaking;
    assert!(audio > 3000.0, "a greeting of {audio} ms");
    assert!(
        speaking_for >= audio * 0.9 && speaking_for <= audio + 3000.0,
        "speaking for {speaking_for} ms of {audio} ms of audio"
    );
    // The page told the server what it played, up to the last message.
    assert_eq!(
        page.eval("window.__interview.acknowledged === window.__interview.playedChunks")
            .await,
        true
    );

    // Captions: the greeting's sentences, each as its audio started, spread over
    // the speech, and the whole line after them.
    let captions: Vec<serde_json::Value> =
        serde_json::from_value(page.eval("window.__interview.captions").await).unwrap();
    assert!(captions.len() >= 3, "{captions:?}");
    let joined: Vec<&str> = captions
        .iter()
        .map(|c| c["text"].as_str().unwrap())
        .collect();
    assert_eq!(joined.join(" "), text);
    let first = captions[0]["at"].as_f64().unwrap();
    let last = captions.last().unwrap()["at"].as_f64().unwrap();
    assert!(
        first - speaking < 1000.0,
        "the first caption with the first words"
    );
    let before_last = joined[..joined.len() - 1].join(" ").chars().count() as f64;
    let expected = before_last * PER_CHAR.as_secs_f64() * 1000.0;
    assert!(
        last - first >= expected * 0.8,
        "the last sentence shown {} ms after the first, its audio starts {expected} ms in",
        last - first
    );
    assert_eq!(
        page.eval("document.querySelector('#transcript li').textContent.includes(window.__interview.transcript[0].text)")
            .await,
        true
    );

    // The stage and the time left.
    let stage = page
        .wait_for("document.getElementById('stage-name').textContent")
        .await;
    assert_eq!(stage, "Stage 1 of 6: Introduction");
    let left = page
        .eval("document.getElementById('time-left').textContent")
        .await;
    assert!(
        left.as_str().unwrap().starts_with("About 30 minutes left")
            || left.as_str().unwrap().starts_with("About 29 minutes left"),
        "{left}"
    );

    // Shift+Enter is a new line; Enter sends, and the box keeps the focus.
    page.eval("document.getElementById('answer').focus()").await;
    type_text(&page, "I built the scheduler's sharding.").await;
    press(&page, "Enter", true).await;
    type_text(&page, "Hot shards were the hard part.").await;
    assert_eq!(
        page.eval("document.getElementById('answer').value").await,
        "I built the scheduler's sharding.\nHot shards were the hard part."
    );
    assert_eq!(
        page.eval("window.__interview.transcript.length").await,
        1,
        "nothing sent yet"
    );
    press(&page, "Enter", false).await;
    page.wait_for("window.__interview.transcript.some(l => l.speaker === 'candidate')")
        .await;
    assert_eq!(
        page.eval("window.__interview.transcript.find(l => l.speaker === 'candidate').text")
            .await,
        "I built the scheduler's sharding.\nHot shards were the hard part."
    );
    assert_eq!(
        page.eval("document.getElementById('answer').value").await,
        ""
    );
    assert_eq!(page.eval("document.activeElement.id").await, "answer");
    // An answer while the interviewer speaks waits for it, and the page says so.
    page.wait_for("document.getElementById('agent-state').dataset.state === 'speaking'")
        .await;
    type_text(&page, "Mostly Rust.").await;
    press(&page, "Enter", false).await;
    assert_eq!(
        page.eval("document.getElementById('room-status').textContent")
            .await,
        "Received. The interviewer will reply when it has finished speaking."
    );
    page.screenshot(&screenshot_path("interview-room-desktop.png"))
        .await;
    page.wait_for(
        "window.__interview.transcript.filter(l => l.speaker === 'candidate').length === 2",
    )
    .await;
    assert_eq!(
        page.eval("document.getElementById('room-status').textContent")
            .await,
        ""
    );
    page.viewport(390, 844).await;
    page.screenshot(&screenshot_path("interview-room-mobile.png"))
        .await;
}

#[tokio::test]
async fn the_microphone_can_be_checked_before_joining() {
    let stt = Arc::new(ScriptedStt::new(Vec::<String>::new()));
    let server = start_server_with(Some(engines(Some(stt)))).await;
    let booked = book_open_interview(&server, "Jane Doe\n- Built a job scheduler in Rust").await;
    // Chromium's fake microphone plays a beep.
    let browser = Browser::launch_with(&[
        "--use-fake-ui-for-media-stream".to_owned(),
        "--use-fake-device-for-media-stream".to_owned(),
        "--autoplay-policy=no-user-gesture-required".to_owned(),
    ])
    .await;
    browser.grant_microphone(&server.origin).await;
    let page = browser.new_page().await;
    page.goto(booked.interview_url.as_str()).await;
    assert_eq!(
        page.eval("document.getElementById('mic-check').hidden")
            .await,
        true
    );
    page.eval("document.getElementById('mic-test').click()")
        .await;
    page.wait_for("window.__interview.micLevel > 0.35").await;
    let note = page
        .wait_for("document.getElementById('mic-note').textContent")
        .await;
    assert_eq!(note, "Your microphone works: we can hear you.");
    // An accessible meter: a labelled <meter> whose value follows the sound.
    assert_eq!(
        page.eval("document.querySelector('label[for=mic-level]').textContent")
            .await,
        "Microphone level"
    );
    assert_eq!(
        page.eval("Number(document.getElementById('mic-level').value) > 0.35")
            .await,
        true
    );
    page.screenshot(&screenshot_path("interview-microphone-check.png"))
        .await;
}

#[tokio::test]
async fn a_page_that_never_acknowledges_only_delays_the_interviewer_by_a_little() {
    let server = start_server_with(Some(engines(None))).await;
    let booked = book_open_interview(&server, "Jane Doe\n- Built a job scheduler in Rust").await;
    let browser =
        Browser::launch_with(&["--autoplay-policy=no-user-gesture-required".to_owned()]).await;
    let page = browser.new_page().await;
    page.goto(booked.interview_url.as_str()).await;
    // A broken (or hostile) page: it plays the speech but never says so.
    page.eval(
        "(() => { const send = WebSocket.prototype.send; \
         WebSocket.prototype.send = function (data) { \
           if (typeof data === 'string' && data.includes('\"played\"')) return; \
           return send.call(this, data); }; return true; })()",
    )
    .await;
    page.eval("document.getElementById('join').click()").await;
    let speaking = page
        .wait_for("(window.__interview.states.find(s => s.state === 'speaking') || {}).at")
        .await
        .as_f64()
        .unwrap();
    let listening = page
        .wait_for(&format!(
            "window.__interview.states.filter(s => s.state === 'listening' && s.at > {speaking})[0].at"
        ))
        .await
        .as_f64()
        .unwrap();
    let audio = page
        .eval("window.__interview.playedSamples / window.__interview.outputRate * 1000")
        .await
        .as_f64()
        .unwrap();
    let speaking_for = listening - speaking;
    // The audio's length plus the session's two seconds of slack, not forever.
    assert!(
        speaking_for >= audio + 1500.0 && speaking_for <= audio + 4500.0,
        "speaking for {speaking_for} ms of {audio} ms of audio"
    );
    assert_eq!(page.eval("window.__interview.transcript.length").await, 1);
}
