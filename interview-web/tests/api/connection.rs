use axum::http::{StatusCode, header};
use chrono::{TimeDelta, TimeZone, Utc};
use livekit_api::access_token::TokenVerifier;
use serde_json::json;

use crate::helpers::{LIVEKIT_SECRET, Options, spawn_app, spawn_app_with};

fn start() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 3, 2, 9, 0, 0).unwrap()
}

#[tokio::test]
async fn an_open_booking_gets_a_token_for_its_room_that_dispatches_the_agent() {
    let app = spawn_app_with(Options {
        livekit: true,
        ..Options::default()
    });
    let token = app.book("2030-03-02T14:30").await;
    app.clock.set(start());
    let response = app
        .post_json(
            "/api/connection-details",
            &json!({ "token": token, "room_config": { "agents": [{ "agent_name": "someone-else" }] } }),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert_eq!(response.header(header::CACHE_CONTROL), "no-store");
    let details = response.json();
    assert_eq!(details["serverUrl"], "wss://test.livekit.cloud");
    assert_eq!(details["participantName"], "Jos\u{e9} N\u{fa}\u{f1}ez");
    let room = details["roomName"].as_str().unwrap();
    let derived = room.strip_prefix("interview_").unwrap();
    assert_eq!(derived.len(), 32, "128 bits");
    assert!(derived.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(
        !room.contains(&token[..8]),
        "the name does not give the token away"
    );

    let jwt = details["participantToken"].as_str().unwrap();
    let claims = TokenVerifier::with_api_key("APItest", LIVEKIT_SECRET)
        .verify(jwt)
        .unwrap();
    assert_eq!(claims.iss, "APItest");
    assert!(claims.sub.starts_with("candidate_"));
    let sub = claims.sub.clone();
    assert_eq!(claims.name, "Jos\u{e9} N\u{fa}\u{f1}ez");
    assert!(claims.video.room_join);
    assert_eq!(claims.video.room, room);
    assert_eq!(claims.video.can_publish, Some(true));
    assert_eq!(claims.video.can_subscribe, Some(true));
    assert_eq!(claims.video.can_publish_data, Some(true));
    assert!(!claims.video.room_admin && !claims.video.room_create && !claims.video.room_list);
    assert!(!claims.video.agent);
    assert_eq!(claims.exp - claims.nbf, 600, "a short-lived token");
    let config = claims.room_config.unwrap();
    assert_eq!(config.name, room);
    assert_eq!(config.agents.len(), 1);
    assert_eq!(
        config.agents[0].agent_name, "my-interviewer",
        "the server picks the agent"
    );
    let metadata: serde_json::Value = serde_json::from_str(&config.metadata).unwrap();
    // The server's own extraction of the uploaded file.
    assert_eq!(metadata["resume_text"], "Jane Doe\nRust engineer, 7 years");
    assert_eq!(metadata["booking_token"], token.as_str());

    // A reload, a reconnection, twenty of them: one room and one identity (the
    // room, and the agent dispatch, are made once, by LiveKit, on the first join).
    for _ in 0..20 {
        let again = app
            .post_json("/api/connection-details", &json!({ "token": token }))
            .await;
        assert_eq!(again.status, StatusCode::OK);
        let again = again.json();
        assert_eq!(again["roomName"], details["roomName"]);
        let claims = TokenVerifier::with_api_key("APItest", LIVEKIT_SECRET)
            .verify(again["participantToken"].as_str().unwrap())
            .unwrap();
        assert_eq!(claims.sub, sub);
        assert_eq!(claims.video.room, room);
    }
}

#[tokio::test]
async fn outside_its_window_a_token_gets_no_room() {
    let app = spawn_app_with(Options {
        livekit: true,
        ..Options::default()
    });
    let token = app.book("2030-03-02T14:30").await;
    let early = app
        .post_json("/api/connection-details", &json!({ "token": token }))
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert_eq!(early.json()["error"]["code"], "too_early");
    assert!(
        early.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2:25 PM IST")
    );

    app.clock.set(start() + TimeDelta::minutes(61));
    let late = app
        .post_json("/api/connection-details", &json!({ "token": token }))
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert_eq!(late.json()["error"]["code"], "expired");
}

#[tokio::test]
async fn a_completed_or_cancelled_interview_gets_no_room_and_a_typed_error() {
    use interview_core::store::BookingStore;
    use interview_core::{BookingStatus, BookingToken};

    let app = spawn_app_with(Options {
        livekit: true,
        ..Options::default()
    });
    let done = app.book("2030-03-02T14:30").await;
    let called_off = app.book("2030-03-02T14:30").await;
    app.clock.set(start());
    let token = BookingToken::parse(&done).unwrap();
    for status in [BookingStatus::InProgress, BookingStatus::Completed] {
        app.bookings.transition(&token, status).await.unwrap();
    }
    let completed = app
        .post_json("/api/connection-details", &json!({ "token": done }))
        .await;
    assert_eq!(completed.status, StatusCode::CONFLICT);
    assert_eq!(completed.json()["error"]["code"], "completed");
    assert_eq!(
        completed.json()["error"]["message"],
        "This interview has already taken place."
    );

    app.bookings
        .transition(
            &BookingToken::parse(&called_off).unwrap(),
            BookingStatus::Cancelled,
        )
        .await
        .unwrap();
    let cancelled = app
        .post_json("/api/connection-details", &json!({ "token": called_off }))
        .await;
    assert_eq!(cancelled.status, StatusCode::CONFLICT);
    assert_eq!(cancelled.json()["error"]["code"], "cancelled");
}

#[tokio::test]
async fn unknown_and_missing_tokens() {
    let app = spawn_app_with(Options {
        livekit: true,
        ..Options::default()
    });
    let unknown = app
        .post_json(
            "/api/connection-details",
            &json!({ "token": "0123456789abcdef0123456789abcdef" }),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let malformed = app
        .post_json("/api/connection-details", &json!({ "token": "x' OR 1=1" }))
        .await;
    assert_eq!(malformed.status, StatusCode::NOT_FOUND);
    let missing = app
        .post_json("/api/connection-details", &json!({ "room_config": {} }))
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.json()["error"]["field"], "token");
}

#[tokio::test]
async fn without_livekit_configured_the_answer_is_503_and_says_why() {
    let app = spawn_app();
    let token = app.book("2030-03-02T14:30").await;
    app.clock.set(start());
    let response = app
        .post_json("/api/connection-details", &json!({ "token": token }))
        .await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.json()["error"]["code"], "livekit_not_configured");
}
