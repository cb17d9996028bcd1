//! LiveKit webhooks through the router: signature checks and booking status.
#![cfg(feature = "livekit")]
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine as _;
use chrono::{TimeZone, Utc};
use hmac::{Hmac, Mac};
use http_body_util::BodyExt;
use interview_core::BookingStatus;
use interview_core::clock::ManualClock;
use interview_core::service::{SchedulingService, SchedulingSettings};
use interview_core::store::BookingStore;
use interview_core::testing::{
    InMemoryBookingStore, InMemoryResumeStore, RecordingNotifier, ScriptedExtractor,
};
use interview_livekit::LiveKitConfig;
use interview_livekit::LiveKitRooms;
use interview_web::AppState;
use livekit_api::access_token::AccessToken;
use sha2::{Digest, Sha256};
use tower::ServiceExt;
use url::Url;

const API_KEY: &str = "APIwebhook";
const API_SECRET: &str = "webhook-test-secret-0123456789abcdef";
const PATH: &str = "/api/livekit/webhook";

struct App {
    router: Router,
    bookings: Arc<InMemoryBookingStore>,
}

fn app(livekit: bool) -> App {
    let bookings = Arc::new(InMemoryBookingStore::new());
    let now = Utc.with_ymd_and_hms(2030, 3, 1, 12, 0, 0).unwrap();
    let scheduling = SchedulingService::new(
        bookings.clone(),
        Arc::new(InMemoryResumeStore::new()),
        Arc::new(ScriptedExtractor::text("resume")),
        Arc::new(RecordingNotifier::new()),
        Arc::new(ManualClock::new(now)),
        SchedulingSettings::new(&Url::parse("https://jobs.example.com").unwrap()),
    );
    let mut state = AppState::new(Arc::new(scheduling));
    if livekit {
        state = state.with_livekit(LiveKitRooms::new(&LiveKitConfig {
            url: Url::parse("wss://test.livekit.cloud").unwrap(),
            api_key: API_KEY.to_owned(),
            api_secret: API_SECRET.into(),
            agent_name: "my-interviewer".to_owned(),
        }));
    }
    App {
        router: interview_web::router(state),
        bookings,
    }
}

impl App {
    async fn send(&self, request: Request<Body>) -> (StatusCode, String) {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    /// Books an interview through the API and returns its token.
    async fn book(&self) -> String {
        let body = serde_json::json!({
            "name": "Jane Doe",
            "email": "jane@example.com",
            "phone": "(555) 123-4567",
            "datetime": "2030-03-02T14:30",
            "timeZone": "UTC",
            "resumeText": "Rust engineer",
        });
        let (status, text) = self
            .send(
                Request::post("/api/schedule-interview")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(body.to_string()))
                    .unwrap(),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{text}");
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let url = json["interviewUrl"].as_str().unwrap();
        url.rsplit('/').next().unwrap().to_owned()
    }

    /// Delivers a signed `kind` event for the room of `token`'s booking.
    async fn signed(&self, kind: &str, token: &str) -> StatusCode {
        let body = event(kind, &room_metadata(token));
        let signature = sign(&body, API_KEY, API_SECRET);
        self.webhook(&body, Some(&signature)).await
    }

    fn status_of(&self, token: &str) -> BookingStatus {
        self.bookings
            .bookings()
            .into_iter()
            .find(|b| b.token.as_str() == token)
            .unwrap()
            .status
    }

    async fn webhook(&self, body: &str, authorization: Option<&str>) -> StatusCode {
        let mut request =
            Request::post(PATH).header(header::CONTENT_TYPE, "application/webhook+json");
        if let Some(authorization) = authorization {
            request = request.header(header::AUTHORIZATION, authorization);
        }
        self.send(request.body(Body::from(body.to_owned())).unwrap())
            .await
            .0
    }
}

fn digest(body: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body.as_bytes()))
}

/// What LiveKit sends: a JWT signed with the secret whose `sha256` is the body's.
fn sign(body: &str, key: &str, secret: &str) -> String {
    AccessToken::with_api_key(key, secret)
        .with_sha256(&digest(body))
        .with_ttl(Duration::from_secs(5 * 60))
        .to_jwt()
        .unwrap()
}

