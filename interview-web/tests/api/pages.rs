use std::sync::Arc;

use axum::http::{StatusCode, header};
use chrono::TimeDelta;
use interview_core::clock::ManualClock;
use interview_core::service::{SchedulingService, SchedulingSettings};
use interview_core::store::BookingStore;
use interview_core::testing::{
    InMemoryBookingStore, InMemoryResumeStore, RecordingNotifier, ScriptedExtractor,
};
use interview_core::{BookingStatus, BookingToken, InterviewWindow};
use interview_web::AppState;
use url::Url;

use crate::helpers::{
    Options, PDF, TestApp, TestResponse, now, schedule_body, spawn_app, spawn_app_with,
};

#[tokio::test]
async fn the_apply_page_has_every_field_labelled_and_the_servers_limits() {
    let app = spawn_app();
    let page = app.get("/apply").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.header(header::CONTENT_TYPE).starts_with("text/html"));
    let html = page.text();
    for id in [
        "name", "email", "phone", "resume", "date", "hour", "minute", "ampm",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "no input {id}");
        assert!(html.contains(&format!("for=\"{id}\"")), "no label for {id}");
    }
    assert!(html.contains("data-max-bytes=\"5242880\""));
    assert!(!html.contains("{{"), "unfilled placeholder");
}

#[tokio::test]
async fn assets_are_served_and_unknown_ones_are_404() {
    let app = spawn_app();
    for (name, kind) in [
        ("style.css", "text/css"),
        ("apply.js", "text/javascript"),
        ("interview.js", "text/javascript"),
        ("mic-worklet.js", "text/javascript"),
    ] {
        let asset = app.get(&format!("/assets/{name}")).await;
        assert_eq!(asset.status, StatusCode::OK, "{name}");
        assert!(asset.header(header::CONTENT_TYPE).starts_with(kind));
        assert!(!asset.body.is_empty());
    }
    assert_eq!(
        app.get("/assets/../Cargo.toml").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/assets/secret.txt").await.status,
        StatusCode::NOT_FOUND
    );
}

/// `key=value` lines of the vendored SDK's `VERSION`, as the update script wrote them.
fn livekit_client_version() -> std::collections::HashMap<String, String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/assets/vendor/livekit-client/VERSION"
    );
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect()
}

#[tokio::test]
async fn the_livekit_sdk_is_served_from_here_as_vendored_with_its_licence() {
    use base64::Engine as _;
    use sha2::{Digest, Sha256, Sha384};

    let version = livekit_client_version();
    let release = &version["version"];
    let app = spawn_app();
    let sdk = app
        .get(&format!("/assets/livekit-client-{release}.umd.js"))
        .await;
    assert_eq!(sdk.status, StatusCode::OK);
    assert_eq!(
        sdk.header(header::CONTENT_TYPE),
        "text/javascript; charset=utf-8"
    );
    // The name changes with the version: browsers may keep it.
    assert!(sdk.header(header::CACHE_CONTROL).contains("immutable"));
    let vendored = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/assets/vendor/livekit-client/livekit-client.umd.js"
    ))
    .unwrap();
    assert!(sdk.body[..] == vendored[..], "not the vendored file");
    let sha256: String = Sha256::digest(&sdk.body)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    assert_eq!(sha256, version["sha256"]);
    let integrity = format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha384::digest(&sdk.body))
    );
    assert_eq!(integrity, version["integrity"]);
    assert!(sdk.text().contains("LivekitClient"), "the UMD build");

    let licence = app.get("/assets/livekit-client-LICENSE.txt").await;
    assert_eq!(licence.status, StatusCode::OK);
    assert!(
        licence
            .header(header::CONTENT_TYPE)
            .starts_with("text/plain")
    );
    assert!(licence.text().contains("Apache License"));

    // Another version's name is not served.
    assert_eq!(
        app.get("/assets/livekit-client-0.0.1.umd.js").await.status,
        StatusCode::NOT_FOUND
    );

    // The room page over LiveKit names the file and its hash for the script.
    let livekit = spawn_app_with(Options {
        livekit: true,
        ..Options::default()
    });
    let token = livekit.book("2030-03-02T14:30").await;
    livekit
        .clock
        .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2030, 3, 2, 9, 0, 0).unwrap());
    let room = livekit.get(&format!("/interview/{token}")).await;
    assert_eq!(room.status, StatusCode::OK, "{}", room.text());
    let html = room.text();
    assert!(html.contains("data-transport=\"livekit\""), "{html}");
    assert!(html.contains(&format!(
        "data-livekit-sdk=\"../assets/livekit-client-{release}.umd.js\" data-livekit-sdk-integrity=\"{integrity}\""
    )), "{html}");
    assert!(html.contains("id=\"avatar-video\""));
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app();
    for path in ["/apply", "/healthz", "/interview/abc", "/nope"] {
        let response = app.get(path).await;
        assert_eq!(
            response.header(header::X_CONTENT_TYPE_OPTIONS),
            "nosniff",
            "{path}"
        );
        assert_eq!(
            response.header(header::REFERRER_POLICY),
            "no-referrer",
            "{path}"
        );
        assert!(
            response
                .header(header::CONTENT_SECURITY_POLICY)
                .contains("frame-ancestors 'none'")
        );
    }
}

