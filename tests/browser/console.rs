//! The recruiter's console in a real browser, nested under `/careers`: sign in
//! with the admin token, find interviews in the list, open a completed one and
//! read its scorecard, cancel another through its confirmation page.

use interview::BookingToken;
use interview::interview::{
    CompetencyScore, Evaluation, Recommendation, Score, Speaker, TranscriptEntry,
};
use serde_json::json;

use crate::cdp::{Browser, Page};
use crate::{fill, resume_pdf, screenshot_path, start_server_configured};

const ADMIN: &str = "console-admin-token-0123456789";

/// Books for `name` at `email`, `days` from now, with a resume.
async fn book(server: &crate::Server, name: &str, email: &str, days: i64) -> BookingToken {
    let uploaded = server
        .state
        .scheduling()
        .upload_resume(bytes::Bytes::from(resume_pdf(&[name, "Rust engineer"])))
        .await
        .unwrap();
    let request = interview::ScheduleRequest {
        name: Some(name.into()),
        email: Some(email.into()),
        phone: Some("+44 20 7946 0958".into()),
        datetime: Some((chrono::Utc::now() + chrono::TimeDelta::days(days)).to_rfc3339()),
        time_zone: Some("Europe/London".into()),
        resume_url: Some(uploaded.resume_url),
        resume_text: None,
        position: None,
    };
    server
        .state
        .scheduling()
        .schedule(&request)
        .await
        .unwrap()
        .booking
        .token
}

/// Screenshots at a desktop and a phone width, back at the desktop after.
async fn screenshots(page: &Page<'_>, name: &str) {
    page.viewport(1280, 900).await;
    page.screenshot(&screenshot_path(&format!("{name}-desktop.png")))
        .await;
    page.viewport(390, 844).await;
    page.screenshot(&screenshot_path(&format!("{name}-mobile.png")))
        .await;
    page.viewport(1280, 900).await;
}

/// Clicks the element matched by `selector` and waits for the next page to load
/// at a URL that contains `expect`.
async fn click_to(page: &Page<'_>, selector: &str, expect: &str) {
    page.eval(&format!(
        "document.querySelector({}).click()",
        json!(selector)
    ))
    .await;
    page.wait_for(&format!(
        "document.readyState === 'complete' && location.href.includes({}) && document.querySelector('h1') !== null",
        json!(expect)
    ))
    .await;
}

