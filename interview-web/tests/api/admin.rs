use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{TimeZone, Utc};
use interview_core::BookingToken;
use interview_core::interview::{Speaker, TranscriptEntry};
use interview_core::store::BookingStore;

use crate::helpers::{Options, TestApp, spawn_app_with};

const ADMIN: &str = "admin-token-0123456789abcdef";

async fn get_as(app: &TestApp, path: &str, bearer: Option<&str>) -> crate::helpers::TestResponse {
    let mut request = Request::get(path);
    if let Some(bearer) = bearer {
        request = request.header(header::AUTHORIZATION, format!("Bearer {bearer}"));
    }
    app.send(request.body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn the_admin_api_returns_the_booking_transcript_and_evaluation() {
    let app = spawn_app_with(Options {
        admin_token: Some(ADMIN),
        ..Options::default()
    });
    let token = app.book("2030-03-02T14:30").await;
    let parsed = BookingToken::parse(&token).unwrap();
    app.bookings
        .append_transcript(
            &parsed,
            &[TranscriptEntry {
                speaker: Speaker::Candidate,
                text: "I build compilers.".into(),
                at: Utc.with_ymd_and_hms(2030, 3, 2, 9, 1, 0).unwrap(),
            }],
        )
        .await
        .unwrap();
    let path = format!("/api/admin/interviews/{token}");

    let response = get_as(&app, &path, Some(ADMIN)).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let json = response.json();
    assert_eq!(json["booking"]["token"], token.as_str());
    assert_eq!(json["booking"]["status"], "scheduled");
    assert_eq!(json["transcript"][0]["text"], "I build compilers.");
    assert!(json["evaluation"].is_null());
    // Why there is no evaluation is said, not only logged.
    assert_eq!(
        json["booking"]["evaluation_status"],
        serde_json::json!({"state": "pending"})
    );
    app.bookings
        .set_evaluation_status(
            &parsed,
            &interview_core::EvaluationStatus::Failed("evidence_not_said".into()),
        )
        .await
        .unwrap();
    let failed = get_as(&app, &path, Some(ADMIN)).await.json();
    assert_eq!(
        failed["booking"]["evaluation_status"],
        serde_json::json!({"state": "failed", "reason": "evidence_not_said"})
    );

    for wrong in [None, Some("admin-token-0123456789abcdeX"), Some("")] {
        let refused = get_as(&app, &path, wrong).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{wrong:?}");
        assert!(!refused.text().contains("compilers"));
    }
    let unknown = get_as(
        &app,
        "/api/admin/interviews/0123456789abcdef0123456789abcdef",
        Some(ADMIN),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn without_a_configured_token_the_admin_api_does_not_exist() {
    let app = spawn_app_with(Options::default());
    let token = app.book("2030-03-02T14:30").await;
    let response = get_as(&app, &format!("/api/admin/interviews/{token}"), Some(ADMIN)).await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
}
