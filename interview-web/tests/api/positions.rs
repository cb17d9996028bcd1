//! Positions on the candidate's side: `/apply` (the list, the only one, or the
//! built-in default), `/apply/{slug}`, and bookings that name their position.

use axum::http::{StatusCode, header};
use interview_core::position::{Position, PositionDefaults, PositionDraft};
use interview_core::store::PositionStore;
use serde_json::json;

use crate::helpers::{TestApp, TestResponse, schedule_body, spawn_app};

/// A position as a `POSITIONS_FILE` entry would define it.
fn position(id: &str, title: &str, company: Option<&str>, minutes: u32) -> PositionDraft {
    let mut draft = PositionDraft::named(id);
    draft.title = title.to_owned();
    draft.company = company.map(str::to_owned);
    draft.duration_minutes = Some(minutes);
    draft
}

async fn save(app: &TestApp, draft: &PositionDraft) -> Position {
    let position = Position::parse(draft, &PositionDefaults::default()).unwrap();
    app.bookings.save_position(&position).await.unwrap();
    position
}

/// Two open positions at two companies, and a closed one.
async fn app_with_positions() -> TestApp {
    let app = spawn_app();
    let mut backend = position("backend-engineer", "Backend Engineer", Some("Acme"), 45);
    backend.description = "We run **payments** for [small shops](https://acme.example).".into();
    backend.language = "de".into();
    backend.phone_region = Some("DE".into());
    save(&app, &backend).await;
    save(&app, &position("data-analyst", "Data Analyst", None, 30)).await;
    let mut closed = position("designer", "Product Designer", Some("Acme"), 30);
    closed.archived = true;
    save(&app, &closed).await;
    app
}

/// Uploads a resume and books as the apply page does, with `position` (or none).
async fn book_for(app: &TestApp, position: Option<&str>) -> TestResponse {
    book_with_phone(app, position, "+1 555 123 4567").await
}

async fn book_with_phone(app: &TestApp, position: Option<&str>, phone: &str) -> TestResponse {
    let uploaded = app.upload_resume().await;
    let mut body = schedule_body("2030-03-02T14:30");
    body["phone"] = json!(phone);
    body["resumeUrl"] = uploaded["resumeUrl"].clone();
    if let Some(position) = position {
        body["position"] = json!(position);
    }
    app.post_json("/api/schedule-interview", &body).await
}

#[tokio::test]
async fn apply_lists_the_open_positions_with_their_company_and_length() {
    let app = app_with_positions().await;
    let page = app.get("/apply").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("<h1>Open positions</h1>"), "{html}");
    // Relative links, one level below the list.
    assert!(html.contains("href=\"./apply/backend-engineer\""), "{html}");
    assert!(html.contains("href=\"./apply/data-analyst\""), "{html}");
    assert!(html.contains("Backend Engineer"));
    assert!(html.contains("<span class=\"company\">Acme</span>"));
    assert!(html.contains("Interview: 45 minutes"));
    assert!(html.contains("Interview: 30 minutes"));
    // Ordered by title; the closed position is not offered.
    assert!(html.find("Backend Engineer") < html.find("Data Analyst"));
    assert!(!html.contains("Product Designer"), "{html}");
    assert!(!html.contains("hiring team"));
}

#[tokio::test]
async fn with_one_open_position_apply_leads_straight_to_it() {
    let app = spawn_app();
    save(
        &app,
        &position("sre", "Site Reliability Engineer", Some("Acme"), 30),
    )
    .await;
    let mut closed = position("designer", "Product Designer", None, 30);
    closed.archived = true;
    save(&app, &closed).await;
    let response = app.get("/apply").await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    // Relative to `/apply`, so it works under any path the router is nested at.
    assert_eq!(response.header(header::LOCATION), "./apply/sre");
}

#[tokio::test]
async fn with_every_position_closed_apply_says_so() {
    let app = spawn_app();
    let mut closed = position("designer", "Product Designer", None, 30);
    closed.archived = true;
    save(&app, &closed).await;
    let page = app.get("/apply").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains("There are no open positions right now."),
        "{html}"
    );
    assert!(!html.contains("apply-form"));
}

