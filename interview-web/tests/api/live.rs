//! The local interview transport over a real WebSocket.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use futures_util::{SinkExt, StreamExt};
use interview_core::Booking;
use interview_core::audio::{AudioFormat, AudioFrame};
use interview_core::transport::{InterviewRunner, RoomEvent, RoomIo};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use interview_core::store::BookingStore;

use crate::helpers::{Options, TestApp, spawn_app_with};

/// A stand-in interviewer: greets with text and a 100 ms tone, echoes typed answers,
/// counts the microphone samples it hears, and stops when the candidate leaves.
/// How many interviews it ran is counted too.
#[derive(Default)]
struct EchoRunner {
    heard_samples: Mutex<usize>,
    events: Mutex<Vec<RoomEvent>>,
    finished: tokio::sync::Notify,
    runs: Mutex<usize>,
    /// Waits for the candidate to come back instead of stopping when they leave,
    /// until they type "bye".
    waits_for_return: bool,
}

#[async_trait]
impl InterviewRunner for EchoRunner {
    async fn run(&self, room: RoomIo, booking: Booking) {
        *self.runs.lock().unwrap() += 1;
        let RoomIo {
            mut audio_in,
            mut events,
            output,
            ..
        } = room;
        output
            .send_text(
                "transcript",
                &json!({"speaker": "interviewer", "text": format!("Hello {}", booking.name)})
                    .to_string(),
            )
            .await
            .unwrap();
        let tone = AudioFrame::new(vec![1000; 2400], AudioFormat::PCM_24K).unwrap();
        output.play(tone).await.unwrap();
        loop {
            tokio::select! {
                frame = audio_in.next() => match frame {
                    Some(frame) => *self.heard_samples.lock().unwrap() += frame.samples().len(),
                    // The microphone ended: what remains are the closing events.
                    None => {
                        while let Some(event) = events.next().await {
                            self.events.lock().unwrap().push(event);
                        }
                        break;
                    }
                },
                event = events.next() => match event {
                    Some(event) => {
                        self.events.lock().unwrap().push(event.clone());
                        match event {
                            RoomEvent::Text { text, .. } if text == "bye" => break,
                            RoomEvent::Text { text, .. } => {
                                output.send_text("transcript", &json!({"speaker": "candidate", "text": text}).to_string()).await.unwrap();
                                output.clear().await.unwrap();
                            }
                            RoomEvent::ParticipantLeft { .. } if !self.waits_for_return => break,
                            RoomEvent::Disconnected { .. } => break,
                            _ => {}
                        }
                    }
                    None => break,
                },
            }
        }
        output.close().await;
        self.finished.notify_one();
    }

    fn description(&self) -> Option<String> {
        Some("Offline test voice.".to_owned())
    }
}

async fn serve(app: &TestApp) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let router = app.router.clone();
    // The application's server, with its timeouts: interviews must outlive them.
    tokio::spawn(interview_web::server::serve(
        listener,
        router,
        interview_web::server::ServeOptions::default(),
        std::future::pending(),
    ));
    format!("127.0.0.1:{}", address.port())
}

fn app_with_runner(runner: Arc<EchoRunner>) -> TestApp {
    spawn_app_with(Options {
        runner: Some(runner),
        ..Options::default()
    })
}

async fn next_json(
    socket: &mut (impl StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin),
) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a message in time")
            .expect("socket open")
            .unwrap();
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

/// Types `text` on the page and returns what comes back first (the echo).
async fn type_answer(
    socket: &mut (
             impl SinkExt<Message, Error = tokio_tungstenite::tungstenite::Error>
             + StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>>
             + Unpin
         ),
    text: &str,
) -> Value {
    socket
        .send(Message::Text(
            json!({"type": "text", "text": text}).to_string().into(),
        ))
        .await
        .unwrap();
    next_json(socket).await
}

/// A page's socket.
type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Connects to `url` and checks the server is ready for the interview.
async fn joined(url: &str) -> Socket {
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    assert_eq!(next_json(&mut socket).await["type"], "ready");
    socket
}

