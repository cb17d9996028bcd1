//! The booking flow in a real browser: headless Chromium against the application
//! that `full_stack` serves (SQLite, the local resume folder, the outbox and the
//! real extractor), built through the same [`Application`] code.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

mod candidate_changes;
mod cdp;
mod console;
mod livekit_room;
mod local_interview;
mod one_interview;
mod positions;
mod prefixed;
mod room_page;
mod typed_interview;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use interview::bootstrap::Application;
use interview::config::Config;
use serde_json::json;

use cdp::{Browser, Page};

struct Server {
    /// `http://127.0.0.1:{port}`: what the browser grants permissions to.
    origin: String,
    /// Where the application is served: the origin, and the path it is nested at.
    base: String,
    data_dir: tempfile::TempDir,
    state: interview::web::AppState,
    /// Kept for as long as the server runs: it owns the job queue's worker, which
    /// sends the invitations.
    _app: Application,
}

/// Serves the application as `full_stack` builds it, on a free port with a fresh data
/// folder.
async fn start_server() -> Server {
    start_server_with(None).await
}

/// [`start_server`], with the interview's engines given instead of chosen from the
/// (empty) configuration.
async fn start_server_with(engines: Option<interview::voice::session::Engines>) -> Server {
    start_server_at("", engines).await
}

/// [`start_server_with`], with the router nested under `prefix` (`/careers`) as an
/// integrator mounts it, and `PUBLIC_BASE_URL` saying so. An empty prefix serves it
/// at the root.
async fn start_server_at(
    prefix: &str,
    engines: Option<interview::voice::session::Engines>,
) -> Server {
    start_server_configured(prefix, engines, &[]).await
}

/// [`start_server_at`], with `extra` settings beside the defaults.
async fn start_server_configured(
    prefix: &str,
    engines: Option<interview::voice::session::Engines>,
    extra: &[(&str, &str)],
) -> Server {
    let data_dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let origin = format!("http://{address}");
    let base = format!("{origin}{prefix}");
    let vars = HashMap::from([
        ("DATA_DIR".to_owned(), data_dir.path().display().to_string()),
        ("BIND_ADDRESS".to_owned(), address.to_string()),
        ("PUBLIC_BASE_URL".to_owned(), base.clone()),
        ("INTERVIEW_COMPANY".to_owned(), "Acme".to_owned()),
    ]);
    let vars: HashMap<String, String> = vars
        .into_iter()
        .chain(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        )
        .collect();
    let config = Config::from_map(&vars).unwrap();
    let app = match engines {
        Some(engines) => Application::build_with_engines(
            config,
            std::sync::Arc::new(interview::clock::SystemClock),
            engines,
        )
        .await
        .unwrap(),
        None => Application::build(config).await.unwrap(),
    };
    let router = if prefix.is_empty() {
        app.router()
    } else {
        interview::web::axum::Router::new().nest(prefix, app.router())
    };
    tokio::spawn(async move { interview::web::axum::serve(listener, router).await });
    Server {
        origin,
        base,
        data_dir,
        state: app.state.clone(),
        _app: app,
    }
}

/// Books an interview two minutes from now, so its window is already open, with a
/// resume of `resume_text`'s lines uploaded first (the booking takes the text the
/// server extracts from it).
async fn book_open_interview(
    server: &Server,
    resume_text: &str,
) -> interview::service::ScheduledInterview {
    let lines: Vec<&str> = resume_text.lines().collect();
    let uploaded = server
        .state
        .scheduling()
        .upload_resume(bytes::Bytes::from(resume_pdf(&lines)))
        .await
        .unwrap();
    assert!(
        uploaded.resume_text.is_some(),
        "{:?}",
        uploaded.extraction_error
    );
    let request = interview::ScheduleRequest {
        name: Some("Jane Doe".into()),
        email: Some("jane@example.com".into()),
        phone: Some("5551234567".into()),
        datetime: Some((chrono::Utc::now() + chrono::TimeDelta::minutes(2)).to_rfc3339()),
        time_zone: Some("UTC".into()),
        resume_url: Some(uploaded.resume_url),
        resume_text: None,
        position: None,
    };
    server.state.scheduling().schedule(&request).await.unwrap()
}

