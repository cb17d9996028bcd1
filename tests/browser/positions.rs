//! Applying for one of several positions, as a candidate in India does it: the list
//! of open positions, one position's page, the form, and the success page that
//! repeats the booking in the candidate's own time zone. The router is nested
//! under `/careers`, so every link and script address is relative.

use chrono::{Datelike, TimeDelta, TimeZone};
use interview::position::{Position, PositionDefaults, PositionDraft};
use serde_json::json;

use crate::cdp::{Browser, Page};
use crate::{apply, resume_pdf, screenshot_path, start_server_at};

fn position(id: &str, title: &str, company: &str, minutes: u32, description: &str) -> Position {
    let mut draft = PositionDraft::named(id);
    draft.title = title.to_owned();
    draft.company = Some(company.to_owned());
    draft.duration_minutes = Some(minutes);
    draft.description = description.to_owned();
    Position::parse(&draft, &PositionDefaults::default()).unwrap()
}

async fn text(page: &Page<'_>, id: &str) -> String {
    let value = page
        .eval(&format!(
            "document.getElementById({}).textContent.replace(/\\s+/g, ' ')",
            json!(id)
        ))
        .await;
    value.as_str().unwrap_or_default().trim().to_owned()
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

#[tokio::test]
async fn a_candidate_picks_a_position_books_it_and_reads_the_time_in_their_zone() {
    let server = start_server_at("/careers", None).await;
    let store = server.state.scheduling().bookings().clone();
    store
        .save_position(&position(
            "backend-engineer",
            "Backend Engineer",
            "Acme",
            45,
            "## What you will do\n\nRun **payments** for small shops.\n\n- Rust\n- PostgreSQL\n\n\
             <script>document.title = 'injected'</script>",
        ))
        .await
        .unwrap();
    store
        .save_position(&position(
            "data-analyst",
            "Data Analyst",
            "Globex",
            30,
            "Turn numbers into decisions.",
        ))
        .await
        .unwrap();
    let resume = server.data_dir.path().join("resume.pdf");
    std::fs::write(&resume, resume_pdf(&["Jane Doe", "Rust engineer"])).unwrap();

    let browser = Browser::launch().await;
    let page = browser.new_page().await;
    // The candidate's browser is in India.
    page.call(
        "Emulation.setTimezoneOverride",
        json!({ "timezoneId": "Asia/Kolkata" }),
    )
    .await;

    // The list of open positions (other positions the server was started with
    // may be listed too).
    page.goto(&format!("{}/apply", server.base)).await;
    assert_eq!(
        page.eval("document.querySelector('h1').textContent").await,
        "Open positions"
    );
    let listed = page
        .eval(
            "[...document.querySelectorAll('.position-link')].map(a => a.innerText.replace(/\\s+/g, ' ').trim())",
        )
        .await;
    let listed: Vec<String> = serde_json::from_value(listed).unwrap();
    assert!(
        listed.contains(&"Backend Engineer Acme Interview: 45 minutes".to_owned()),
        "{listed:?}"
    );
    assert!(
        listed.contains(&"Data Analyst Globex Interview: 30 minutes".to_owned()),
        "{listed:?}"
    );
    screenshots(&page, "positions-list").await;

    // One position's page, under the prefix, styled.
    page.eval("document.querySelector('a[href=\"./apply/backend-engineer\"]').click()")
        .await;
    let form_url = format!("{}/apply/backend-engineer", server.base);
    page.wait_for(&format!(
        "location.href === {} && document.readyState === 'complete' && document.getElementById('apply-form') !== null",
        json!(form_url)
    ))
    .await;
    assert_eq!(text(&page, "position-title").await, "Backend Engineer");
    assert_eq!(
        page.eval("document.querySelector('.position .company').textContent")
            .await,
        "Acme"
    );
    assert_eq!(text(&page, "interview-length").await, "45 minutes");
    assert_eq!(
        page.eval("document.querySelector('.description h3').textContent")
            .await,
        "What you will do"
    );
    // The description's raw HTML is text on the page, never run.
    assert_eq!(
        page.eval("document.title").await,
        "Apply: Backend Engineer at Acme"
    );
    assert_eq!(
        page.eval("document.querySelectorAll('.description script').length")
            .await,
        0
    );
    assert_eq!(
        page.eval("getComputedStyle(document.querySelector('.site-header')).paddingTop")
            .await,
        "16px",
        "the stylesheet loads from one level deeper"
    );
    // The time zone by its local name, and its id (Chromium's ICU names it by its
    // older id, Asia/Calcutta, which the server takes too).
    let zone = text(&page, "zone-name").await;
    assert!(
        [
            "India Standard Time (Asia/Kolkata)",
            "India Standard Time (Asia/Calcutta)"
        ]
        .contains(&zone.as_str()),
        "{zone}"
    );
    screenshots(&page, "position-form").await;

    let link = apply(&page, &resume).await;
    assert!(
        link.starts_with(&format!("{}/interview/", server.base)),
        "{link}"
    );
    assert_eq!(
        text(&page, "booked-position").await,
        "Backend Engineer at Acme"
    );
    // `apply` picks tomorrow at 10:30 AM in the browser's calendar (India's).
    // India keeps UTC+05:30 all year.
    let kolkata = chrono::FixedOffset::east_opt(5 * 3600 + 30 * 60).unwrap();
    let tomorrow = (chrono::Utc::now().with_timezone(&kolkata) + TimeDelta::days(1)).date_naive();
    let booked_time = text(&page, "booked-time").await;
    let expected = format!(
        "{}, {} {}, {} at 10:30 AM India Standard Time",
        tomorrow.format("%A"),
        tomorrow.format("%B"),
        tomorrow.day(),
        tomorrow.year()
    );
    assert_eq!(booked_time, expected);
    screenshots(&page, "position-booked").await;

    // The booking belongs to the position, at that time in that zone.
    let token = interview::BookingToken::parse(link.rsplit('/').next().unwrap()).unwrap();
    let booking = store.get(&token).await.unwrap().unwrap();
    assert_eq!(booking.position_id.as_str(), "backend-engineer");
    let zone = booking.time_zone.map(|zone| zone.name());
    assert!(
        matches!(zone, Some("Asia/Kolkata" | "Asia/Calcutta")),
        "{zone:?}"
    );
    let start = kolkata
        .from_local_datetime(&tomorrow.and_hms_opt(10, 30, 0).unwrap())
        .unwrap();
    assert_eq!(booking.scheduled_at, start);
}

#[tokio::test]
async fn a_closed_positions_link_says_so_and_leads_to_the_open_ones() {
    let server = start_server_at("/careers", None).await;
    let store = server.state.scheduling().bookings().clone();
    let mut closed = position("designer", "Product Designer", "Acme", 30, "");
    closed.archived = true;
    store.save_position(&closed).await.unwrap();
    store
        .save_position(&position(
            "sre",
            "Site Reliability Engineer",
            "Acme",
            30,
            "",
        ))
        .await
        .unwrap();

    let browser = Browser::launch().await;
    let page = browser.new_page().await;
    page.goto(&format!("{}/apply/designer", server.base)).await;
    assert_eq!(
        page.eval("document.querySelector('h1').textContent").await,
        "This position is no longer open"
    );
    page.viewport(390, 844).await;
    page.screenshot(&screenshot_path("position-closed-mobile.png"))
        .await;
    page.eval("document.querySelector('main a').click()").await;
    // The link leads to `/careers/apply`, which lists the open positions or goes
    // straight to the only one.
    page.wait_for(&format!(
        "document.readyState === 'complete' && location.href.startsWith({}) && \
         (document.getElementById('apply-form') !== null || document.querySelector('.positions') !== null)",
        json!(format!("{}/apply", server.base))
    ))
    .await;
    let body = page.eval("document.body.innerText").await;
    assert!(
        body.as_str().unwrap().contains("Site Reliability Engineer"),
        "{body}"
    );
    assert!(
        !body.as_str().unwrap().contains("Product Designer"),
        "{body}"
    );
}
