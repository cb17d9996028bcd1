#![allow(clippy::unwrap_used)]
//! The interview's pace with a model stand-in and a clock the test controls: the
//! stage follows the answers and their evidence, not only the clock; the model's
//! end is refused before the wrap-up or short of coverage; a silent candidate
//! gets one kind check-in, then a polite end that leaves the interview resumable.

mod session_support;

use std::time::Duration;

use chrono::TimeDelta;
use interview_core::BookingStatus;
use interview_core::audio::AudioFormat;
use interview_core::engine::{ChatRequest, Role};
use interview_core::interview::Speaker;
use interview_core::store::BookingStore;
use interview_core::transport::RoomEvent;
use interview_voice::session::{SessionConfig, SessionEnd};
use session_support::{EVALUATION, Harness, eventually, say, silence, typed_quickly};

const MS: fn(u64) -> Duration = Duration::from_millis;

/// The session's note at the end of `request`.
fn note(request: &ChatRequest) -> &str {
    let last = request.messages.last().unwrap();
    assert_eq!(last.role, Role::System);
    &last.content
}

/// The stage a note names.
fn stage(note: &str) -> &str {
    let start = note.find("Current stage: ").unwrap() + "Current stage: ".len();
    let rest = &note[start..];
    &rest[..rest.find(" (").unwrap()]
}

