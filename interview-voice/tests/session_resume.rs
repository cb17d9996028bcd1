#![allow(clippy::unwrap_used)]
//! One interview per booking: a completed interview is never taken again, a
//! dropped connection resumes where it stopped, two sessions never hold one
//! interview, and an absence is never a completion.

mod session_support;

use std::time::Duration;

use chrono::TimeDelta;
use interview_core::audio::AudioFormat;
use interview_core::engine::Role;
use interview_core::interview::{NOTICE_TOPIC, Speaker};
use interview_core::store::BookingStore;
use interview_core::testing::in_memory_room;
use interview_core::transport::RoomEvent;
use interview_core::{BookingStatus, EvaluationStatus};
use interview_voice::session::{
    Engines, InterviewSession, SessionBooking, SessionConfig, SessionEnd,
};
use session_support::{EVALUATION, Harness, may_end_any_time};

fn joined(h: &Harness) {
    h.room.send_event(RoomEvent::ParticipantJoined {
        identity: "candidate-again".into(),
        name: "Priya Sharma".into(),
    });
}

async fn status(h: &Harness) -> BookingStatus {
    h.store.get(&h.token).await.unwrap().unwrap().status
}

#[tokio::test(flavor = "current_thread")]
async fn a_completed_interview_is_refused_and_its_transcript_stays_as_it_was() {
    let mut h = Harness::new(AudioFormat::SPEECH).await;
    h.llm
        .push_reply("Thank you, Priya, that is all. Goodbye! [[END_INTERVIEW]]");
    h.llm.push_reply(EVALUATION);
    let first = h.start(may_end_any_time(), false);
    h.wait_lines(1).await;
    h.type_answer("I built a ledger in Rust.");
    assert_eq!(first.await.unwrap().end, SessionEnd::PlanComplete);
    assert_eq!(status(&h).await, BookingStatus::Completed);
    let stored = h.store.transcript(&h.token).await.unwrap();
    let spoken = h.tts.spoken().len();

    // The same link, inside the window, a minute later.
    h.reopen(AudioFormat::SPEECH);
    let again = h.start(may_end_any_time(), false).await.unwrap();
    assert_eq!(again.end, SessionEnd::NotJoinable);
    assert!(again.transcript.is_empty());
    let notice = &h.messages(NOTICE_TOPIC)[0];
    assert_eq!(notice["code"], "completed");
    assert_eq!(notice["message"], "This interview has already taken place.");
    assert!(h.room.is_closed());
    assert!(h.lines().is_empty(), "no greeting: {:?}", h.lines());
    assert_eq!(h.tts.spoken().len(), spoken, "nothing was said");
    assert_eq!(h.store.transcript(&h.token).await.unwrap(), stored);
    assert_eq!(status(&h).await, BookingStatus::Completed);
}

