//! What booking records (docs/operations.md, "Bookings and uploads"): bookings
//! created, invitations by outcome, invitations refused by the per-address limit;
//! never an address in a label.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test
#![cfg(feature = "test-utils")]

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use interview_core::ScheduleRequest;
use interview_core::clock::ManualClock;
use interview_core::service::{SchedulingService, SchedulingSettings};
use interview_core::testing::{
    InMemoryBookingStore, InMemoryResumeStore, RecordingNotifier, ScriptedExtractor,
};
use metrics_util::MetricKind;
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use url::Url;

fn request(email: &str) -> ScheduleRequest {
    ScheduleRequest {
        name: Some("José Núñez".into()),
        email: Some(email.into()),
        phone: Some("(555) 123-4567".into()),
        datetime: Some("2030-03-02T14:30".into()),
        time_zone: Some("Asia/Kolkata".into()),
        resume_url: None,
        resume_text: None,
        position: None,
    }
}

#[test]
fn bookings_and_invitations_are_counted_without_personal_data() {
    let notifier = Arc::new(RecordingNotifier::new());
    let service = SchedulingService::new(
        Arc::new(InMemoryBookingStore::new()),
        Arc::new(InMemoryResumeStore::new()),
        Arc::new(ScriptedExtractor::text("cv")),
        notifier.clone(),
        Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2030, 3, 1, 12, 0, 0).unwrap(),
        )),
        SchedulingSettings::new(&Url::parse("https://jobs.example.com").unwrap()),
    );
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async {
                for _ in 0..3 {
                    service.schedule(&request("ann@example.com")).await.unwrap();
                }
                service
                    .schedule(&request("ann@example.com"))
                    .await
                    .unwrap_err();
                notifier.set_failing(true);
                service.schedule(&request("bo@example.com")).await.unwrap();
            });
    });
    let snapshot = snapshotter.snapshot().into_vec();
    let counter = |name: &str, label: Option<(&str, &str)>| -> u64 {
        snapshot
            .iter()
            .filter(|(key, ..)| key.kind() == MetricKind::Counter && key.key().name() == name)
            .filter(|(key, ..)| {
                label
                    .is_none_or(|(k, v)| key.key().labels().any(|l| l.key() == k && l.value() == v))
            })
            .map(|(.., value)| match value {
                DebugValue::Counter(count) => *count,
                _ => 0,
            })
            .sum()
    };
    assert_eq!(counter("interview_bookings_created_total", None), 4);
    assert_eq!(
        counter("interview_invitations_total", Some(("outcome", "sent"))),
        3
    );
    assert_eq!(
        counter("interview_invitations_total", Some(("outcome", "failed"))),
        1
    );
    assert_eq!(counter("interview_invitations_refused_total", None), 1);
    for (key, ..) in &snapshot {
        for label in key.key().labels() {
            assert!(!label.value().contains('@'), "{label:?}");
        }
    }
}
