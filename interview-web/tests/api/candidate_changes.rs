//! The candidate's own links: `/interview/{token}/reschedule` and `/cancel`,
//! within the position's policy (how often, how late).

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::TimeDelta;
use interview_core::BookingToken;
use interview_core::position::{Position, PositionDefaults, PositionDraft};
use interview_core::store::{BookingStore, PositionStore};

use crate::helpers::{TestApp, TestResponse, spawn_app};

async fn post_form(app: &TestApp, path: &str, body: &str) -> TestResponse {
    app.send(
        Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.to_owned()))
            .unwrap(),
    )
    .await
}

/// The booking behind `token`.
async fn booking(app: &TestApp, token: &str) -> interview_core::Booking {
    app.bookings
        .get(&BookingToken::parse(token).unwrap())
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn a_candidate_moves_their_interview_and_is_told() {
    let app = spawn_app();
    let token = app.book("2030-03-04T14:30").await;
    let form = app.get(&format!("/interview/{token}/reschedule")).await;
    assert_eq!(form.status, StatusCode::OK);
    let html = form.text();
    assert!(html.contains("value=\"2030-03-04T14:30\""), "{html}");
    assert!(html.contains("Asia/Kolkata"));
    assert!(html.contains("href=\"../../assets/style.css\""));

    let sent = app.notifier.sent().len();
    let moved = post_form(
        &app,
        &format!("/interview/{token}/reschedule"),
        "datetime=2030-03-05T10%3A00",
    )
    .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text());
    assert!(moved.text().contains("Your interview has moved"));
    let stored = booking(&app, &token).await;
    assert_eq!(
        stored.scheduled_at.to_rfc3339(),
        "2030-03-05T04:30:00+00:00"
    );
    assert_eq!(stored.reschedules, 1);
    let update = app.notifier.sent().last().cloned().unwrap();
    assert_eq!(app.notifier.sent().len(), sent + 1);
    assert!(update.subject.contains("has moved"));
    let ics = String::from_utf8(update.attachments[0].content.clone()).unwrap();
    assert!(ics.contains("SEQUENCE:1"), "{ics}");
    // Every invitation carries both links.
    assert!(
        update
            .text_body
            .contains(&format!("/interview/{token}/reschedule"))
    );
    assert!(
        update
            .text_body
            .contains(&format!("/interview/{token}/cancel"))
    );

    // A time in the past is refused on the form, with the form again.
    let wrong = post_form(
        &app,
        &format!("/interview/{token}/reschedule"),
        "datetime=2020-01-01T10%3A00",
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text().contains("banner error"));
    assert!(wrong.text().contains("aria-invalid=\"true\""));
    assert_eq!(booking(&app, &token).await.reschedules, 1);
}

#[tokio::test]
async fn the_position_decides_how_often_and_how_late() {
    let app = spawn_app();
    let mut draft = PositionDraft::named("default");
    draft.max_reschedules = 1;
    draft.change_notice_hours = 24;
    app.bookings
        .save_position(&Position::parse(&draft, &PositionDefaults::default()).unwrap())
        .await
        .unwrap();
    let token = app.book("2030-03-04T14:30").await;
    let path = format!("/interview/{token}/reschedule");
    let moved = post_form(&app, &path, "datetime=2030-03-06T10%3A00").await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text());
    // Once is the limit.
    let again = app.get(&path).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again.text().contains("already been moved once"),
        "{}",
        again.text()
    );
    let again = post_form(&app, &path, "datetime=2030-03-07T10%3A00").await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(booking(&app, &token).await.reschedules, 1);
    // Cancelling is still possible, until 24 hours before the start.
    let start = booking(&app, &token).await.scheduled_at;
    app.clock.set(start - TimeDelta::hours(23));
    let late = app.get(&format!("/interview/{token}/cancel")).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(
        late.text().contains("up to 24 hours before the start"),
        "{}",
        late.text()
    );
    app.clock.set(start - TimeDelta::hours(25));
    let cancel = app.get(&format!("/interview/{token}/cancel")).await;
    assert_eq!(cancel.status, StatusCode::OK);
    let cancelled = post_form(&app, &format!("/interview/{token}/cancel"), "").await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.text());
    assert!(cancelled.text().contains("Your interview is cancelled"));
    let told = app.notifier.sent().last().cloned().unwrap();
    let ics = String::from_utf8(told.attachments[0].content.clone()).unwrap();
    assert!(ics.contains("METHOD:CANCEL"), "{ics}");
    // The revision after the one move the candidate made.
    assert!(ics.contains("SEQUENCE:2"), "{ics}");
    assert_eq!(
        booking(&app, &token).await.status,
        interview_core::BookingStatus::Cancelled
    );
    // Then nothing more can change.
    let after = post_form(&app, &format!("/interview/{token}/cancel"), "").await;
    assert_eq!(after.status, StatusCode::CONFLICT);
    assert!(after.text().contains("was cancelled"));
}

#[tokio::test]
async fn unknown_and_malformed_links_are_not_found() {
    let app = spawn_app();
    for path in [
        "/interview/0123456789abcdef0123456789abcdef/reschedule",
        "/interview/not-a-token/cancel",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            response
                .text()
                .contains("couldn\u{2019}t find this interview")
        );
        let response = post_form(&app, path, "datetime=2030-03-05T10%3A00").await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{path}");
    }
}