/// Types `answer` and waits for the interviewer's reply (`lines` lines in all).
async fn answer(h: &Harness, answer: &str, lines: usize) {
    h.type_answer(answer);
    h.wait_lines(lines).await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_fast_typed_interview_moves_through_the_stages_and_may_then_end() {
    let mut h = Harness::new(AudioFormat::SPEECH).await;
    for reply in [
        "Thanks. What do you own in your current role? [[EVIDENCE: Communication]]",
        "I see. What did the ledger do? [[EVIDENCE: relevant experience; charisma]]",
        "How did you make it fast? [[EVIDENCE: technical depth]]",
        "What went wrong along the way? [[EVIDENCE: problem solving]]",
        "Tell me about a disagreement in your team. [[EVIDENCE: collaboration]]",
        "Thank you. What would you like to ask me?",
        "Thank you, Priya. The team will be in touch within a week. Goodbye! \
         [[EVIDENCE: communication]] [[END_INTERVIEW]]",
        EVALUATION,
    ] {
        h.llm.push_reply(reply);
    }
    let session = h.start(typed_quickly(), false);
    h.wait_lines(1).await;
    let answers = [
        "I am a backend engineer with seven years of Rust.",
        "I built a ledger in Rust.",
        "It settled payments for two banks at two thousand a second.",
        "We batched writes and kept the hot path free of locks.",
        "A clock skew bug double counted fees until we added idempotency keys.",
        "We disagreed about sharding, so I wrote both designs up and we measured them.",
        "No more questions, thank you.",
    ];
    for (n, text) in answers.iter().enumerate() {
        answer(&h, text, 3 + 2 * n).await;
    }
    let report = session.await.unwrap();

    // No time passed, and still every stage was held in turn.
    let requests = h.llm.requests();
    let stages: Vec<&str> = requests[..7].iter().map(|r| stage(note(r))).collect();
    assert_eq!(
        stages,
        [
            "Background",
            "Background",
            "Technical",
            "Technical",
            "Behavioural",
            "Candidate's questions",
            "Wrap-up",
        ]
    );
    assert!(note(&requests[0]).starts_with("Interview status: 0 s elapsed."));
    // The notes said which competencies lacked evidence; a name off the list and
    // an answer's second mention changed nothing.
    assert!(
        note(&requests[0]).contains(
            "Competencies without evidence yet: communication; technical depth; problem \
             solving; relevant experience; collaboration"
        ),
        "{}",
        note(&requests[0])
    );
    assert!(
        note(&requests[2])
            .contains("Competencies with evidence: communication; relevant experience\n")
    );
    assert!(!note(&requests[6]).contains("without evidence"));
    assert!(note(&requests[6]).contains("Close the interview now"));
    assert!(!note(&requests[5]).contains("charisma"));

    assert_eq!(report.end, SessionEnd::PlanComplete);
    assert_eq!(report.stage, Some(interview_core::interview::Stage::WrapUp));
    assert_eq!(report.covered.len(), 5, "{:?}", report.covered);
    assert_eq!(
        h.store.get(&h.token).await.unwrap().unwrap().status,
        BookingStatus::Completed
    );
    // The markers were never said, written, or shown.
    for line in &report.transcript {
        assert!(!line.text.contains("[["), "{}", line.text);
    }
    for said in h.tts.spoken() {
        assert!(!said.contains("EVIDENCE") && !said.contains("[["), "{said}");
    }
    assert!(
        report
            .transcript
            .last()
            .unwrap()
            .text
            .ends_with("within a week. Goodbye!")
    );
}

#[tokio::test(flavor = "current_thread")]
async fn an_end_before_the_wrap_up_is_refused_and_the_interview_goes_on() {
    let mut h = Harness::new(AudioFormat::SPEECH).await;
    for reply in [
        "Tell me more.",
        "And then?",
        // After three answers, the model ends: refused, and asked to go on at once.
        "Thank you, that is all I need. Goodbye! [[END_INTERVIEW]]",
        // It ends again, in the going on: refused, and now it waits.
        "Sorry, goodbye. [[END_INTERVIEW]]",
        "Actually, I do have another question: how did you test it?",
        // Past the plan's time, an end is accepted.
        "Thank you for your time. Goodbye! [[END_INTERVIEW]]",
        EVALUATION,
    ] {
        h.llm.push_reply(reply);
    }
    let session = h.start(typed_quickly(), false);
    h.wait_lines(1).await;
    answer(&h, "I built a ledger in Rust.", 3).await;
    answer(&h, "It settled payments for two banks.", 5).await;
    answer(&h, "Then I led the migration to Kubernetes.", 8).await;
    // Greeting, three answers, three replies and the going on after the refused end.
    let lines = h.lines();
    assert_eq!(lines[6].1, "Thank you, that is all I need. Goodbye!");
    assert_eq!(
        lines[7],
        ("interviewer".to_owned(), "Sorry, goodbye.".to_owned())
    );
    let requests = h.llm.requests();
    assert_eq!(requests.len(), 4);
    // The going on was asked for without a new answer, with a note saying why.
    let going_on = &requests[3];
    assert_eq!(
        going_on.messages[going_on.messages.len() - 2].role,
        Role::Assistant
    );
    assert!(
        note(going_on).contains("You ended the interview too early"),
        "{}",
        note(going_on)
    );
    assert!(note(going_on).contains("before the Wrap-up stage"));
    assert_eq!(
        h.store.get(&h.token).await.unwrap().unwrap().status,
        BookingStatus::InProgress
    );

    // The candidate goes on; the next reply answers them.
    answer(&h, "I wrote property tests for the ledger.", 10).await;
    assert_eq!(h.llm.requests().len(), 5);
    assert_eq!(
        h.llm.requests()[4]
            .messages
            .iter()
            .rev()
            .nth(1)
            .unwrap()
            .role,
        Role::User
    );

    // Thirty-one minutes in, the plan's time is used up: the end is accepted.
    h.clock.advance(TimeDelta::minutes(31));
    h.type_answer("Nothing else to add.");
    let report = session.await.unwrap();
    assert_eq!(report.end, SessionEnd::PlanComplete);
    assert!(note(&h.llm.requests()[5]).contains("the planned time is used up"));
    for said in h.tts.spoken() {
        assert!(!said.contains("END_INTERVIEW"), "{said}");
    }
    assert_eq!(
        h.store.get(&h.token).await.unwrap().unwrap().status,
        BookingStatus::Completed
    );
}

#[tokio::test(flavor = "current_thread")]
async fn in_the_wrap_up_the_end_waits_for_a_question_on_each_uncovered_competency() {
    let mut h = Harness::new(AudioFormat::SPEECH).await;
    let mut position = interview_core::position::Position::default();
    position
        .competencies
        .retain(|c| ["communication", "collaboration"].contains(&c.name.as_str()));
    let config = SessionConfig {
        position,
        min_coverage_percent: 100,
        ..session_support::may_end_any_time()
    };
    let config = SessionConfig {
        silence: typed_quickly().silence,
        input: typed_quickly().input,
        ..config
    };
    for reply in [
        "Thank you, goodbye! [[EVIDENCE: communication]] [[END_INTERVIEW]]",
        "Before you go: tell me about working with a team?",
        "Thank you, goodbye! [[END_INTERVIEW]]",
        EVALUATION,
    ] {
        h.llm.push_reply(reply);
    }
    let session = h.start(config, false);
    h.wait_lines(1).await;
    answer(&h, "I built a ledger in Rust.", 4).await;
    let requests = h.llm.requests();
    assert_eq!(requests.len(), 2);
    assert!(
        note(&requests[1])
            .contains("Do not end the interview yet: first ask one question about collaboration"),
        "{}",
        note(&requests[1])
    );
    // Asked once, the end is accepted even without evidence.
    h.type_answer("Fine.");
    let report = session.await.unwrap();
    assert_eq!(report.end, SessionEnd::PlanComplete);
    assert!(note(&h.llm.requests()[2]).contains("Close the interview now"));
}

/// Silence settings for the tests: check in after 20 s, close 40 s later, and
/// look at the clock often.
fn with_silence() -> SessionConfig {
    SessionConfig {
        check_interval: MS(5),
        ..SessionConfig::default()
    }
}

/// Lets the session run a while (it looks at the clock every 5 ms); for checking
/// that something did *not* happen.
async fn let_it_run() {
    for _ in 0..2_000 {
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(MS(30)).await;
}

#[tokio::test(flavor = "current_thread")]
async fn silence_gets_one_kind_check_in_then_a_polite_end_that_can_be_resumed() {
    let mut h = Harness::new(AudioFormat::SPEECH).await;
    h.llm.push_reply("Thanks. What did you build there?");
    let session = h.start(with_silence(), false);
    h.wait_lines(1).await;
    eventually("listening", || {
        h.states().last().map(String::as_str) == Some("listening")
    })
    .await;

    h.clock.advance(TimeDelta::seconds(19));
    let_it_run().await;
    assert_eq!(h.lines().len(), 1, "too early: {:?}", h.lines());
    h.clock.advance(TimeDelta::seconds(2));
    h.wait_lines(2).await;
    assert_eq!(
        h.lines()[1],
        (
            "interviewer".to_owned(),
            "Take your time — would you like me to repeat the question?".to_owned()
        )
    );
    // Once: more silence short of the second limit says nothing more.
    eventually("listening after the check-in", || {
        h.states().last().map(String::as_str) == Some("listening")
    })
    .await;
    h.clock.advance(TimeDelta::seconds(39));
    let_it_run().await;
    assert_eq!(h.lines().len(), 2, "{:?}", h.lines());

    // The candidate answers: the count starts again, with a check-in to come.
    answer(
        &h,
        "Sorry, I was reading my notes. I built a ledger in Rust.",
        4,
    )
    .await;
    eventually("listening after the answer", || {
        h.states().last().map(String::as_str) == Some("listening")
    })
    .await;
    h.clock.advance(TimeDelta::seconds(21));
    h.wait_lines(5).await;
    assert!(h.lines()[4].1.starts_with("Take your time"));
    eventually("listening after the second check-in", || {
        h.states().last().map(String::as_str) == Some("listening")
    })
    .await;
    // Typed answers only (no speech-to-text): typing is silent, so the end waits
    // three minutes rather than forty seconds.
    h.clock.advance(TimeDelta::seconds(179));
    let_it_run().await;
    assert_eq!(h.lines().len(), 5, "{:?}", h.lines());
    h.clock.advance(TimeDelta::seconds(2));
    let report = session.await.unwrap();
    assert_eq!(report.end, SessionEnd::Silent);
    let last = report.transcript.last().unwrap();
    assert_eq!(last.speaker, Speaker::Interviewer);
    assert!(
        last.text.contains("We can continue later") && last.text.ends_with("Goodbye for now."),
        "{}",
        last.text
    );
    // The page is told the interview is kept, not that it is over.
    let notices = h.messages(interview_core::interview::NOTICE_TOPIC);
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0]["code"], "paused");
    assert!(
        notices[0]["message"]
            .as_str()
            .unwrap()
            .contains("come back to it with the same link")
    );
    // Not completed: interrupted, nothing evaluated, and the link works again.
    let stored = h.store.get(&h.token).await.unwrap().unwrap();
    assert_eq!(stored.status, BookingStatus::Interrupted);
    assert_eq!(
        stored.evaluation_status,
        interview_core::EvaluationStatus::Pending
    );
    assert!(report.evaluation.is_none());

    h.reopen(AudioFormat::SPEECH);
    let again = h.start(with_silence(), false);
    h.wait_lines(1).await;
    assert!(
        h.lines()[0].1.starts_with("Welcome back, Priya"),
        "{:?}",
        h.lines()
    );
    h.status_becomes(BookingStatus::InProgress).await;
    h.disconnect();
    assert_eq!(again.await.unwrap().end, SessionEnd::Disconnected);
}