/// Connects to `url` until the server is ready (the previous connection is being
/// released), failing with `why` after a deadline.
async fn joins_again(url: &str, why: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        if next_json(&mut socket).await["type"] == "ready" {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{why}");
        tokio::task::yield_now().await;
    }
}

async fn open_booking(app: &TestApp) -> String {
    let token = app.book("2030-03-02T14:30").await;
    app.clock
        .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2030, 3, 2, 9, 0, 0).unwrap());
    token
}

#[tokio::test]
async fn audio_and_text_flow_both_ways_and_leaving_ends_the_interview() {
    let runner = Arc::new(EchoRunner::default());
    let app = app_with_runner(runner.clone());
    let token = open_booking(&app).await;
    let page = app.get(&format!("/interview/{token}")).await.text();
    assert!(page.contains("data-transport=\"local\""), "{page}");
    assert!(page.contains("Offline test voice."));

    let host = serve(&app).await;
    let (mut socket, _) =
        tokio_tungstenite::connect_async(format!("ws://{host}/ws/interview/{token}"))
            .await
            .unwrap();
    let ready = next_json(&mut socket).await;
    assert_eq!(
        ready,
        json!({"type": "ready", "inputSampleRate": 16000, "outputSampleRate": 24000})
    );
    let greeting = next_json(&mut socket).await;
    assert_eq!(greeting["type"], "transcript");
    assert!(greeting["data"].as_str().unwrap().contains("Hello Jos"));
    // The greeting's tone arrives as 2,400 samples of 16-bit PCM.
    let audio = loop {
        if let Message::Binary(bytes) = socket.next().await.unwrap().unwrap() {
            break bytes;
        }
    };
    assert_eq!(audio.len(), 4800);
    assert_eq!(i16::from_le_bytes([audio[0], audio[1]]), 1000);

    // 10 frames of 20 ms of microphone audio reach the interviewer.
    for _ in 0..10 {
        socket
            .send(Message::Binary(vec![0_u8; 640].into()))
            .await
            .unwrap();
    }
    let echoed = type_answer(&mut socket, "  I build compilers.  ").await;
    assert!(
        echoed["data"]
            .as_str()
            .unwrap()
            .contains("I build compilers."),
        "{echoed}"
    );
    assert_eq!(next_json(&mut socket).await, json!({"type": "clear"}));
    assert_eq!(*runner.heard_samples.lock().unwrap(), 3200);

    socket
        .send(Message::Text(json!({"type": "leave"}).to_string().into()))
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(10), runner.finished.notified())
        .await
        .expect("the interview ends when the candidate leaves");
    let events = runner.events.lock().unwrap().clone();
    assert!(
        matches!(events[0], RoomEvent::ParticipantJoined { .. }),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, RoomEvent::ParticipantLeft { .. }))
    );
}

/// The refusal a page reads when its socket cannot join: the `error` message,
/// then the close code (4000 plus the HTTP status).
async fn refusal(url: &str) -> (Value, u16) {
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let error = next_json(&mut socket).await;
    let code = loop {
        match tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a close in time")
        {
            Some(Ok(Message::Close(Some(frame)))) => break u16::from(frame.code),
            Some(Ok(_)) => {}
            other => panic!("no close frame: {other:?}"),
        }
    };
    (error, code)
}

#[tokio::test]
async fn one_live_connection_per_booking() {
    let runner = Arc::new(EchoRunner::default());
    let app = app_with_runner(runner.clone());
    let token = open_booking(&app).await;
    let host = serve(&app).await;
    let url = format!("ws://{host}/ws/interview/{token}");
    let mut first = joined(&url).await;
    // A second tab is told why, in words, and closed.
    let (error, code) = refusal(&url).await;
    assert_eq!(error["type"], "error");
    assert_eq!(error["code"], "already_connected");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("already open in another window")
    );
    assert_eq!(code, 4409);

    // Once the first leaves, the booking can connect again.
    first.close(None).await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), runner.finished.notified())
        .await
        .unwrap();
    joins_again(&url, "never reconnected").await;
}

