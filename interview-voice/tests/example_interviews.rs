#![allow(clippy::unwrap_used)]
//! The example interviews in `docs/interviewer.md`, as a candidate reads them:
//! whole sessions with the offline interviewer for two positions, answered by
//! typing. The test fails when the document and the interviewer disagree; run it
//! with `INTERVIEW_UPDATE_DOCS=1` to write the interviews into the document.

mod session_support;

use std::sync::Arc;
use std::time::Duration;

use interview_core::PersonName;
use interview_core::audio::AudioFormat;
use interview_core::clock::ManualClock;
use interview_core::engine::LlmEngine;
use interview_core::interview::{Speaker, TranscriptEntry};
use interview_core::position::{Position, PositionDefaults, PositionsFile};
use interview_core::testing::{InMemoryBookingStore, ScriptedLlm, ScriptedTts, in_memory_room};
use interview_core::transport::RoomEvent;
use interview_voice::offline::OfflineInterviewer;
use interview_voice::session::{
    Engines, InterviewSession, SessionBooking, SessionConfig, SessionEnd,
};
use session_support::{eventually, start_time, typed_quickly};

/// The two positions, as a `POSITIONS_FILE` writes them.
const POSITIONS: &str = r#"
[[positions]]
id = "backend"
title = "Backend Engineer"
company = "Acme Payments"
knowledge = """
The team is eight engineers in London and Lisbon.
We work hybrid, with two office days a week in either city.
The next step after this interview is a 45-minute call with the team lead.
"""

[[positions.competencies]]
name = "System design"
rubric = { 1 = "One box, no failure modes.", 3 = "A sound design with its trade-offs.", 5 = "Designs for failure and growth, and measures it." }

[[positions.competencies]]
name = "Debugging"
rubric = { 1 = "Guesses.", 3 = "Narrows the problem down step by step.", 5 = "Finds the root cause and prevents the class of bug." }

[[positions.competencies]]
name = "Collaboration"
rubric = { 1 = "Works alone or blames others.", 3 = "Works through disagreement.", 5 = "Unblocks others and changes how the team works." }

[[positions]]
id = "support"
title = "Customer Support Specialist"
duration_minutes = 20
knowledge = """
Shifts are from 8:00 to 16:30 or from 12:00 to 20:30, Monday to Friday.
New specialists spend their first two weeks in training with a mentor.
"""
"#;

const BACKEND_RESUME: &str = "Priya Raman\n\
    Senior Backend Engineer | priya.raman@example.com | (415) 555-0142\n\
    Experience\n\
    - Cut p99 checkout latency from 850 ms to 120 ms by moving fraud checks off the request path\n\
    - Led the migration of the ledger from MySQL to PostgreSQL with zero downtime\n\
    - Mentored four engineers through their first on-call rotations\n";

const SUPPORT_RESUME: &str = "Tomás Ortega\n\
    tomas.ortega@example.com | +34 600 123 456\n\
    - Resolved 60 customer tickets a day with a 96% satisfaction score\n\
    - Wrote the help-centre articles that cut repeat contacts by 30%\n";

/// What the candidate says to each kind of question.
struct Candidate {
    /// Answers to the interviewer's questions, in turn (the last repeats).
    answers: &'static [&'static str],
    /// Their questions, when invited, in turn; then that they have no more.
    questions: &'static [&'static str],
}

const PRIYA: Candidate = Candidate {
    answers: &[
        "The fraud checks ran inside the request. I moved them to a queue with a fast \
         allow-list in front, so checkout only waits for the allow-list, and p99 fell \
         from 850 to 120 milliseconds. Lately I have been working on our payout service.",
        "The hardest part was deciding what to do when the queue is slow. We accept the \
         order and hold the payout, so a slow fraud check never blocks the customer.",
        "We ran both databases side by side for a month, compared every write, and switched \
         reads one service at a time with a flag we could turn back.",
        "Two writes disagreed in the first week because of rounding in MySQL. I traced it to \
         a float column, fixed the migration script and replayed that day's writes.",
        "I paired with each engineer on real incidents, first watching, then leading with me \
         beside them, until each led one alone. All four are now on the rotation.",
        "I would write the runbooks earlier. We wrote them after the second incident, and \
         the first one took twice as long because of it.",
        "A teammate wanted to rewrite the ledger instead. I wrote down both plans with \
         their risks, we agreed on the migration, and he led the comparison tooling.",
        "We agreed because the migration could be rolled back at every step, and the \
         rewrite could not. He later said the written comparison changed his mind.",
    ],
    questions: &[
        "How many office days a week are there?",
        "Do you sponsor visas?",
    ],
};