#[tokio::test(flavor = "current_thread")]
async fn silence_is_not_counted_while_the_interviewer_speaks_or_the_candidate_does() {
    let mut h = Harness::new(AudioFormat::SPEECH).await;
    h.stt.push_text("I built a ledger in Rust for a bank.");
    h.llm.push_reply("Thanks. What was hardest?");
    // The greeting takes a minute to play.
    h.gate.hold();
    let session = h.start(with_silence(), true);
    eventually("speaking", || {
        h.states().last().map(String::as_str) == Some("thinking")
    })
    .await;
    h.clock.advance(TimeDelta::seconds(60));
    let_it_run().await;
    h.gate.release();
    h.wait_lines(1).await;
    eventually("listening", || {
        h.states().last().map(String::as_str) == Some("listening")
    })
    .await;
    let_it_run().await;
    assert_eq!(h.lines().len(), 1, "no check-in: {:?}", h.lines());

    // The candidate starts to speak and, mid-sentence, the clock moves a minute.
    silence(&h.room, MS(200), AudioFormat::SPEECH);
    say(&h.room, MS(1200), AudioFormat::SPEECH);
    let_it_run().await;
    h.clock.advance(TimeDelta::seconds(60));
    let_it_run().await;
    assert_eq!(h.lines().len(), 1, "no check-in: {:?}", h.lines());
    // They finish; their answer is answered, not met with a check-in.
    silence(&h.room, MS(800), AudioFormat::SPEECH);
    h.wait_lines(3).await;
    let lines = h.lines();
    assert_eq!(lines[1].1, "I built a ledger in Rust for a bank.");
    assert_eq!(lines[2].1, "Thanks. What was hardest?");

    // Now truly silent: the check-in, and with speech to text the end comes 40 s
    // after it.
    eventually("listening after the answer", || {
        h.states().last().map(String::as_str) == Some("listening")
    })
    .await;
    h.clock.advance(TimeDelta::seconds(20));
    h.wait_lines(4).await;
    assert!(h.lines()[3].1.starts_with("Take your time"));
    eventually("listening after the check-in", || {
        h.states().last().map(String::as_str) == Some("listening")
    })
    .await;
    h.clock.advance(TimeDelta::seconds(40));
    let report = session.await.unwrap();
    assert_eq!(report.end, SessionEnd::Silent);
    let said: Vec<&str> = report.transcript.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(said.len(), 5, "one check-in only: {said:#?}");
}