#[tokio::test]
async fn a_page_that_reconnects_rejoins_the_same_interview() {
    let runner = Arc::new(EchoRunner {
        waits_for_return: true,
        ..EchoRunner::default()
    });
    let app = app_with_runner(runner.clone());
    let token = open_booking(&app).await;
    let host = serve(&app).await;
    let url = format!("ws://{host}/ws/interview/{token}");
    let first = joined(&url).await;
    // The network drops: the socket goes without a goodbye.
    drop(first);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !runner
        .events
        .lock()
        .unwrap()
        .iter()
        .any(|e| matches!(e, RoomEvent::ParticipantLeft { .. }))
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the leave was not seen"
        );
        tokio::task::yield_now().await;
    }
    let mut second = joined(&url).await;
    let echoed = type_answer(&mut second, "I am back.").await;
    assert!(
        echoed["data"].as_str().unwrap().contains("I am back."),
        "{echoed}"
    );
    second
        .send(Message::Text(
            json!({"type": "text", "text": "bye"}).to_string().into(),
        ))
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(10), runner.finished.notified())
        .await
        .unwrap();
    // One interview heard the candidate join, leave, and join again.
    assert_eq!(*runner.runs.lock().unwrap(), 1);
    let kinds: Vec<&str> = runner
        .events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            RoomEvent::ParticipantJoined { .. } => Some("joined"),
            RoomEvent::ParticipantLeft { .. } => Some("left"),
            _ => None,
        })
        .collect();
    assert_eq!(kinds, ["joined", "left", "joined"]);
}

#[tokio::test]
async fn malformed_microphone_audio_closes_the_connection() {
    let runner = Arc::new(EchoRunner::default());
    let app = app_with_runner(runner.clone());
    let token = open_booking(&app).await;
    let host = serve(&app).await;
    for bad in [vec![0_u8; 641], vec![0_u8; 40_000]] {
        let mut socket = joined(&format!("ws://{host}/ws/interview/{token}")).await;
        let _ = socket.send(Message::Binary(bad.into())).await;
        tokio::time::timeout(Duration::from_secs(10), runner.finished.notified())
            .await
            .expect("bad audio ends the connection: the candidate left");
        let events = runner.events.lock().unwrap().clone();
        assert!(
            events
                .iter()
                .any(|e| matches!(e, RoomEvent::ParticipantLeft { .. })),
            "{events:?}"
        );
        runner.events.lock().unwrap().clear();
    }
}

#[tokio::test]
async fn a_link_that_cannot_join_is_told_why() {
    let runner = Arc::new(EchoRunner::default());
    let app = app_with_runner(runner.clone());
    let token = app.book("2030-03-02T14:30").await;
    let host = serve(&app).await;
    let (early, code) = refusal(&format!("ws://{host}/ws/interview/{token}")).await;
    assert_eq!((early["code"].as_str(), code), (Some("too_early"), 4409));
    assert!(
        early["message"]
            .as_str()
            .unwrap()
            .contains("not started yet")
    );
    let (unknown, code) = refusal(&format!(
        "ws://{host}/ws/interview/0123456789abcdef0123456789abcdef"
    ))
    .await;
    assert_eq!((unknown["code"].as_str(), code), (Some("not_found"), 4404));

    // A completed interview is refused inside its window, and nothing runs.
    let booking = interview_core::BookingToken::parse(&token).unwrap();
    for status in [
        interview_core::BookingStatus::InProgress,
        interview_core::BookingStatus::Completed,
    ] {
        app.bookings.transition(&booking, status).await.unwrap();
    }
    app.clock
        .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2030, 3, 2, 9, 0, 0).unwrap());
    let (done, code) = refusal(&format!("ws://{host}/ws/interview/{token}")).await;
    assert_eq!((done["code"].as_str(), code), (Some("completed"), 4409));
    assert_eq!(done["message"], "This interview has already taken place.");
    assert_eq!(*runner.runs.lock().unwrap(), 0);

    let without_runner = spawn_app_with(Options::default());
    let token = open_booking(&without_runner).await;
    let host = serve(&without_runner).await;
    let (refused, code) = refusal(&format!("ws://{host}/ws/interview/{token}")).await;
    assert_eq!(
        (refused["code"].as_str(), code),
        (Some("local_interviews_unavailable"), 4503)
    );
}

