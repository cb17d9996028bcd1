#![allow(clippy::unwrap_used)]
//! Turn-taking by playout: the interviewer is speaking until the candidate has
//! heard its audio (the in-memory room plays it in real time on the session's
//! clock, which the test moves), a burst of answers is one turn, captions follow
//! the audio sentence by sentence, and a room that never confirms playout cannot
//! hold the interview.

mod session_support;

use std::time::Duration;

use chrono::TimeDelta;
use interview_core::audio::AudioFormat;
use interview_core::interview::{CAPTION_TOPIC, PROGRESS_TOPIC, TRANSCRIPT_TOPIC};
use interview_voice::session::SessionConfig;
use session_support::{EVALUATION, Harness, eventually, say, silence, start_time};

/// The synthesizer's format, so the room plays exactly what was synthesized.
const FORMAT: AudioFormat = AudioFormat::PCM_24K;

/// Lets every ready task run (the pipeline queues all it has).
async fn settle() {
    for _ in 0..2_000 {
        tokio::task::yield_now().await;
    }
}

fn advance(h: &Harness, by: Duration) {
    h.clock.advance(TimeDelta::from_std(by).unwrap());
}

/// How long the audio of everything synthesized from the `skip`th sentence on lasts.
fn audio_since(h: &Harness, skip: usize) -> Duration {
    h.tts
        .spoken()
        .iter()
        .skip(skip)
        .map(|s| h.tts.duration_of(s))
        .sum()
}

fn last_state(h: &Harness) -> String {
    h.states().last().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "current_thread")]
async fn the_interviewer_speaks_until_its_audio_is_heard_and_a_burst_is_one_turn() {
    let mut h = Harness::new(FORMAT).await;
    h.play_in_real_time(FORMAT);
    h.llm
        .push_reply("Thanks, Priya. Which part of the ledger did you build?");
    h.llm.push_reply(EVALUATION);
    let session = h.start(SessionConfig::default(), false);

    settle().await;
    let greeting = audio_since(&h, 0);
    assert!(greeting > Duration::from_secs(1), "{greeting:?}");
    // All of the greeting is queued at once...
    assert_eq!(
        h.room.playout_ends_at(),
        Some(start_time() + TimeDelta::from_std(greeting).unwrap())
    );
    // ...and queued is not heard: the interviewer is speaking, its line not done.
    assert_eq!(h.states(), ["thinking", "speaking"]);
    assert!(h.lines().is_empty());

    // Quick typed answers while it speaks are heard, not answered.
    for n in 1..=4 {
        h.type_answer(&format!("Answer {n}."));
    }
    settle().await;
    assert!(h.llm.requests().is_empty());
    advance(&h, greeting - Duration::from_millis(1));
    settle().await;
    assert_eq!(last_state(&h), "speaking");
    assert!(h.llm.requests().is_empty());

    // Heard to the end: one answer to the whole burst.
    advance(&h, Duration::from_millis(1));
    eventually("the burst is answered", || h.llm.requests().len() == 1).await;
    settle().await;
    assert_eq!(h.llm.requests().len(), 1);
    let asked = &h.llm.requests()[0].messages;
    assert_eq!(
        asked[asked.len() - 2].content,
        "Answer 1. Answer 2. Answer 3. Answer 4."
    );
    let lines = h.lines();
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert_eq!(lines[0].0, "interviewer");
    assert!(lines[1..].iter().all(|(who, _)| who == "candidate"));

    // The reply is heard in real time too.
    let reply = audio_since(&h, h.tts.spoken().len() - 2);
    assert_eq!(
        h.states(),
        ["thinking", "speaking", "listening", "thinking", "speaking"]
    );
    advance(&h, reply);
    eventually("listening again", || last_state(&h) == "listening").await;
    assert_eq!(h.lines().len(), 6);

    h.disconnect();
    let report = session.await.unwrap();
    assert_eq!(report.turns.len(), 1, "one answer");
    assert!(report.turns[0].typed && report.turns[0].queued);
}