#[tokio::test(flavor = "current_thread")]
async fn a_candidate_who_drops_comes_back_to_the_same_interview() {
    let mut h = Harness::new(AudioFormat::SPEECH).await;
    h.llm.push_reply("Thanks. What did you build next?");
    h.llm
        .push_reply("That is all I wanted to ask. Goodbye! [[END_INTERVIEW]]");
    h.llm.push_reply(EVALUATION);
    let session = h.start(may_end_any_time(), false);
    h.wait_lines(1).await;
    h.type_answer("I built a ledger in Rust.");
    h.wait_lines(3).await;
    assert_eq!(status(&h).await, BookingStatus::InProgress);

    // Ten minutes into the interview the connection drops...
    h.clock.advance(TimeDelta::minutes(10));
    h.leave_and_wait().await;
    // ...for fifteen minutes, which do not count as interview time.
    h.clock.advance(TimeDelta::minutes(15));
    joined(&h);
    h.wait_lines(4).await;
    assert_eq!(status(&h).await, BookingStatus::InProgress);
    let lines = h.lines();
    assert!(
        lines[3]
            .1
            .starts_with("Welcome back, Priya. We got disconnected"),
        "{lines:?}"
    );
    assert_eq!(
        lines
            .iter()
            .filter(|(_, text)| text.starts_with("Hello Priya!"))
            .count(),
        1,
        "no second greeting"
    );

    h.type_answer("I then built a search service.");
    let report = session.await.unwrap();
    assert_eq!(report.end, SessionEnd::PlanComplete);
    // The model carried on: the whole conversation, and the interview's own time.
    let request = &h.llm.requests()[1];
    let said: Vec<(Role, &str)> = request
        .messages
        .iter()
        .map(|m| (m.role, m.content.as_str()))
        .collect();
    assert!(
        said.iter()
            .any(|(r, t)| *r == Role::User && t.contains("ledger"))
    );
    assert!(
        said.iter()
            .any(|(r, t)| *r == Role::Assistant && t.starts_with("Welcome back"))
    );
    let note = &said.last().unwrap().1;
    assert!(note.contains("10 min elapsed"), "{note}");
    assert!(!note.contains("Current stage: introduction"), "{note}");
    assert_eq!(report.duration, Duration::from_secs(10 * 60));
    // One transcript, in order, stored as said.
    let speakers: Vec<Speaker> = report.transcript.iter().map(|e| e.speaker).collect();
    assert_eq!(
        speakers,
        [
            Speaker::Interviewer,
            Speaker::Candidate,
            Speaker::Interviewer,
            Speaker::Interviewer,
            Speaker::Candidate,
            Speaker::Interviewer
        ]
    );
    assert_eq!(
        h.store.transcript(&h.token).await.unwrap(),
        report.transcript
    );
    let stored = h.store.get(&h.token).await.unwrap().unwrap();
    assert_eq!(stored.status, BookingStatus::Completed);
    assert_eq!(stored.evaluation_status, EvaluationStatus::Ready);
}

#[tokio::test(flavor = "current_thread")]
async fn a_new_session_resumes_where_the_last_one_stopped() {
    let mut h = Harness::new(AudioFormat::SPEECH).await;
    h.llm.push_reply("Thanks. What did you build next?");
    let first = h.start(SessionConfig::default(), false);
    h.wait_lines(1).await;
    h.type_answer("I built a ledger in Rust.");
    h.wait_lines(3).await;
    h.clock.advance(TimeDelta::minutes(8));
    // The page crashed and the room went with it.
    h.room.send_event(RoomEvent::Disconnected {
        reason: "the tab closed".into(),
    });
    let report = first.await.unwrap();
    assert_eq!(report.end, SessionEnd::Disconnected);
    assert!(report.evaluation.is_none(), "not the end of the interview");
    assert_eq!(status(&h).await, BookingStatus::Interrupted);
    let before = h.store.transcript(&h.token).await.unwrap();
    assert_eq!(before.len(), 3);

    h.clock.advance(TimeDelta::minutes(5));
    h.reopen(AudioFormat::SPEECH);
    h.llm.push_reply("Good. Tell me about the search service.");
    let second = h.start(SessionConfig::default(), false);
    h.wait_lines(1).await;
    assert!(
        h.lines()[0].1.starts_with("Welcome back, Priya."),
        "{:?}",
        h.lines()
    );
    h.type_answer("I then built a search service.");
    h.wait_lines(3).await;
    let request = &h.llm.requests()[1];
    let contents: Vec<&str> = request
        .messages
        .iter()
        .map(|m| m.content.as_str())
        .collect();
    assert!(
        contents.contains(&"I built a ledger in Rust."),
        "{contents:?}"
    );
    assert!(contents.contains(&"Thanks. What did you build next?"));
    assert!(
        contents.last().unwrap().contains("8 min elapsed"),
        "{contents:?}"
    );

    h.room.send_event(RoomEvent::Disconnected {
        reason: "again".into(),
    });
    let report = second.await.unwrap();
    // The report and the store hold the one interview, in order.
    assert_eq!(report.transcript.len(), 6);
    assert_eq!(report.transcript[..3], before[..]);
    assert_eq!(
        h.store.transcript(&h.token).await.unwrap(),
        report.transcript
    );
}

