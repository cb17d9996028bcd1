//! One interview per booking, as the candidate sees it: a second tab reads why it
//! cannot join, a dropped page comes back to the same interview, and a finished
//! interview's link says it has taken place.

use std::sync::Arc;
use std::time::Duration;

use interview::BookingStatus;
use interview::audio::AudioFormat;
use interview::testing::ScriptedTts;
use interview::voice::offline::OfflineInterviewer;
use interview::voice::session::Engines;

use crate::cdp::Browser;
use crate::{book_open_interview, screenshot_path, start_server_with};

fn engines() -> Engines {
    Engines {
        stt: None,
        llm: Arc::new(OfflineInterviewer::new()),
        tts: Arc::new(ScriptedTts::new(
            AudioFormat::PCM_24K,
            Duration::from_millis(5),
        )),
    }
}

const INTERVIEWER_LINES: &str =
    "window.__interview.transcript.filter(l => l.speaker === 'interviewer')";

#[tokio::test]
async fn a_second_tab_is_told_why_and_a_dropped_page_resumes_the_interview() {
    let server = start_server_with(Some(engines())).await;
    let booked = book_open_interview(&server, "Jane Doe\n- Built a job scheduler in Rust").await;
    let browser =
        Browser::launch_with(&["--autoplay-policy=no-user-gesture-required".to_owned()]).await;

    let first = browser.new_page().await;
    first.goto(booked.interview_url.as_str()).await;
    first.eval("document.getElementById('join').click()").await;
    first
        .wait_for(&format!("{INTERVIEWER_LINES}.length >= 1"))
        .await;
    let greeting = first.eval("window.__interview.transcript[0].text").await;
    assert!(
        greeting.as_str().unwrap().starts_with("Hello Jane!"),
        "{greeting}"
    );

    // The same link in a second tab: the server refuses it, and the page says why.
    let second = browser.new_page().await;
    second.goto(booked.interview_url.as_str()).await;
    second.eval("document.getElementById('join').click()").await;
    second
        .wait_for("document.getElementById('room-status').textContent.includes('already open in another window')")
        .await;
    second
        .screenshot(&screenshot_path("interview-second-tab.png"))
        .await;
    let offered = second.eval("document.getElementById('join').hidden").await;
    assert_eq!(offered, true, "no button that cannot work");

    // The first tab's connection drops: the interview is kept.
    first
        .eval("document.getElementById('answer').value = 'I built a job scheduler in Rust.'; document.getElementById('answer-form').requestSubmit()")
        .await;
    first
        .wait_for(&format!("{INTERVIEWER_LINES}.length >= 2"))
        .await;
    first.goto(booked.interview_url.as_str()).await;
    let token = booked.booking.token.clone();
    let bookings = server.state.scheduling().bookings().clone();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while bookings.get(&token).await.unwrap().unwrap().status != BookingStatus::Interrupted {
        assert!(std::time::Instant::now() < deadline, "never interrupted");
        tokio::task::yield_now().await;
    }

    // Back in: no second greeting, the interviewer says it is continuing.
    first.eval("document.getElementById('join').click()").await;
    first
        .wait_for(&format!("{INTERVIEWER_LINES}.length >= 1"))
        .await;
    let welcome = first.eval("window.__interview.transcript[0].text").await;
    assert!(
        welcome.as_str().unwrap().starts_with("Welcome back, Jane."),
        "{welcome}"
    );
    first
        .screenshot(&screenshot_path("interview-resumed.png"))
        .await;
    let stored = bookings.transcript(&token).await.unwrap();
    let greetings = stored
        .iter()
        .filter(|line| line.text.starts_with("Hello Jane!"))
        .count();
    assert_eq!(greetings, 1, "one greeting in the whole transcript");
    assert_eq!(stored[1].text, "I built a job scheduler in Rust.");
    assert!(stored.last().unwrap().text.starts_with("Welcome back"));
}

#[tokio::test]
async fn the_link_of_a_finished_interview_says_it_has_taken_place() {
    let server = start_server_with(Some(engines())).await;
    let booked = book_open_interview(&server, "Jane Doe").await;
    let bookings = server.state.scheduling().bookings().clone();
    for status in [BookingStatus::InProgress, BookingStatus::Completed] {
        bookings
            .transition(&booked.booking.token, status)
            .await
            .unwrap();
    }
    let browser = Browser::launch().await;
    let page = browser.new_page().await;
    page.goto(booked.interview_url.as_str()).await;
    let text = page.eval("document.body.innerText").await;
    let text = text.as_str().unwrap();
    assert!(
        text.contains("This interview has already taken place"),
        "{text}"
    );
    assert!(text.contains("Thank you, Jane Doe."), "{text}");
    let joinable = page.eval("document.getElementById('join') !== null").await;
    assert_eq!(joinable, false);
    page.viewport(390, 844).await;
    page.screenshot(&screenshot_path("interview-completed-mobile.png"))
        .await;
}