#[tokio::test]
async fn a_recruiter_signs_in_reads_a_scorecard_and_cancels_an_interview() {
    let server = start_server_configured("/careers", None, &[("ADMIN_API_TOKEN", ADMIN)]).await;
    let store = server.state.scheduling().bookings().clone();
    let done = book(&server, "Priya Raman", "priya@example.com", 2).await;
    let upcoming = book(&server, "Tom Becker", "tom@example.com", 3).await;
    // Priya's interview took place: a transcript and an evaluation.
    store
        .transition(&done, interview::BookingStatus::InProgress)
        .await
        .unwrap();
    store
        .transition(&done, interview::BookingStatus::Completed)
        .await
        .unwrap();
    let at = chrono::Utc::now();
    store
        .append_transcript(
            &done,
            &[
                TranscriptEntry {
                    speaker: Speaker::Interviewer,
                    text: "Tell me about a system you made faster.".into(),
                    at,
                },
                TranscriptEntry {
                    speaker: Speaker::Candidate,
                    text: "I cut our checkout latency from 900 to 120 milliseconds by batching writes.".into(),
                    at,
                },
            ],
        )
        .await
        .unwrap();
    let score = |name: &str, value: u8, quote: &str| CompetencyScore {
        competency: name.into(),
        score: Score::try_from(value).unwrap(),
        evidence: vec![quote.into()],
    };
    store
        .save_evaluation(
            &done,
            &Evaluation {
                competencies: vec![
                    score(
                        "Performance engineering",
                        5,
                        "I cut our checkout latency from 900 to 120 milliseconds",
                    ),
                    score("Communication", 4, "by batching writes"),
                    score("System design", 2, "I cut our checkout latency"),
                ],
                not_assessed: vec![],
                strengths: vec!["Measures before optimising".into()],
                concerns: vec!["Little said about failure modes".into()],
                recommendation: Recommendation::Hire,
                summary: "A strong performance engineer; probe design depth in the next round."
                    .into(),
                review_flags: vec![],
                created_at: at,
            },
        )
        .await
        .unwrap();

    let browser = Browser::launch().await;
    let page = browser.new_page().await;
    page.goto(&format!("{}/console", server.base)).await;
    assert_eq!(
        page.eval("document.querySelector('h1').textContent").await,
        "Interview console"
    );
    screenshots(&page, "console-sign-in").await;
    fill(&page, "key", "not-the-key").await;
    click_to(&page, "button[type=submit]", "/console").await;
    page.wait_for("document.querySelector('.banner.error') !== null")
        .await;
    fill(&page, "key", ADMIN).await;
    click_to(&page, "button[type=submit]", "/console").await;
    page.wait_for("document.querySelector('h1').textContent === 'Interviews'")
        .await;
    // The session cookie is not readable by scripts.
    assert_eq!(page.eval("document.cookie").await, "");
    let rows = page
        .eval("[...document.querySelectorAll('table.interviews tbody tr')].map(r => r.cells[0].innerText.split('\\n')[0])")
        .await;
    assert_eq!(rows, json!(["Tom Becker", "Priya Raman"]));
    screenshots(&page, "console-list").await;

    // Filtering by name.
    fill(&page, "q", "priya").await;
    click_to(&page, ".filters button[type=submit]", "q=priya").await;
    let rows = page
        .eval("document.querySelectorAll('table.interviews tbody tr').length")
        .await;
    assert_eq!(rows, 1);

    // The completed interview's scorecard.
    click_to(
        &page,
        "table.interviews a",
        &format!("/console/interviews/{done}"),
    )
    .await;
    assert_eq!(
        page.eval("document.querySelector('h1').textContent").await,
        "Priya Raman"
    );
    let bars = page
        .eval("[...document.querySelectorAll('svg.chart rect.bar')].map(r => Number(r.getAttribute('width')))")
        .await;
    let bars: Vec<u32> = serde_json::from_value(bars).unwrap();
    assert_eq!(bars.len(), 3);
    assert!(bars[0] > bars[1] && bars[1] > bars[2], "{bars:?}");
    let conversation = page
        .eval("document.querySelectorAll('ol.conversation li').length")
        .await;
    assert_eq!(conversation, 2);
    assert!(
        page.eval("document.querySelector('.recommendation').textContent")
            .await
            .as_str()
            .unwrap()
            .contains("Hire")
    );
    // A finished interview cannot be cancelled or moved.
    assert_eq!(
        page.eval("document.querySelectorAll('.actions-row a').length")
            .await,
        1,
        "erase only"
    );
    screenshots(&page, "console-scorecard").await;

    // Cancelling the upcoming one, after confirming.
    page.goto(&format!("{}/console/interviews/{upcoming}", server.base))
        .await;
    click_to(&page, "a.button[href$='/cancel']", "/cancel").await;
    assert_eq!(
        page.eval("document.querySelector('h1').textContent").await,
        "Cancel this interview?"
    );
    screenshots(&page, "console-confirm-cancel").await;
    click_to(&page, "main form button[type=submit]", "done=cancel").await;
    assert!(
        page.eval("document.querySelector('.banner.ok').textContent")
            .await
            .as_str()
            .unwrap()
            .contains("cancelled")
    );
    assert_eq!(
        store.get(&upcoming).await.unwrap().unwrap().status,
        interview::BookingStatus::Cancelled
    );

    // Signing out ends the session.
    click_to(&page, ".console-nav button", "/console").await;
    page.wait_for("document.querySelector('h1').textContent === 'Interview console'")
        .await;
}
