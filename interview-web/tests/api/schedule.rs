use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;

use crate::helpers::{now, schedule_body, spawn_app};

#[tokio::test]
async fn a_valid_booking_returns_the_link_and_sends_the_invitation() {
    let app = spawn_app();
    let response = app
        .post_json(
            "/api/schedule-interview",
            &schedule_body("2030-03-02T14:30"),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let json = response.json();
    assert_eq!(json["ok"], true);
    assert_eq!(json["emailSent"], true);
    let url = json["interviewUrl"].as_str().unwrap();
    let token = url
        .strip_prefix("https://jobs.example.com/interview/")
        .unwrap();
    assert_eq!(token.len(), 32);

    let bookings = app.bookings.bookings();
    assert_eq!(bookings.len(), 1);
    assert_eq!(bookings[0].token.as_str(), token);
    assert_eq!(bookings[0].phone.as_str(), "+15551234567");
    assert_eq!(bookings[0].time_zone.unwrap().name(), "Asia/Kolkata");
    let sent = app.notifier.sent();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].html_body.contains(url));
}

#[tokio::test]
async fn a_candidate_from_abroad_books_with_an_international_number() {
    let app = spawn_app();
    for (i, phone) in ["+44 20 7946 0958", "0044 (0)20 7946-0958"]
        .into_iter()
        .enumerate()
    {
        let response = app
            .book_with_phone(&format!("2030-03-0{}T14:30", i + 2), phone)
            .await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "{phone}: {}",
            response.text()
        );
    }
    let bookings = app.bookings.bookings();
    assert_eq!(bookings.len(), 2);
    for booking in bookings {
        assert_eq!(booking.phone.as_str(), "+442079460958");
        assert_eq!(booking.phone.international(), "+44 20 7946 0958");
    }
}

#[tokio::test]
async fn a_number_without_a_country_code_is_read_in_the_positions_region() {
    // In the default region (the US) a British number written nationally is
    // refused, in the candidate's words, with the way to fix it.
    let us = spawn_app();
    let response = us
        .book_with_phone("2030-03-02T14:30", "020 7946 0958")
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = &response.json()["error"];
    assert_eq!(error["field"], "phone");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("+44 20 7946 0958"), "{message}");
    assert!(us.bookings.bookings().is_empty());

    // A position hiring in Britain reads national numbers as British.
    let gb = spawn_app();
    let mut draft = interview_core::position::PositionDraft::named("london-sre");
    draft.phone_region = Some("GB".to_owned());
    let position = interview_core::position::Position::parse(&draft, &Default::default()).unwrap();
    interview_core::store::PositionStore::save_position(gb.bookings.as_ref(), &position)
        .await
        .unwrap();
    let response = gb
        .book_with_phone("2030-03-02T14:30", "020 7946 0958")
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert_eq!(gb.bookings.bookings()[0].phone.as_str(), "+442079460958");
    // The apply page tells candidates how their number is read.
    let page = gb.get("/apply/london-sre").await.text();
    assert!(page.contains("read in the GB numbering plan"), "{page}");
}

#[tokio::test]
async fn invalid_fields_are_422_with_every_field_named() {
    let app = spawn_app();
    let mut body = schedule_body("2030-03-02T14:30");
    body["name"] = json!("R2D2");
    body["phone"] = json!("12345");
    let response = app.post_json("/api/schedule-interview", &body).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = &response.json()["error"];
    assert_eq!(error["code"], "invalid");
    assert_eq!(error["field"], "name");
    let fields: Vec<&str> = error["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "phone"]);
    assert!(app.bookings.bookings().is_empty());
    assert!(app.notifier.sent().is_empty());
}

#[tokio::test]
async fn a_time_too_soon_by_the_injected_clock_is_refused() {
    let app = spawn_app();
    let soon = (now() + chrono::TimeDelta::seconds(59)).to_rfc3339();
    let response = app
        .post_json("/api/schedule-interview", &schedule_body(&soon))
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.json()["error"]["field"], "datetime");
}

#[tokio::test]
async fn malformed_json_wrong_types_and_wrong_content_type() {
    let app = spawn_app();
    let broken = app
        .send(
            Request::post("/api/schedule-interview")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{\"name\": "))
                .unwrap(),
        )
        .await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    assert_eq!(broken.json()["error"]["code"], "bad_request");

    let mut wrong_type = schedule_body("2030-03-02T14:30");
    wrong_type["name"] = json!(42);
    let response = app.post_json("/api/schedule-interview", &wrong_type).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);

    let no_type = app
        .send(
            Request::post("/api/schedule-interview")
                .body(Body::from(schedule_body("2030-03-02T14:30").to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(no_type.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn an_email_failure_keeps_the_booking_and_says_email_sent_false() {
    let app = spawn_app();
    app.notifier.set_failing(true);
    let response = app
        .post_json(
            "/api/schedule-interview",
            &schedule_body("2030-03-02T14:30"),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.json()["emailSent"], false);
    assert_eq!(app.bookings.bookings().len(), 1);
}

#[tokio::test]
async fn a_database_that_is_down_gives_503_and_health_says_so() {
    let app = spawn_app();
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    app.bookings.set_unavailable(true);
    let response = app
        .post_json(
            "/api/schedule-interview",
            &schedule_body("2030-03-02T14:30"),
        )
        .await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    let text = response.text();
    assert!(text.contains("\"code\":\"unavailable\""), "{text}");
    assert!(
        !text.contains("injected") && !text.contains("booking store"),
        "{text}"
    );
    let health = app.get("/healthz").await;
    assert_eq!(health.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(health.json()["status"], "unavailable");
}