/// A language model that records its requests and their answers.
struct Recording {
    inner: interview_voice::offline::OfflineInterviewer,
    said: std::sync::Mutex<Vec<(ChatRequest, String)>>,
}

#[async_trait::async_trait]
impl interview_core::engine::LlmEngine for Recording {
    fn name(&self) -> &str {
        // The session treats it as the offline interviewer (no evaluation).
        interview_voice::offline::OfflineInterviewer::NAME
    }

    async fn chat(
        &self,
        request: ChatRequest,
    ) -> Result<interview_core::engine::LlmStream, interview_core::engine::LlmError> {
        let reply = self.inner.reply(&request)?;
        self.said.lock().unwrap().push((request.clone(), reply));
        self.inner.chat(request).await
    }
}

/// Runs an offline interview on `resume`, answering each question with the next of
/// `answers` (the last one again when they run out) until it closes or 30 answers;
/// gives the report, how many answers were given, and every request with its reply.
async fn offline_interview(
    resume: &str,
    answers: &[&str],
) -> (
    interview_voice::session::SessionReport,
    usize,
    Vec<(ChatRequest, String)>,
) {
    use std::sync::Arc;

    use interview_core::clock::ManualClock;
    use interview_core::testing::{InMemoryBookingStore, ScriptedTts, in_memory_room};
    use interview_voice::session::{Engines, InterviewSession, SessionBooking};

    let (io, room) = in_memory_room("room-1", None, AudioFormat::SPEECH);
    let llm = Arc::new(Recording {
        inner: interview_voice::offline::OfflineInterviewer::new(),
        said: std::sync::Mutex::default(),
    });
    let engines = Engines {
        stt: None,
        llm: llm.clone(),
        tts: Arc::new(ScriptedTts::new(AudioFormat::PCM_24K, MS(1))),
    };
    let session = InterviewSession::new(
        typed_quickly(),
        engines,
        Arc::new(InMemoryBookingStore::new()),
        Arc::new(ManualClock::new(session_support::start_time())),
    );
    let booking = SessionBooking {
        resume_text: Some(resume.to_owned()),
        ..SessionBooking::none()
    };
    let running = tokio::spawn(session.run(io, booking));
    let lines = || {
        room.texts()
            .iter()
            .filter(|(topic, _)| topic == "transcript")
            .count()
    };
    eventually("the greeting", || lines() == 1).await;
    let mut given = 0;
    while !running.is_finished() && given < 30 {
        let answer = answers[given.min(answers.len() - 1)];
        room.send_event(RoomEvent::Text {
            identity: "candidate".into(),
            text: answer.to_owned(),
        });
        given += 1;
        eventually("the reply", || lines() == 1 + 2 * given).await;
        let said = llm.said.lock().unwrap();
        if said.last().unwrap().1.ends_with("[[END_INTERVIEW]]") {
            break;
        }
    }
    let report = running.await.unwrap();
    let said = llm.said.lock().unwrap().clone();
    (report, given, said)
}