const TOMAS: Candidate = Candidate {
    answers: &[
        "I resolved about 60 tickets a day at an online travel agency, by chat and e-mail \
         in English and Spanish. The 96% came from the surveys customers answer after a chat.",
        "Yes.",
        "A customer had been charged twice for a flight. I found the duplicate payment, \
         had it refunded the same day, and wrote to her before she had to ask again.",
        "I noticed the same three questions came in every day, so I wrote help-centre \
         articles for them, and repeat contacts fell by 30% in two months.",
        "I checked which articles customers opened before they still contacted us, and \
         rewrote the two that did not answer the question in the first lines.",
        "A colleague and I disagreed on whether to refund a late cancellation. We asked \
         our lead, agreed on a rule, and added it to the team's guide.",
        "The rule meant we answered those cases the same way, and complaints about \
         inconsistent answers stopped.",
    ],
    questions: &["What are the working hours?"],
};

/// A whole interview for `position` with `candidate`, held by `llm`.
async fn interview(
    position: &Position,
    name: &str,
    resume: &str,
    candidate: &Candidate,
    llm: Arc<dyn LlmEngine>,
) -> Vec<TranscriptEntry> {
    let (io, room) = in_memory_room("room-1", None, AudioFormat::SPEECH);
    let engines = Engines {
        stt: None,
        llm,
        tts: Arc::new(ScriptedTts::new(
            AudioFormat::PCM_24K,
            Duration::from_millis(1),
        )),
    };
    let session = InterviewSession::new(
        SessionConfig {
            position: position.clone(),
            ..typed_quickly()
        },
        engines,
        Arc::new(InMemoryBookingStore::new()),
        Arc::new(ManualClock::new(start_time())),
    );
    let booking = SessionBooking {
        candidate_name: Some(PersonName::parse(name).unwrap()),
        resume_text: Some(resume.to_owned()),
        position: Some(position.clone()),
        ..SessionBooking::none()
    };
    let running = tokio::spawn(session.run(io, booking));
    let lines = || -> Vec<serde_json::Value> {
        room.texts()
            .iter()
            .filter(|(topic, _)| topic == "transcript")
            .map(|(_, text)| serde_json::from_str(text).unwrap())
            .collect()
    };
    eventually("the greeting", || !lines().is_empty()).await;
    let (mut answers, mut questions) = (0, 0);
    for turn in 1..=30 {
        if running.is_finished() {
            break;
        }
        let last = lines().last().unwrap()["text"].as_str().unwrap().to_owned();
        let invited = ["would you like to ask me", "like to know?"]
            .iter()
            .any(|invitation| last.contains(invitation));
        let text = if invited {
            questions += 1;
            candidate
                .questions
                .get(questions - 1)
                .copied()
                .unwrap_or("No, that is all from me. Thank you.")
        } else {
            answers += 1;
            candidate.answers[(answers - 1).min(candidate.answers.len() - 1)]
        };
        room.send_event(RoomEvent::Text {
            identity: "candidate".into(),
            text: text.to_owned(),
        });
        // The greeting, then an answer and a reply per turn.
        eventually("the reply", || lines().len() > 2 * turn).await;
    }
    let report = running.await.unwrap();
    assert_eq!(
        report.end,
        SessionEnd::PlanComplete,
        "{:#?}",
        report.transcript
    );
    report.transcript
}

/// The interview as the document shows it: a quote, one paragraph per line.
fn as_markdown(transcript: &[TranscriptEntry], candidate: &str) -> String {
    transcript
        .iter()
        .map(|line| {
            let who = match line.speaker {
                Speaker::Interviewer => "Arjun",
                Speaker::Candidate => candidate,
            };
            format!("> **{who}:** {}\n", line.text)
        })
        .collect::<Vec<_>>()
        .join(">\n")
}

/// Checks (or, with `INTERVIEW_UPDATE_DOCS=1`, writes) the block of
/// `docs/interviewer.md` between `<!-- example: {name} -->` and `<!-- /example -->`.
fn check_document(name: &str, expected: &str) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/interviewer.md");
    let document = std::fs::read_to_string(path).unwrap();
    let open = format!("<!-- example: {name} -->\n");
    let start = document
        .find(&open)
        .unwrap_or_else(|| panic!("docs/interviewer.md has no {open:?}"))
        + open.len();
    let end = start + document[start..].find("<!-- /example -->").unwrap();
    if std::env::var_os("INTERVIEW_UPDATE_DOCS").is_some() {
        let updated = format!("{}{expected}{}", &document[..start], &document[end..]);
        std::fs::write(path, updated).unwrap();
        return;
    }
    assert_eq!(
        &document[start..end],
        expected,
        "docs/interviewer.md's example {name} is out of date: run this test with \
         INTERVIEW_UPDATE_DOCS=1 to write it"
    );
}

