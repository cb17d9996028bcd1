//! `/api/v1`: bearer keys and the positions routes.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use interview_core::position::{Position, PositionDefaults, PositionDraft};
use interview_core::store::PositionStore;

use crate::helpers::{Options, TestApp, TestResponse, spawn_app_with};

const ADMIN: &str = "admin-token-0123456789abcdef";

async fn get_with(app: &TestApp, path: &str, authorization: Option<&str>) -> TestResponse {
    let mut request = Request::get(path);
    if let Some(value) = authorization {
        request = request.header(header::AUTHORIZATION, value);
    }
    app.send(request.body(Body::empty()).unwrap()).await
}

async fn app_with_positions() -> TestApp {
    let app = spawn_app_with(Options {
        admin_token: Some(ADMIN),
        ..Options::default()
    });
    for (id, title, archived) in [
        ("support", "Support Specialist", false),
        ("backend", "Backend Engineer", false),
        ("old", "Archivist", true),
    ] {
        let mut draft = PositionDraft::named(id);
        draft.title = title.to_owned();
        draft.company = Some("Acme".to_owned());
        draft.archived = archived;
        let position = Position::parse(&draft, &PositionDefaults::default()).unwrap();
        app.bookings.save_position(&position).await.unwrap();
    }
    app
}

#[tokio::test]
async fn without_a_valid_key_the_api_answers_401_with_a_challenge() {
    let app = app_with_positions().await;
    for authorization in [
        None,
        Some("Bearer wrong-token"),
        Some("Basic YWRtaW46YWRtaW4="),
        Some("Bearer"),
        // The key's case matters.
        Some("Bearer ADMIN-TOKEN-0123456789ABCDEF"),
    ] {
        for path in ["/api/v1/positions", "/api/v1/positions/backend"] {
            let response = get_with(&app, path, authorization).await;
            assert_eq!(
                response.status,
                StatusCode::UNAUTHORIZED,
                "{authorization:?}"
            );
            assert_eq!(
                response.header(header::WWW_AUTHENTICATE),
                "Bearer realm=\"interview\""
            );
            assert_eq!(response.json()["error"]["code"], "unauthorized");
            assert!(!response.text().contains(ADMIN));
        }
    }
    // Without any key configured, nobody gets in.
    let closed = spawn_app_with(Options::default());
    let response = get_with(&closed, "/api/v1/positions", Some("Bearer ")).await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_admin_token_lists_and_reads_positions_in_any_scheme_case() {
    let app = app_with_positions().await;
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let response = get_with(
            &app,
            "/api/v1/positions",
            Some(&format!("{scheme} {ADMIN}")),
        )
        .await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        assert_eq!(response.header(header::CACHE_CONTROL), "no-store");
        let json = response.json();
        let titles: Vec<&str> = json["positions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["title"].as_str().unwrap())
            .collect();
        // Archived positions too, by title.
        assert_eq!(
            titles,
            ["Archivist", "Backend Engineer", "Support Specialist"]
        );
    }
    let bearer = format!("Bearer {ADMIN}");
    let one = get_with(&app, "/api/v1/positions/backend", Some(&bearer)).await;
    assert_eq!(one.status, StatusCode::OK);
    let json = one.json();
    assert_eq!(json["id"], "backend");
    assert_eq!(json["company"], "Acme");
    assert_eq!(json["duration_minutes"], 30);
    assert_eq!(
        json["competencies"][0]["rubric"]["5"]
            .as_str()
            .map(str::is_empty),
        Some(false)
    );
    // What the API gives parses back into the same position.
    let draft: PositionDraft = serde_json::from_value(json).unwrap();
    let stored = app
        .bookings
        .position(&interview_core::position::Slug::parse("backend").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        Position::parse(&draft, &PositionDefaults::default()).unwrap(),
        stored
    );

    for missing in ["/api/v1/positions/nope", "/api/v1/positions/NOT%20A%20SLUG"] {
        let response = get_with(&app, missing, Some(&bearer)).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{missing}");
        assert_eq!(response.json()["error"]["code"], "not_found");
    }
}

#[tokio::test]
async fn a_store_that_is_down_is_a_503_not_a_leak() {
    let app = app_with_positions().await;
    app.bookings.set_unavailable(true);
    let response = get_with(&app, "/api/v1/positions", Some(&format!("Bearer {ADMIN}"))).await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        !response.text().contains("booking store is down"),
        "{}",
        response.text()
    );
}

#[tokio::test]
async fn an_interview_is_read_with_its_transcript_and_evaluation_status() {
    let app = spawn_app_with(Options {
        admin_token: Some(ADMIN),
        ..Options::default()
    });
    let token = app.book("2030-03-02T14:30").await;
    let path = format!("/api/v1/interviews/{token}");
    assert_eq!(
        get_with(&app, &path, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let response = get_with(&app, &path, Some(&format!("bearer {ADMIN}"))).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert_eq!(response.header(header::CACHE_CONTROL), "no-store");
    let json = response.json();
    assert_eq!(json["booking"]["token"], token.as_str());
    assert_eq!(json["booking"]["position_id"], "default");
    assert_eq!(
        json["booking"]["evaluation_status"],
        serde_json::json!({"state": "pending"})
    );
    assert_eq!(json["transcript"], serde_json::json!([]));
    assert!(json["evaluation"].is_null());
    for missing in [
        "/api/v1/interviews/0123456789abcdef0123456789abcdef",
        "/api/v1/interviews/not-a-token",
    ] {
        let response = get_with(&app, missing, Some(&format!("Bearer {ADMIN}"))).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{missing}");
    }
}