#[tokio::test]
async fn without_positions_apply_is_the_default_positions_form() {
    let app = spawn_app();
    let page = app.get("/apply").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("<html lang=\"en\">"), "{html}");
    assert!(
        html.contains("<h1 id=\"position-title\">Software Engineer</h1>"),
        "{html}"
    );
    assert!(html.contains("Interview length: <span id=\"interview-length\">30 minutes</span>"));
    // No company to name, and the form leaves the position out.
    assert!(!html.contains("class=\"company\""), "{html}");
    assert!(!html.contains("hiring team"), "{html}");
    assert!(!html.contains("data-position"), "{html}");
    assert!(html.contains("<body data-base=\".\">"));

    let response = book_for(&app, None).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let json = response.json();
    assert_eq!(json["positionId"], "default");
    assert_eq!(json["positionTitle"], "Software Engineer");
    assert!(json.get("company").is_none(), "{json}");
    assert_eq!(app.bookings.bookings()[0].position_id.as_str(), "default");
}

#[tokio::test]
async fn a_positions_page_shows_its_company_title_length_and_description() {
    let app = app_with_positions().await;
    let page = app.get("/apply/backend-engineer").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("<html lang=\"de\">"), "{html}");
    assert!(
        html.contains("<title>Apply: Backend Engineer at Acme</title>"),
        "{html}"
    );
    assert!(html.contains("<p class=\"company\">Acme</p>"), "{html}");
    assert!(html.contains("<h1 id=\"position-title\">Backend Engineer</h1>"));
    assert!(html.contains("45 minutes"));
    assert!(
        html.contains(
            "We run <strong>payments</strong> for <a href=\"https://acme.example\">small shops</a>."
        ),
        "{html}"
    );
    // The form's own words are English inside the German page.
    assert!(
        html.contains("id=\"form-section\" aria-labelledby=\"form-title\" lang=\"en\""),
        "{html}"
    );
    assert!(html.contains("data-position=\"backend-engineer\""));
    assert!(html.contains("data-phone-region=\"DE\""));
    assert!(html.contains("read in the DE numbering plan"));
    // One level deeper than `/apply`.
    assert!(html.contains("<body data-base=\"..\">"));
    assert!(html.contains("src=\"../assets/apply.js\""));

    let other = app.get("/apply/data-analyst").await.text();
    assert!(other.contains("<html lang=\"en\">"));
    assert!(!other.contains("class=\"company\""), "{other}");
    assert!(!other.contains("hiring team"));
    assert!(
        !other.contains("About the role"),
        "no description, no heading"
    );
}

#[tokio::test]
async fn unknown_and_closed_positions_are_a_404_page_leading_to_the_open_ones() {
    let app = app_with_positions().await;
    for (path, words) in [
        ("/apply/nope", "We couldn’t find this position"),
        ("/apply/Not_A_Slug", "We couldn’t find this position"),
        (
            "/apply/designer",
            "Applications for Product Designer at Acme have closed.",
        ),
    ] {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            page.header(header::CONTENT_TYPE).starts_with("text/html"),
            "{path}"
        );
        let html = page.text();
        assert!(html.contains(words), "{path}: {html}");
        assert!(
            html.contains("<a href=\"../apply\">See the open positions</a>"),
            "{path}"
        );
        assert!(!html.contains("apply-form"), "{path}");
    }
}

#[tokio::test]
async fn an_address_by_id_leads_to_the_current_slug() {
    let app = spawn_app();
    let mut renamed = position("be-2031", "Backend Engineer", None, 30);
    renamed.slug = Some("backend-engineer".into());
    save(&app, &renamed).await;
    let response = app.get("/apply/be-2031").await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    assert_eq!(response.header(header::LOCATION), "./backend-engineer");
}

