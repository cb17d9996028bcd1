//! `/api/v1/api-keys`: keys issued once, scopes enforced on every route, a key
//! revoked stops at once, and no key hands out more than it has.

use axum::http::{Method, StatusCode, header};
use interview_core::store::{ApiKeyStore, PositionStore};
use serde_json::{Value, json};

use crate::helpers::{Options, TestApp, spawn_app_with};

const ADMIN: &str = "admin-token-0123456789abcdef";

fn app() -> TestApp {
    spawn_app_with(Options {
        admin_token: Some(ADMIN),
        ..Options::default()
    })
}

/// Issues a key with `scopes` as the admin and returns its answer.
async fn issue(app: &TestApp, name: &str, scopes: &[&str]) -> Value {
    let response = app
        .api(
            Method::POST,
            "/api/v1/api-keys",
            Some(ADMIN),
            Some(&json!({"name": name, "scopes": scopes})),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    assert_eq!(response.header(header::CACHE_CONTROL), "no-store");
    response.json()
}

#[tokio::test]
async fn a_key_is_shown_once_and_stored_as_a_hash() {
    let app = app();
    let issued = issue(&app, "ATS sync", &["write", "read"]).await;
    let secret = issued["secret"].as_str().unwrap();
    assert!(secret.starts_with("ik_"), "{secret}");
    assert_eq!(issued["name"], "ATS sync");
    assert_eq!(issued["scopes"], json!(["read", "write"]));
    assert!(issued["last_used_at"].is_null());

    let listed = app
        .api(Method::GET, "/api/v1/api-keys", Some(secret), None)
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text());
    let text = listed.text();
    let random_part = secret.rsplit('_').next().unwrap();
    assert!(!text.contains(random_part), "the secret is not shown again");
    assert_eq!(listed.json()["api_keys"][0]["id"], issued["id"]);
    // The use was recorded.
    assert!(listed.json()["api_keys"][0]["last_used_at"].is_string());

    // The store keeps no secret.
    let stored = app.bookings.api_keys().await.unwrap();
    assert!(!format!("{stored:?}").contains(random_part));
}

#[tokio::test]
async fn each_route_needs_its_scope() {
    let app = app();
    app.bookings
        .save_position(&app.scheduling.built_in_position())
        .await
        .unwrap();
    let token = app.book("2030-03-02T14:30").await;
    let read = issue(&app, "reader", &["read"]).await["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let write = issue(&app, "writer", &["write"]).await["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let erase = issue(&app, "eraser", &["erase"]).await["secret"]
        .as_str()
        .unwrap()
        .to_owned();

    let interview = format!("/api/v1/interviews/{token}");
    let routes: Vec<(Method, String, Option<Value>, &str)> = vec![
        (Method::GET, "/api/v1/positions".into(), None, "read"),
        (
            Method::GET,
            "/api/v1/positions/default".into(),
            None,
            "read",
        ),
        (Method::GET, "/api/v1/interviews".into(), None, "read"),
        (Method::GET, interview.clone(), None, "read"),
        (Method::GET, "/api/v1/api-keys".into(), None, "read"),
        (
            Method::POST,
            "/api/v1/positions".into(),
            Some(json!({"id": "support", "title": "Support Specialist"})),
            "write",
        ),
        (
            Method::PATCH,
            "/api/v1/positions/default".into(),
            Some(json!({"description": "Changed."})),
            "write",
        ),
        (
            Method::POST,
            format!("{interview}/reschedule"),
            Some(json!({"datetime": "2030-03-03T10:00"})),
            "write",
        ),
        (Method::POST, format!("{interview}/cancel"), None, "write"),
        (Method::DELETE, interview.clone(), None, "erase"),
    ];
    for (method, path, body, needed) in &routes {
        for (key, has) in [(&read, "read"), (&write, "write"), (&erase, "erase")] {
            if has == *needed {
                continue;
            }
            let response = app
                .api(method.clone(), path, Some(key), body.as_ref())
                .await;
            assert_eq!(
                response.status,
                StatusCode::FORBIDDEN,
                "{method} {path} with a {has} key: {}",
                response.text()
            );
            assert_eq!(response.json()["error"]["code"], "forbidden");
            assert!(
                response.json()["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains(needed)
            );
        }
    }
    // And each works with its own scope (in this order: the erase comes last).
    for (method, path, body, needed) in &routes {
        let key = match *needed {
            "read" => &read,
            "write" => &write,
            _ => &erase,
        };
        let response = app
            .api(method.clone(), path, Some(key), body.as_ref())
            .await;
        assert!(
            response.status.is_success(),
            "{method} {path}: {} {}",
            response.status,
            response.text()
        );
    }
}

#[tokio::test]
async fn a_revoked_key_stops_working_at_once() {
    let app = app();
    let issued = issue(&app, "temp", &["read"]).await;
    let secret = issued["secret"].as_str().unwrap();
    let id = issued["id"].as_str().unwrap();
    let ok = app
        .api(Method::GET, "/api/v1/positions", Some(secret), None)
        .await;
    assert_eq!(ok.status, StatusCode::OK);

    let revoked = app
        .api(
            Method::DELETE,
            &format!("/api/v1/api-keys/{id}"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text());
    assert!(revoked.json()["revoked_at"].is_string());

    let refused = app
        .api(Method::GET, "/api/v1/positions", Some(secret), None)
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        refused.header(header::WWW_AUTHENTICATE),
        "Bearer realm=\"interview\""
    );
    // Revoking again is no error and keeps the first time.
    let again = app
        .api(
            Method::DELETE,
            &format!("/api/v1/api-keys/{id}"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["revoked_at"], revoked.json()["revoked_at"]);
    let unknown = app
        .api(
            Method::DELETE,
            "/api/v1/api-keys/0123456789abcdef",
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_key_cannot_hand_out_more_than_it_has() {
    let app = app();
    let writer = issue(&app, "writer", &["read", "write"]).await;
    let secret = writer["secret"].as_str().unwrap();
    let escalate = app
        .api(
            Method::POST,
            "/api/v1/api-keys",
            Some(secret),
            Some(&json!({"name": "mine", "scopes": ["read", "erase"]})),
        )
        .await;
    assert_eq!(
        escalate.status,
        StatusCode::FORBIDDEN,
        "{}",
        escalate.text()
    );
    let same = app
        .api(
            Method::POST,
            "/api/v1/api-keys",
            Some(secret),
            Some(&json!({"name": "mine", "scopes": ["read"]})),
        )
        .await;
    assert_eq!(same.status, StatusCode::CREATED, "{}", same.text());
    // Nor revoke a key with more.
    let eraser = issue(&app, "eraser", &["erase"]).await;
    let response = app
        .api(
            Method::DELETE,
            &format!("/api/v1/api-keys/{}", eraser["id"].as_str().unwrap()),
            Some(secret),
            None,
        )
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn key_requests_that_do_not_fit_are_refused_clearly() {
    let app = app();
    for body in [
        json!({"name": "", "scopes": ["read"]}),
        json!({"name": "x".repeat(101), "scopes": ["read"]}),
        json!({"name": "ok", "scopes": []}),
        json!({"name": "ok", "scopes": ["admin"]}),
        json!({"name": "ok"}),
        json!({"name": "ok", "scopes": ["read"], "extra": 1}),
        json!(["read"]),
    ] {
        let response = app
            .api(Method::POST, "/api/v1/api-keys", Some(ADMIN), Some(&body))
            .await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            response.text()
        );
        assert_eq!(response.json()["error"]["code"], "invalid");
    }
    assert!(app.bookings.api_keys().await.unwrap().is_empty());
}
