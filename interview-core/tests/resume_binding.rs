//! A resume store that issues absolute URLs (Supabase Storage's public URLs): the
//! booking accepts the URL the store issued, and `/resumes/{key}` on this server,
//! and nothing else for the same key.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{TimeZone, Utc};
use interview_core::clock::ManualClock;
use interview_core::resume::{DocumentKind, ResumeStore, ResumeStoreError, StoredResume};
use interview_core::service::{ScheduleError, SchedulingService, SchedulingSettings};
use interview_core::testing::{
    InMemoryBookingStore, InMemoryResumeStore, RecordingNotifier, ScriptedExtractor,
};
use interview_core::{Field, ScheduleRequest};

const PUBLIC: &str = "https://abc.supabase.co/storage/v1/object/public/resumes/";

/// The in-memory store, issuing public URLs on another host as Supabase does.
struct PublicUrls(InMemoryResumeStore);

#[async_trait]
impl ResumeStore for PublicUrls {
    async fn put(
        &self,
        bytes: Bytes,
        kind: DocumentKind,
    ) -> Result<StoredResume, ResumeStoreError> {
        let stored = self.0.put(bytes, kind).await?;
        Ok(StoredResume {
            url: format!("{PUBLIC}{}", stored.key),
            key: stored.key,
        })
    }
    async fn get(&self, key: &str) -> Result<Option<Bytes>, ResumeStoreError> {
        self.0.get(key).await
    }
    async fn delete(&self, key: &str) -> Result<(), ResumeStoreError> {
        self.0.delete(key).await
    }
}

fn request(resume_url: &str) -> ScheduleRequest {
    ScheduleRequest {
        name: Some("Jane Doe".into()),
        email: Some("jane@example.com".into()),
        phone: Some("5551234567".into()),
        datetime: Some("2030-03-05T10:00:00Z".into()),
        resume_url: Some(resume_url.to_owned()),
        resume_text: Some("Typed by the client".into()),
        ..ScheduleRequest::default()
    }
}

#[tokio::test]
async fn the_url_the_store_issued_is_accepted_and_the_same_key_elsewhere_is_not() {
    let service = SchedulingService::new(
        Arc::new(InMemoryBookingStore::new()),
        Arc::new(PublicUrls(InMemoryResumeStore::new())),
        Arc::new(ScriptedExtractor::text("Server text")),
        Arc::new(RecordingNotifier::new()),
        Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2030, 3, 1, 12, 0, 0).unwrap(),
        )),
        SchedulingSettings::new(&url::Url::parse("https://jobs.example.com/careers").unwrap()),
    );
    let first = service
        .upload_resume(Bytes::from_static(b"%PDF-1.7 one"))
        .await
        .unwrap();
    let second = service
        .upload_resume(Bytes::from_static(b"%PDF-1.7 two"))
        .await
        .unwrap();
    assert!(first.resume_url.starts_with(PUBLIC), "{}", first.resume_url);

    for foreign in [
        format!(
            "https://evil.example.com/storage/v1/object/public/resumes/{}",
            first.resume_key
        ),
        format!(
            "http://abc.supabase.co/storage/v1/object/public/resumes/{}",
            first.resume_key
        ),
        format!(
            "https://abc.supabase.co/storage/v1/object/resumes/{}",
            first.resume_key
        ),
    ] {
        let error = service.schedule(&request(&foreign)).await.unwrap_err();
        assert!(
            matches!(&error, ScheduleError::Invalid(e) if e.first().field == Field::ResumeUrl),
            "{foreign}: {error:?}"
        );
    }

    let booked = service.schedule(&request(&first.resume_url)).await.unwrap();
    assert_eq!(
        booked.booking.resume_url.as_deref(),
        Some(first.resume_url.as_str())
    );
    assert_eq!(booked.booking.resume_text.as_deref(), Some("Server text"));

    // This server serves every store's files under /resumes/{key}, under its base path.
    let on_this_server = format!(
        "https://jobs.example.com/careers/resumes/{}",
        second.resume_key
    );
    let booked = service.schedule(&request(&on_this_server)).await.unwrap();
    assert_eq!(
        booked.booking.resume_url.as_deref(),
        Some(second.resume_url.as_str())
    );
}
