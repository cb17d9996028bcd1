//! The room page over LiveKit, against a stand-in for the LiveKit browser SDK that the
//! test injects before the page loads (no LiveKit server runs here): the page must
//! follow LiveKit's agent conventions, as the agent now speaks them. The stand-in's
//! room emits what a room would (the agent's `lk.agent.state` attribute, text streams
//! on `lk.transcription`, data packets, a video track) and records what the page
//! sends. A second check loads the real, vendored SDK from this server under the
//! page's Content-Security-Policy and integrity hash.

use serde_json::json;

use crate::cdp::Browser;
use crate::{book_open_interview, screenshot_path, start_server_configured};

/// A fake `window.LivekitClient`: just enough of `Room` for the page, and hooks the
/// test drives through `window.__lk`.
const FAKE_SDK: &str = r##"
(() => {
  const RoomEvent = {
    TrackSubscribed: "trackSubscribed",
    TrackUnsubscribed: "trackUnsubscribed",
    DataReceived: "dataReceived",
    Disconnected: "disconnected",
    ParticipantConnected: "participantConnected",
    ParticipantAttributesChanged: "participantAttributesChanged",
  };
  const lk = { sent: [], published: [], connected: null, room: null, handlers: {}, streams: 0 };
  window.__lk = lk;
  class Room {
    constructor() {
      this.listeners = {};
      this.remoteParticipants = new Map();
      this.localParticipant = {
        identity: "candidate_test",
        attributes: {},
        trackPublications: new Map([["mic", { trackSid: "TR_candidate_mic" }]]),
        setMicrophoneEnabled: async () => {},
        getTrackPublication: () => undefined,
        sendText: async (text, options) => { lk.sent.push({ text, topic: options && options.topic }); return {}; },
        publishData: async (payload, options) => { lk.published.push(options && options.topic); },
      };
      lk.room = this;
    }
    on(event, listener) { (this.listeners[event] ||= []).push(listener); return this; }
    emit(event, ...args) { for (const l of this.listeners[event] || []) l(...args); }
    registerTextStreamHandler(topic, handler) {
      if (lk.handlers[topic]) throw new Error(`a handler for ${topic} is already set`);
      lk.handlers[topic] = handler;
    }
    async connect(url, token) { lk.connected = { url, token }; }
    async disconnect() { this.emit(RoomEvent.Disconnected); }
  }
  // A text stream as the SDK hands it over: its info, and its whole text.
  lk.stream = (topic, identity, text, attributes) => {
    lk.streams += 1;
    const reader = {
      info: { id: `stream-${lk.streams}`, topic, attributes },
      readAll: async () => text,
    };
    return lk.handlers[topic](reader, { identity });
  };
  lk.data = (topic, value) =>
    lk.room.emit(RoomEvent.DataReceived, new TextEncoder().encode(JSON.stringify(value)), undefined, 0, topic);
  // A video track whose frames come from a canvas: something to see in the screenshot.
  lk.videoTrack = () => {
    const canvas = document.createElement("canvas");
    canvas.width = 640;
    canvas.height = 360;
    const paint = canvas.getContext("2d");
    paint.fillStyle = "#334155";
    paint.fillRect(0, 0, 640, 360);
    paint.fillStyle = "#f8fafc";
    paint.font = "48px sans-serif";
    paint.fillText("avatar", 250, 195);
    const stream = canvas.captureStream(5);
    return {
      kind: "video",
      attach(element) { element.srcObject = stream; return element; },
      detach(element) { if (element) { element.srcObject = null; return [element]; } return []; },
    };
  };
  window.LivekitClient = { Room, RoomEvent, Track: { Source: { Microphone: "microphone" } } };
})();
"##;

/// A LiveKit project that is configured but never reached: the page gets its token,
/// the stand-in SDK does the rest.
const LIVEKIT: &[(&str, &str)] = &[
    ("LIVEKIT_URL", "wss://livekit.invalid"),
    ("LIVEKIT_API_KEY", "APItest"),
    ("LIVEKIT_API_SECRET", "a-test-secret-of-thirty-two-chars!"),
];

