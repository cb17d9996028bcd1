//! `/api/v1/interviews` and `/api/v1/positions` writes: list with filters and a
//! cursor, cancel, move, erase down to a tombstone (the file gone too).

use axum::http::{Method, StatusCode};
use interview_core::BookingToken;
use interview_core::store::BookingStore;
use serde_json::{Value, json};

use crate::helpers::{Options, TestApp, schedule_body, spawn_app_with};

const ADMIN: &str = "admin-token-0123456789abcdef";

fn app() -> TestApp {
    spawn_app_with(Options {
        admin_token: Some(ADMIN),
        ..Options::default()
    })
}

/// Books for `name` at `email` (with an uploaded resume) and returns the token.
async fn book_as(app: &TestApp, name: &str, email: &str, datetime: &str) -> String {
    let uploaded = app.upload_resume().await;
    let mut body = schedule_body(datetime);
    body["name"] = name.into();
    body["email"] = email.into();
    body["resumeUrl"] = uploaded["resumeUrl"].clone();
    let response = app.post_json("/api/schedule-interview", &body).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let url = response.json()["interviewUrl"].as_str().unwrap().to_owned();
    url.rsplit('/').next().unwrap().to_owned()
}

async fn get(app: &TestApp, path: &str) -> Value {
    let response = app.api(Method::GET, path, Some(ADMIN), None).await;
    assert_eq!(
        response.status,
        StatusCode::OK,
        "{path}: {}",
        response.text()
    );
    response.json()
}