#[tokio::test]
async fn a_hostile_title_and_description_are_shown_as_text() {
    let app = spawn_app();
    let mut hostile = position(
        "hostile",
        "Engineer <script>alert(1)</script>",
        Some("A&B \"Co\""),
        30,
    );
    hostile.description = "<script>alert(2)</script>\n\n<img src=x onerror=alert(3)>\n\n\
                           [click](javascript:alert(4)) and **bold**"
        .into();
    save(&app, &hostile).await;
    save(&app, &position("other", "Other", None, 30)).await;
    for path in ["/apply/hostile", "/apply"] {
        let html = app.get(path).await.text();
        assert!(!html.contains("<script>"), "{path}: {html}");
        assert!(!html.contains("<img"), "{path}: {html}");
        assert!(!html.contains("javascript:"), "{path}: {html}");
        // Escaped, by name or by number.
        assert!(
            html.contains("Engineer &#60;script&#62;alert(1)&#60;/script&#62;")
                || html.contains("Engineer &lt;script&gt;alert(1)&lt;/script&gt;"),
            "{path}: {html}"
        );
        assert!(
            html.contains("A&#38;B &#34;Co&#34;") || html.contains("A&amp;B &quot;Co&quot;"),
            "{path}: {html}"
        );
    }
    let html = app.get("/apply/hostile").await.text();
    assert!(
        html.contains("&lt;script&gt;alert(2)&lt;/script&gt;"),
        "{html}"
    );
    assert!(html.contains("click and <strong>bold</strong>"), "{html}");
}

#[tokio::test]
async fn a_booking_for_a_named_position_belongs_to_it() {
    let app = app_with_positions().await;
    // A Berlin number, written as people in Germany write it.
    let response = book_with_phone(&app, Some("backend-engineer"), "030 901820").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let json = response.json();
    assert_eq!(json["ok"], true);
    assert_eq!(json["positionId"], "backend-engineer");
    assert_eq!(json["positionTitle"], "Backend Engineer");
    assert_eq!(json["company"], "Acme");
    // 14:30 in Kolkata, for the success page to repeat in the candidate's zone.
    assert_eq!(json["scheduledAt"], "2030-03-02T09:00:00Z");
    assert_eq!(json["timeZone"], "Asia/Kolkata");
    let bookings = app.bookings.bookings();
    assert_eq!(bookings.len(), 1);
    assert_eq!(bookings[0].position_id.as_str(), "backend-engineer");
    // The number is read in the position's region (Germany), not the server's.
    assert_eq!(bookings[0].phone.as_str(), "+4930901820");
}

#[tokio::test]
async fn a_position_that_is_not_open_is_a_400_naming_the_field() {
    let app = app_with_positions().await;
    for position in ["nope", "designer", "Not A Slug", "../admin"] {
        let response = book_for(&app, Some(position)).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{position}");
        let error = &response.json()["error"];
        assert_eq!(error["code"], "position_not_open", "{position}");
        assert_eq!(error["field"], "position", "{position}");
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains("not open for applications"),
            "{error}"
        );
    }
    // Two positions open and none named: the candidate must choose.
    let response = book_for(&app, None).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.json()["error"]["field"], "position");
    assert!(app.bookings.bookings().is_empty());
    assert!(app.notifier.sent().is_empty());
}

#[tokio::test]
async fn with_one_open_position_a_booking_without_one_goes_to_it() {
    let app = spawn_app();
    save(
        &app,
        &position("sre", "Site Reliability Engineer", Some("Acme"), 30),
    )
    .await;
    let response = book_for(&app, None).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert_eq!(response.json()["positionId"], "sre");
    assert_eq!(app.bookings.bookings()[0].position_id.as_str(), "sre");
}

#[tokio::test]
async fn with_the_store_down_the_apply_pages_ask_to_try_again() {
    let app = app_with_positions().await;
    app.bookings.set_unavailable(true);
    for path in ["/apply", "/apply/backend-engineer"] {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert!(page.header(header::CONTENT_TYPE).starts_with("text/html"));
        let html = page.text();
        assert!(
            html.contains("Please reload this page in a minute."),
            "{html}"
        );
        assert!(!html.contains("injected"), "{html}");
    }
    // The booking's answer is the usual 503, not a 400 on the position.
    let response = book_for_without_upload(&app, Some("backend-engineer")).await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.json()["error"]["code"], "unavailable");
}

/// Books without uploading first (the upload would fail with the store down).
async fn book_for_without_upload(app: &TestApp, position: Option<&str>) -> TestResponse {
    let mut body = schedule_body("2030-03-02T14:30");
    if let Some(position) = position {
        body["position"] = json!(position);
    }
    app.post_json("/api/schedule-interview", &body).await
}
