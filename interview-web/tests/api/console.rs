//! `/console` over HTTP: sign-in by key into an HttpOnly, SameSite=Strict
//! cookie, pages that need it, forms that need the session's CSRF token, and a
//! revoked key's session ending at once.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use interview_core::BookingToken;
use interview_core::interview::{CompetencyScore, Evaluation, Recommendation, Score};
use interview_core::store::{BookingStore, PositionStore, RecordingStore};
use serde_json::json;

use crate::helpers::{Options, TestApp, TestResponse, spawn_app_with};

const ADMIN: &str = "admin-token-0123456789abcdef";

fn app() -> TestApp {
    spawn_app_with(Options {
        admin_token: Some(ADMIN),
        ..Options::default()
    })
}

async fn form(app: &TestApp, path: &str, cookie: Option<&str>, body: &str) -> TestResponse {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    app.send(request.body(Body::from(body.to_owned())).unwrap())
        .await
}

async fn page(app: &TestApp, path: &str, cookie: &str) -> TestResponse {
    app.send(
        Request::get(path)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

/// Signs in with `key` and returns the cookie to send back.
async fn sign_in(app: &TestApp, key: &str) -> String {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("key", key)
        .finish();
    let response = form(app, "/console/sign-in", None, &body).await;
    assert_eq!(
        response.status,
        StatusCode::SEE_OTHER,
        "{}",
        response.text()
    );
    assert_eq!(response.header(header::LOCATION), "../console");
    let set_cookie = response.header(header::SET_COOKIE).to_owned();
    for attribute in ["HttpOnly", "SameSite=Strict", "Max-Age=28800"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    // PUBLIC_BASE_URL is https here: the cookie travels only over TLS.
    assert!(set_cookie.contains("; Secure"), "{set_cookie}");
    assert!(!set_cookie.contains(key));
    set_cookie.split(';').next().unwrap().to_owned()
}

fn csrf_of(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    html[start..start + 64].to_owned()
}

#[tokio::test]
async fn signing_in_needs_a_valid_key_and_opens_the_list() {
    let app = app();
    let home = app.get("/console").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text().contains("Sign in"), "{}", home.text());

    let refused = form(&app, "/console/sign-in", None, "key=wrong").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(refused.text().contains("not valid"));
    // The page answers /console/sign-in: its form and assets are one level up.
    assert!(refused.text().contains("action=\"../console/sign-in\""));
    assert!(refused.text().contains("href=\"../assets/style.css\""));
    assert!(refused.headers.get(header::SET_COOKIE).is_none());

    app.book("2030-03-02T14:30").await;
    let cookie = sign_in(&app, ADMIN).await;
    let list = page(&app, "/console", &cookie).await;
    assert_eq!(list.status, StatusCode::OK);
    let html = list.text();
    assert!(html.contains("José Núñez"), "{html}");
    assert!(html.contains("Sign out"));
    assert_eq!(list.header(header::CACHE_CONTROL), "no-store");

    // Filters as the API's, with a clear error for a bad one.
    let filtered = page(&app, "/console?q=nobody", &cookie).await;
    assert!(filtered.text().contains("No interviews match"));
    let bad = page(&app, "/console?from=yesterday", &cookie).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text().contains("scheduled_from"));

    // A made-up cookie is no session.
    let forged = page(&app, "/console", "interview_console=0123").await;
    assert!(forged.text().contains("Sign in"));
}

#[tokio::test]
async fn the_detail_shows_the_transcript_and_the_scorecard() {
    let app = app();
    let token = app.book("2030-03-02T14:30").await;
    let parsed = BookingToken::parse(&token).unwrap();
    app.bookings
        .save_evaluation(
            &parsed,
            &Evaluation {
                competencies: vec![CompetencyScore {
                    competency: "Rust <ownership>".into(),
                    score: Score::try_from(4).unwrap(),
                    evidence: vec!["I rewrote the parser without a clone.".into()],
                }],
                not_assessed: vec![],
                strengths: vec!["Clear about trade-offs".into()],
                concerns: vec![],
                recommendation: Recommendation::Hire,
                summary: "A careful engineer.".into(),
                review_flags: vec![],
                created_at: crate::helpers::now(),
            },
        )
        .await
        .unwrap();
    let cookie = sign_in(&app, ADMIN).await;
    let detail = page(&app, &format!("/console/interviews/{token}"), &cookie).await;
    assert_eq!(detail.status, StatusCode::OK);
    let html = detail.text();
    for expected in [
        "José Núñez",
        "Recommendation: <strong>Hire</strong>",
        "<svg class=\"chart\"",
        "Rust &#60;ownership&#62;",
        "I rewrote the parser without a clone.",
        "Clear about trade-offs",
        "Download the resume",
    ] {
        assert!(html.contains(expected), "{expected} in {html}");
    }
    assert!(!html.contains("<ownership>"), "escaped in the SVG too");
    // Without a session: back to sign-in.
    let anonymous = app.get(&format!("/console/interviews/{token}")).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(anonymous.header(header::LOCATION), "../../console");
}

#[tokio::test]
async fn changes_need_the_csrf_token_and_the_scope() {
    let app = app();
    let token = app.book("2030-03-02T14:30").await;
    let cookie = sign_in(&app, ADMIN).await;
    let confirm = page(
        &app,
        &format!("/console/interviews/{token}/cancel"),
        &cookie,
    )
    .await;
    assert_eq!(confirm.status, StatusCode::OK);
    let csrf = csrf_of(&confirm.text());

    let path = format!("/console/interviews/{token}/cancel");
    let forged = form(&app, &path, Some(&cookie), "csrf=0000").await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let no_session = form(&app, &path, None, &format!("csrf={csrf}")).await;
    assert_eq!(no_session.status, StatusCode::SEE_OTHER);
    let parsed = BookingToken::parse(&token).unwrap();
    assert_eq!(
        app.bookings.get(&parsed).await.unwrap().unwrap().status,
        interview_core::BookingStatus::Scheduled
    );

    let done = form(&app, &path, Some(&cookie), &format!("csrf={csrf}")).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    assert_eq!(
        done.header(header::LOCATION),
        format!("../{token}?done=cancel")
    );
    assert_eq!(
        app.bookings.get(&parsed).await.unwrap().unwrap().status,
        interview_core::BookingStatus::Cancelled
    );

    // A read-only key sees no buttons and cannot post.
    let issued = app
        .api(
            Method::POST,
            "/api/v1/api-keys",
            Some(ADMIN),
            Some(&json!({"name": "reader", "scopes": ["read"]})),
        )
        .await
        .json();
    let reader = sign_in(&app, issued["secret"].as_str().unwrap()).await;
    let other = app.book("2030-03-02T16:30").await;
    let detail = page(&app, &format!("/console/interviews/{other}"), &reader).await;
    assert!(!detail.text().contains("Cancel the interview"));
    let confirm = page(&app, &format!("/console/interviews/{other}/erase"), &reader).await;
    assert_eq!(confirm.status, StatusCode::FORBIDDEN);

    // Revoking the key ends its session at once.
    let id = issued["id"].as_str().unwrap();
    app.api(
        Method::DELETE,
        &format!("/api/v1/api-keys/{id}"),
        Some(ADMIN),
        None,
    )
    .await;
    let after = page(&app, "/console", &reader).await;
    assert!(after.text().contains("Sign in"), "{}", after.text());

    // Signing out needs the token too, then the cookie is gone.
    let list = page(&app, "/console", &cookie).await;
    let csrf = csrf_of(&list.text());
    let out = form(
        &app,
        "/console/sign-out",
        Some(&cookie),
        &format!("csrf={csrf}"),
    )
    .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out.header(header::SET_COOKIE).contains("Max-Age=0"));
    assert!(
        page(&app, "/console", &cookie)
            .await
            .text()
            .contains("Sign in")
    );
}