#[tokio::test]
async fn the_interview_page_follows_the_window() {
    let app = spawn_app();
    // 14:30 in Kolkata is 09:00 UTC on 2 March 2030.
    let token = app.book("2030-03-02T14:30").await;
    let start = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2030, 3, 2, 9, 0, 0).unwrap();
    let path = format!("/interview/{token}");

    let early = app.get(&path).await;
    assert_eq!(early.status, StatusCode::OK);
    let html = early.text();
    assert!(html.contains("has not started yet"), "{html}");
    assert!(
        html.contains("Saturday, 2 March 2030 at 2:25 PM IST"),
        "opening time in the candidate's zone: {html}"
    );
    assert!(html.contains("http-equiv=\"refresh\" content=\"300\""));
    assert!(html.contains("Jos\u{e9} N\u{fa}\u{f1}ez"));

    app.clock.set(start - TimeDelta::minutes(5));
    let open = app.get(&path).await;
    assert_eq!(open.status, StatusCode::OK);
    let html = open.text();
    assert!(html.contains("id=\"join\""), "{html}");
    assert!(html.contains(&format!("data-token=\"{token}\"")));
    assert!(
        html.contains("data-transport=\"none\""),
        "no LiveKit and no in-process interviewer"
    );

    app.clock
        .set(start + TimeDelta::minutes(60) + TimeDelta::seconds(1));
    let expired = app.get(&path).await;
    assert_eq!(expired.status, StatusCode::GONE);
    assert!(expired.text().contains("expired"));
}

#[tokio::test]
async fn a_waiting_page_checks_again_when_the_window_opens() {
    let app = spawn_app();
    let token = app
        .book(&(now() + TimeDelta::minutes(6)).to_rfc3339())
        .await;
    let html = app.get(&format!("/interview/{token}")).await.text();
    assert!(
        html.contains("http-equiv=\"refresh\" content=\"60\""),
        "{html}"
    );
}

#[tokio::test]
async fn unknown_malformed_and_cancelled_links() {
    let app = spawn_app();
    let unknown = BookingToken::generate().unwrap();
    let response = app.get(&format!("/interview/{unknown}")).await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert!(
        response
            .text()
            .contains("couldn\u{2019}t find this interview")
    );
    assert_eq!(
        app.get("/interview/not-a-token").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/interview/%3Cscript%3E").await.status,
        StatusCode::NOT_FOUND
    );

    let token = app.book("2030-03-02T14:30").await;
    app.bookings
        .transition(
            &BookingToken::parse(&token).unwrap(),
            BookingStatus::Cancelled,
        )
        .await
        .unwrap();
    let cancelled = app.get(&format!("/interview/{token}")).await;
    assert_eq!(cancelled.status, StatusCode::GONE);
    assert!(cancelled.text().contains("cancelled"));
}

#[tokio::test]
async fn a_completed_interview_says_it_has_already_taken_place() {
    let app = spawn_app();
    let token = app.book("2030-03-02T14:30").await;
    let booking = BookingToken::parse(&token).unwrap();
    for status in [BookingStatus::InProgress, BookingStatus::Completed] {
        app.bookings.transition(&booking, status).await.unwrap();
    }
    // Inside the window, the link no longer opens the room.
    app.clock
        .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2030, 3, 2, 9, 0, 0).unwrap());
    let page = app.get(&format!("/interview/{token}")).await;
    assert_eq!(page.status, StatusCode::GONE);
    let text = page.text();
    assert!(
        text.contains("This interview has already taken place"),
        "{text}"
    );
    assert!(!text.contains("data-transport"), "no room: {text}");
}

