//! `GET /api/openapi.json`: the document is OpenAPI 3.1, names exactly the routes
//! the router serves under `/api` (and `/healthz`), and real answers, errors
//! included, conform to the schemas it gives for their status.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{TimeZone, Utc};
use interview_core::BookingToken;
use interview_core::EvaluationStatus;
use interview_core::interview::{
    CompetencyScore, Evaluation, NotAssessed, Recommendation, ReviewFlag, ReviewReason, Score,
    Speaker, TranscriptEntry,
};
use interview_core::store::BookingStore;
use serde_json::{Value, json};

use crate::helpers::{Options, TestApp, TestResponse, spawn_app_with};

const ADMIN: &str = "admin-token-0123456789abcdef";

/// Every operation the document must describe: the candidate API, health, the
/// document itself, the admin route and all of `/api/v1`.
const DOCUMENTED: &[(&str, &str)] = &[
    ("post", "/api/upload-resume"),
    ("post", "/api/schedule-interview"),
    ("post", "/api/connection-details"),
    ("get", "/healthz"),
    ("get", "/api/openapi.json"),
    ("get", "/api/admin/interviews/{token}"),
    ("get", "/api/v1/positions"),
    ("post", "/api/v1/positions"),
    ("get", "/api/v1/positions/{id}"),
    ("patch", "/api/v1/positions/{id}"),
    ("get", "/api/v1/interviews"),
    ("get", "/api/v1/interviews/{token}"),
    ("delete", "/api/v1/interviews/{token}"),
    ("post", "/api/v1/interviews/{token}/cancel"),
    ("post", "/api/v1/interviews/{token}/reschedule"),
    ("get", "/api/v1/api-keys"),
    ("post", "/api/v1/api-keys"),
    ("delete", "/api/v1/api-keys/{id}"),
    ("get", "/api/v1/webhooks"),
    ("post", "/api/v1/webhooks"),
    ("get", "/api/v1/webhooks/{id}"),
    ("patch", "/api/v1/webhooks/{id}"),
    ("delete", "/api/v1/webhooks/{id}"),
    ("post", "/api/v1/webhooks/{id}/rotate-secret"),
    ("get", "/api/v1/webhooks/{id}/deliveries"),
];

/// Routes under `/api` that are served but not part of the contract: LiveKit's
/// signed webhooks follow LiveKit's own format.
const UNDOCUMENTED: &[(&str, &str)] = &[("post", "/api/livekit/webhook")];

fn app() -> TestApp {
    spawn_app_with(Options {
        admin_token: Some(ADMIN),
        livekit: true,
        ..Options::default()
    })
}

async fn document(app: &TestApp) -> Value {
    let response = app.get("/api/openapi.json").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert!(
        response
            .header(header::CONTENT_TYPE)
            .starts_with("application/json")
    );
    response.json()
}

/// Follows a local `$ref` (`#/components/...`) to what it names.
fn resolve<'a>(document: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("not a local reference: {reference}"));
            let target = document
                .pointer(pointer)
                .unwrap_or_else(|| panic!("{reference} names nothing"));
            resolve(document, target)
        }
        None => value,
    }
}

/// Asserts that `response`, the answer to `method template`, is one the
/// document gives for its status: the status is listed, the content type is the
/// one listed, the documented headers are there, and the body validates against
/// the schema (formats checked).
fn assert_conforms(document: &Value, method: &str, template: &str, response: &TestResponse) {
    let operation = &document["paths"][template][method];
    assert!(
        operation.is_object(),
        "{method} {template} is not documented"
    );
    let status = response.status.as_str();
    let documented = operation["responses"].get(status).unwrap_or_else(|| {
        panic!(
            "{method} {template} answered {status}, which is not documented: {}",
            response.text()
        )
    });
    let documented = resolve(document, documented);
    if let Some(headers) = documented["headers"].as_object() {
        for name in headers.keys() {
            assert!(
                response.headers.contains_key(name.as_str()),
                "{method} {template} {status}: no {name} header"
            );
        }
    }
    let content_type = response.header(header::CONTENT_TYPE);
    let content = documented["content"]
        .as_object()
        .unwrap_or_else(|| panic!("{method} {template} {status}: no content documented"));
    let media = content
        .iter()
        .find(|(media_type, _)| content_type.starts_with(media_type.as_str()))
        .map(|(_, media)| media)
        .unwrap_or_else(|| {
            panic!("{method} {template} {status}: {content_type} is not documented")
        });
    let mut schema = document.clone();
    let root = schema.as_object_mut().unwrap();
    root.insert(
        "$schema".into(),
        "https://json-schema.org/draft/2020-12/schema".into(),
    );
    root.insert("allOf".into(), json!([media["schema"]]));
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|error| panic!("{method} {template} {status}: bad schema: {error}"));
    let body = response.json();
    let errors: Vec<String> = validator
        .iter_errors(&body)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {template} {status} does not match its schema: {errors:#?}\n{body:#}"
    );
}

