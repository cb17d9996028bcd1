use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use interview_core::resume::ExtractError;
use interview_core::testing::ScriptedExtractor;

use crate::helpers::{Options, PDF, multipart, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_pdf_is_stored_and_its_text_returned_in_the_original_shape() {
    let app = spawn_app();
    let response = app.upload("resume", "cv.pdf", PDF).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let json = response.json();
    let url = json["resumeUrl"].as_str().unwrap();
    assert!(
        url.starts_with("https://jobs.example.com/resumes/") && url.ends_with(".pdf"),
        "{url}"
    );
    assert_eq!(json["resumeText"], "Jane Doe\nRust engineer, 7 years");
    assert!(json["extractionError"].is_null());
    assert_eq!(app.resumes.len(), 1);

    // The stored file is served back to whoever holds its URL.
    let path = url.trim_start_matches("https://jobs.example.com");
    let file = app.get(path).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.body, PDF);
    assert_eq!(file.header(header::CONTENT_TYPE), "application/pdf");
    assert_eq!(file.header(header::CACHE_CONTROL), "private, no-store");
    assert_eq!(
        app.get("/resumes/0_deadbeef.pdf").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_extraction_failure_still_stores_the_file_and_reports_why() {
    let app = spawn_app_with(Options {
        extractor: ScriptedExtractor::failing(|| ExtractError::Encrypted),
        ..Options::default()
    });
    let response = app.upload("resume", "cv.pdf", PDF).await;
    assert_eq!(response.status, StatusCode::OK);
    let json = response.json();
    assert!(json["resumeText"].is_null());
    // The candidate's words, never the parser's.
    assert_eq!(json["extractionError"], ExtractError::Encrypted.to_string());
    assert!(
        json["extractionError"]
            .as_str()
            .unwrap()
            .contains("protected with a password")
    );
    assert_eq!(app.resumes.len(), 1);
}

#[tokio::test]
async fn a_png_named_pdf_is_refused_saying_what_it_is() {
    let app = spawn_app();
    let response = app
        .upload("resume", "cv.pdf", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
        .await;
    assert_eq!(response.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let error = &response.json()["error"];
    assert_eq!(error["code"], "unsupported_type");
    assert_eq!(error["field"], "resume");
    assert!(
        error["message"].as_str().unwrap().contains("PNG image"),
        "{error}"
    );
    assert!(app.resumes.is_empty());
}

#[tokio::test]
async fn a_missing_or_empty_file_is_a_bad_request_on_the_resume_field() {
    let app = spawn_app();
    let wrong_field = app.upload("cv", "cv.pdf", PDF).await;
    assert_eq!(wrong_field.status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong_field.json()["error"]["field"], "resume");
    let empty = app.upload("resume", "cv.pdf", b"").await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(
        empty.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("empty")
    );
}

#[tokio::test]
async fn a_body_that_is_not_multipart_is_unsupported_media_type() {
    let app = spawn_app();
    let response = app
        .send(
            Request::post("/api/upload-resume")
                .header(header::CONTENT_TYPE, "application/pdf")
                .body(Body::from(PDF))
                .unwrap(),
        )
        .await;
    assert_eq!(response.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let body = response.json();
    assert_eq!(body["error"]["code"], "unsupported_media_type");
    // The framework's own wording stays in the log.
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        !message.contains("boundary") && !message.contains('`'),
        "{message}"
    );
}

#[tokio::test]
async fn files_over_the_limit_get_413_and_the_limit_itself_passes() {
    let limit = 64 * 1024;
    let app = spawn_app_with(Options {
        max_resume_bytes: limit,
        ..Options::default()
    });
    let mut at_limit = PDF.to_vec();
    at_limit.resize(limit, b' ');
    assert_eq!(
        app.upload("resume", "cv.pdf", &at_limit).await.status,
        StatusCode::OK
    );

    at_limit.push(b' ');
    let over = app.upload("resume", "cv.pdf", &at_limit).await;
    assert_eq!(
        over.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        over.text()
    );
    assert_eq!(over.json()["error"]["code"], "too_large");
    assert!(
        over.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("64 KB")
    );

    // Far past the limit: refused by the body limit before it is all read.
    let huge = vec![b'x'; 8 * 1024 * 1024];
    let (content_type, body) = multipart("resume", "cv.pdf", &huge);
    let response = app
        .send(
            Request::post("/api/upload-resume")
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.resumes.len(), 1);
}

#[tokio::test]
async fn a_resume_store_that_is_down_gives_503_without_internals() {
    let app = spawn_app();
    app.resumes.set_unavailable(true);
    let response = app.upload("resume", "cv.pdf", PDF).await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    let text = response.text();
    assert!(text.contains("try again"), "{text}");
    assert!(!text.contains("injected"), "internals leaked: {text}");
}