#[tokio::test]
async fn a_database_that_is_down_shows_a_try_again_page() {
    let app = spawn_app();
    let token = app.book("2030-03-02T14:30").await;
    app.bookings.set_unavailable(true);
    let response = app.get(&format!("/interview/{token}")).await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.text().contains("reload this page"));
}

/// The test application with interview links open from `opens_before` to `closes_after`
/// minutes around the start, and a 2 MiB upload limit.
fn spawn_app_with_window(opens_before: i64, closes_after: i64) -> TestApp {
    let bookings = Arc::new(InMemoryBookingStore::new());
    let resumes = Arc::new(InMemoryResumeStore::new());
    let notifier = Arc::new(RecordingNotifier::new());
    let clock = Arc::new(ManualClock::new(now()));
    let mut settings = SchedulingSettings::new(&Url::parse("https://jobs.example.com").unwrap());
    settings.window = InterviewWindow::new(
        TimeDelta::minutes(opens_before),
        TimeDelta::minutes(closes_after),
    )
    .unwrap();
    settings.max_resume_bytes = 2 * 1024 * 1024;
    let scheduling = SchedulingService::new(
        bookings.clone(),
        resumes.clone(),
        Arc::new(ScriptedExtractor::text("Rust engineer")),
        notifier.clone(),
        clock.clone(),
        settings,
    );
    let scheduling = Arc::new(scheduling);
    let state = AppState::new(scheduling.clone());
    TestApp {
        router: interview_web::router(state.clone()),
        state,
        bookings,
        resumes,
        notifier,
        clock,
        scheduling,
        jobs: None,
    }
}

#[tokio::test]
async fn pages_and_the_invitation_state_the_configured_window_and_limit() {
    let app = spawn_app_with_window(15, 90);
    let apply = app.get("/apply").await.text();
    assert!(apply.contains("data-max-bytes=\"2097152\""), "{apply}");
    assert!(apply.contains("at most <span id=\"max-size\">2 MB</span>"));
    assert!(apply.contains("The link opens 15 minutes before the start."));

    let token = app.book("2030-03-02T14:30").await;
    let start = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2030, 3, 2, 9, 0, 0).unwrap();
    let sent = app.notifier.sent();
    assert!(
        sent[0]
            .text_body
            .contains("The link opens 15 minutes before the start"),
        "{}",
        sent[0].text_body
    );

    app.clock.set(start + TimeDelta::minutes(90));
    let open = app.get(&format!("/interview/{token}")).await;
    assert_eq!(open.status, StatusCode::OK, "the last minute is still open");

    app.clock.set(start + TimeDelta::minutes(91));
    let expired = app.get(&format!("/interview/{token}")).await;
    assert_eq!(expired.status, StatusCode::GONE);
    let html = expired.text();
    assert!(
        html.contains("Links close 90 minutes after the start"),
        "{html}"
    );
    assert!(html.contains("Saturday, 2 March 2030 at 2:30 PM IST"));
}

/// The test application nested under `/careers`, as integrators mount it.
fn nested_under_careers(app: TestApp) -> TestApp {
    TestApp {
        router: axum::Router::new().nest("/careers", app.router),
        ..app
    }
}

/// The value of every `attribute="..."` in `page`.
fn attribute_values(page: &TestResponse, attribute: &str) -> Vec<String> {
    let html = page.text();
    let marker = format!(" {attribute}=\"");
    html.match_indices(&marker)
        .map(|(at, _)| {
            let value = &html[at + marker.len()..];
            value[..value.find('"').unwrap()].to_owned()
        })
        .collect()
}

/// Where the browser resolves every `attribute` of `page` (served at `url`) to.
fn resolved(url: &Url, page: &TestResponse, attribute: &str) -> Vec<Url> {
    attribute_values(page, attribute)
        .iter()
        // `#` is a placeholder the script replaces, not a request.
        .filter(|value| !value.starts_with('#'))
        .map(|value| url.join(value).unwrap())
        .collect()
}

/// The router's root as the page's scripts compute it: `new URL(`${base}/`, location)`.
fn script_base(url: &Url, page: &TestResponse) -> Url {
    let bases = attribute_values(page, "data-base");
    assert_eq!(bases.len(), 1, "one data-base: {}", page.text());
    url.join(&format!("{}/", bases[0])).unwrap()
}