/// A one-page PDF with the given lines in Helvetica, with a correct xref table.
fn resume_pdf(lines: &[&str]) -> Vec<u8> {
    let mut content = String::from("BT /F1 12 Tf 72 720 Td 16 TL\n");
    for line in lines {
        content.push_str(&format!(
            "({}) Tj T*\n",
            line.replace('(', "\\(").replace(')', "\\)")
        ));
    }
    content.push_str("ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_owned(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

/// Where screenshots go: beside the build, for a person to look at.
fn screenshot_path(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

async fn fill(page: &Page<'_>, id: &str, value: &str) {
    page.eval(&format!(
        "(() => {{ const el = document.getElementById({id}); el.value = {value}; \
         el.dispatchEvent(new Event('input', {{ bubbles: true }})); return true; }})()",
        id = json!(id),
        value = json!(value),
    ))
    .await;
}

/// Opens `{base}/apply` and waits for an application form: `/apply` is the form
/// itself, or leads to the only open position's (`/apply/{slug}`), depending on
/// the positions the server was started with.
async fn open_form(page: &Page<'_>, base: &str) {
    page.call("Page.navigate", json!({ "url": format!("{base}/apply") }))
        .await;
    page.wait_for(&format!(
        "document.readyState === 'complete' && location.href.startsWith({}) && \
         document.getElementById('apply-form') !== null",
        json!(format!("{base}/apply"))
    ))
    .await;
}

/// Picks tomorrow at 10:30 AM in the browser's own calendar.
async fn pick_tomorrow(page: &Page<'_>) {
    page.eval(
        "(() => { const d = new Date(Date.now() + 24 * 3600 * 1000); \
         document.getElementById('date').value = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`; \
         document.getElementById('hour').value = '10'; document.getElementById('minute').value = '30'; \
         document.getElementById('ampm').value = 'AM'; return true; })()",
    )
    .await;
}

/// Fills the application form on `page` as Jane with `resume`, for tomorrow, sends
/// it, and returns the interview link the success page shows.
async fn apply(page: &Page<'_>, resume: &Path) -> String {
    fill(page, "name", "Jane O'Doe-Smith").await;
    fill(page, "email", "jane@example.com").await;
    // A candidate from abroad: the form takes the number with its country code.
    fill(page, "phone", "+44 20 7946 0958").await;
    page.set_file("#resume", resume).await;
    pick_tomorrow(page).await;
    page.eval("document.getElementById('submit').click()").await;
    let link = page
        .wait_for("!document.getElementById('success').hidden && document.getElementById('interview-link').href")
        .await;
    link.as_str().unwrap().to_owned()
}

fn outbox_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir.join("outbox"))
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_candidate_books_an_interview_and_opens_the_link() {
    let server = start_server().await;
    let resume = server.data_dir.path().join("resume.pdf");
    std::fs::write(
        &resume,
        resume_pdf(&["Jane Doe", "Senior Rust engineer, 7 years"]),
    )
    .unwrap();

    let browser = Browser::launch().await;
    let page = browser.new_page().await;
    open_form(&page, &server.base).await;
    page.screenshot(&screenshot_path("apply-desktop.png")).await;

    let link = apply(&page, &resume).await;
    page.screenshot(&screenshot_path("apply-success.png")).await;
    assert!(
        link.starts_with(&format!("{}/interview/", server.base)),
        "{link}"
    );
    let email_status = page
        .eval("document.getElementById('email-status').textContent")
        .await;
    assert!(
        email_status.as_str().unwrap().contains("jane@example.com"),
        "{email_status}"
    );
    let warning = page
        .eval("document.getElementById('extraction-warning').textContent")
        .await;
    assert_eq!(warning, "", "the resume's text was read");

    // The invitation is in the outbox and carries the same link.
    let files = outbox_files(server.data_dir.path());
    assert_eq!(files.len(), 1);
    let eml = String::from_utf8_lossy(&std::fs::read(&files[0]).unwrap()).replace("=\r\n", "");
    assert!(eml.contains(&link), "the e-mail has the link");

    // Tomorrow's interview has not started yet.
    page.goto(&link).await;
    let heading = page.eval("document.querySelector('h1').textContent").await;
    assert_eq!(heading, "Your interview has not started yet");
    page.screenshot(&screenshot_path("interview-too-early.png"))
        .await;
}

#[tokio::test]
async fn a_wrong_phone_number_is_shown_next_to_its_field() {
    let server = start_server().await;
    let browser = Browser::launch().await;
    let page = browser.new_page().await;
    page.viewport(390, 844).await;
    open_form(&page, &server.base).await;

    fill(&page, "name", "Jane Doe").await;
    fill(&page, "email", "jane@example.com").await;
    fill(&page, "phone", "555-1234").await;
    pick_tomorrow(&page).await;
    page.eval("document.getElementById('submit').click()").await;

    let error = page
        .wait_for("document.getElementById('phone-error').textContent")
        .await;
    assert_eq!(
        error,
        "This phone number is too short. If the number is from another country, start with + and \
         the country code, for example +44 20 7946 0958."
    );
    assert_eq!(
        page.eval("document.getElementById('phone').getAttribute('aria-invalid')")
            .await,
        "true"
    );
    // The phone field got the focus, so a keyboard user lands on what to fix.
    assert_eq!(page.eval("document.activeElement.id").await, "phone");
    page.screenshot(&screenshot_path("apply-phone-error-mobile.png"))
        .await;
    assert!(outbox_files(server.data_dir.path()).is_empty());
}
