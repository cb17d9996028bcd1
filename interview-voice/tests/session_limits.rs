#![allow(clippy::unwrap_used)]
//! What one interview takes from a candidate who sends as fast as they can: typed
//! answers at a pace, a bounded queue of turns, and a transcript with an end.

mod session_support;

use std::time::Duration;

use interview_core::audio::AudioFormat;
use interview_core::interview::{
    InterviewPlan, NOTICE_TOPIC, Persona, ResumeText, Speaker, prompt_highlights, system_prompt,
};
use interview_core::position::Position;
use interview_core::store::BookingStore;
use interview_core::{BookingStatus, EvaluationStatus};
use interview_voice::session::{InputLimits, SessionConfig, SessionEnd};
use session_support::{EVALUATION, Harness, RESUME};

/// The config with `input` limits; `ScriptedLlm` answers every turn with "Tell me more."
/// (`replies` of them) and then evaluates.
fn config(input: InputLimits) -> SessionConfig {
    SessionConfig {
        input,
        ..SessionConfig::default()
    }
}

fn notices(h: &Harness) -> Vec<String> {
    h.messages(NOTICE_TOPIC)
        .into_iter()
        .map(|n| {
            assert_eq!(n["transient"], true, "{n}");
            n["code"].as_str().unwrap().to_owned()
        })
        .collect()
}

fn candidate_lines(report: &interview_voice::session::SessionReport) -> Vec<String> {
    report
        .transcript
        .iter()
        .filter(|e| e.speaker == Speaker::Candidate)
        .map(|e| e.text.clone())
        .collect()
}

#[tokio::test(flavor = "current_thread")]
async fn a_flood_of_typed_answers_is_taken_at_the_allowed_pace_only() {
    let mut h = Harness::new(AudioFormat::SPEECH).await;
    for _ in 0..4 {
        h.llm.push_reply("Tell me more.");
    }
    let session = h.start(
        config(InputLimits {
            typed_burst: 3,
            typed_every: Duration::from_secs(3600),
            ..InputLimits::default()
        }),
        false,
    );
    h.wait_lines(1).await;
    for n in 0..2_000 {
        h.type_answer(&format!("Answer number {n} about the ledger."));
    }
    // Events are handled in order: by the disconnect, every answer was seen.
    h.disconnect();
    let report = session.await.unwrap();
    let taken = candidate_lines(&report);
    assert_eq!(
        taken,
        [
            "Answer number 0 about the ledger.",
            "Answer number 1 about the ledger.",
            "Answer number 2 about the ledger.",
        ]
    );
    assert_eq!(
        h.store.transcript(&h.token).await.unwrap(),
        report.transcript
    );
    // One notice for the whole flood, not one per refused answer.
    assert_eq!(notices(&h), ["too_fast"]);
}

#[tokio::test(flavor = "current_thread")]
async fn turns_waiting_for_the_interviewer_are_bounded() {
    let mut h = Harness::new(AudioFormat::SPEECH).await;
    h.llm.push_reply("Tell me more.");
    // The interviewer is still speaking its greeting while the answers come.
    h.gate.hold();
    let session = h.start(
        config(InputLimits {
            typed_every: Duration::ZERO,
            max_pending: 3,
            ..InputLimits::default()
        }),
        false,
    );
    // The greeting starts before any event is read, so these all wait for it.
    for n in 0..50 {
        h.type_answer(&format!("Queued answer {n}."));
    }
    h.disconnect();
    h.gate.release();
    let report = session.await.unwrap();
    assert_eq!(
        candidate_lines(&report),
        ["Queued answer 0.", "Queued answer 1.", "Queued answer 2."]
    );
    assert_eq!(notices(&h), ["too_fast"]);
}

#[tokio::test(flavor = "current_thread")]
async fn a_long_typed_answer_is_cut_to_the_limit() {
    let mut h = Harness::new(AudioFormat::SPEECH).await;
    h.llm.push_reply("Tell me more.");
    let session = h.start(
        config(InputLimits {
            max_typed_chars: 12,
            ..InputLimits::default()
        }),
        false,
    );
    h.wait_lines(1).await;
    h.type_answer(&"é".repeat(100_000));
    h.wait_lines(3).await;
    h.disconnect();
    let report = session.await.unwrap();
    assert_eq!(candidate_lines(&report), ["é".repeat(12)]);
}

#[tokio::test(flavor = "current_thread")]
async fn a_full_transcript_closes_the_interview_politely_and_completes_it() {
    let mut h = Harness::new(AudioFormat::SPEECH).await;
    h.llm.push_reply("Tell me more.");
    h.llm.push_reply("And then?");
    h.llm.push_reply(EVALUATION);
    let session = h.start(
        config(InputLimits {
            typed_every: Duration::ZERO,
            max_transcript_lines: 5,
            ..InputLimits::default()
        }),
        false,
    );
    h.wait_lines(1).await;
    h.type_answer("I built a ledger in Rust.");
    h.wait_lines(3).await;
    h.type_answer("It handled two thousand payments a second.");
    h.wait_lines(5).await;
    // The sixth line would pass the bound: refused, and the interviewer closes.
    h.type_answer("One more thing for the record.");
    let report = session.await.unwrap();
    assert_eq!(report.end, SessionEnd::TranscriptFull);
    assert_eq!(report.transcript.len(), 6);
    assert_eq!(
        report.transcript.last().unwrap().text,
        Persona::default().time_up_text()
    );
    assert!(
        candidate_lines(&report)
            .iter()
            .all(|l| !l.contains("One more thing"))
    );
    assert_eq!(notices(&h), ["transcript_full"]);
    let stored = h.store.get(&h.token).await.unwrap().unwrap();
    assert_eq!(stored.status, BookingStatus::Completed);
    assert_eq!(stored.evaluation_status, EvaluationStatus::Ready);
    assert_eq!(h.store.transcript(&h.token).await.unwrap().len(), 6);
}

#[tokio::test(flavor = "current_thread")]
async fn the_transcript_is_also_bounded_in_characters() {
    let mut h = Harness::new(AudioFormat::SPEECH).await;
    h.llm.push_reply("Tell me more.");
    // The greeting as the session says it: it cites the resume's first highlight.
    let resume = ResumeText::new(RESUME, 8000);
    let position = Position::default();
    let plan = InterviewPlan::for_position(&position, Some(resume.as_str()));
    let prompt = system_prompt(&Persona::default(), &position, &plan, Some(&resume));
    let item = prompt_highlights(&prompt).into_iter().next();
    assert!(item.is_some(), "the test resume has a highlight to cite");
    let greeting = Persona::default().greeting_text(Some("Priya"), 30, item.as_deref());
    let session = h.start(
        config(InputLimits {
            typed_every: Duration::ZERO,
            // The greeting and one short answer fit; nothing after them does.
            max_transcript_chars: greeting.chars().count() + 30,
            ..InputLimits::default()
        }),
        false,
    );
    h.wait_lines(1).await;
    h.type_answer("I built a ledger in Rust.");
    h.wait_lines(3).await;
    h.type_answer("More words that do not fit.");
    let report = session.await.unwrap();
    assert_eq!(report.end, SessionEnd::TranscriptFull);
    assert_eq!(candidate_lines(&report), ["I built a ledger in Rust."]);
}