/// The stylesheet and every script of `page` resolve under `/careers/assets/` and are
/// served.
async fn assert_assets_are_served_under_careers(app: &TestApp, url: &Url, page: &TestResponse) {
    let links = [resolved(url, page, "href"), resolved(url, page, "src")].concat();
    assert!(
        links
            .iter()
            .any(|link| link.path() == "/careers/assets/style.css"),
        "the stylesheet: {}",
        page.text()
    );
    for link in links {
        // The waiting page also links the candidate's own move and cancel pages.
        let own_change = link.path().starts_with("/careers/interview/")
            && (link.path().ends_with("/reschedule") || link.path().ends_with("/cancel"));
        assert!(
            link.path().starts_with("/careers/assets/") || own_change,
            "{link} on {url}"
        );
        assert_eq!(app.get(link.path()).await.status, StatusCode::OK, "{link}");
    }
}

#[tokio::test]
async fn pages_and_what_their_scripts_call_work_under_a_path_prefix() {
    let app = nested_under_careers(spawn_app());
    let origin = Url::parse("https://jobs.example.com").unwrap();

    let apply_url = origin.join("/careers/apply").unwrap();
    let apply = app.get(apply_url.path()).await;
    assert_eq!(apply.status, StatusCode::OK);
    assert_assets_are_served_under_careers(&app, &apply_url, &apply).await;
    assert!(
        resolved(&apply_url, &apply, "src")
            .iter()
            .any(|script| script.path() == "/careers/assets/apply.js")
    );
    let base = script_base(&apply_url, &apply);
    assert_eq!(base.path(), "/careers/");

    // What apply.js calls, resolved as it resolves them.
    let (content_type, body) = crate::helpers::multipart("resume", "cv.pdf", PDF);
    let upload = app
        .send(
            axum::http::Request::post(base.join("api/upload-resume").unwrap().path())
                .header(header::CONTENT_TYPE, content_type)
                .body(axum::body::Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(upload.status, StatusCode::OK, "{}", upload.text());
    let mut body = schedule_body("2030-03-02T14:30");
    body["resumeUrl"] = upload.json()["resumeUrl"].clone();
    let scheduled = app
        .post_json(base.join("api/schedule-interview").unwrap().path(), &body)
        .await;
    assert_eq!(scheduled.status, StatusCode::OK, "{}", scheduled.text());
    let token = scheduled.json()["interviewUrl"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();

    // Every state of the interview page, and what interview.js calls from the room.
    let page_url = origin.join(&format!("/careers/interview/{token}")).unwrap();
    let start = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2030, 3, 2, 9, 0, 0).unwrap();
    for (at, status) in [
        (now(), StatusCode::OK),
        (start, StatusCode::OK),
        (start + TimeDelta::minutes(61), StatusCode::GONE),
    ] {
        app.clock.set(at);
        let page = app.get(page_url.path()).await;
        assert_eq!(page.status, status, "{}", page.text());
        assert_assets_are_served_under_careers(&app, &page_url, &page).await;
        assert_eq!(script_base(&page_url, &page).path(), "/careers/");
        if at == start {
            assert!(page.text().contains("id=\"join\""));
            assert!(
                resolved(&page_url, &page, "src")
                    .iter()
                    .any(|script| script.path() == "/careers/assets/interview.js")
            );
            let worklet = base.join("assets/mic-worklet.js").unwrap();
            assert_eq!(app.get(worklet.path()).await.status, StatusCode::OK);
            // Reached, and refused only because this server has no LiveKit.
            let details = app
                .post_json(
                    base.join("api/connection-details").unwrap().path(),
                    &serde_json::json!({ "token": token }),
                )
                .await;
            assert_eq!(details.status, StatusCode::SERVICE_UNAVAILABLE);
            assert!(details.json()["error"]["code"].is_string());
        }
    }
    let unknown_url = origin
        .join(&format!(
            "/careers/interview/{}",
            BookingToken::generate().unwrap()
        ))
        .unwrap();
    let unknown = app.get(unknown_url.path()).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_assets_are_served_under_careers(&app, &unknown_url, &unknown).await;

    // Nothing answers outside the prefix.
    assert_eq!(app.get("/apply").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/assets/style.css").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_front_door_leads_to_the_form_at_the_root_and_under_a_prefix() {
    let origin = Url::parse("https://jobs.example.com").unwrap();
    let root = spawn_app();
    let nested = nested_under_careers(spawn_app());
    for (app, path, form) in [
        (&root, "/", "/apply"),
        (&nested, "/careers", "/careers/apply"),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "{path}");
        let target = origin
            .join(path)
            .unwrap()
            .join(response.header(header::LOCATION))
            .unwrap();
        assert_eq!(target.path(), form, "{path}");
        assert_eq!(app.get(target.path()).await.status, StatusCode::OK);
    }
}
