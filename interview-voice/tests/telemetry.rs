#![allow(clippy::unwrap_used)]
//! What an interview reports to the metrics recorder and to `tracing`: interviews
//! running and ended, turn latencies, engine failures; an `interview` span naming
//! the booking by six characters of its token, never the whole token or anything
//! the candidate said.

mod session_support;

use interview_core::audio::AudioFormat;
use interview_core::engine::VendorErrorKind;
use interview_core::testing::Logs;
use interview_voice::session::{SessionConfig, SessionEnd};
use metrics_util::CompositeKey;
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use session_support::Harness;

fn find<'a>(
    snapshot: &'a [(
        CompositeKey,
        Option<metrics::Unit>,
        Option<metrics::SharedString>,
        DebugValue,
    )],
    name: &str,
    labels: &[(&str, &str)],
) -> Option<&'a DebugValue> {
    snapshot.iter().find_map(|(key, _, _, value)| {
        let key_labels: Vec<(&str, &str)> =
            key.key().labels().map(|l| (l.key(), l.value())).collect();
        (key.key().name() == name && labels.iter().all(|l| key_labels.contains(l))).then_some(value)
    })
}

fn snapshot(
    snapshotter: &Snapshotter,
) -> Vec<(
    CompositeKey,
    Option<metrics::Unit>,
    Option<metrics::SharedString>,
    DebugValue,
)> {
    snapshotter.snapshot().into_vec()
}

// One test: parallel tests with thread-local subscribers race on tracing's
// per-callsite interest cache.
#[tokio::test(flavor = "current_thread")]
async fn an_interview_counts_itself_and_logs_in_a_span_that_names_the_booking_briefly() {
    let logs = Logs::capture();
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let _recorder = metrics::set_default_local_recorder(&recorder);

    let mut h = Harness::new(AudioFormat::SPEECH).await;
    h.llm.push_reply("Tell me more.");
    h.llm.push_failure(VendorErrorKind::Server { status: 503 });
    h.llm.push_reply("Go on.");
    let session = h.start(SessionConfig::default(), false);
    h.wait_lines(1).await;
    let early = snapshot(&snapshotter);
    let running = find(&early, "interview_sessions_running", &[]);
    assert!(
        matches!(running, Some(DebugValue::Gauge(v)) if v.into_inner() == 1.0),
        "{running:?}"
    );
    h.type_answer("I built a ledger in Rust.");
    h.wait_lines(3).await;
    h.type_answer("It was fast.");
    h.wait_lines(5).await;
    h.disconnect();
    let report = session.await.unwrap();
    assert_eq!(report.end, SessionEnd::Disconnected);

    let all = snapshot(&snapshotter);
    // A snapshot drains what it reads: since the one above, the gauge went down
    // by one, back to none running.
    let running = find(&all, "interview_sessions_running", &[]);
    assert!(
        matches!(running, Some(DebugValue::Gauge(v)) if v.into_inner() == -1.0),
        "{running:?}"
    );
    assert_eq!(
        find(
            &all,
            "interview_sessions_ended_total",
            &[("end", "disconnected")]
        ),
        Some(&DebugValue::Counter(1))
    );
    let Some(DebugValue::Histogram(first_token)) = find(
        &all,
        "interview_turn_latency_seconds",
        &[("stage", "first_token"), ("input", "typed")],
    ) else {
        panic!("no first-token latency: {all:?}");
    };
    assert_eq!(first_token.len(), 2);
    assert_eq!(
        find(&all, "interview_engine_failures_total", &[("role", "llm")]),
        Some(&DebugValue::Counter(1))
    );
    // No label carries a token, a name or a word of the interview.
    let labels = format!("{:?}", all.iter().map(|(k, ..)| k).collect::<Vec<_>>());
    for secret in [h.token.as_str(), "Priya", "ledger"] {
        assert!(!labels.contains(secret), "{secret} in {labels}");
    }

    let text = logs.text();
    let short = h.token.short();
    let answered: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("turn answered"))
        .collect();
    assert_eq!(answered.len(), 2, "{text}");
    assert!(
        answered[0].contains(&format!("interview{{booking={short}}}")),
        "{}",
        answered[0]
    );
    assert!(
        text.lines()
            .filter(|l| l.contains("interview_voice"))
            .all(|l| l.contains(&format!("interview{{booking={short}}}"))),
        "{text}"
    );
    assert!(
        !text.contains(h.token.as_str()),
        "the whole token was logged"
    );
    assert!(
        !text.contains("ledger"),
        "the candidate's words were logged"
    );
}
