//! The whole flow with the application nested under `/careers`, as integrators mount
//! it (`Router::new().nest("/careers", ...)`), and `PUBLIC_BASE_URL` pointing there:
//! the form, the upload, the booking, the link, and the room over the local WebSocket.

use std::sync::Arc;
use std::time::Duration;

use interview::audio::AudioFormat;
use interview::testing::{ScriptedStt, ScriptedTts};
use interview::voice::offline::OfflineInterviewer;
use interview::voice::session::Engines;
use serde_json::json;

use crate::cdp::{Browser, Page};
use crate::{
    apply, book_open_interview, outbox_files, resume_pdf, screenshot_path, start_server_at,
};

/// Every file the page loaded (stylesheet, scripts) and every `fetch` and upload it
/// made, by URL. WebSockets and worklets are not listed.
async fn requested_urls(page: &Page<'_>) -> Vec<String> {
    serde_json::from_value(
        page.eval("performance.getEntriesByType('resource').map(e => e.name)")
            .await,
    )
    .unwrap()
}

/// Whether the stylesheet reached the page: without it the header has no padding.
async fn styled(page: &Page<'_>) -> bool {
    page.eval("getComputedStyle(document.querySelector('.site-header')).paddingTop === '16px'")
        .await
        == true
}

#[tokio::test]
async fn the_whole_flow_works_with_the_router_nested_under_a_path() {
    let engines = Engines {
        stt: Some(Arc::new(ScriptedStt::new(["I build schedulers in Rust."]))),
        llm: Arc::new(OfflineInterviewer::new()),
        tts: Arc::new(ScriptedTts::new(
            AudioFormat::PCM_24K,
            Duration::from_millis(1),
        )),
    };
    let server = start_server_at("/careers", Some(engines)).await;
    assert!(server.base.ends_with("/careers"));
    let resume = server.data_dir.path().join("resume.pdf");
    std::fs::write(&resume, resume_pdf(&["Jane Doe", "Rust engineer"])).unwrap();

    let browser = Browser::launch_with(&[
        "--use-fake-ui-for-media-stream".to_owned(),
        "--use-fake-device-for-media-stream".to_owned(),
        "--autoplay-policy=no-user-gesture-required".to_owned(),
    ])
    .await;
    browser.grant_microphone(&server.origin).await;
    let page = browser.new_page().await;

    // The front door leads to the form under the prefix (`goto` would wait for the
    // address it was given, which the redirect replaces): `/apply`, or the only
    // open position's `/apply/{slug}`.
    page.call("Page.navigate", json!({ "url": server.base }))
        .await;
    let form = format!("{}/apply", server.base);
    page.wait_for(&format!(
        "location.href.startsWith({}) && document.readyState === 'complete' && \
         document.getElementById('apply-form') !== null",
        json!(form)
    ))
    .await;
    assert!(styled(&page).await, "the stylesheet loads under the prefix");
    page.viewport(390, 844).await;
    page.screenshot(&screenshot_path("careers-apply-mobile.png"))
        .await;
    page.viewport(1280, 900).await;

    // Upload and booking go to the prefixed API.
    let link = apply(&page, &resume).await;
    page.screenshot(&screenshot_path("careers-apply-success.png"))
        .await;
    assert!(
        link.starts_with(&format!("{}/interview/", server.base)),
        "the link is under PUBLIC_BASE_URL's path: {link}"
    );
    let requests = requested_urls(&page).await;
    for api in ["api/upload-resume", "api/schedule-interview"] {
        let url = format!("{}/{api}", server.base);
        assert!(requests.contains(&url), "{url} in {requests:?}");
    }
    assert_eq!(outbox_files(server.data_dir.path()).len(), 1);

    // The stored resume's URL is under the prefix too, and it is served there.
    let token = interview::BookingToken::parse(link.rsplit('/').next().unwrap()).unwrap();
    let booking = server
        .state
        .scheduling()
        .bookings()
        .get(&token)
        .await
        .unwrap()
        .unwrap();
    let resume_url = booking.resume_url.unwrap();
    assert!(
        resume_url.starts_with(&format!("{}/resumes/", server.base)),
        "{resume_url}"
    );
    let status = page
        .eval(&format!("fetch({}).then(r => r.status)", json!(resume_url)))
        .await;
    assert_eq!(status, 200);

    // The link opens the waiting page, styled.
    page.goto(&link).await;
    let heading = page.eval("document.querySelector('h1').textContent").await;
    assert_eq!(heading, "Your interview has not started yet");
    assert!(styled(&page).await);

    // An open interview's room connects over the WebSocket and streams the microphone
    // through the worklet. Neither shows in the resource timings, but nothing answers
    // outside `/careers`: an opened socket and a capturing worklet were found there.
    let booked = book_open_interview(&server, "Rust engineer").await;
    let room = booked.interview_url.to_string();
    assert!(
        room.starts_with(&format!("{}/interview/", server.base)),
        "{room}"
    );
    page.goto(&room).await;
    assert!(styled(&page).await);
    page.eval("document.getElementById('join').click()").await;
    page.wait_for("window.__interview.log.includes('open')")
        .await;
    page.wait_for("window.__interview.transcript.some(l => l.speaker === 'interviewer')")
        .await;
    page.wait_for("window.__interview.log.includes('microphone: capturing') && window.__interview.sentSamples > 0")
        .await;
    page.viewport(390, 844).await;
    page.screenshot(&screenshot_path("careers-room-mobile.png"))
        .await;
    page.viewport(1280, 900).await;
    page.screenshot(&screenshot_path("careers-room-desktop.png"))
        .await;

    let requests = requested_urls(&page).await;
    let assets = format!("{}/assets/", server.base);
    for file in ["style.css", "interview.js"] {
        let url = format!("{assets}{file}");
        assert!(requests.contains(&url), "{url} in {requests:?}");
    }
    // Chromium asks for the origin's /favicon.ico on its own; the pages name no icon.
    let favicon = format!("{}/favicon.ico", server.origin);
    for url in requests.iter().filter(|url| **url != favicon) {
        assert!(
            url.starts_with(&format!("{}/", server.base)),
            "every request stays under the prefix: {url}"
        );
    }

    page.eval("document.getElementById('leave').click()").await;
    page.wait_for("document.getElementById('agent-state').dataset.state === 'left'")
        .await;
    // The interview is kept for the candidate to come back to.
    page.wait_for("document.getElementById('join').textContent === 'Rejoin interview' && !document.getElementById('join').hidden")
        .await;
}