/// Ends the interview at once, without closing anything itself.
struct QuickRunner;

#[async_trait]
impl InterviewRunner for QuickRunner {
    async fn run(&self, _room: RoomIo, _booking: Booking) {}
}

#[tokio::test]
async fn the_connection_closes_when_the_interview_ends() {
    let app = spawn_app_with(Options {
        runner: Some(Arc::new(QuickRunner)),
        ..Options::default()
    });
    let token = open_booking(&app).await;
    let host = serve(&app).await;
    let (mut socket, _) =
        tokio_tungstenite::connect_async(format!("ws://{host}/ws/interview/{token}"))
            .await
            .unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(message)) = socket.next().await {
            if matches!(message, Message::Close(_)) {
                return true;
            }
        }
        true
    })
    .await;
    assert_eq!(closed, Ok(true), "the page is told the interview is over");
}

/// An interviewer that fails badly.
struct PanickingRunner;

#[async_trait]
impl InterviewRunner for PanickingRunner {
    async fn run(&self, _room: RoomIo, _booking: Booking) {
        panic!("the interviewer crashed");
    }
}

#[tokio::test]
async fn a_crashed_interviewer_still_closes_the_connection_and_frees_the_booking() {
    let app = spawn_app_with(Options {
        runner: Some(Arc::new(PanickingRunner)),
        ..Options::default()
    });
    let token = open_booking(&app).await;
    let host = serve(&app).await;
    let url = format!("ws://{host}/ws/interview/{token}");
    let (mut socket, _) = tokio_tungstenite::connect_async(url.as_str())
        .await
        .unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(message)) = socket.next().await {
            if matches!(message, Message::Close(_)) {
                return true;
            }
        }
        true
    })
    .await;
    assert_eq!(closed, Ok(true));
    // The booking is not left marked as connected.
    joins_again(&url, "the booking stayed locked").await;
}

/// An interviewer that reads nothing until told to, then counts the typed answers
/// that waited for it.
#[derive(Default)]
struct StalledRunner {
    go: tokio::sync::Notify,
    typed: Mutex<Option<usize>>,
}

#[async_trait]
impl InterviewRunner for StalledRunner {
    async fn run(&self, room: RoomIo, _booking: Booking) {
        let RoomIo { mut events, .. } = room;
        self.go.notified().await;
        let mut typed = 0;
        while let Ok(Some(event)) =
            tokio::time::timeout(Duration::from_millis(200), events.next()).await
        {
            if matches!(event, RoomEvent::Text { .. }) {
                typed += 1;
            }
        }
        *self.typed.lock().unwrap() = Some(typed);
    }
}