#[tokio::test(flavor = "current_thread")]
async fn an_absence_without_answers_never_completes_the_interview() {
    let mut h = Harness::new(AudioFormat::SPEECH).await;
    let session = h.start(SessionConfig::default(), false);
    h.wait_lines(1).await;
    h.leave_and_wait().await;
    h.clock.advance(TimeDelta::minutes(61));
    let report = session.await.unwrap();
    assert_eq!(report.end, SessionEnd::WindowClosed);
    assert!(report.evaluation.is_none());
    let stored = h.store.get(&h.token).await.unwrap().unwrap();
    assert_eq!(stored.status, BookingStatus::Interrupted);
    assert_eq!(
        stored.evaluation_status,
        EvaluationStatus::NotAvailable("the candidate gave no answers".into())
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_second_session_is_refused_while_the_first_holds_the_interview() {
    let mut h = Harness::new(AudioFormat::SPEECH).await;
    let first = h.start(SessionConfig::default(), false);
    h.wait_lines(1).await;

    let (io, room) = in_memory_room("another-tab", None, AudioFormat::SPEECH);
    let engines = Engines {
        stt: None,
        llm: h.llm.clone(),
        tts: h.tts.clone(),
    };
    let second = InterviewSession::new(
        SessionConfig::default(),
        engines,
        h.store.clone(),
        h.clock.clone(),
    )
    .run(io, SessionBooking::from(&h.booking))
    .await;
    assert_eq!(second.end, SessionEnd::NotJoinable);
    let notice: serde_json::Value = serde_json::from_str(&room.texts()[0].1).unwrap();
    assert_eq!(notice["code"], "already_connected");
    assert!(room.played().is_empty());

    // The first goes on undisturbed.
    assert_eq!(status(&h).await, BookingStatus::InProgress);
    h.disconnect();
    assert_eq!(first.await.unwrap().end, SessionEnd::Disconnected);
}

#[tokio::test(flavor = "current_thread")]
async fn a_session_that_died_is_taken_over_once_its_hold_runs_out() {
    let mut h = Harness::new(AudioFormat::SPEECH).await;
    h.llm.push_reply("Thanks. What did you build next?");
    let config = SessionConfig {
        lease: Duration::from_secs(30),
        ..SessionConfig::default()
    };
    let crashed = h.start(config.clone(), false);
    h.wait_lines(1).await;
    h.type_answer("I built a ledger in Rust.");
    h.wait_lines(3).await;
    h.lines_stored(3).await;
    // The process dies: no goodbye, no release, no more renewals.
    crashed.abort();
    let _ = crashed.await;

    h.reopen(AudioFormat::SPEECH);
    let busy = h.start(config.clone(), false).await.unwrap();
    assert_eq!(
        busy.end,
        SessionEnd::NotJoinable,
        "the hold has not run out"
    );

    h.clock.advance(TimeDelta::seconds(31));
    h.reopen(AudioFormat::SPEECH);
    h.llm.push_reply("Good. Tell me more.");
    let taken_over = h.start(config, false);
    h.wait_lines(1).await;
    assert!(
        h.lines()[0].1.starts_with("Welcome back"),
        "{:?}",
        h.lines()
    );
    assert_eq!(status(&h).await, BookingStatus::InProgress);
    h.disconnect();
    let report = taken_over.await.unwrap();
    assert_eq!(report.end, SessionEnd::Disconnected);
    assert_eq!(status(&h).await, BookingStatus::Interrupted);
    // The dead session's lines were kept, and the new one's came after them.
    let stored = h.store.transcript(&h.token).await.unwrap();
    assert_eq!(stored[1].text, "I built a ledger in Rust.");
    assert!(stored[3].text.starts_with("Welcome back"));
}
