//! Every error in the JSON shape, in the candidate's words; the headers every
//! answer carries.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;

use crate::helpers::{Options, TestApp, spawn_app, spawn_app_with};

/// `response` is the JSON error shape with `code`.
fn assert_json_error(response: &crate::helpers::TestResponse, status: StatusCode, code: &str) {
    assert_eq!(response.status, status, "{}", response.text());
    assert!(
        response
            .header(header::CONTENT_TYPE)
            .starts_with("application/json"),
        "{:?}",
        response.headers
    );
    let body = response.json();
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
}

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Body,
) -> crate::helpers::TestResponse {
    app.send(
        Request::builder()
            .method(method)
            .uri(path)
            .body(body)
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn unknown_routes_are_json_404_at_the_root_and_nested() {
    let app = spawn_app();
    for path in ["/nope", "/api/nope", "/assets/nope.js", "/interview"] {
        assert_json_error(&app.get(path).await, StatusCode::NOT_FOUND, "not_found");
    }
    let nested = TestApp {
        router: axum::Router::new().nest("/careers", app.router.clone()),
        ..spawn_app()
    };
    assert_json_error(
        &nested.get("/careers/nope").await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
}

#[tokio::test]
async fn a_wrong_method_is_json_405_with_the_allowed_ones() {
    let app = spawn_app();
    let response = send(&app, Method::DELETE, "/apply", Body::empty()).await;
    assert_json_error(
        &response,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    );
    assert!(
        response.header(header::ALLOW).contains("GET"),
        "{:?}",
        response.headers
    );
    let response = app.get("/api/schedule-interview").await;
    assert_json_error(
        &response,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    );
    assert_eq!(response.header(header::ALLOW), "POST");
}

#[tokio::test]
async fn opening_the_websocket_address_in_a_browser_is_a_json_error() {
    let app = spawn_app();
    let response = app.get("/ws/interview/abc").await;
    assert!(response.status.is_client_error(), "{}", response.status);
    assert_json_error(&response, response.status, "websocket_required");
    assert!(
        response.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("interview link")
    );
}

#[tokio::test]
async fn an_oversized_webhook_body_is_json_413() {
    let app = spawn_app_with(Options {
        livekit: true,
        ..Options::default()
    });
    let response = send(
        &app,
        Method::POST,
        "/api/livekit/webhook",
        Body::from(vec![b'x'; 3 * 1024 * 1024]),
    )
    .await;
    assert_json_error(&response, StatusCode::PAYLOAD_TOO_LARGE, "too_large");
}

#[tokio::test]
async fn malformed_bodies_and_paths_are_explained_without_internals() {
    let app = spawn_app();
    let wrong_type = app
        .post_json("/api/schedule-interview", &json!({"name": 42, "email": []}))
        .await;
    assert_json_error(&wrong_type, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    let not_a_form = app
        .post_json("/api/schedule-interview", &json!([1, 2]))
        .await;
    let broken = app
        .send(
            Request::post("/api/schedule-interview")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{\"name\": "))
                .unwrap(),
        )
        .await;
    assert_json_error(&broken, StatusCode::BAD_REQUEST, "bad_request");
    for response in [&wrong_type, &not_a_form, &broken] {
        let message = response.json()["error"]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        for internal in [
            "ScheduleRequest",
            "deserialize",
            "invalid type",
            "line",
            "column",
            "serde",
        ] {
            assert!(!message.contains(internal), "{internal} in {message:?}");
        }
    }
    // A path that is not UTF-8 once decoded.
    assert_json_error(
        &app.get("/assets/%FF").await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
}

#[tokio::test]
async fn answers_with_personal_data_are_never_stored_by_caches() {
    let app = spawn_app_with(Options {
        livekit: true,
        admin_token: Some("admin-token-0123456789abcdef"),
        ..Options::default()
    });
    let token = app.book("2030-03-02T14:30").await;
    let schedule = app
        .post_json(
            "/api/schedule-interview",
            &crate::helpers::schedule_body("2030-03-03T14:30"),
        )
        .await;
    // The interview's start (14:30 in Kolkata), when its link opens.
    app.clock
        .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2030, 3, 2, 9, 0, 0).unwrap());
    let upload = app.upload("resume", "cv.pdf", crate::helpers::PDF).await;
    let connection = app
        .post_json("/api/connection-details", &json!({"token": token}))
        .await;
    let admin = app
        .send(
            Request::get(format!("/api/admin/interviews/{token}"))
                .header(header::AUTHORIZATION, "Bearer admin-token-0123456789abcdef")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let page = app.get(&format!("/interview/{token}")).await;
    let failed = app.get("/nope").await;
    for (what, response) in [
        ("schedule", &schedule),
        ("upload", &upload),
        ("connection", &connection),
        ("admin", &admin),
        ("page", &page),
        ("error", &failed),
    ] {
        assert!(
            response.status.is_success() || what == "error",
            "{what}: {}",
            response.text()
        );
        assert_eq!(response.header(header::CACHE_CONTROL), "no-store", "{what}");
    }
    // Assets stay cacheable.
    let asset = app.get("/assets/style.css").await;
    assert_eq!(asset.header(header::CACHE_CONTROL), "public, max-age=300");
}

fn connect_src(response: &crate::helpers::TestResponse) -> String {
    let policy = response.header(header::CONTENT_SECURITY_POLICY);
    policy
        .split(';')
        .map(str::trim)
        .find_map(|directive| directive.strip_prefix("connect-src "))
        .unwrap_or_else(|| panic!("no connect-src in {policy}"))
        .to_owned()
}

#[tokio::test]
async fn pages_may_connect_only_to_this_server_and_the_configured_livekit() {
    let local = spawn_app();
    assert_eq!(
        connect_src(&local.get("/apply").await),
        "'self' wss://jobs.example.com https://jobs.example.com"
    );
    let livekit = spawn_app_with(Options {
        livekit: true,
        ..Options::default()
    });
    let sources = connect_src(&livekit.get("/apply").await);
    assert_eq!(
        sources,
        "'self' wss://jobs.example.com https://jobs.example.com wss://test.livekit.cloud https://test.livekit.cloud"
    );
    assert!(!sources.split(' ').any(|s| s == "wss:" || s == "https:"));
    // Scripts only from this server: the LiveKit SDK is served here too.
    let policy = livekit.get("/apply").await;
    let policy = policy.header(header::CONTENT_SECURITY_POLICY);
    assert!(policy.contains("script-src 'self';"), "{policy}");
    assert!(!policy.contains("jsdelivr"), "{policy}");
}

#[tokio::test]
async fn the_site_has_an_icon() {
    let app = spawn_app();
    let icon = app.get("/favicon.ico").await;
    assert_eq!(icon.status, StatusCode::OK);
    assert_eq!(icon.header(header::CONTENT_TYPE), "image/x-icon");
    assert_eq!(&icon.body[..4], &[0, 0, 1, 0], "not an ICO file");
    assert!(
        icon.header(header::CACHE_CONTROL)
            .starts_with("public, max-age=")
    );
    assert!(
        app.get("/apply")
            .await
            .text()
            .contains(r#"<link rel="icon" href="./assets/favicon.ico">"#)
    );
    assert_eq!(app.get("/assets/favicon.ico").await.body, icon.body);
}