#[tokio::test]
async fn a_flood_of_typed_messages_waits_in_a_bounded_queue_and_the_page_is_told() {
    let runner = Arc::new(StalledRunner::default());
    let app = spawn_app_with(Options {
        runner: Some(runner.clone()),
        ..Options::default()
    });
    let token = open_booking(&app).await;
    let host = serve(&app).await;
    let mut socket = joined(&format!("ws://{host}/ws/interview/{token}")).await;
    for n in 0..2_000 {
        let text = json!({"type": "text", "text": format!("answer {n} {}", "x".repeat(4_000))});
        socket
            .send(Message::Text(text.to_string().into()))
            .await
            .unwrap();
    }
    // The server answers a ping once it has read everything sent before it.
    socket
        .send(Message::Ping(b"done".to_vec().into()))
        .await
        .unwrap();
    let mut notices = Vec::new();
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a message in time")
            .expect("socket open")
            .unwrap();
        match message {
            Message::Pong(_) => break,
            Message::Text(text) => notices.push(serde_json::from_str::<Value>(&text).unwrap()),
            _ => {}
        }
    }
    // The page hears once that its messages come too fast, and stays connected.
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0]["type"], "notice");
    let data: Value = serde_json::from_str(notices[0]["data"].as_str().unwrap()).unwrap();
    assert_eq!(data["code"], "too_fast");
    assert_eq!(data["transient"], true);
    runner.go.notify_one();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let typed = loop {
        if let Some(typed) = *runner.typed.lock().unwrap() {
            break typed;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the runner never read"
        );
        tokio::task::yield_now().await;
    };
    assert_eq!(typed, interview_core::transport::TEXT_QUEUE);
}

/// Plays half a second of speech in five messages, waits until the page has heard
/// it, says so, and stays until the candidate leaves.
struct PlayoutRunner;

#[async_trait]
impl InterviewRunner for PlayoutRunner {
    async fn run(&self, room: RoomIo, _booking: Booking) {
        let RoomIo {
            mut events, output, ..
        } = room;
        for _ in 0..5 {
            let frame = AudioFrame::new(vec![500; 2400], AudioFormat::PCM_24K).unwrap();
            output.play(frame).await.unwrap();
        }
        output.playout().await;
        output
            .send_text(
                "transcript",
                &json!({"speaker": "interviewer", "text": "heard"}).to_string(),
            )
            .await
            .unwrap();
        while let Some(event) = events.next().await {
            if matches!(
                event,
                RoomEvent::ParticipantLeft { .. } | RoomEvent::Disconnected { .. }
            ) {
                break;
            }
        }
    }
}

/// Sends `message`, then a ping, and returns the text messages that arrive before
/// the pong (the server has read the message by then).
async fn send_and_collect(socket: &mut Socket, message: Value) -> Vec<Value> {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .unwrap();
    socket
        .send(Message::Ping(b"read?".to_vec().into()))
        .await
        .unwrap();
    let mut texts = Vec::new();
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a message in time")
            .expect("socket open")
            .unwrap();
        match message {
            Message::Pong(_) => return texts,
            Message::Text(text) => texts.push(serde_json::from_str(&text).unwrap()),
            _ => {}
        }
    }
}

#[tokio::test]
async fn the_interviewer_waits_until_the_page_has_played_its_speech() {
    let app = spawn_app_with(Options {
        runner: Some(Arc::new(PlayoutRunner)),
        ..Options::default()
    });
    let token = open_booking(&app).await;
    let host = serve(&app).await;
    let mut socket = joined(&format!("ws://{host}/ws/interview/{token}")).await;
    // The five speech messages arrive, and nothing says they were heard.
    let mut received = 0;
    while received < 5 {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("speech in time")
            .expect("socket open")
            .unwrap();
        match message {
            Message::Binary(_) => received += 1,
            Message::Text(text) => panic!("before the speech was played: {text}"),
            _ => {}
        }
    }
    // Four played: the interviewer is still speaking.
    let early = send_and_collect(&mut socket, json!({"type": "played", "seq": 4})).await;
    assert!(early.is_empty(), "{early:?}");
    // A malformed acknowledgement changes nothing either; the fifth ends it.
    let bogus = send_and_collect(&mut socket, json!({"type": "played", "seq": "x"})).await;
    assert!(bogus.is_empty(), "{bogus:?}");
    socket
        .send(Message::Text(
            json!({"type": "played", "seq": 5}).to_string().into(),
        ))
        .await
        .unwrap();
    let heard = next_json(&mut socket).await;
    assert_eq!(heard["type"], "transcript");
    assert!(heard["data"].as_str().unwrap().contains("heard"), "{heard}");
}