#[tokio::test(flavor = "current_thread")]
async fn spoken_answers_during_the_greeting_are_one_turn_once_it_is_heard() {
    let mut h = Harness::new(FORMAT).await;
    h.play_in_real_time(FORMAT);
    h.stt.push_text("Can you hear me?");
    h.stt.push_text("I built a ledger in Rust.");
    h.llm.push_reply("I can. Tell me about the ledger.");
    h.llm.push_reply(EVALUATION);
    let session = h.start(SessionConfig::default(), true);
    settle().await;
    let greeting = audio_since(&h, 0);

    // Two utterances while the greeting plays.
    let mic = AudioFormat::SPEECH;
    say(&h.room, Duration::from_millis(800), mic);
    silence(&h.room, Duration::from_millis(2000), mic);
    say(&h.room, Duration::from_millis(800), mic);
    silence(&h.room, Duration::from_millis(2000), mic);
    eventually("both transcribed", || h.stt.heard().len() == 2).await;
    settle().await;
    assert!(h.llm.requests().is_empty());
    assert_eq!(last_state(&h), "speaking");

    advance(&h, greeting);
    eventually("one answer", || h.llm.requests().len() == 1).await;
    let asked = &h.llm.requests()[0].messages;
    assert_eq!(
        asked[asked.len() - 2].content,
        "Can you hear me? I built a ledger in Rust."
    );
    settle().await;
    assert_eq!(h.llm.requests().len(), 1);

    h.disconnect();
    session.await.unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn an_answer_before_the_reply_is_spoken_joins_the_one_it_follows() {
    let mut h = Harness::new(FORMAT).await;
    h.llm.push_reply("A reply to the first message alone.");
    h.llm.push_reply("One reply to both messages.");
    h.llm.push_reply(EVALUATION);
    let session = h.start(SessionConfig::default(), false);
    h.wait_lines(1).await;
    eventually("listening", || last_state(&h) == "listening").await;

    // The room holds the reply's audio: the interviewer is still thinking.
    h.gate.hold();
    h.type_answer("I built a ledger");
    eventually("thinking", || last_state(&h) == "thinking").await;
    eventually("the first reply is asked for", || {
        h.llm.requests().len() == 1
    })
    .await;
    settle().await;
    h.type_answer("in Rust, for payments.");
    eventually("asked again", || h.llm.requests().len() == 2).await;
    h.gate.release();
    h.wait_lines(4).await;
    settle().await;

    let lines = h.lines();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!(lines[1], ("candidate".into(), "I built a ledger".into()));
    assert_eq!(
        lines[2],
        ("candidate".into(), "in Rust, for payments.".into())
    );
    assert_eq!(
        lines[3],
        ("interviewer".into(), "One reply to both messages.".into())
    );
    let asked = &h.llm.requests()[1].messages;
    assert_eq!(
        asked[asked.len() - 2].content,
        "I built a ledger in Rust, for payments."
    );
    // The dropped reply was never shown nor told to the model.
    assert!(
        !h.messages(CAPTION_TOPIC)
            .iter()
            .any(|c| c["text"].as_str().unwrap().contains("first message alone"))
    );
    assert!(
        !asked
            .iter()
            .any(|m| m.content.contains("first message alone"))
    );

    h.disconnect();
    session.await.unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn captions_follow_the_audio_sentence_by_sentence() {
    let mut h = Harness::new(FORMAT).await;
    h.play_in_real_time(FORMAT);
    h.llm.push_reply(
        "Thanks for that. How did you test the ledger before it went live? Take your time.",
    );
    h.llm.push_reply(EVALUATION);
    let session = h.start(SessionConfig::default(), false);
    settle().await;
    advance(&h, audio_since(&h, 0));
    eventually("the greeting is heard", || h.lines().len() == 1).await;

    let greeting_sentences = h.tts.spoken().len();
    h.type_answer("I built a ledger in Rust.");
    eventually("the reply is queued", || {
        h.tts.spoken().len() == greeting_sentences + 3
    })
    .await;
    settle().await;
    let captions = || -> Vec<serde_json::Value> {
        h.messages(CAPTION_TOPIC)
            .into_iter()
            .skip(greeting_sentences)
            .collect()
    };
    let sentences: Vec<String> = h.tts.spoken()[greeting_sentences..].to_vec();
    assert_eq!(
        sentences,
        [
            "Thanks for that.",
            "How did you test the ledger before it went live?",
            "Take your time."
        ]
    );
    // Each sentence is shown as its audio starts, not before, and the line only
    // once it has all been heard.
    for (n, sentence) in sentences.iter().enumerate() {
        eventually(&format!("caption {n}"), || captions().len() == n + 1).await;
        settle().await;
        assert_eq!(captions().len(), n + 1, "one sentence at a time");
        assert_eq!(captions()[n]["text"], sentence.as_str());
        assert_eq!(h.lines().len(), 2, "the whole line waits for the audio");
        advance(&h, h.tts.duration_of(sentence));
    }
    eventually("the whole line", || h.lines().len() == 3).await;
    let lines = h.messages(TRANSCRIPT_TOPIC);
    let line = &lines[2];
    assert_eq!(line["text"], sentences.join(" "));
    // The captions belong to that line, and no other line has its number.
    assert!(captions().iter().all(|c| c["line"] == line["line"]));
    assert!(
        lines[1]["line"].is_null(),
        "the candidate's lines have none"
    );
    assert_ne!(lines[0]["line"], line["line"]);

    h.disconnect();
    session.await.unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn a_room_that_never_confirms_playout_cannot_hold_the_interview() {
    let mut h = Harness::new(FORMAT).await;
    h.gate.never_confirm_playout();
    h.llm.push_reply(EVALUATION);
    let session = h.start(SessionConfig::default(), false);
    settle().await;
    let greeting = audio_since(&h, 0);
    let slack = Duration::from_secs(2);
    advance(&h, greeting + slack - Duration::from_millis(1));
    settle().await;
    assert_eq!(last_state(&h), "speaking");
    assert!(h.lines().is_empty());
    // The audio's length plus the slack: the interviewer goes on.
    advance(&h, Duration::from_millis(1));
    eventually("listening", || last_state(&h) == "listening").await;
    assert_eq!(h.lines().len(), 1);

    h.disconnect();
    session.await.unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn the_room_is_told_the_stage_and_the_time_left() {
    let mut h = Harness::new(FORMAT).await;
    h.llm
        .push_reply("Thank you. What did you own in that project?");
    h.llm.push_reply(EVALUATION);
    let config = SessionConfig {
        check_interval: Duration::from_millis(1),
        ..SessionConfig::default()
    };
    let session = h.start(config, false);
    eventually("progress", || !h.messages(PROGRESS_TOPIC).is_empty()).await;
    assert_eq!(
        h.messages(PROGRESS_TOPIC)[0],
        serde_json::json!({"stage": "Introduction", "number": 1, "count": 6, "remaining_secs": 1800})
    );
    // A minute on, the introduction's one answer moves the interview to the
    // candidate's background, and the room is told at once.
    h.clock.advance(TimeDelta::minutes(1));
    h.type_answer("I have built payment systems in Rust for five years at two companies.");
    eventually("the next stage", || {
        h.messages(PROGRESS_TOPIC)
            .last()
            .is_some_and(|p| p["number"] == 2)
    })
    .await;
    let last = h.messages(PROGRESS_TOPIC).last().unwrap().clone();
    assert_eq!(last["stage"], "Your background");
    assert_eq!(last["count"], 6);
    assert!(
        last["remaining_secs"].as_u64().unwrap() <= 29 * 60,
        "{last}"
    );

    h.disconnect();
    session.await.unwrap();
}
