//! A whole interview by typing, with the offline engines the zero-configuration
//! application uses (no speech-to-text, the offline interviewer, espeak-ng).

use std::sync::Arc;

use interview::voice::offline::{EspeakTts, OfflineInterviewer};
use interview::voice::session::Engines;

use crate::cdp::Browser;
use crate::{book_open_interview, screenshot_path, start_server_with};

#[tokio::test]
async fn a_candidate_types_their_answers_through_to_the_wrap_up() {
    // The offline engines, with espeak-ng speaking fast so the test is quick.
    let engines = Engines {
        stt: None,
        llm: Arc::new(OfflineInterviewer::new()),
        tts: Arc::new(EspeakTts::new().with_words_per_minute(450)),
    };
    let server = start_server_with(Some(engines)).await;
    let booked = book_open_interview(
        &server,
        "Jane Doe\n- Built a distributed job scheduler in Rust for 10k jobs a second\n- Led the billing migration from PHP to Go with zero downtime\n",
    )
    .await;

    let browser =
        Browser::launch_with(&["--autoplay-policy=no-user-gesture-required".to_owned()]).await;
    let page = browser.new_page().await;
    page.goto(booked.interview_url.as_str()).await;
    let mode = page
        .eval("document.getElementById('mode').textContent")
        .await;
    let mode = mode.as_str().unwrap();
    assert!(
        mode.contains("prepared set of questions"),
        "offline engines are explained: {mode}"
    );
    assert!(mode.contains("answer by typing"), "{mode}");
    // In the candidate's words, and no microphone asked for when none is heard.
    for word in ["espeak", "configured", "server", "offline"] {
        assert!(!mode.contains(word), "{word} in {mode}");
    }
    let intro = page
        .eval("document.getElementById('join-hint').textContent")
        .await;
    let intro = intro.as_str().unwrap_or_default();
    assert!(intro.contains("No microphone is needed"), "{intro}");
    assert!(!intro.contains("allow microphone"), "{intro}");
    page.eval("document.getElementById('join').click()").await;

    // The greeting comes first.
    page.wait_for("window.__interview.transcript.length >= 1")
        .await;
    let first = page.eval("window.__interview.transcript[0]").await;
    assert_eq!(first["speaker"], "interviewer");

    // Each question gets one follow-up on what was said, then the next question.
    let answers = [
        "I have been a backend engineer for seven years, mostly in Rust.",
        "I mostly build payment and scheduling systems, and I mentor two juniors.",
        "I designed the scheduler's sharding and wrote most of the worker code.",
        "Hot shards were the hardest; I added a rebalancer that moves keys every minute.",
        "We ran the old and new billing side by side and compared every invoice.",
        "The invoices matched to the cent for two weeks before we switched over.",
        "I disagreed about a rewrite once; we agreed on a small prototype first.",
        "The prototype showed the rewrite was not needed, so we kept the old code.",
        "How does the team decide what to build next?",
        // The interviewer answers (or defers) it and asks what else.
        "Thank you, that is all from me.",
        "Thank you.",
    ];
    let mut sent = 0;
    loop {
        let ended = page
            .eval("document.getElementById('agent-state').dataset.state === 'ended'")
            .await;
        if ended == true {
            break;
        }
        assert!(sent < answers.len(), "no wrap-up after {sent} answers");
        // Answer once the interviewer has asked the next question.
        let interviewer_lines = 1 + sent;
        page.wait_for(&format!(
            "document.getElementById('agent-state').dataset.state === 'ended' || \
             window.__interview.transcript.filter(l => l.speaker === 'interviewer').length >= {interviewer_lines}"
        ))
        .await;
        if page
            .eval("document.getElementById('agent-state').dataset.state === 'ended'")
            .await
            == true
        {
            break;
        }
        // The session takes a burst of typed answers, then one every few seconds;
        // one sent sooner is refused with a notice ("not received ... send it
        // again"), and the page sends it again each second until it is taken.
        page.eval(&format!(
            "(() => {{ const status = document.getElementById('room-status'); \
             status.textContent = ''; \
             const send = () => {{ document.getElementById('answer').value = {answer}; \
             document.getElementById('answer-form').requestSubmit(); }}; \
             send(); \
             const taken = () => window.__interview.transcript \
               .filter(l => l.speaker === 'candidate').length > {sent}; \
             const retry = setInterval(() => {{ \
               if (taken()) {{ clearInterval(retry); }} \
               else if (status.textContent.includes('not received')) {{ send(); }} \
             }}, 1000); \
             return true; }})()",
            answer = serde_json::json!(answers[sent])
        ))
        .await;
        sent += 1;
        page.wait_for(&format!(
            "window.__interview.transcript.filter(l => l.speaker === 'candidate').length >= {sent}"
        ))
        .await;
    }
    page.screenshot(&screenshot_path("interview-typed-wrap-up.png"))
        .await;
    // A "too fast" notice is about one message: it is gone once answers are taken.
    let status = page
        .eval("document.getElementById('room-status').textContent")
        .await;
    assert!(
        !status.as_str().unwrap_or_default().contains("not received"),
        "{status}"
    );

    let transcript: Vec<serde_json::Value> =
        serde_json::from_value(page.eval("window.__interview.transcript").await).unwrap();
    let last = transcript
        .iter()
        .rev()
        .find(|l| l["speaker"] == "interviewer")
        .unwrap();
    assert!(
        last["text"]
            .as_str()
            .unwrap()
            .contains("end of our interview"),
        "{last}"
    );
    assert!(
        !last["text"].as_str().unwrap().contains("[[END"),
        "the end marker is never shown"
    );
    assert!(
        transcript
            .iter()
            .any(|l| l["text"].as_str().unwrap().contains("job scheduler")),
        "questions come from the resume"
    );
    assert!(
        transcript.iter().any(|l| l["speaker"] == "interviewer"
            && l["text"]
                .as_str()
                .unwrap()
                .contains("your team ran the old and new billing side by side")),
        "follow-ups pick up the candidate's words: {transcript:#?}"
    );
    assert!(
        page.eval("window.__interview.playedSamples > 0").await == true,
        "the interviewer spoke"
    );

    // The store has the same conversation, in order, and the booking is completed.
    let bookings = server.state.scheduling().bookings();
    let deadline = std::time::Instant::now() + crate::cdp::DEADLINE;
    loop {
        let booking = bookings.get(&booked.booking.token).await.unwrap().unwrap();
        if booking.status == interview::BookingStatus::Completed {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "booking never completed: {:?}",
            booking.status
        );
        tokio::task::yield_now().await;
    }
    let stored = bookings.transcript(&booked.booking.token).await.unwrap();
    let candidate_lines = stored
        .iter()
        .filter(|e| e.speaker == interview::interview::Speaker::Candidate)
        .count();
    assert_eq!(candidate_lines, sent);
    assert!(
        stored.windows(2).all(|w| w[0].at <= w[1].at),
        "ordered by time"
    );
}
