//! `/api/v1/webhooks`: endpoints created with their event types and a secret
//! shown once, changed, disabled, deleted, their secret rotated, their
//! deliveries listed; events queued for exactly the endpoints that want them.

use axum::http::{Method, StatusCode};
use interview_core::events::{EventType, PlatformEvent};
use interview_core::jobs::Job;
use interview_core::store::{ApiKeyStore, BookingStore, PositionStore, WebhookStore};
use interview_core::webhooks::{AttemptOutcome, Delivery, EndpointId, MAX_ENDPOINTS};
use serde_json::{Value, json};

use crate::helpers::{Options, TestApp, spawn_app_with};

const ADMIN: &str = "admin-token-0123456789abcdef";

fn app() -> TestApp {
    spawn_app_with(Options {
        admin_token: Some(ADMIN),
        jobs: true,
        ..Options::default()
    })
}

async fn create(app: &TestApp, body: Value) -> Value {
    let response = app
        .api(Method::POST, "/api/v1/webhooks", Some(ADMIN), Some(&body))
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    response.json()
}

/// The endpoints each queued delivery job is for, in order, with the event type.
fn deliveries_queued(app: &TestApp) -> Vec<(String, &'static str)> {
    app.jobs
        .as_ref()
        .unwrap()
        .jobs()
        .into_iter()
        .filter_map(|job| match job.job() {
            Job::DeliverWebhook { endpoint_id, event } => {
                Some((endpoint_id.clone(), event.kind.as_str()))
            }
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn an_endpoint_is_created_with_its_events_and_its_secret_is_shown_once() {
    let app = app();
    let created = create(
        &app,
        json!({
            "url": "https://hr.example.com/hooks",
            "events": ["evaluation.ready", "booking.created"],
            "description": "ATS production",
        }),
    )
    .await;
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"), "{secret}");
    let id = created["id"].as_str().unwrap();
    assert!(id.starts_with("we_"), "{id}");
    assert_eq!(
        created["events"],
        json!(["booking.created", "evaluation.ready"])
    );
    assert_eq!(created["disabled"], false);
    assert!(created["previous_secret_expires_at"].is_null());

    for path in [
        "/api/v1/webhooks".to_owned(),
        format!("/api/v1/webhooks/{id}"),
    ] {
        let response = app.api(Method::GET, &path, Some(ADMIN), None).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        assert!(
            !response.text().contains(&secret[6..]),
            "{}",
            response.text()
        );
    }
    let listed = app
        .api(Method::GET, "/api/v1/webhooks", Some(ADMIN), None)
        .await
        .json();
    assert_eq!(listed["webhooks"][0]["id"], id);
    assert_eq!(listed["webhooks"][0]["url"], "https://hr.example.com/hooks");

    // A secret the platform chose is kept as given.
    let chosen = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let mine = create(
        &app,
        json!({"url": "https://hr.example.com/other", "secret": chosen}),
    )
    .await;
    assert_eq!(mine["secret"], chosen);
    assert!(mine["events"].is_null());
}

#[tokio::test]
async fn a_wrong_endpoint_is_refused_naming_what_is_wrong() {
    let app = app();
    for (body, words) in [
        (json!({"url": "ftp://hr.example.com"}), "url"),
        (
            json!({"url": "https://user:pw@hr.example.com"}),
            "user name",
        ),
        (
            json!({"url": "https://hr.example.com", "events": []}),
            "events",
        ),
        (
            json!({"url": "https://hr.example.com", "events": ["booking.deleted"]}),
            "booking.deleted",
        ),
        (
            json!({"url": "https://hr.example.com", "secret": "hunter2"}),
            "whsec_",
        ),
        (
            json!({"url": "https://hr.example.com", "description": "x".repeat(201)}),
            "description",
        ),
        (
            json!({"url": "https://hr.example.com", "colour": "red"}),
            "colour",
        ),
    ] {
        let response = app
            .api(Method::POST, "/api/v1/webhooks", Some(ADMIN), Some(&body))
            .await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            response.text()
        );
        assert!(
            response.text().contains(words),
            "{body}: {}",
            response.text()
        );
        assert!(!response.text().contains("hunter2"), "{}", response.text());
    }
    assert!(
        app.jobs
            .as_ref()
            .unwrap()
            .webhooks()
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn events_are_queued_for_the_endpoints_that_want_them_and_no_others() {
    let app = app();
    app.bookings
        .save_position(&app.scheduling.built_in_position())
        .await
        .unwrap();
    let bookings = create(
        &app,
        json!({"url": "https://hr.example.com/a", "events": ["booking.created"]}),
    )
    .await;
    let everything = create(&app, json!({"url": "https://hr.example.com/b"})).await;
    let evaluations = create(
        &app,
        json!({"url": "https://hr.example.com/c", "events": ["evaluation.ready"]}),
    )
    .await;
    let disabled = create(&app, json!({"url": "https://hr.example.com/d"})).await;
    let path = format!("/api/v1/webhooks/{}", disabled["id"].as_str().unwrap());
    let response = app
        .api(
            Method::PATCH,
            &path,
            Some(ADMIN),
            Some(&json!({"disabled": true})),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert_eq!(response.json()["disabled"], true);

    app.book("2030-03-02T14:30").await;
    let mut queued = deliveries_queued(&app);
    queued.sort();
    let mut expected = vec![
        (
            bookings["id"].as_str().unwrap().to_owned(),
            "booking.created",
        ),
        (
            everything["id"].as_str().unwrap().to_owned(),
            "booking.created",
        ),
    ];
    expected.sort();
    assert_eq!(queued, expected);
    let _ = evaluations;
}

#[tokio::test]
async fn an_endpoint_changes_field_by_field() {
    let app = app();
    let created = create(
        &app,
        json!({"url": "https://hr.example.com/a", "events": ["booking.created"], "description": "old"}),
    )
    .await;
    let path = format!("/api/v1/webhooks/{}", created["id"].as_str().unwrap());
    let patch = |body: Value| {
        let app = &app;
        let path = path.clone();
        async move {
            app.api(Method::PATCH, &path, Some(ADMIN), Some(&body))
                .await
        }
    };
    let changed = patch(json!({"url": "https://hr.example.com/new"})).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text());
    let changed = changed.json();
    assert_eq!(changed["url"], "https://hr.example.com/new");
    assert_eq!(changed["events"], json!(["booking.created"]));
    assert_eq!(changed["description"], "old");
    // `null` events: all of them.
    let all = patch(json!({"events": null})).await.json();
    assert!(all["events"].is_null(), "{all}");
    let some = patch(json!({"events": ["booking.cancelled"], "description": "new"}))
        .await
        .json();
    assert_eq!(some["events"], json!(["booking.cancelled"]));
    assert_eq!(some["description"], "new");
    for (body, status) in [
        (json!({"url": "nope"}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"events": ["x"]}), StatusCode::UNPROCESSABLE_ENTITY),
        (
            json!({"secret": "whsec_x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!({"disabled": "yes"}), StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let response = patch(body.clone()).await;
        assert_eq!(response.status, status, "{body}: {}", response.text());
    }
    let missing = app
        .api(
            Method::PATCH,
            &format!("/api/v1/webhooks/{}", EndpointId::generate().unwrap()),
            Some(ADMIN),
            Some(&json!({"disabled": true})),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn rotating_gives_a_new_secret_and_keeps_the_old_one_signing_for_a_day() {
    let app = app();
    let created = create(&app, json!({"url": "https://hr.example.com/a"})).await;
    let id = created["id"].as_str().unwrap();
    let rotated = app
        .api(
            Method::POST,
            &format!("/api/v1/webhooks/{id}/rotate-secret"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text());
    let rotated = rotated.json();
    assert_ne!(rotated["secret"], created["secret"]);
    assert!(rotated["secret"].as_str().unwrap().starts_with("whsec_"));
    let expires = rotated["previous_secret_expires_at"].as_str().unwrap();
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(expires).unwrap(),
        crate::helpers::now() + chrono::TimeDelta::hours(24)
    );
    let stored = app
        .jobs
        .as_ref()
        .unwrap()
        .webhook(&EndpointId::parse(id).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.secret.expose(), rotated["secret"]);
    assert_eq!(
        stored.previous_secret.unwrap().secret.expose(),
        created["secret"]
    );
    // A day later the view says the old one no longer signs.
    app.clock.advance(chrono::TimeDelta::hours(25));
    let read = app
        .api(
            Method::GET,
            &format!("/api/v1/webhooks/{id}"),
            Some(ADMIN),
            None,
        )
        .await
        .json();
    assert!(read["previous_secret_expires_at"].is_null(), "{read}");
}

#[tokio::test]
async fn deliveries_are_listed_with_their_status_and_last_error() {
    let app = app();
    app.bookings
        .save_position(&app.scheduling.built_in_position())
        .await
        .unwrap();
    let created = create(&app, json!({"url": "https://hr.example.com/a"})).await;
    let id = EndpointId::parse(created["id"].as_str().unwrap()).unwrap();
    let store = app.jobs.as_ref().unwrap();
    let token = app.book("2030-03-02T14:30").await;
    let booking = app
        .bookings
        .get(&interview_core::BookingToken::parse(&token).unwrap())
        .await
        .unwrap()
        .unwrap();
    let now = crate::helpers::now();
    let created_event = PlatformEvent::new(EventType::BookingCreated, &booking, now).unwrap();
    let cancelled_event = PlatformEvent::new(EventType::BookingCancelled, &booking, now).unwrap();
    store
        .save_delivery(&Delivery::after_attempt(
            None,
            &id,
            &created_event,
            now,
            AttemptOutcome::Delivered(204),
        ))
        .await
        .unwrap();
    store
        .save_delivery(&Delivery::after_attempt(
            None,
            &id,
            &cancelled_event,
            now + chrono::TimeDelta::seconds(5),
            AttemptOutcome::Failed {
                status: Some(503),
                error: "the receiver answered 503".into(),
                last: false,
            },
        ))
        .await
        .unwrap();
    let path = format!("/api/v1/webhooks/{id}/deliveries");
    let listed = app.api(Method::GET, &path, Some(ADMIN), None).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text());
    let listed = listed.json();
    let first = &listed["deliveries"][0];
    assert_eq!(first["event_type"], "booking.cancelled");
    assert_eq!(first["status"], "retrying");
    assert_eq!(first["response_status"], 503);
    assert_eq!(first["last_error"], "the receiver answered 503");
    assert_eq!(first["token"], token.as_str());
    assert_eq!(listed["deliveries"][1]["status"], "delivered");
    assert!(listed["deliveries"][1]["last_error"].is_null());

    let only = app
        .api(
            Method::GET,
            &format!("{path}?status=delivered&limit=5"),
            Some(ADMIN),
            None,
        )
        .await
        .json();
    assert_eq!(only["deliveries"].as_array().unwrap().len(), 1);
    for query in ["status=lost", "limit=0", "limit=201", "limit=x"] {
        let response = app
            .api(Method::GET, &format!("{path}?{query}"), Some(ADMIN), None)
            .await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{query}");
    }
    // The environment's endpoint has deliveries, though it is not listed.
    let env = app
        .api(
            Method::GET,
            "/api/v1/webhooks/env/deliveries",
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(env.status, StatusCode::OK, "{}", env.text());
    assert_eq!(env.json()["deliveries"], json!([]));
    let env = app
        .api(Method::GET, "/api/v1/webhooks/env", Some(ADMIN), None)
        .await;
    assert_eq!(env.status, StatusCode::NOT_FOUND);

    // Deleting the endpoint takes its deliveries with it.
    let deleted = app
        .api(
            Method::DELETE,
            &format!("/api/v1/webhooks/{id}"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text());
    assert_eq!(deleted.json()["id"], id.as_str());
    assert!(
        store
            .delivery(&id, &created_event.id)
            .await
            .unwrap()
            .is_none()
    );
    for method in [Method::GET, Method::DELETE] {
        let response = app
            .api(method, &format!("/api/v1/webhooks/{id}"), Some(ADMIN), None)
            .await;
        assert_eq!(response.status, StatusCode::NOT_FOUND);
    }
    let response = app.api(Method::GET, &path, Some(ADMIN), None).await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn reading_needs_read_changing_needs_write() {
    let app = app();
    let created = create(&app, json!({"url": "https://hr.example.com/a"})).await;
    let id = created["id"].as_str().unwrap();
    let issue = |scopes: Vec<&'static str>| {
        let app = &app;
        async move {
            app.api(
                Method::POST,
                "/api/v1/api-keys",
                Some(ADMIN),
                Some(&json!({"name": "k", "scopes": scopes})),
            )
            .await
            .json()["secret"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let reader = issue(vec!["read"]).await;
    let writer = issue(vec!["write"]).await;
    let body = json!({"url": "https://hr.example.com/b"});
    for (method, path, body) in [
        (Method::POST, "/api/v1/webhooks".to_owned(), Some(&body)),
        (Method::PATCH, format!("/api/v1/webhooks/{id}"), Some(&body)),
        (Method::DELETE, format!("/api/v1/webhooks/{id}"), None),
        (
            Method::POST,
            format!("/api/v1/webhooks/{id}/rotate-secret"),
            None,
        ),
    ] {
        let response = app.api(method.clone(), &path, Some(&reader), body).await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{method} {path}");
        let response = app.api(method.clone(), &path, None, body).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{method} {path}");
    }
    for path in [
        "/api/v1/webhooks".to_owned(),
        format!("/api/v1/webhooks/{id}"),
        format!("/api/v1/webhooks/{id}/deliveries"),
    ] {
        let response = app.api(Method::GET, &path, Some(&writer), None).await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{path}");
        let response = app.api(Method::GET, &path, Some(&reader), None).await;
        assert_eq!(response.status, StatusCode::OK, "{path}");
    }
    assert_eq!(app.bookings.api_keys().await.unwrap().len(), 2);
}

#[tokio::test]
async fn endpoints_are_bounded_and_need_a_queue() {
    let app = app();
    for n in 0..MAX_ENDPOINTS {
        create(&app, json!({"url": format!("https://hr.example.com/{n}")})).await;
    }
    let response = app
        .api(
            Method::POST,
            "/api/v1/webhooks",
            Some(ADMIN),
            Some(&json!({"url": "https://hr.example.com/one-more"})),
        )
        .await;
    assert_eq!(response.status, StatusCode::CONFLICT, "{}", response.text());
    assert!(response.text().contains("50"), "{}", response.text());

    // A server without a job queue (Supabase) says so.
    let without = spawn_app_with(Options {
        admin_token: Some(ADMIN),
        ..Options::default()
    });
    let response = without
        .api(Method::GET, "/api/v1/webhooks", Some(ADMIN), None)
        .await;
    assert_eq!(response.status, StatusCode::CONFLICT);
    assert!(response.text().contains("job queue"), "{}", response.text());
}