/// A JWT with any `claims`, signed HS256 by hand (for expiry the token builder
/// cannot express).
fn hs256(claims: &serde_json::Value, secret: &str) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let signing_input = format!(
        "{}.{}",
        b64.encode(r#"{"alg":"HS256","typ":"JWT"}"#),
        b64.encode(claims.to_string())
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(signing_input.as_bytes());
    format!(
        "{signing_input}.{}",
        b64.encode(mac.finalize().into_bytes())
    )
}

/// An event with a fresh id, as every delivery of a new event has.
fn event(kind: &str, metadata: &str) -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    serde_json::json!({
        "event": kind,
        "room": {"sid": "RM_abc", "name": "interview_abc", "metadata": metadata, "numParticipants": 1},
        "id": format!("EV_{id}"),
        "createdAt": "1900000000",
    })
    .to_string()
}

fn room_metadata(token: &str) -> String {
    serde_json::json!({"resume_text": "Rust engineer", "booking_token": token}).to_string()
}

#[tokio::test]
async fn signed_room_events_record_when_the_interview_started_and_finished() {
    let app = app(true);
    let token = app.book().await;
    assert_eq!(app.status_of(&token), BookingStatus::Scheduled);

    assert_eq!(app.signed("room_started", &token).await, StatusCode::OK);
    assert_eq!(app.status_of(&token), BookingStatus::InProgress);

    // A `Bearer ` prefix is accepted too. The room closed before the interviewer
    // finished: the interview is interrupted, to resume, never completed by this.
    let finished = event("room_finished", &room_metadata(&token));
    let bearer = format!("Bearer {}", sign(&finished, API_KEY, API_SECRET));
    assert_eq!(app.webhook(&finished, Some(&bearer)).await, StatusCode::OK);
    assert_eq!(app.status_of(&token), BookingStatus::Interrupted);
}

#[tokio::test]
async fn late_events_never_move_an_interview_back() {
    let app = app(true);
    let token = app.book().await;
    let booking = interview_core::BookingToken::parse(&token).unwrap();
    for status in [BookingStatus::InProgress, BookingStatus::Completed] {
        app.bookings.transition(&booking, status).await.unwrap();
    }
    for kind in ["room_started", "room_finished"] {
        assert_eq!(app.signed(kind, &token).await, StatusCode::OK);
        assert_eq!(app.status_of(&token), BookingStatus::Completed, "{kind}");
    }
}

#[tokio::test]
async fn a_delivery_seen_before_is_not_acted_on_again() {
    let app = app(true);
    let token = app.book().await;
    let started = event("room_started", &room_metadata(&token));
    let signature = sign(&started, API_KEY, API_SECRET);
    assert_eq!(
        app.webhook(&started, Some(&signature)).await,
        StatusCode::OK
    );
    assert_eq!(app.status_of(&token), BookingStatus::InProgress);
    let booking = interview_core::BookingToken::parse(&token).unwrap();
    app.bookings
        .transition(&booking, BookingStatus::Interrupted)
        .await
        .unwrap();
    // The same signed request again (a retry, or someone replaying it): answered,
    // and ignored, so the interview stays where it is.
    assert_eq!(
        app.webhook(&started, Some(&signature)).await,
        StatusCode::OK
    );
    assert_eq!(app.status_of(&token), BookingStatus::Interrupted);
}

#[tokio::test]
async fn a_tampered_body_is_refused() {
    let app = app(true);
    let token = app.book().await;
    let signed = event("room_finished", &room_metadata(&token));
    let signature = sign(&signed, API_KEY, API_SECRET);
    let tampered = event("room_started", &room_metadata(&token));
    assert_eq!(
        app.webhook(&tampered, Some(&signature)).await,
        StatusCode::UNAUTHORIZED
    );
    // One byte more (a trailing space) is an altered body as well.
    let padded = format!("{signed} ");
    assert_eq!(
        app.webhook(&padded, Some(&signature)).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.status_of(&token), BookingStatus::Scheduled);
}

