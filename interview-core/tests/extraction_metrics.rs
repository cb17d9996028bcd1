//! What an extraction records: its duration by kind and outcome, and a refusal by
//! reason (docs/operations.md, "Resume extraction").

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test
#![cfg(all(feature = "pdf", feature = "docx"))]

mod fixtures;

use bytes::Bytes;
use interview_core::resume::{DocumentExtractor, ExtractLimits};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use metrics_util::{CompositeKey, MetricKind};

use fixtures::bombs::flate_bomb_pdf;
use fixtures::pdf::simple_pdf;

type Snapshot = Vec<(
    CompositeKey,
    Option<metrics::Unit>,
    Option<metrics::SharedString>,
    DebugValue,
)>;

fn labels(key: &CompositeKey) -> Vec<(String, String)> {
    key.key()
        .labels()
        .map(|label| (label.key().to_owned(), label.value().to_owned()))
        .collect()
}

fn counter(snapshot: &Snapshot, name: &str, wanted: &[(&str, &str)]) -> u64 {
    snapshot
        .iter()
        .filter(|(key, ..)| key.kind() == MetricKind::Counter && key.key().name() == name)
        .filter(|(key, ..)| {
            let labels = labels(key);
            wanted
                .iter()
                .all(|(k, v)| labels.contains(&((*k).to_owned(), (*v).to_owned())))
        })
        .map(|(.., value)| match value {
            DebugValue::Counter(count) => *count,
            _ => 0,
        })
        .sum()
}

fn durations(snapshot: &Snapshot, wanted: &[(&str, &str)]) -> usize {
    snapshot
        .iter()
        .filter(|(key, ..)| {
            key.kind() == MetricKind::Histogram
                && key.key().name() == "interview_extraction_duration_seconds"
        })
        .filter(|(key, ..)| {
            let labels = labels(key);
            labels.len() == wanted.len()
                && wanted
                    .iter()
                    .all(|(k, v)| labels.contains(&((*k).to_owned(), (*v).to_owned())))
        })
        .map(|(.., value)| match value {
            DebugValue::Histogram(values) => values.len(),
            _ => 0,
        })
        .sum()
}

#[test]
fn extractions_record_their_duration_and_refusals_their_reason() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let extractor = DocumentExtractor::new(ExtractLimits {
        max_decompressed_bytes: 1024 * 1024,
        ..ExtractLimits::default()
    });
    metrics::with_local_recorder(&recorder, || {
        extractor
            .extract_blocking(&simple_pdf(&[&["Jane Doe"]]))
            .unwrap();
        extractor
            .extract_blocking(&flate_bomb_pdf(64 * 1024 * 1024))
            .unwrap_err();
        extractor
            .extract_blocking(b"\x89PNG\r\n\x1a\n....")
            .unwrap_err();
        extractor
            .extract_blocking(&vec![b'%'; 6 * 1024 * 1024])
            .unwrap_err();
        // The async path records the same, here on a runtime of this thread.
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(extractor.extract_file(Bytes::from(simple_pdf(&[&["Async"]]))))
            .unwrap();
    });
    let snapshot: Snapshot = snapshotter.snapshot().into_vec();
    assert_eq!(
        durations(&snapshot, &[("kind", "pdf"), ("outcome", "ok")]),
        2
    );
    assert_eq!(
        durations(&snapshot, &[("kind", "pdf"), ("outcome", "limit_exceeded")]),
        1
    );
    assert_eq!(
        durations(
            &snapshot,
            &[("kind", "unknown"), ("outcome", "unsupported")]
        ),
        1
    );
    assert_eq!(
        durations(&snapshot, &[("kind", "unknown"), ("outcome", "too_large")]),
        1
    );
    let refusals = "interview_extraction_refusals_total";
    assert_eq!(
        counter(&snapshot, refusals, &[("reason", "limit_exceeded")]),
        1
    );
    assert_eq!(
        counter(&snapshot, refusals, &[("reason", "unsupported")]),
        1
    );
    assert_eq!(counter(&snapshot, refusals, &[("reason", "too_large")]), 1);
    assert_eq!(
        counter(&snapshot, refusals, &[]),
        3,
        "successes are not refusals"
    );
}