#[tokio::test]
async fn moving_and_erasing_from_the_console() {
    let app = app();
    let token = app.book("2030-03-02T14:30").await;
    let cookie = sign_in(&app, ADMIN).await;
    let confirm = page(
        &app,
        &format!("/console/interviews/{token}/reschedule"),
        &cookie,
    )
    .await;
    let html = confirm.text();
    assert!(
        html.contains("value=\"2030-03-02T14:30\""),
        "the current time, in the candidate's zone"
    );
    assert!(html.contains("value=\"Asia/Kolkata\""));
    let csrf = csrf_of(&html);
    let path = format!("/console/interviews/{token}/reschedule");
    let bad = form(
        &app,
        &path,
        Some(&cookie),
        &format!("csrf={csrf}&datetime=2020-01-01T10%3A00&time_zone=Asia%2FKolkata"),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("banner error"));
    let moved = form(
        &app,
        &path,
        Some(&cookie),
        &format!("csrf={csrf}&datetime=2030-03-04T11%3A00&time_zone=Asia%2FKolkata"),
    )
    .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.text());

    let erase = format!("/console/interviews/{token}/erase");
    let erased = form(&app, &erase, Some(&cookie), &format!("csrf={csrf}")).await;
    assert_eq!(erased.status, StatusCode::SEE_OTHER);
    let detail = page(
        &app,
        &format!("/console/interviews/{token}?done=erase"),
        &cookie,
    )
    .await;
    let html = detail.text();
    assert!(html.contains("Erased interview"));
    assert!(!html.contains("José"));
    assert_eq!(app.resumes.len(), 0);
}

#[tokio::test]
async fn an_interviews_recordings_are_listed_in_the_api_and_the_console() {
    use interview_core::store::Recording;

    let app = app();
    app.bookings
        .save_position(&app.scheduling.built_in_position())
        .await
        .unwrap();
    let token = app.book("2030-03-02T14:30").await;
    let parsed = BookingToken::parse(&token).unwrap();
    let started = crate::helpers::now();
    for (id, location) in [
        ("EG_1", "s3://interviews/interviews/room-1.ogg"),
        ("EG_2", "https://media.example.com/room-1-part-2.ogg"),
    ] {
        app.bookings
            .add_recording(
                &parsed,
                &Recording {
                    id: id.to_owned(),
                    location: location.to_owned(),
                    started_at: started,
                },
            )
            .await
            .unwrap();
    }
    let read = app
        .api(
            Method::GET,
            &format!("/api/v1/interviews/{token}"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text());
    let recordings = read.json()["recordings"].clone();
    assert_eq!(recordings[0]["id"], "EG_1");
    assert_eq!(
        recordings[1]["location"],
        "https://media.example.com/room-1-part-2.ogg"
    );

    let cookie = sign_in(&app, ADMIN).await;
    let detail = page(&app, &format!("/console/interviews/{token}"), &cookie)
        .await
        .text();
    assert!(
        detail.contains("<h2 id=\"recordings\">Recordings</h2>"),
        "{detail}"
    );
    assert!(detail.contains("<code>s3://interviews/interviews/room-1.ogg</code>"));
    assert!(detail.contains("<a href=\"https://media.example.com/room-1-part-2.ogg\""));
}