#[tokio::test]
async fn over_livekit_the_page_follows_the_agent_conventions_and_shows_the_avatar() {
    let server = start_server_configured("", None, LIVEKIT).await;
    let booked = book_open_interview(&server, "Jane Doe\n- Built a job scheduler in Rust").await;
    let browser = Browser::launch().await;
    let page = browser.new_page().await;
    page.call(
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": FAKE_SDK }),
    )
    .await;
    page.goto(booked.interview_url.as_str()).await;
    assert_eq!(
        page.eval("document.getElementById('room').dataset.transport")
            .await,
        "livekit"
    );
    page.eval("document.getElementById('join').click()").await;
    page.wait_for("!document.getElementById('live').hidden")
        .await;
    let connected = page.eval("window.__lk.connected").await;
    assert_eq!(connected["url"], "wss://livekit.invalid");
    assert!(connected["token"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(
        page.eval("document.getElementById('avatar').hidden").await,
        true,
        "no video box before a video"
    );

    // The agent joins, getting ready, then speaks: its state is its attribute.
    page.eval(
        "window.__lk.room.emit('participantConnected', \
           { identity: 'agent-AJ_1', attributes: { 'lk.agent.state': 'initializing' } })",
    )
    .await;
    page.wait_for("document.getElementById('agent-state').dataset.state === 'initializing'")
        .await;
    page.eval(
        "(() => { const agent = { identity: 'agent-AJ_1', attributes: { 'lk.agent.state': 'speaking' } }; \
           window.__lk.agent = agent; \
           window.__lk.room.emit('participantAttributesChanged', { 'lk.agent.state': 'speaking' }, agent); })()",
    )
    .await;
    page.wait_for("document.getElementById('agent-state').dataset.state === 'speaking'")
        .await;

    // The interviewer's line: the line so far as each sentence starts, then final.
    let interviewer = |text: &str, last: bool| {
        format!(
            "window.__lk.stream('lk.transcription', 'agent-AJ_1', {}, \
               {{ 'lk.segment_id': 'SG_L1', 'lk.transcribed_track_id': 'TR_agent_voice', \
                  'lk.transcription_final': '{last}' }})",
            json!(text)
        )
    };
    page.eval(&interviewer("Hello Jane!", false)).await;
    page.eval(&interviewer("Hello Jane! Thanks for joining.", false))
        .await;
    let line = "document.querySelector('li[data-line=\"SG_L1\"] .text').textContent";
    assert_eq!(page.eval(line).await, "Hello Jane! Thanks for joining.");
    assert_eq!(page.eval("window.__interview.transcript.length").await, 0);
    page.eval(&interviewer(
        "Hello Jane! Thanks for joining. Tell me about your work.",
        true,
    ))
    .await;
    // A late update changes nothing once the line is whole.
    page.eval(&interviewer("Hello Jane!", false)).await;
    assert_eq!(
        page.eval(line).await,
        "Hello Jane! Thanks for joining. Tell me about your work."
    );
    let captions = page
        .eval("window.__interview.captions.map(c => c.text)")
        .await;
    assert_eq!(captions, json!(["Hello Jane!", "Thanks for joining."]));
    assert_eq!(
        page.eval("window.__interview.transcript").await,
        json!([{ "speaker": "interviewer", "text": "Hello Jane! Thanks for joining. Tell me about your work." }])
    );
    assert_eq!(
        page.eval("document.querySelectorAll('#transcript li').length")
            .await,
        1,
        "one line, not one per update"
    );

    // The candidate's words, sent with the candidate's identity.
    page.eval(
        "window.__lk.stream('lk.transcription', 'candidate_test', 'I build job schedulers.', \
           { 'lk.segment_id': 'SG_C1', 'lk.transcription_final': 'true', \
             'lk.transcribed_track_id': 'TR_candidate_mic' })",
    )
    .await;
    assert_eq!(
        page.eval("window.__interview.transcript[1]").await,
        json!({ "speaker": "candidate", "text": "I build job schedulers." })
    );
    assert_eq!(
        page.eval("document.querySelector('li[data-line=\"SG_C1\"]').className")
            .await,
        "line candidate"
    );

    // A typed answer goes out as text on lk.chat, and nothing else.
    page.eval(
        "(() => { document.getElementById('answer').value = 'Mostly in Rust.'; \
           document.getElementById('answer-form').requestSubmit(); })()",
    )
    .await;
    page.wait_for("window.__lk.sent.length === 1").await;
    assert_eq!(
        page.eval("window.__lk.sent").await,
        json!([{ "text": "Mostly in Rust.", "topic": "lk.chat" }])
    );
    assert_eq!(page.eval("window.__lk.published").await, json!([]));
    assert_eq!(
        page.eval("document.getElementById('answer').value").await,
        ""
    );

    // Our extras as data packets: the stage and a notice. A state sent this way is
    // not the state (the attribute is); an unknown topic is ignored.
    page.eval(
        "window.__lk.data('progress', { stage: 'Experience', number: 2, count: 6, remaining_secs: 600 })",
    )
    .await;
    page.wait_for("!document.getElementById('interview-progress').hidden")
        .await;
    assert_eq!(
        page.eval("document.getElementById('stage-name').textContent")
            .await,
        "Stage 2 of 6: Experience"
    );
    page.eval("window.__lk.data('agent_state', { state: 'thinking' })")
        .await;
    page.eval("window.__lk.data('transcript', { speaker: 'interviewer', text: 'not this way' })")
        .await;
    page.eval("window.__lk.data('notice', { code: 'slow', message: 'One moment, please.' })")
        .await;
    assert_eq!(
        page.eval("document.getElementById('room-status').textContent")
            .await,
        "One moment, please."
    );
    assert_eq!(
        page.eval("document.getElementById('agent-state').dataset.state")
            .await,
        "speaking"
    );
    assert_eq!(page.eval("window.__interview.transcript.length").await, 2);

    // The avatar's video, from a participant other than the agent: shown, muted.
    page.eval(
        "(() => { window.__lk.video = window.__lk.videoTrack(); \
           window.__lk.room.emit('trackSubscribed', window.__lk.video, {}, { identity: 'tavus-avatar' }); })()",
    )
    .await;
    page.wait_for("!document.getElementById('avatar').hidden")
        .await;
    page.wait_for("document.getElementById('avatar-video').readyState >= 2")
        .await;
    let shown = page
        .eval(
            "(() => { const v = document.getElementById('avatar-video'); \
               const box = v.getBoundingClientRect(); \
               return { muted: v.muted, autoplay: v.autoplay, inline: v.playsInline, \
                        label: v.getAttribute('aria-label'), width: box.width, height: box.height, \
                        stream: v.srcObject !== null }; })()",
        )
        .await;
    assert_eq!(shown["muted"], true);
    assert_eq!(shown["autoplay"], true);
    assert_eq!(shown["inline"], true);
    assert_eq!(shown["stream"], true);
    assert!(shown["label"].as_str().is_some_and(|l| !l.is_empty()));
    let (width, height) = (
        shown["width"].as_f64().unwrap(),
        shown["height"].as_f64().unwrap(),
    );
    assert!(
        width > 100.0 && (width / height - 16.0 / 9.0).abs() < 0.05,
        "{width} x {height}"
    );
    page.screenshot(&screenshot_path("interview-livekit-avatar.png"))
        .await;
    // On a phone the video fits the screen.
    page.viewport(390, 844).await;
    let phone_width = page
        .eval("document.getElementById('avatar-video').getBoundingClientRect().width")
        .await
        .as_f64()
        .unwrap();
    assert!(phone_width <= 390.0, "{phone_width}");
    page.screenshot(&screenshot_path("interview-livekit-avatar-phone.png"))
        .await;
    page.viewport(1280, 900).await;
    page.eval("window.__lk.room.emit('trackUnsubscribed', window.__lk.video, {}, { identity: 'tavus-avatar' })")
        .await;
    assert_eq!(
        page.eval("document.getElementById('avatar').hidden").await,
        true
    );
    assert_eq!(
        page.eval("document.getElementById('avatar-video').srcObject === null")
            .await,
        true
    );

    // The end comes as a data packet; the agent's attribute changes nothing after.
    page.eval("window.__lk.data('agent_state', { state: 'ended' })")
        .await;
    page.wait_for("document.getElementById('agent-state').dataset.state === 'ended'")
        .await;
    page.eval(
        "window.__lk.room.emit('participantAttributesChanged', { 'lk.agent.state': 'listening' }, window.__lk.agent)",
    )
    .await;
    assert_eq!(
        page.eval("document.getElementById('agent-state').dataset.state")
            .await,
        "ended"
    );
    assert_eq!(
        page.eval("document.getElementById('answer-form').hidden")
            .await,
        true
    );
}

#[tokio::test]
async fn a_candidate_who_leaves_or_loses_the_room_can_join_again() {
    let server = start_server_configured("", None, LIVEKIT).await;
    let booked = book_open_interview(&server, "Jane Doe\n- Built a job scheduler in Rust").await;
    let browser = Browser::launch().await;
    let page = browser.new_page().await;
    page.call(
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": FAKE_SDK }),
    )
    .await;
    for (how, state, button) in [
        (
            "document.getElementById('leave').click()",
            "left",
            "Rejoin interview",
        ),
        (
            "window.__lk.room.emit('disconnected')",
            "connecting",
            "Reconnect",
        ),
    ] {
        page.goto(booked.interview_url.as_str()).await;
        page.eval("document.getElementById('join').click()").await;
        page.wait_for("!document.getElementById('live').hidden")
            .await;
        page.eval(
            "window.__lk.room.emit('participantConnected', \
               { identity: 'agent-AJ_1', attributes: { 'lk.agent.state': 'listening' } })",
        )
        .await;
        page.wait_for("document.getElementById('agent-state').dataset.state === 'listening'")
            .await;
        page.eval(how).await;
        page.wait_for(&format!(
            "document.getElementById('agent-state').dataset.state === '{state}'"
        ))
        .await;
        let shown = page
            .eval(
                "(() => { const join = document.getElementById('join'); \
                   return { hidden: join.hidden, disabled: join.disabled, text: join.textContent, \
                            status: document.getElementById('room-status').textContent, \
                            states: window.__interview.states.map(s => s.state) }; })()",
            )
            .await;
        assert_eq!(shown["hidden"], false, "{how}: {shown}");
        assert_eq!(shown["disabled"], false, "{how}: {shown}");
        assert_eq!(shown["text"], button, "{how}: {shown}");
        assert!(
            shown["status"]
                .as_str()
                .is_some_and(|s| s.contains("Your interview is kept")),
            "{how}: {shown}"
        );
        assert!(
            !shown["states"]
                .as_array()
                .unwrap()
                .contains(&json!("ended")),
            "never shown as ended: {shown}"
        );
        // The button takes the candidate back into the room.
        page.eval("document.getElementById('join').click()").await;
        page.wait_for("document.readyState === 'complete' && !document.getElementById('join').disabled && document.getElementById('join').textContent === 'Join interview'")
            .await;
    }
}

#[tokio::test]
async fn the_vendored_livekit_sdk_loads_from_this_server_under_the_pages_policy() {
    let server = start_server_configured("", None, LIVEKIT).await;
    let booked = book_open_interview(&server, "Jane Doe\n- Built a job scheduler in Rust").await;
    let browser = Browser::launch().await;
    let page = browser.new_page().await;
    page.goto(booked.interview_url.as_str()).await;
    // As the page's script loads it: from the URL and with the hash the page names,
    // under the page's Content-Security-Policy (`script-src 'self'`).
    let loaded = page
        .eval(
            "new Promise((resolve) => { const room = document.getElementById('room'); \
               const script = document.createElement('script'); \
               script.src = room.dataset.livekitSdk; \
               script.integrity = room.dataset.livekitSdkIntegrity; \
               script.onload = () => resolve({ ok: true, src: script.src, \
                 room: typeof window.LivekitClient.Room, \
                 text: typeof window.LivekitClient.Room.prototype.registerTextStreamHandler, \
                 version: window.LivekitClient.version }); \
               script.onerror = () => resolve({ ok: false, src: script.src }); \
               document.head.append(script); })",
        )
        .await;
    assert_eq!(loaded["ok"], true, "{loaded}");
    let src = loaded["src"].as_str().unwrap();
    assert!(
        src.starts_with(&format!("{}/assets/livekit-client-", server.origin)),
        "{src}"
    );
    assert_eq!(loaded["room"], "function");
    assert_eq!(loaded["text"], "function");
    // The real SDK has what the page uses, under the names the stand-in above gives
    // them: the stand-in tests the page against the real API.
    let api = page
        .eval(
            "(() => { const LK = window.LivekitClient; const e = LK.RoomEvent; return { \
               events: [e.TrackSubscribed, e.TrackUnsubscribed, e.DataReceived, e.Disconnected, \
                        e.ParticipantConnected, e.ParticipantAttributesChanged], \
               microphone: LK.Track.Source.Microphone, \
               sendText: typeof LK.LocalParticipant.prototype.sendText, \
               duplicate: typeof LK.DisconnectReason.DUPLICATE_IDENTITY }; })()",
        )
        .await;
    assert_eq!(
        api,
        json!({
            "events": ["trackSubscribed", "trackUnsubscribed", "dataReceived", "disconnected",
                       "participantConnected", "participantAttributesChanged"],
            "microphone": "microphone",
            "sendText": "function",
            "duplicate": "number",
        })
    );

    // A wrong hash is refused: the integrity check is on.
    let refused = page
        .eval(
            "new Promise((resolve) => { const script = document.createElement('script'); \
               script.src = document.getElementById('room').dataset.livekitSdk + '?again'; \
               script.integrity = 'sha384-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'; \
               script.onload = () => resolve('loaded'); \
               script.onerror = () => resolve('refused'); \
               document.head.append(script); })",
        )
        .await;
    assert_eq!(refused, "refused");
}