#[tokio::test]
async fn a_wrong_key_or_secret_is_refused() {
    let app = app(true);
    let token = app.book().await;
    let body = event("room_started", &room_metadata(&token));
    let wrong_secret = sign(&body, API_KEY, "another-secret-0123456789abcdefgh");
    let wrong_key = sign(&body, "APIother", API_SECRET);
    for signature in [
        wrong_secret,
        wrong_key,
        "not-a-jwt".to_owned(),
        String::new(),
    ] {
        assert_eq!(
            app.webhook(&body, Some(&signature)).await,
            StatusCode::UNAUTHORIZED
        );
    }
    // Signed, but with no digest of the body at all.
    let no_digest = AccessToken::with_api_key(API_KEY, API_SECRET)
        .to_jwt()
        .unwrap();
    assert_eq!(
        app.webhook(&body, Some(&no_digest)).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.status_of(&token), BookingStatus::Scheduled);
}

#[tokio::test]
async fn a_missing_header_is_refused() {
    let app = app(true);
    let token = app.book().await;
    let body = event("room_started", &room_metadata(&token));
    assert_eq!(app.webhook(&body, None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(app.status_of(&token), BookingStatus::Scheduled);
}

#[tokio::test]
async fn an_expired_signature_is_refused_beyond_the_leeway() {
    let app = app(true);
    let token = app.book().await;
    let body = event("room_started", &room_metadata(&token));
    let now = usize::try_from(Utc::now().timestamp()).unwrap();
    let signed_at = |exp: usize| {
        hs256(
            &serde_json::json!({"iss": API_KEY, "nbf": now - 600, "exp": exp, "sha256": digest(&body)}),
            API_SECRET,
        )
    };
    assert_eq!(
        app.webhook(&body, Some(&signed_at(now - 120))).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.status_of(&token), BookingStatus::Scheduled);
    // Within the 60 s leeway, clocks a little apart still agree.
    assert_eq!(
        app.webhook(&body, Some(&signed_at(now - 10))).await,
        StatusCode::OK
    );
    assert_eq!(app.status_of(&token), BookingStatus::InProgress);
}

#[tokio::test]
async fn events_that_name_no_booking_are_acknowledged_and_change_nothing() {
    let app = app(true);
    let token = app.book().await;
    for body in [
        event(
            "room_started",
            &room_metadata("ffffffffffffffffffffffffffffffff"),
        ),
        event("room_started", ""),
        event("room_started", "{not json"),
        event("room_finished", r#"{"booking_token":"not-a-token"}"#),
        event("participant_joined", &room_metadata(&token)),
        r#"{"event":"room_started","id":"EV_2"}"#.to_owned(),
    ] {
        let signature = sign(&body, API_KEY, API_SECRET);
        assert_eq!(
            app.webhook(&body, Some(&signature)).await,
            StatusCode::OK,
            "{body}"
        );
    }
    assert_eq!(app.status_of(&token), BookingStatus::Scheduled);

    // A signed body that is not an event at all is a bad request, not a failure.
    let garbage = "[1, 2, 3]";
    let signature = sign(garbage, API_KEY, API_SECRET);
    assert_eq!(
        app.webhook(garbage, Some(&signature)).await,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn a_store_that_is_down_answers_503_so_livekit_retries() {
    let app = app(true);
    let token = app.book().await;
    app.bookings.set_unavailable(true);
    let body = event("room_started", &room_metadata(&token));
    let signature = sign(&body, API_KEY, API_SECRET);
    assert_eq!(
        app.webhook(&body, Some(&signature)).await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    app.bookings.set_unavailable(false);
    assert_eq!(app.webhook(&body, Some(&signature)).await, StatusCode::OK);
    assert_eq!(app.status_of(&token), BookingStatus::InProgress);
}

#[tokio::test]
async fn without_livekit_configured_there_is_no_webhook() {
    let app = app(false);
    let body = event("room_started", "");
    let signature = sign(&body, API_KEY, API_SECRET);
    assert_eq!(
        app.webhook(&body, Some(&signature)).await,
        StatusCode::NOT_FOUND
    );
}