fn tokens(list: &Value) -> Vec<String> {
    list["interviews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["token"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn interviews_are_listed_filtered_and_paged() {
    let app = app();
    let ann = book_as(&app, "Ann Lee", "ann@example.com", "2030-03-02T09:00").await;
    let bo = book_as(&app, "Bo Chen", "bo@example.org", "2030-03-03T09:00").await;
    let cy = book_as(&app, "Cy Lee", "cy@example.net", "2030-03-04T09:00").await;

    let all = get(&app, "/api/v1/interviews").await;
    assert_eq!(tokens(&all), [cy.clone(), bo.clone(), ann.clone()]);
    assert!(all["next_cursor"].is_null());
    assert!(
        all["interviews"][0]
            .get("resume_text")
            .is_none_or(Value::is_null)
    );
    assert_eq!(all["interviews"][0]["name"], "Cy Lee");

    let first = get(&app, "/api/v1/interviews?limit=2").await;
    assert_eq!(tokens(&first), [cy.clone(), bo.clone()]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = get(&app, &format!("/api/v1/interviews?limit=2&cursor={cursor}")).await;
    assert_eq!(tokens(&second), vec![ann.clone()]);
    assert!(second["next_cursor"].is_null());

    assert_eq!(
        tokens(&get(&app, "/api/v1/interviews?q=LEE").await),
        [cy.clone(), ann.clone()]
    );
    assert_eq!(
        tokens(&get(&app, "/api/v1/interviews?q=example.org").await),
        vec![bo.clone()]
    );
    assert_eq!(
        tokens(
            &get(
                &app,
                "/api/v1/interviews?scheduled_from=2030-03-02T12:00:00Z&scheduled_before=2030-03-04T00:00:00%2B00:00"
            )
            .await
        ),
        vec![bo.clone()]
    );
    let cancel = app
        .api(
            Method::POST,
            &format!("/api/v1/interviews/{bo}/cancel"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(cancel.status, StatusCode::OK, "{}", cancel.text());
    assert_eq!(
        tokens(&get(&app, "/api/v1/interviews?status=cancelled").await),
        vec![bo.clone()]
    );
    assert_eq!(
        tokens(&get(&app, "/api/v1/interviews?status=scheduled&position=default").await),
        [cy.clone(), ann.clone()]
    );
    assert!(tokens(&get(&app, "/api/v1/interviews?position=other").await).is_empty());

    for bad in [
        "status=done",
        "position=Not%20A%20Slug",
        "scheduled_from=yesterday",
        "limit=0",
        "limit=201",
        "limit=ten",
        "cursor=abc",
        &format!("q={}", "x".repeat(201)),
    ] {
        let response = app
            .api(
                Method::GET,
                &format!("/api/v1/interviews?{bad}"),
                Some(ADMIN),
                None,
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {}",
            response.text()
        );
        assert_eq!(response.json()["error"]["code"], "bad_request");
    }
}

#[tokio::test]
async fn cancel_refuses_what_cannot_be_cancelled() {
    let app = app();
    let token = app.book("2030-03-02T14:30").await;
    let path = format!("/api/v1/interviews/{token}/cancel");
    let first = app.api(Method::POST, &path, Some(ADMIN), None).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    assert_eq!(first.json()["booking"]["status"], "cancelled");
    assert_eq!(first.json()["email_sent"], true);
    // The candidate got the calendar's cancellation.
    let told = app.notifier.sent().last().cloned().unwrap();
    assert!(told.subject.contains("cancelled"), "{}", told.subject);
    let ics = String::from_utf8(told.attachments[0].content.clone()).unwrap();
    assert!(
        ics.contains("METHOD:CANCEL") && ics.contains("STATUS:CANCELLED"),
        "{ics}"
    );
    let sent = app.notifier.sent().len();
    // Again: no error, nothing changes, nothing is sent again.
    let again = app.api(Method::POST, &path, Some(ADMIN), None).await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(again.json().get("email_sent").is_none(), "{}", again.text());
    assert_eq!(app.notifier.sent().len(), sent);
    // The link now says the interview was cancelled.
    let page = app.get(&format!("/interview/{token}")).await;
    assert!(
        page.text().to_lowercase().contains("cancelled"),
        "{}",
        page.text()
    );
    // A completed interview cannot be cancelled.
    let done = app.book("2030-03-02T15:30").await;
    let done_token = BookingToken::parse(&done).unwrap();
    app.bookings
        .transition(&done_token, interview_core::BookingStatus::InProgress)
        .await
        .unwrap();
    app.bookings
        .transition(&done_token, interview_core::BookingStatus::Completed)
        .await
        .unwrap();
    let refused = app
        .api(
            Method::POST,
            &format!("/api/v1/interviews/{done}/cancel"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text());
    assert!(
        refused.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("completed")
    );
    let unknown = app
        .api(
            Method::POST,
            "/api/v1/interviews/0123456789abcdef0123456789abcdef/cancel",
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_moved_interview_keeps_its_link_and_the_candidate_is_told() {
    let app = app();
    let token = app.book("2030-03-02T14:30").await;
    let sent_before = app.notifier.sent().len();
    let path = format!("/api/v1/interviews/{token}/reschedule");
    let response = app
        .api(
            Method::POST,
            &path,
            Some(ADMIN),
            Some(&json!({"datetime": "2030-03-05T10:00"})),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let json = response.json();
    // Read in the booking's zone (Asia/Kolkata, +05:30).
    assert_eq!(json["booking"]["scheduled_at"], "2030-03-05T04:30:00Z");
    assert_eq!(json["booking"]["token"], token.as_str());
    assert_eq!(json["email_sent"], true);
    let sent = app.notifier.sent();
    assert_eq!(sent.len(), sent_before + 1);
    let update = sent.last().unwrap();
    assert!(update.subject.contains("has moved"), "{}", update.subject);
    assert!(update.text_body.contains(&token), "the same link");
    let ics = String::from_utf8(update.attachments[0].content.clone()).unwrap();
    assert!(!ics.contains("SEQUENCE:0"), "{ics}");
    // The link opens at the new time, not the old.
    app.clock.set(
        chrono::DateTime::parse_from_rfc3339("2030-03-02T09:00:00Z")
            .unwrap()
            .into(),
    );
    let old_time = app.get(&format!("/interview/{token}")).await.text();
    assert!(!old_time.contains("data-state=\"open\""));

    for (body, status) in [
        (
            json!({"datetime": "2029-01-01T10:00"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"datetime": "soon"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"datetime": "2030-03-06T10:00", "timeZone": "Mars/Base"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!({}), StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let response = app.api(Method::POST, &path, Some(ADMIN), Some(&body)).await;
        assert_eq!(response.status, status, "{body}: {}", response.text());
    }
    // A cancelled interview does not move.
    app.api(
        Method::POST,
        &format!("/api/v1/interviews/{token}/cancel"),
        Some(ADMIN),
        None,
    )
    .await;
    let response = app
        .api(
            Method::POST,
            &path,
            Some(ADMIN),
            Some(&json!({"datetime": "2030-03-06T10:00"})),
        )
        .await;
    assert_eq!(response.status, StatusCode::CONFLICT, "{}", response.text());
}

#[tokio::test]
async fn erasure_removes_the_candidate_and_the_file_and_keeps_a_tombstone() {
    let app = app();
    let token = book_as(&app, "Zoë O'Brien", "zoe@example.com", "2030-03-02T14:30").await;
    let kept = book_as(&app, "Sam Patel", "sam@example.com", "2030-03-03T14:30").await;
    assert_eq!(app.resumes.len(), 2);
    let parsed = BookingToken::parse(&token).unwrap();
    let resume_url = app
        .bookings
        .get(&parsed)
        .await
        .unwrap()
        .unwrap()
        .resume_url
        .unwrap();

    let response = app
        .api(
            Method::DELETE,
            &format!("/api/v1/interviews/{token}"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let json = response.json();
    assert_eq!(json["interview"]["status"], "erased");
    assert_eq!(json["interview"]["token"], token.as_str());
    assert_eq!(json["interview"]["position_id"], "default");
    assert!(json["interview"]["erased_at"].is_string());
    assert_eq!(json["files_pending_deletion"], 0);
    assert!(!response.text().contains("Zoë"));

    // The file is gone, from the store and from its URL.
    assert_eq!(app.resumes.len(), 1);
    let path = url::Url::parse(&resume_url).unwrap().path().to_owned();
    assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND);
    // Nothing personal is left anywhere the API reads.
    let read = get(&app, &format!("/api/v1/interviews/{token}")).await;
    assert_eq!(read["booking"]["status"], "erased");
    assert_eq!(read["transcript"], json!([]));
    assert!(read["evaluation"].is_null());
    let text = read.to_string();
    for personal in ["Zoë", "zoe@example.com", "+1555", "Kolkata", "resume"] {
        assert!(!text.contains(personal), "{personal} in {text}");
    }
    assert_eq!(
        tokens(&get(&app, "/api/v1/interviews?status=erased").await),
        vec![token.clone()]
    );
    // The link no longer opens anything.
    assert_eq!(
        app.get(&format!("/interview/{token}")).await.status,
        StatusCode::NOT_FOUND
    );
    // The other interview is untouched.
    assert_eq!(
        get(&app, &format!("/api/v1/interviews/{kept}")).await["booking"]["name"],
        "Sam Patel"
    );
    // Again: the same tombstone.
    let again = app
        .api(
            Method::DELETE,
            &format!("/api/v1/interviews/{token}"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["interview"], json["interview"]);
}

#[tokio::test]
async fn positions_are_created_changed_and_archived() {
    let app = app();
    let created = app
        .api(
            Method::POST,
            "/api/v1/positions",
            Some(ADMIN),
            Some(&json!({
                "id": "support",
                "title": "Support Specialist",
                "company": "Acme",
                "description": "Help our customers.",
                "duration_minutes": 20
            })),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    assert_eq!(created.json()["title"], "Support Specialist");
    // It is open for applications at once.
    let apply = app.get("/apply/support").await;
    assert_eq!(apply.status, StatusCode::OK);
    assert!(apply.text().contains("Support Specialist"));

    let duplicate = app
        .api(
            Method::POST,
            "/api/v1/positions",
            Some(ADMIN),
            Some(&json!({"id": "support"})),
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    let slug_taken = app
        .api(
            Method::POST,
            "/api/v1/positions",
            Some(ADMIN),
            Some(&json!({"id": "other", "slug": "support"})),
        )
        .await;
    assert_eq!(
        slug_taken.status,
        StatusCode::CONFLICT,
        "{}",
        slug_taken.text()
    );
    let invalid = app
        .api(
            Method::POST,
            "/api/v1/positions",
            Some(ADMIN),
            Some(&json!({"id": "x", "title": "", "duration_minutes": 0, "titel": "typo"})),
        )
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        invalid.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("titel")
    );
    let invalid = app
        .api(
            Method::POST,
            "/api/v1/positions",
            Some(ADMIN),
            Some(&json!({"id": "x", "title": "", "language": "not a language!"})),
        )
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = invalid.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.contains("title") && message.contains("language"),
        "{message}"
    );

    let patched = app
        .api(
            Method::PATCH,
            "/api/v1/positions/support",
            Some(ADMIN),
            Some(&json!({"title": "Senior Support Specialist", "company": null})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text());
    assert_eq!(patched.json()["title"], "Senior Support Specialist");
    assert!(patched.json().get("company").is_none_or(Value::is_null));
    assert_eq!(patched.json()["description"], "Help our customers.");
    assert_eq!(patched.json()["duration_minutes"], 20);

    let archived = app
        .api(
            Method::PATCH,
            "/api/v1/positions/support",
            Some(ADMIN),
            Some(&json!({"archived": true})),
        )
        .await;
    assert_eq!(archived.status, StatusCode::OK);
    assert_eq!(
        app.get("/apply/support").await.status,
        StatusCode::NOT_FOUND
    );
    let renamed = app
        .api(
            Method::PATCH,
            "/api/v1/positions/support",
            Some(ADMIN),
            Some(&json!({"id": "new"})),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::UNPROCESSABLE_ENTITY);
    let missing = app
        .api(
            Method::PATCH,
            "/api/v1/positions/nope",
            Some(ADMIN),
            Some(&json!({"archived": true})),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}
