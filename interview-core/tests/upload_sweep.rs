//! The sweep of uploads nobody booked, at the service: what it deletes, what it
//! keeps, and what it counts (docs/operations.md, "Uploads nobody booked").
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::sync::Arc;

use bytes::Bytes;
use chrono::{TimeDelta, TimeZone, Utc};
use interview_core::ScheduleRequest;
use interview_core::clock::{Clock, ManualClock};
use interview_core::resume::ResumeStore;
use interview_core::service::{SWEEP_BATCH, SchedulingService, SchedulingSettings, SweepReport};
use interview_core::testing::{
    InMemoryBookingStore, InMemoryResumeStore, RecordingNotifier, ScriptedExtractor,
};
use metrics_util::MetricKind;
use metrics_util::debugging::{DebugValue, DebuggingRecorder};

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF";

type Snapshot = Vec<(
    metrics_util::CompositeKey,
    Option<metrics::Unit>,
    Option<metrics::SharedString>,
    DebugValue,
)>;

fn counter(snapshot: &Snapshot, name: &str) -> u64 {
    snapshot
        .iter()
        .filter(|(key, ..)| key.kind() == MetricKind::Counter && key.key().name() == name)
        .map(|(.., value)| match value {
            DebugValue::Counter(count) => *count,
            _ => 0,
        })
        .sum()
}

#[test]
fn a_sweep_deletes_a_bounded_batch_keeps_claimed_files_and_counts_what_it_did() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let bookings = Arc::new(InMemoryBookingStore::new());
    let resumes = Arc::new(InMemoryResumeStore::new());
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2030, 3, 1, 12, 0, 0).unwrap(),
    ));
    let mut settings =
        SchedulingSettings::new(&url::Url::parse("https://jobs.example.com").unwrap());
    settings.unclaimed_upload_ttl = TimeDelta::minutes(30);
    let service = SchedulingService::new(
        bookings.clone(),
        resumes.clone(),
        Arc::new(ScriptedExtractor::text("Rust engineer")),
        Arc::new(RecordingNotifier::new()),
        clock.clone(),
        settings,
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    metrics::with_local_recorder(&recorder, || {
        runtime.block_on(async {
            let mut keys = Vec::new();
            for _ in 0..SWEEP_BATCH + 5 {
                let uploaded = service
                    .upload_resume(Bytes::from_static(PDF))
                    .await
                    .unwrap();
                keys.push(uploaded.resume_url);
            }
            // One of them is booked.
            let booked = service
                .schedule(&ScheduleRequest {
                    name: Some("Jane Doe".into()),
                    email: Some("jane@example.com".into()),
                    phone: Some("5551234567".into()),
                    datetime: Some("2030-03-05T10:00:00Z".into()),
                    resume_url: Some(keys[0].clone()),
                    ..ScheduleRequest::default()
                })
                .await
                .unwrap();
            let claimed_key = keys[0].rsplit('/').next().unwrap().to_owned();

            clock.advance(TimeDelta::minutes(31));
            let first = service.sweep_unclaimed_uploads(clock.now()).await.unwrap();
            assert_eq!(
                first,
                SweepReport {
                    retired: SWEEP_BATCH,
                    deleted: SWEEP_BATCH,
                    failed: 0
                }
            );
            assert!(first.more_may_wait());
            let second = service.sweep_unclaimed_uploads(clock.now()).await.unwrap();
            assert_eq!((second.retired, second.deleted), (4, 4));
            assert!(!second.more_may_wait());
            assert_eq!(resumes.len(), 1);
            assert!(resumes.get(&claimed_key).await.unwrap().is_some());
            assert_eq!(
                bookings.uploads()[0].claimed_by.as_ref(),
                Some(&booked.booking.token)
            );

            // A store that refuses deletes: counted, retried, and nothing is lost.
            service
                .upload_resume(Bytes::from_static(PDF))
                .await
                .unwrap();
            clock.advance(TimeDelta::minutes(31));
            resumes.set_unavailable(true);
            let failing = service.sweep_unclaimed_uploads(clock.now()).await.unwrap();
            assert_eq!((failing.retired, failing.failed), (1, 1));
            resumes.set_unavailable(false);
            let retried = service.sweep_unclaimed_uploads(clock.now()).await.unwrap();
            assert_eq!((retried.deleted, retried.failed), (1, 0));
            assert_eq!(resumes.len(), 1);
        });
    });
    // One snapshot: taking one empties the recorder.
    let snapshot: Snapshot = snapshotter.snapshot().into_vec();
    assert_eq!(
        counter(&snapshot, "interview_uploads_swept_total"),
        (SWEEP_BATCH + 5) as u64
    );
    assert_eq!(
        counter(&snapshot, "interview_upload_sweep_failures_total"),
        1
    );
}