fn positions() -> Vec<Position> {
    PositionsFile::parse(POSITIONS, &PositionDefaults::default())
        .unwrap()
        .positions
}

#[tokio::test(flavor = "current_thread")]
async fn the_documented_backend_interview_is_the_one_held() {
    let position = &positions()[0];
    let offline = Arc::new(OfflineInterviewer::new());
    let transcript = interview(position, "Priya Raman", BACKEND_RESUME, &PRIYA, offline).await;
    let text = as_markdown(&transcript, "Priya");
    // What the document promises of it.
    assert!(text.contains("an AI interviewer"), "{text}");
    assert!(text.contains("about 30 minutes"), "{text}");
    assert!(text.contains("two office days a week"), "{text}");
    assert!(text.contains("do not have the answer"), "{text}");
    assert!(
        text.contains("The team at Acme Payments will review"),
        "{text}"
    );
    assert!(
        !text.contains("priya.raman@example.com") && !text.contains("555"),
        "{text}"
    );
    check_document("backend-offline", &text);
}

#[tokio::test(flavor = "current_thread")]
async fn the_documented_support_interview_is_the_one_held() {
    let position = &positions()[1];
    let offline = Arc::new(OfflineInterviewer::new());
    let transcript = interview(position, "Tomás Ortega", SUPPORT_RESUME, &TOMAS, offline).await;
    let text = as_markdown(&transcript, "Tomás");
    assert!(
        text.contains("Customer Support Specialist position."),
        "{text}"
    );
    assert!(text.contains("8:00 to 16:30"), "{text}");
    assert!(text.contains("Our team will review"), "{text}");
    assert!(
        !text.contains("hiring team") && !text.contains("600 123"),
        "{text}"
    );
    check_document("support-offline", &text);
}

/// What a language model stand-in says, in turn: its questions follow the
/// candidate's answers, and each names the competency the answer before gave
/// evidence for in a marker the session reads and never speaks.
const STAND_IN: &[&str] = &[
    "Thank you, Priya. Let's stay with that queue: when a fraud check was retried, how \
     did you make sure an order was never accepted twice? [[EVIDENCE: System design]]",
    "That makes sense. Tell me about a bug in that system that was hard to find: how did \
     you narrow it down? [[EVIDENCE: System design]]",
    "A float column, that is a classic. How did you make sure it could not happen again? \
     [[EVIDENCE: Debugging]]",
    "Thank you. You mentioned a teammate who wanted to rewrite the ledger. How did you \
     settle that disagreement? [[EVIDENCE: Debugging]]",
    "Thank you. What would you like to ask me about the role or the team? \
     [[EVIDENCE: Collaboration]]",
    "We work hybrid, with two office days a week in London or Lisbon. Is there anything \
     else you would like to know?",
    "Thank you for your time today, Priya. The team at Acme Payments will review our \
     conversation and contact you by e-mail about the next steps. Goodbye! [[END_INTERVIEW]]",
];

const PRIYA_WITH_A_MODEL: Candidate = Candidate {
    answers: &[
        "I have spent six years on payment backends. Most recently I moved our fraud checks \
         off the checkout request path, which cut p99 latency from 850 to 120 milliseconds.",
        "Every order carries an idempotency key, and the consumer records the key in the \
         same transaction as the decision, so a retried check finds it and does nothing.",
        "Two writes disagreed in the first week of the ledger migration. I diffed the rows \
         and traced it to rounding in a float column in MySQL.",
        "I changed the column to integer cents, added a check to the comparison job, and \
         wrote a lint that refuses floats for money in our schemas.",
        "I wrote down both plans with their risks. We agreed on the migration because it \
         could be rolled back at every step, and he led the comparison tooling.",
    ],
    questions: &["How many office days a week are there?"],
};

#[tokio::test(flavor = "current_thread")]
async fn the_documented_interview_with_a_model_stand_in_is_the_one_held() {
    let position = &positions()[0];
    let model = Arc::new(ScriptedLlm::new(STAND_IN.iter().copied()));
    let transcript = interview(
        position,
        "Priya Raman",
        BACKEND_RESUME,
        &PRIYA_WITH_A_MODEL,
        model.clone(),
    )
    .await;
    let text = as_markdown(&transcript, "Priya");
    // The markers are read, never shown; the model saw the rubric and the notes.
    assert!(!text.contains("[["), "{text}");
    let first = &model.requests()[0];
    assert!(
        first.messages[0]
            .content
            .contains("5 (excellent): Designs for failure")
    );
    check_document("backend-model", &text);
}
