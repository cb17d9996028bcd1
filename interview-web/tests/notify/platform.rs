//! Events to the HR platform, delivered to a receiver that verifies each one
//! with the Standard Webhooks reference library (Python), including a receiver
//! that fails the first attempts, and to receivers that are down or never
//! answer.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use interview_core::events::{EventType, PlatformEvent};
use interview_core::webhooks::{SigningSecret, WebhookEndpoint};
use interview_web::platform::{DeliveryError, WebhookSender};
use serde_json::Value;
use url::Url;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OTHER_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

/// The reference receiver, and its log.
struct Receiver {
    child: Child,
    url: Url,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Receiver {
    fn start(secret: &str, fail_first: u32) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("deliveries.jsonl");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/notify/webhook_receiver.py");
        let mut child = Command::new(interview_core::testing::tools_python("standardwebhooks"))
            .arg(script)
            .arg(secret)
            .arg(fail_first.to_string())
            .arg(&log)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port: u16 = line.trim().parse().unwrap();
        Self {
            child,
            url: Url::parse(&format!("http://127.0.0.1:{port}/hooks")).unwrap(),
            log,
            _dir: dir,
        }
    }

    fn deliveries(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn booking() -> interview_core::Booking {
    use interview_core::{
        Booking, BookingStatus, BookingToken, EmailAddress, EvaluationStatus, PersonName,
        PhoneNumber,
    };
    Booking {
        token: BookingToken::generate().unwrap(),
        position_id: interview_core::position::default_position_id(),
        name: PersonName::parse("Zoë O'Brien").unwrap(),
        email: EmailAddress::parse("zoe@example.com").unwrap(),
        phone: PhoneNumber::parse("+44 20 7946 0958").unwrap(),
        scheduled_at: Utc::now() + TimeDelta::days(2),
        time_zone: None,
        resume_text: None,
        resume_url: None,
        status: BookingStatus::Scheduled,
        evaluation_status: EvaluationStatus::Pending,
        reschedules: 0,
        created_at: Utc::now(),
    }
}

fn event() -> PlatformEvent {
    PlatformEvent::new(EventType::BookingCreated, &booking(), Utc::now()).unwrap()
}

fn endpoint(url: &Url, secret: &str) -> WebhookEndpoint {
    WebhookEndpoint::new(
        url.clone(),
        None,
        String::new(),
        SigningSecret::parse(secret).unwrap(),
        Utc::now(),
    )
    .unwrap()
}

#[tokio::test]
async fn the_reference_library_verifies_every_attempt_of_one_event() {
    let receiver = Receiver::start(SECRET, 2);
    let sender = WebhookSender::new(Duration::from_secs(5)).unwrap();
    let endpoint = endpoint(&receiver.url, SECRET);
    let event = event();
    // The platform answers 503 twice: each attempt is a failure to retry.
    for _ in 0..2 {
        let error = sender
            .deliver(&endpoint, &event, Utc::now())
            .await
            .unwrap_err();
        assert!(matches!(error, DeliveryError::Status(503)), "{error:?}");
    }
    assert_eq!(
        sender.deliver(&endpoint, &event, Utc::now()).await.unwrap(),
        204
    );

    let deliveries = receiver.deliveries();
    assert_eq!(deliveries.len(), 3);
    for delivery in &deliveries {
        assert_eq!(delivery["verified"], true, "{delivery}");
        // One id for every attempt: the receiver deduplicates by it.
        assert_eq!(delivery["id"], event.id.as_str());
        assert_eq!(delivery["payload"]["type"], "booking.created");
        assert_eq!(
            delivery["payload"]["data"]["token"],
            event.data.token.as_str()
        );
    }
}

#[tokio::test]
async fn a_wrong_secret_or_a_stale_timestamp_does_not_verify() {
    let receiver = Receiver::start(SECRET, 0);
    let sender = WebhookSender::new(Duration::from_secs(5)).unwrap();
    let wrong = endpoint(&receiver.url, OTHER_SECRET);
    let error = sender
        .deliver(&wrong, &event(), Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(error, DeliveryError::Status(400)), "{error:?}");
    let right = endpoint(&receiver.url, SECRET);
    let stale = Utc::now() - TimeDelta::minutes(10);
    let error = sender.deliver(&right, &event(), stale).await.unwrap_err();
    assert!(matches!(error, DeliveryError::Status(400)), "{error:?}");
    let deliveries = receiver.deliveries();
    assert_eq!(deliveries.len(), 2);
    assert!(deliveries.iter().all(|d| d["verified"] == false));
    assert!(
        deliveries[1]["error"].as_str().unwrap().contains("old"),
        "{}",
        deliveries[1]
    );
}

#[tokio::test]
async fn a_receiver_that_is_down_or_never_answers_fails_within_the_deadline() {
    let sender = WebhookSender::new(Duration::from_millis(500)).unwrap();
    // Nothing listens on this port.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = Url::parse(&format!("http://127.0.0.1:{closed}/hooks")).unwrap();
    let error = sender
        .deliver(&endpoint(&url, SECRET), &event(), Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(error, DeliveryError::Unreachable(_)), "{error:?}");

    // Accepts the connection, reads nothing, answers nothing.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            open.push(stream);
        }
    });
    let url = Url::parse(&format!("http://127.0.0.1:{port}/hooks")).unwrap();
    let started = std::time::Instant::now();
    let error = sender
        .deliver(&endpoint(&url, SECRET), &event(), Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(error, DeliveryError::Unreachable(_)), "{error:?}");
    // Generous: the point is that it returns, bounded by the deadline.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(!error.to_string().contains("/hooks"), "{error}");
    held.abort();
}

#[tokio::test]
async fn after_a_rotation_receivers_with_the_old_or_the_new_secret_both_verify() {
    let old_receiver = Receiver::start(SECRET, 0);
    let mut rotated = endpoint(&old_receiver.url, SECRET);
    let now = Utc::now();
    rotated.rotate(SigningSecret::parse(OTHER_SECRET).unwrap(), now);
    let sender = WebhookSender::new(Duration::from_secs(5)).unwrap();
    // Two signatures, space-separated: the library accepts either.
    sender.deliver(&rotated, &event(), now).await.unwrap();
    let new_receiver = Receiver::start(OTHER_SECRET, 0);
    rotated.url = new_receiver.url.clone();
    sender.deliver(&rotated, &event(), now).await.unwrap();
    assert_eq!(old_receiver.deliveries()[0]["verified"], true);
    assert_eq!(new_receiver.deliveries()[0]["verified"], true);
    // A day later only the new secret signs.
    let later = now + interview_core::webhooks::ROTATION_OVERLAP + TimeDelta::seconds(1);
    let header = |at| interview_web::platform::signature_header(&rotated, "msg_x", 1, "{}", at);
    assert_eq!(header(now).split(' ').count(), 2);
    assert_eq!(header(later).split(' ').count(), 1);
    assert!(header(now).starts_with(&header(later)));
}