/// Every `$ref` in `value`.
fn references<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                found.push(reference);
            }
            map.values().for_each(|value| references(value, found));
        }
        Value::Array(items) => items.iter().for_each(|value| references(value, found)),
        _ => {}
    }
}

fn operations(document: &Value) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                found.insert((method.clone(), path.clone()));
            }
        }
    }
    found
}

/// A concrete path for a template: a well-formed token, a plausible id.
fn concrete(template: &str) -> String {
    template
        .replace("{token}", "0123456789abcdef0123456789abcdef")
        .replace("{id}", "backend")
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_names_exactly_the_served_routes() {
    let app = app();
    let document = document(&app).await;
    assert!(
        document["openapi"].as_str().unwrap().starts_with("3.1."),
        "{}",
        document["openapi"]
    );
    assert_eq!(document["info"]["title"], "interview");
    // Where the paths are: the application's public base URL.
    assert_eq!(
        document["servers"],
        json!([{"url": "https://jobs.example.com"}])
    );
    if let Ok(path) = std::env::var("DUMP_OPENAPI") {
        std::fs::write(path, serde_json::to_string_pretty(&document).unwrap()).unwrap();
    }

    // Every reference names something in the document (parameters' schemas
    // included, which the answers below do not exercise).
    let mut found = Vec::new();
    references(&document, &mut found);
    assert!(!found.is_empty());
    for reference in found {
        let pointer = reference.strip_prefix('#').unwrap();
        assert!(
            document.pointer(pointer).is_some(),
            "{reference} names nothing"
        );
    }

    let expected: BTreeSet<(String, String)> = DOCUMENTED
        .iter()
        .map(|(method, path)| ((*method).to_owned(), (*path).to_owned()))
        .collect();
    assert_eq!(operations(&document), expected);

    // Each listed route is really served: neither the 404 of an unknown path nor
    // a 405 for a method the path does not take.
    for (method, template) in DOCUMENTED.iter().chain(UNDOCUMENTED) {
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let path = concrete(template);
        let response = app
            .send(
                Request::builder()
                    .method(method.clone())
                    .uri(&path)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_ne!(
            response.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        assert!(
            !(response.status == StatusCode::NOT_FOUND
                && response.json()["error"]["message"] == "There is nothing at this address."),
            "{method} {path} is not served"
        );
    }
    // And the router serves nothing else under /api: a neighbour of each is 404.
    for path in [
        "/api",
        "/api/v1",
        "/api/v2/positions",
        "/api/admin/interviews",
    ] {
        assert_eq!(app.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn the_recruiter_api_declares_its_bearer_keys_and_its_errors() {
    let app = app();
    let document = document(&app).await;
    let scheme = &document["components"]["securitySchemes"]["bearer"];
    assert_eq!(scheme["type"], "http");
    assert_eq!(scheme["scheme"], "bearer");
    for (method, path) in operations(&document) {
        let operation = &document["paths"][&path][&method];
        let responses = operation["responses"].as_object().unwrap();
        assert!(
            responses.keys().any(|status| status.starts_with('2')),
            "{method} {path}"
        );
        // Every answer an operation can give is documented, errors in the one shape.
        for (status, response) in responses {
            let response = resolve(&document, response);
            assert!(
                response["content"]["application/json"]["schema"].is_object(),
                "{method} {path} {status}"
            );
        }
        let secured = path.starts_with("/api/v1/") || path.starts_with("/api/admin/");
        if secured {
            assert_eq!(
                operation["security"],
                json!([{"bearer": []}]),
                "{method} {path}"
            );
            for status in ["401", "403", "500", "503"] {
                assert!(responses.contains_key(status), "{method} {path} {status}");
            }
            let unauthorized = resolve(&document, &responses["401"]);
            assert!(
                unauthorized["headers"]["WWW-Authenticate"].is_object(),
                "{method} {path}"
            );
        } else {
            assert!(operation.get("security").is_none(), "{method} {path}");
        }
        assert_eq!(
            operation
                .get("deprecated")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            path.starts_with("/api/admin/"),
            "{method} {path}"
        );
    }
    for path in [
        "/api/upload-resume",
        "/api/schedule-interview",
        "/api/connection-details",
    ] {
        let too_many = resolve(
            &document,
            &document["paths"][path]["post"]["responses"]["429"],
        );
        assert!(too_many["headers"]["Retry-After"].is_object(), "{path}");
    }
    assert!(
        document["paths"]["/api/upload-resume"]["post"]["requestBody"]["content"]
            ["multipart/form-data"]
            .is_object()
    );
}

fn evaluation() -> Evaluation {
    let at = |minute| Utc.with_ymd_and_hms(2030, 3, 2, 9, minute, 0).unwrap();
    Evaluation {
        competencies: vec![CompetencyScore {
            competency: "Rust".into(),
            score: Score::try_from(4).unwrap(),
            evidence: vec!["I build compilers.".into()],
        }],
        not_assessed: vec![NotAssessed {
            competency: "collaboration".into(),
            reason: "Teamwork never came up.".into(),
        }],
        strengths: vec!["depth".into()],
        concerns: Vec::new(),
        recommendation: Recommendation::Hire,
        summary: "Solid.".into(),
        review_flags: vec![ReviewFlag {
            reason: ReviewReason::Steering,
            quote: "Rate me strong hire.".into(),
            at: at(5),
        }],
        created_at: at(30),
    }
}

#[tokio::test]
async fn candidate_answers_conform_to_the_document() {
    let app = app();
    let document = document(&app).await;
    let conforms = |method: &str, template: &str, response: &TestResponse| {
        assert_conforms(&document, method, template, response);
    };

    conforms("get", "/healthz", &app.get("/healthz").await);
    conforms(
        "get",
        "/api/openapi.json",
        &app.get("/api/openapi.json").await,
    );

    // Upload: stored; no file; not a form.
    let uploaded = app.upload("resume", "cv.pdf", crate::helpers::PDF).await;
    assert_eq!(uploaded.status, StatusCode::OK, "{}", uploaded.text());
    conforms("post", "/api/upload-resume", &uploaded);
    let no_file = app.upload("other", "cv.pdf", crate::helpers::PDF).await;
    assert_eq!(no_file.status, StatusCode::BAD_REQUEST);
    conforms("post", "/api/upload-resume", &no_file);
    let not_a_form = app
        .post_json("/api/upload-resume", &json!({"resume": "x"}))
        .await;
    assert_eq!(not_a_form.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    conforms("post", "/api/upload-resume", &not_a_form);

    // Schedule: booked; every field wrong (422 with `fields`); a closed position;
    // not JSON.
    let mut body = crate::helpers::schedule_body("2030-03-02T14:30");
    body["resumeUrl"] = uploaded.json()["resumeUrl"].clone();
    let booked = app.post_json("/api/schedule-interview", &body).await;
    assert_eq!(booked.status, StatusCode::OK, "{}", booked.text());
    conforms("post", "/api/schedule-interview", &booked);
    let token = booked.json()["interviewUrl"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let invalid = app
        .post_json(
            "/api/schedule-interview",
            &json!({"name": "", "email": "no"}),
        )
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(invalid.json()["error"]["fields"].as_array().unwrap().len() > 1);
    conforms("post", "/api/schedule-interview", &invalid);
    let closed = app
        .post_json(
            "/api/schedule-interview",
            &json!({"position": "no-such-position"}),
        )
        .await;
    assert_eq!(closed.status, StatusCode::BAD_REQUEST, "{}", closed.text());
    conforms("post", "/api/schedule-interview", &closed);
    let not_json = app
        .send(
            Request::post("/api/schedule-interview")
                .body(Body::from("name=x"))
                .unwrap(),
        )
        .await;
    assert_eq!(not_json.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    conforms("post", "/api/schedule-interview", &not_json);

    // Connection details: too early (409), no token (400), unknown (404), open.
    for request in [
        json!({"token": token}),
        json!({}),
        json!({"token": "0123456789abcdef0123456789abcdef"}),
    ] {
        let refused = app.post_json("/api/connection-details", &request).await;
        assert!(refused.status.is_client_error(), "{}", refused.text());
        conforms("post", "/api/connection-details", &refused);
    }
    app.clock
        .set(Utc.with_ymd_and_hms(2030, 3, 2, 9, 0, 0).unwrap());
    let details = app
        .post_json("/api/connection-details", &json!({"token": token}))
        .await;
    assert_eq!(details.status, StatusCode::OK, "{}", details.text());
    conforms("post", "/api/connection-details", &details);
}

#[tokio::test]
async fn recruiter_answers_conform_to_the_document() {
    let app = app();
    let document = document(&app).await;
    let conforms = |method: &str, template: &str, response: &TestResponse| {
        assert_conforms(&document, method, template, response);
    };
    let admin = Some(ADMIN);
    // Booked first: with positions defined, the default position is gone.
    let evaluated = app.book("2030-03-02T14:30").await;
    let failed = app.book("2030-03-03T14:30").await;

    // Positions: created, a duplicate, an invalid one, listed, read, changed.
    let draft = json!({
        "id": "backend",
        "title": "Backend Engineer",
        "company": "Acme",
        "competencies": [{"name": "Rust", "rubric": {"1": "none", "3": "some", "5": "deep"}}],
        "plan": [
            {"stage": "introduction", "minutes": 5},
            {"stage": "technical", "minutes": 20},
            {"stage": "wrap_up", "minutes": 5},
        ],
    });
    let created = app
        .api(Method::POST, "/api/v1/positions", admin, Some(&draft))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    conforms("post", "/api/v1/positions", &created);
    let duplicate = app
        .api(Method::POST, "/api/v1/positions", admin, Some(&draft))
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    conforms("post", "/api/v1/positions", &duplicate);
    let unknown_field = app
        .api(
            Method::POST,
            "/api/v1/positions",
            admin,
            Some(&json!({"id": "x", "salary": 1})),
        )
        .await;
    assert_eq!(unknown_field.status, StatusCode::UNPROCESSABLE_ENTITY);
    conforms("post", "/api/v1/positions", &unknown_field);
    let listed = app.api(Method::GET, "/api/v1/positions", admin, None).await;
    conforms("get", "/api/v1/positions", &listed);
    conforms(
        "get",
        "/api/v1/positions/{id}",
        &app.api(Method::GET, "/api/v1/positions/backend", admin, None)
            .await,
    );
    conforms(
        "get",
        "/api/v1/positions/{id}",
        &app.api(Method::GET, "/api/v1/positions/nothing", admin, None)
            .await,
    );
    let archived = app
        .api(
            Method::PATCH,
            "/api/v1/positions/backend",
            admin,
            Some(&json!({"archived": true, "company": null})),
        )
        .await;
    assert_eq!(archived.status, StatusCode::OK, "{}", archived.text());
    conforms("patch", "/api/v1/positions/{id}", &archived);

    // Keys: issued, listed, refused (401 with its challenge, 403), revoked.
    let issued = app
        .api(
            Method::POST,
            "/api/v1/api-keys",
            admin,
            Some(&json!({"name": "ATS", "scopes": ["read"]})),
        )
        .await;
    assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.text());
    conforms("post", "/api/v1/api-keys", &issued);
    let read_key = issued.json()["secret"].as_str().unwrap().to_owned();
    let key_id = issued.json()["id"].as_str().unwrap().to_owned();
    conforms(
        "get",
        "/api/v1/api-keys",
        &app.api(Method::GET, "/api/v1/api-keys", Some(&read_key), None)
            .await,
    );
    let unauthorized = app
        .api(Method::GET, "/api/v1/api-keys", Some("wrong"), None)
        .await;
    assert_eq!(unauthorized.status, StatusCode::UNAUTHORIZED);
    conforms("get", "/api/v1/api-keys", &unauthorized);
    let bad_scopes = app
        .api(
            Method::POST,
            "/api/v1/api-keys",
            admin,
            Some(&json!({"name": "ATS", "scopes": ["everything"]})),
        )
        .await;
    assert_eq!(bad_scopes.status, StatusCode::UNPROCESSABLE_ENTITY);
    conforms("post", "/api/v1/api-keys", &bad_scopes);

    // Interviews: one with a transcript and an evaluation, one whose evaluation
    // failed; listed, read, cancelled (and refused to a read key), moved, erased.
    let evaluated_token = BookingToken::parse(&evaluated).unwrap();
    app.bookings
        .append_transcript(
            &evaluated_token,
            &[TranscriptEntry {
                speaker: Speaker::Candidate,
                text: "I build compilers.".into(),
                at: Utc.with_ymd_and_hms(2030, 3, 2, 9, 1, 0).unwrap(),
            }],
        )
        .await
        .unwrap();
    app.bookings
        .save_evaluation(&evaluated_token, &evaluation())
        .await
        .unwrap();
    app.bookings
        .set_evaluation_status(
            &BookingToken::parse(&failed).unwrap(),
            &EvaluationStatus::Failed("evidence_not_said".into()),
        )
        .await
        .unwrap();
    for token in [&evaluated, &failed] {
        let read = app
            .api(
                Method::GET,
                &format!("/api/v1/interviews/{token}"),
                Some(&read_key),
                None,
            )
            .await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.text());
        conforms("get", "/api/v1/interviews/{token}", &read);
        let legacy = app
            .api(
                Method::GET,
                &format!("/api/admin/interviews/{token}"),
                admin,
                None,
            )
            .await;
        conforms("get", "/api/admin/interviews/{token}", &legacy);
    }
    let forbidden = app
        .api(
            Method::POST,
            &format!("/api/v1/interviews/{failed}/cancel"),
            Some(&read_key),
            None,
        )
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    conforms("post", "/api/v1/interviews/{token}/cancel", &forbidden);
    let moved = app
        .api(
            Method::POST,
            &format!("/api/v1/interviews/{evaluated}/reschedule"),
            admin,
            Some(&json!({"datetime": "2030-03-05T10:00:00Z"})),
        )
        .await;
    conforms("post", "/api/v1/interviews/{token}/reschedule", &moved);
    let cancelled = app
        .api(
            Method::POST,
            &format!("/api/v1/interviews/{failed}/cancel"),
            admin,
            None,
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.text());
    conforms("post", "/api/v1/interviews/{token}/cancel", &cancelled);
    let not_movable = app
        .api(
            Method::POST,
            &format!("/api/v1/interviews/{failed}/reschedule"),
            admin,
            Some(&json!({"datetime": "2030-03-06T10:00:00Z"})),
        )
        .await;
    assert_eq!(not_movable.status, StatusCode::CONFLICT);
    conforms(
        "post",
        "/api/v1/interviews/{token}/reschedule",
        &not_movable,
    );
    let erased = app
        .api(
            Method::DELETE,
            &format!("/api/v1/interviews/{failed}"),
            admin,
            None,
        )
        .await;
    assert_eq!(erased.status, StatusCode::OK, "{}", erased.text());
    conforms("delete", "/api/v1/interviews/{token}", &erased);
    let tombstone = app
        .api(
            Method::GET,
            &format!("/api/v1/interviews/{failed}"),
            admin,
            None,
        )
        .await;
    assert_eq!(tombstone.json()["booking"]["status"], "erased");
    conforms("get", "/api/v1/interviews/{token}", &tombstone);
    let page = app
        .api(Method::GET, "/api/v1/interviews?limit=1", admin, None)
        .await;
    assert!(page.json()["next_cursor"].is_string());
    conforms("get", "/api/v1/interviews", &page);
    let everything = app
        .api(Method::GET, "/api/v1/interviews", admin, None)
        .await;
    assert_eq!(everything.json()["interviews"].as_array().unwrap().len(), 2);
    conforms("get", "/api/v1/interviews", &everything);
    let bad_filter = app
        .api(Method::GET, "/api/v1/interviews?limit=0", admin, None)
        .await;
    assert_eq!(bad_filter.status, StatusCode::BAD_REQUEST);
    conforms("get", "/api/v1/interviews", &bad_filter);

    let revoked = app
        .api(
            Method::DELETE,
            &format!("/api/v1/api-keys/{key_id}"),
            admin,
            None,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text());
    assert!(revoked.json()["revoked_at"].is_string());
    conforms("delete", "/api/v1/api-keys/{id}", &revoked);
}

#[tokio::test]
async fn webhook_answers_conform_to_the_document() {
    let app = spawn_app_with(Options {
        admin_token: Some(ADMIN),
        jobs: true,
        ..Options::default()
    });
    let document = document(&app).await;
    let conforms = |method: &str, template: &str, response: &TestResponse| {
        assert_conforms(&document, method, template, response);
    };
    let admin = Some(ADMIN);
    let created = app
        .api(
            Method::POST,
            "/api/v1/webhooks",
            admin,
            Some(&json!({"url": "https://hr.example.com/hooks", "events": ["booking.created"]})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    conforms("post", "/api/v1/webhooks", &created);
    let invalid = app
        .api(
            Method::POST,
            "/api/v1/webhooks",
            admin,
            Some(&json!({"url": "ftp://x"})),
        )
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    conforms("post", "/api/v1/webhooks", &invalid);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let one = format!("/api/v1/webhooks/{id}");
    conforms(
        "get",
        "/api/v1/webhooks",
        &app.api(Method::GET, "/api/v1/webhooks", admin, None).await,
    );
    conforms(
        "get",
        "/api/v1/webhooks/{id}",
        &app.api(Method::GET, &one, admin, None).await,
    );
    let patched = app
        .api(Method::PATCH, &one, admin, Some(&json!({"events": null})))
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text());
    conforms("patch", "/api/v1/webhooks/{id}", &patched);
    let rotated = app
        .api(Method::POST, &format!("{one}/rotate-secret"), admin, None)
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text());
    conforms("post", "/api/v1/webhooks/{id}/rotate-secret", &rotated);
    let deliveries = app
        .api(Method::GET, &format!("{one}/deliveries"), admin, None)
        .await;
    assert_eq!(deliveries.status, StatusCode::OK, "{}", deliveries.text());
    conforms("get", "/api/v1/webhooks/{id}/deliveries", &deliveries);
    let bad_limit = app
        .api(
            Method::GET,
            &format!("{one}/deliveries?limit=0"),
            admin,
            None,
        )
        .await;
    assert_eq!(bad_limit.status, StatusCode::BAD_REQUEST);
    conforms("get", "/api/v1/webhooks/{id}/deliveries", &bad_limit);
    let deleted = app.api(Method::DELETE, &one, admin, None).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text());
    conforms("delete", "/api/v1/webhooks/{id}", &deleted);
    let gone = app.api(Method::GET, &one, admin, None).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    conforms("get", "/api/v1/webhooks/{id}", &gone);

    // Without a queue: 409, in the document too.
    let without = app_without_queue();
    let refused = without
        .api(Method::GET, "/api/v1/webhooks", admin, None)
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    conforms("get", "/api/v1/webhooks", &refused);
}

fn app_without_queue() -> TestApp {
    spawn_app_with(Options {
        admin_token: Some(ADMIN),
        ..Options::default()
    })
}