#[tokio::test(flavor = "current_thread")]
async fn the_offline_interviewer_names_evidence_and_closes_once_the_plan_is_covered() {
    // Detailed answers, each with something the interviewer can pick up.
    let answer = "At Acme I migrated the billing service from PHP to Go over six months, \
                  and we cut the nightly invoice run from 4 hours to 20 minutes.";
    let (report, _, said) = offline_interview(session_support::RESUME, &[answer]).await;
    assert_eq!(report.end, SessionEnd::PlanComplete);

    // Its questions named what the answers showed, stage by stage ...
    let evidence: Vec<&str> = said
        .iter()
        .filter_map(|(_, reply)| {
            let start = reply.find("[[EVIDENCE: ")? + "[[EVIDENCE: ".len();
            Some(&reply[start..start + reply[start..].find("]]")?])
        })
        .collect();
    for expected in [
        "communication; relevant experience",
        "technical depth; problem solving",
        "collaboration",
    ] {
        assert!(evidence.contains(&expected), "{evidence:?}");
    }
    // ... the session's stage moved with them, and the close came when allowed.
    let stages: Vec<&str> = said.iter().map(|(r, _)| stage(note(r))).collect();
    let mut seen: Vec<&str> = stages.clone();
    seen.dedup();
    assert_eq!(
        seen,
        [
            "Background",
            "Technical",
            "Behavioural",
            "Candidate's questions",
            "Wrap-up"
        ],
        "{stages:?}"
    );
    assert!(note(&said.last().unwrap().0).contains("Close the interview now"));
    if std::env::var_os("SHOW_TRANSCRIPT").is_some() {
        for (request, reply) in &said {
            eprintln!("NOTE: {}\nREPLY: {reply}\n", note(request));
        }
        for line in &report.transcript {
            eprintln!("{:?}: {}", line.speaker, line.text);
        }
    }
    // No marker was said or written.
    for line in &report.transcript {
        assert!(!line.text.contains("[["), "{}", line.text);
    }
}

#[tokio::test(flavor = "current_thread")]
async fn an_offline_interview_of_ten_answers_reaches_its_close() {
    // The answers of the typed interview in the browser test.
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
        "Thank you.",
    ];
    let resume = "Jane Doe\n- Built a distributed job scheduler in Rust for 10k jobs a second\n\
                  - Led the billing migration from PHP to Go with zero downtime\n";
    let (report, given, said) = offline_interview(resume, &answers).await;
    let replies: Vec<&str> = said.iter().map(|(_, r)| r.as_str()).collect();
    assert_eq!(report.end, SessionEnd::PlanComplete, "{replies:#?}");
    assert!(given <= answers.len(), "{given}: {replies:#?}");
}
