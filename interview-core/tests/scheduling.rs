//! The scheduling service's three operations, over the test doubles.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use interview_core::clock::{Clock, ManualClock};
use interview_core::position::{Position, PositionDefaults, PositionDraft};
use interview_core::resume::{DocumentKind, ExtractError};
use interview_core::service::{
    Admission, ScheduleError, SchedulingService, SchedulingSettings, UploadError,
};
use interview_core::store::{BookingStore, PositionStore, StoreError};
use interview_core::testing::{
    InMemoryBookingStore, InMemoryResumeStore, RecordingNotifier, ScriptedExtractor,
};
use interview_core::{BookingStatus, BookingToken, Field, ScheduleRequest};
use url::Url;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF";

struct Harness {
    service: SchedulingService,
    bookings: Arc<InMemoryBookingStore>,
    resumes: Arc<InMemoryResumeStore>,
    extractor: Arc<ScriptedExtractor>,
    notifier: Arc<RecordingNotifier>,
    clock: Arc<ManualClock>,
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 3, 1, 12, 0, 0).unwrap()
}

fn harness_with(extractor: ScriptedExtractor, notifier: RecordingNotifier) -> Harness {
    let mut acme = PositionDraft::named("backend");
    acme.title = "Backend Engineer".to_owned();
    acme.company = Some("Acme".to_owned());
    let acme = Position::parse(&acme, &PositionDefaults::default()).unwrap();
    let bookings = Arc::new(InMemoryBookingStore::new().with_position(acme));
    let resumes = Arc::new(InMemoryResumeStore::new());
    let extractor = Arc::new(extractor);
    let notifier = Arc::new(notifier);
    let clock = Arc::new(ManualClock::new(now()));
    let settings =
        SchedulingSettings::new(&Url::parse("https://jobs.example.com/careers").unwrap());
    let service = SchedulingService::new(
        bookings.clone(),
        resumes.clone(),
        extractor.clone(),
        notifier.clone(),
        clock.clone(),
        settings,
    );
    Harness {
        service,
        bookings,
        resumes,
        extractor,
        notifier,
        clock,
    }
}

fn harness() -> Harness {
    harness_with(
        ScriptedExtractor::text("Jane Doe\nRust engineer"),
        RecordingNotifier::new(),
    )
}

fn request() -> ScheduleRequest {
    ScheduleRequest {
        name: Some("José Núñez".into()),
        email: Some("jose@example.com".into()),
        phone: Some("(555) 123-4567".into()),
        datetime: Some("2030-03-02T14:30".into()),
        time_zone: Some("Asia/Kolkata".into()),
        // No upload: a booking without a resume. The client's text is ignored
        // (tests/uploads.rs books with uploads).
        resume_url: None,
        resume_text: Some("Rust engineer".into()),
        position: None,
    }
}

// ---------------------------------------------------------------- upload_resume

#[tokio::test]
async fn upload_stores_the_file_and_extracts_its_text() {
    let h = harness();
    let uploaded = h
        .service
        .upload_resume(Bytes::from_static(PDF))
        .await
        .unwrap();
    assert_eq!(uploaded.kind, DocumentKind::Pdf);
    assert_eq!(
        uploaded.resume_text.as_deref(),
        Some("Jane Doe\nRust engineer")
    );
    assert!(uploaded.extraction_error.is_none());
    assert!(
        uploaded.resume_key.ends_with(".pdf"),
        "{}",
        uploaded.resume_key
    );
    assert_eq!(
        uploaded.resume_url,
        format!("/resumes/{}", uploaded.resume_key)
    );
    use interview_core::resume::ResumeStore;
    let stored = h.resumes.get(&uploaded.resume_key).await.unwrap().unwrap();
    assert_eq!(&stored[..], PDF);
    assert_eq!(h.extractor.calls(), [(DocumentKind::Pdf, PDF.len())]);
}

#[tokio::test]
async fn extraction_failure_does_not_fail_the_upload() {
    let h = harness_with(
        ScriptedExtractor::failing(|| ExtractError::NoText),
        RecordingNotifier::new(),
    );
    let uploaded = h
        .service
        .upload_resume(Bytes::from_static(PDF))
        .await
        .unwrap();
    assert!(uploaded.resume_text.is_none());
    assert!(matches!(
        uploaded.extraction_error,
        Some(ExtractError::NoText)
    ));
    assert_eq!(
        h.resumes.len(),
        1,
        "the file is stored even without its text"
    );
}

#[tokio::test]
async fn upload_refuses_files_that_are_not_documents_before_storing() {
    let h = harness();
    let png = Bytes::from_static(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    let err = h.service.upload_resume(png).await.unwrap_err();
    match err {
        UploadError::Unsupported(unsupported) => assert_eq!(unsupported.detected, "a PNG image"),
        other => panic!("expected Unsupported, got {other:?}"),
    }
    assert!(h.resumes.is_empty());
    assert!(h.extractor.calls().is_empty());
}

#[tokio::test]
async fn upload_refuses_files_over_the_limit_and_accepts_the_limit_exactly() {
    let h = harness();
    let limit = h.service.settings().max_resume_bytes;
    let mut at_limit = PDF.to_vec();
    at_limit.resize(limit, b' ');
    assert!(
        h.service
            .upload_resume(Bytes::from(at_limit.clone()))
            .await
            .is_ok()
    );
    at_limit.push(b' ');
    let err = h
        .service
        .upload_resume(Bytes::from(at_limit))
        .await
        .unwrap_err();
    assert!(
        matches!(err, UploadError::TooLarge { size, limit: l } if size == limit + 1 && l == limit),
        "{err:?}"
    );
    assert_eq!(h.resumes.len(), 1);
}

#[tokio::test]
async fn upload_reports_a_resume_store_that_is_down() {
    let h = harness();
    h.resumes.set_unavailable(true);
    let err = h
        .service
        .upload_resume(Bytes::from_static(PDF))
        .await
        .unwrap_err();
    assert!(matches!(err, UploadError::Store(_)), "{err:?}");
    assert!(h.extractor.calls().is_empty());
}

// ---------------------------------------------------------------- schedule

#[tokio::test]
async fn schedule_creates_the_booking_and_sends_the_invitation() {
    let h = harness();
    let scheduled = h.service.schedule(&request()).await.unwrap();
    let booking = &scheduled.booking;

    assert!(scheduled.email_sent);
    assert!(scheduled.email_error.is_none());
    assert_eq!(
        scheduled.interview_url.as_str(),
        format!(
            "https://jobs.example.com/careers/interview/{}",
            booking.token
        )
    );
    assert_eq!(booking.status, BookingStatus::Scheduled);
    assert_eq!(booking.created_at, now());
    assert_eq!(
        booking.scheduled_at,
        Utc.with_ymd_and_hms(2030, 3, 2, 9, 0, 0).unwrap()
    );
    assert_eq!(booking.phone.as_str(), "+15551234567");

    let stored = h.bookings.get(&booking.token).await.unwrap().unwrap();
    assert_eq!(&stored, booking);

    let sent = h.notifier.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to.as_str(), "jose@example.com");
    assert_eq!(
        sent[0].subject,
        "Your interview for Backend Engineer at Acme is scheduled"
    );
    assert_eq!(booking.position_id.as_str(), "backend");
    assert!(sent[0].text_body.contains(scheduled.interview_url.as_str()));
    assert!(sent[0].text_body.contains("2:30 PM IST"));
    let ics = String::from_utf8(sent[0].attachments[0].content.clone()).unwrap();
    assert!(ics.contains(&format!("UID:{}@jobs.example.com", booking.token)));
}

/// A position for the tests below.
fn position(id: &str, edit: impl FnOnce(&mut PositionDraft)) -> Position {
    let mut draft = PositionDraft::named(id);
    edit(&mut draft);
    Position::parse(&draft, &PositionDefaults::default()).unwrap()
}

#[tokio::test]
async fn each_booking_belongs_to_the_position_it_applied_for() {
    let h = harness();
    let london = position("support-uk", |d| {
        d.title = "Support Specialist".to_owned();
        d.company = Some("Acme UK".to_owned());
        d.slug = Some("support".to_owned());
        d.phone_region = Some("GB".to_owned());
        d.duration_minutes = Some(20);
    });
    h.bookings.save_position(&london).await.unwrap();

    // By slug: the position's region reads a number written without a country
    // code, and the invitation names the position and its length.
    let mut request = request();
    request.position = Some("support".to_owned());
    request.phone = Some("020 7946 0958".to_owned());
    let booked = h.service.schedule(&request).await.unwrap().booking;
    assert_eq!(booked.position_id.as_str(), "support-uk");
    assert_eq!(booked.phone.as_str(), "+442079460958");
    let sent = h.notifier.sent();
    assert_eq!(
        sent[0].subject,
        "Your interview for Support Specialist at Acme UK is scheduled"
    );
    assert!(sent[0].text_body.contains("takes about 20 minutes"));
    let ics = String::from_utf8(sent[0].attachments[0].content.clone()).unwrap();
    assert!(ics.contains("DTEND:20300302T092000Z"), "{ics}");

    // By id works too.
    request.position = Some("support-uk".to_owned());
    let booked = h.service.schedule(&request).await.unwrap().booking;
    assert_eq!(booked.position_id.as_str(), "support-uk");

    // With two open positions, a request must say which.
    request.position = None;
    let error = h.service.schedule(&request).await.unwrap_err();
    let ScheduleError::Invalid(errors) = error else {
        panic!("{error:?}");
    };
    assert_eq!(errors.errors()[0].field, Field::Position);

    // Unknown, malformed and archived positions are refused.
    let archived = position("old", |d| d.archived = true);
    h.bookings.save_position(&archived).await.unwrap();
    for name in ["nope", "../etc", "old"] {
        request.position = Some(name.to_owned());
        let error = h.service.schedule(&request).await.unwrap_err();
        let ScheduleError::Invalid(errors) = error else {
            panic!("{name}: {error:?}");
        };
        assert_eq!(errors.errors()[0].field, Field::Position, "{name}");
        assert!(errors.errors()[0].message.contains("not open"), "{name}");
    }
    let open: Vec<String> = h
        .service
        .open_positions()
        .await
        .unwrap()
        .iter()
        .map(|p| p.id.to_string())
        .collect();
    assert_eq!(open, ["backend", "support-uk"]);
}

#[tokio::test]
async fn a_store_without_positions_books_the_built_in_default() {
    let service = SchedulingService::new(
        Arc::new(InMemoryBookingStore::new()),
        Arc::new(InMemoryResumeStore::new()),
        Arc::new(ScriptedExtractor::text("cv")),
        Arc::new(RecordingNotifier::new()),
        Arc::new(ManualClock::new(now())),
        {
            let mut settings =
                SchedulingSettings::new(&Url::parse("https://jobs.example.com").unwrap());
            settings.rules.phone_region = interview_core::PhoneRegion::parse("GB").unwrap();
            settings
        },
    );
    let mut request = request();
    request.phone = Some("020 7946 0958".to_owned());
    let booked = service.schedule(&request).await.unwrap().booking;
    assert_eq!(booked.position_id.as_str(), "default");
    // The settings' region reads a number without a country code.
    assert_eq!(booked.phone.as_str(), "+442079460958");
}

#[tokio::test]
async fn email_failure_keeps_the_booking_and_reports_email_sent_false() {
    let h = harness_with(ScriptedExtractor::text("x"), RecordingNotifier::failing());
    let scheduled = h.service.schedule(&request()).await.unwrap();
    assert!(!scheduled.email_sent);
    assert!(scheduled.email_error.is_some());
    assert!(
        h.bookings
            .get(&scheduled.booking.token)
            .await
            .unwrap()
            .is_some()
    );
    assert!(h.notifier.sent().is_empty());
}

#[tokio::test]
async fn invalid_requests_store_nothing_and_send_nothing() {
    let h = harness();
    let bad = ScheduleRequest {
        phone: Some("555123456".into()),
        name: Some("R2D2".into()),
        ..request()
    };
    let err = h.service.schedule(&bad).await.unwrap_err();
    let ScheduleError::Invalid(errors) = err else {
        panic!("expected Invalid, got {err:?}");
    };
    let fields: Vec<Field> = errors.errors().iter().map(|e| e.field).collect();
    assert_eq!(fields, [Field::Name, Field::Phone]);
    assert!(h.bookings.bookings().is_empty());
    assert!(h.notifier.sent().is_empty());
}

#[tokio::test]
async fn the_lead_time_is_checked_against_the_injected_clock() {
    let h = harness();
    let at = |secs: i64| ScheduleRequest {
        datetime: Some((now() + TimeDelta::seconds(secs)).to_rfc3339()),
        time_zone: None,
        ..request()
    };
    let err = h.service.schedule(&at(59)).await.unwrap_err();
    assert!(matches!(&err, ScheduleError::Invalid(e) if e.first().field == Field::Datetime));
    assert!(h.service.schedule(&at(60)).await.is_ok());
    // Move the clock: the same absolute time is now in the past.
    h.clock.advance(TimeDelta::hours(1));
    assert!(h.service.schedule(&at(120)).await.is_err());
}

#[tokio::test]
async fn store_down_fails_the_booking_with_a_store_error_and_sends_nothing() {
    let h = harness();
    h.bookings.set_unavailable(true);
    let err = h.service.schedule(&request()).await.unwrap_err();
    assert!(
        matches!(err, ScheduleError::Store(StoreError::Unavailable(_))),
        "{err:?}"
    );
    assert!(h.notifier.sent().is_empty());
}

#[tokio::test]
async fn every_booking_gets_its_own_token() {
    let h = harness();
    let mut tokens = std::collections::HashSet::new();
    for n in 0..50 {
        // One address each: the limit on invitations per address is not under test.
        let mut request = request();
        request.email = Some(format!("candidate{n}@example.com"));
        let scheduled = h.service.schedule(&request).await.unwrap();
        assert!(tokens.insert(scheduled.booking.token.clone()));
    }
    assert_eq!(h.bookings.bookings().len(), 50);
}

#[tokio::test]
async fn an_address_past_its_invitation_limit_gets_no_booking_and_no_email() {
    let h = harness();
    for email in ["jose@example.com", "JOSE@example.com", "Jose@Example.com"] {
        let mut request = request();
        request.email = Some(email.into());
        h.service.schedule(&request).await.unwrap();
    }
    let err = h.service.schedule(&request()).await.unwrap_err();
    let ScheduleError::TooManyInvitations { limit, retry_after } = err else {
        panic!("{err:?}");
    };
    assert_eq!((limit.count(), retry_after.as_secs()), (3, 86_400));
    assert_eq!(h.bookings.bookings().len(), 3);
    assert_eq!(h.notifier.sent().len(), 3);
    // Exactly a day after the first three they still count; a moment later not.
    let mut later = request();
    later.datetime = Some("2030-03-03T14:30".into());
    h.clock.advance(TimeDelta::hours(24));
    let err = h.service.schedule(&later).await.unwrap_err();
    assert!(
        matches!(err, ScheduleError::TooManyInvitations { .. }),
        "{err:?}"
    );
    h.clock.advance(TimeDelta::microseconds(1));
    h.service.schedule(&later).await.unwrap();
    assert_eq!(h.notifier.sent().len(), 4);
}

#[tokio::test]
async fn the_invitation_limit_can_be_turned_off_and_a_store_outage_refuses_the_booking() {
    let bookings = Arc::new(InMemoryBookingStore::new());
    let notifier = Arc::new(RecordingNotifier::new());
    let service = |limit| {
        let mut settings =
            SchedulingSettings::new(&Url::parse("https://jobs.example.com").unwrap());
        settings.invitations_per_address = limit;
        SchedulingService::new(
            bookings.clone(),
            Arc::new(InMemoryResumeStore::new()),
            Arc::new(ScriptedExtractor::text("cv")),
            notifier.clone(),
            Arc::new(ManualClock::new(now())),
            settings,
        )
    };
    let unlimited = service(None);
    for _ in 0..5 {
        unlimited.schedule(&request()).await.unwrap();
    }
    assert_eq!(notifier.sent().len(), 5);
    let limited = service(Some(
        interview_core::service::DEFAULT_INVITATIONS_PER_ADDRESS,
    ));
    bookings.set_unavailable(true);
    let err = limited.schedule(&request()).await.unwrap_err();
    assert!(
        matches!(err, ScheduleError::Store(StoreError::Unavailable(_))),
        "{err:?}"
    );
    assert_eq!(notifier.sent().len(), 5);
}

fn service_over(store: Arc<dyn BookingStore>) -> SchedulingService {
    SchedulingService::new(
        store,
        Arc::new(InMemoryResumeStore::new()),
        Arc::new(ScriptedExtractor::text("x")),
        Arc::new(RecordingNotifier::new()),
        Arc::new(ManualClock::new(now())),
        SchedulingSettings::new(&Url::parse("http://localhost:3000").unwrap()),
    )
}

#[tokio::test]
async fn a_token_collision_is_retried_with_a_fresh_token_a_bounded_number_of_times() {
    let store = Arc::new(InMemoryBookingStore::new());
    store.conflict_on_next_creates(2);
    let scheduled = service_over(store.clone())
        .schedule(&request())
        .await
        .unwrap();
    assert!(store.get(&scheduled.booking.token).await.unwrap().is_some());
    assert_eq!(
        scheduled.interview_url.as_str(),
        format!(
            "http://localhost:3000/interview/{}",
            scheduled.booking.token
        )
    );

    let always = Arc::new(InMemoryBookingStore::new());
    always.conflict_on_next_creates(usize::MAX);
    let service = service_over(always.clone());
    let err = service.schedule(&request()).await.unwrap_err();
    assert!(
        matches!(err, ScheduleError::Store(StoreError::Conflict)),
        "{err:?}"
    );

    // A booking that could not be stored leaves its upload unclaimed.
    let uploaded = service
        .upload_resume(Bytes::from_static(PDF))
        .await
        .unwrap();
    let with_resume = ScheduleRequest {
        resume_url: Some(uploaded.resume_url.clone()),
        ..request()
    };
    let err = service.schedule(&with_resume).await.unwrap_err();
    assert!(
        matches!(err, ScheduleError::Store(StoreError::Conflict)),
        "{err:?}"
    );
    let upload = always.upload(&uploaded.resume_key).await.unwrap();
    assert_eq!(upload.unwrap().claimed_by, None);
    assert!(always.bookings().is_empty());
}

// ---------------------------------------------------------------- admit

async fn booked(h: &Harness) -> (BookingToken, DateTime<Utc>) {
    let scheduled = h.service.schedule(&request()).await.unwrap();
    (scheduled.booking.token, scheduled.booking.scheduled_at)
}

#[tokio::test]
async fn admit_follows_the_window_at_its_exact_boundaries() {
    let h = harness();
    let (token, start) = booked(&h).await;
    let admit = |at: DateTime<Utc>| {
        let service = &h.service;
        let token = token.to_string();
        async move { service.admit(&token, at).await.unwrap() }
    };

    let early = admit(start - TimeDelta::minutes(5) - TimeDelta::seconds(1)).await;
    assert!(
        matches!(&early, Admission::TooEarly { opens_at, booking } if *opens_at == start - TimeDelta::minutes(5) && booking.token == token),
        "{early:?}"
    );
    assert!(matches!(
        admit(start - TimeDelta::minutes(5)).await,
        Admission::Open { closes_at, .. } if closes_at == start + TimeDelta::minutes(60)
    ));
    assert!(matches!(admit(start).await, Admission::Open { .. }));
    assert!(matches!(
        admit(start + TimeDelta::minutes(60)).await,
        Admission::Open { .. }
    ));
    assert!(matches!(
        admit(start + TimeDelta::minutes(60) + TimeDelta::seconds(1)).await,
        Admission::Expired { closed_at, .. } if closed_at == start + TimeDelta::minutes(60)
    ));
}

#[tokio::test]
async fn admit_now_uses_the_injected_clock() {
    let h = harness();
    let (token, start) = booked(&h).await;
    assert!(matches!(
        h.service.admit_now(token.as_str()).await.unwrap(),
        Admission::TooEarly { .. }
    ));
    h.clock.set(start);
    assert!(matches!(
        h.service.admit_now(token.as_str()).await.unwrap(),
        Admission::Open { .. }
    ));
    h.clock.set(start + TimeDelta::hours(2));
    assert!(matches!(
        h.service.admit_now(token.as_str()).await.unwrap(),
        Admission::Expired { .. }
    ));
}

#[tokio::test]
async fn unknown_and_malformed_tokens_are_not_found_and_malformed_ones_skip_the_store() {
    let h = harness();
    let unknown = BookingToken::generate().unwrap();
    assert_eq!(
        h.service.admit(unknown.as_str(), now()).await.unwrap(),
        Admission::NotFound
    );
    // With the store down, a malformed token still answers NotFound: it never got
    // as far as a lookup.
    h.bookings.set_unavailable(true);
    for malformed in [
        "",
        "abc",
        "../../etc/passwd",
        "0123456789ABCDEF0123456789ABCDEF",
    ] {
        assert_eq!(
            h.service.admit(malformed, now()).await.unwrap(),
            Admission::NotFound
        );
    }
    let err = h.service.admit(unknown.as_str(), now()).await.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)));
}

#[tokio::test]
async fn cancelled_bookings_are_never_admitted() {
    let h = harness();
    let (token, start) = booked(&h).await;
    h.bookings
        .transition(&token, BookingStatus::Cancelled)
        .await
        .unwrap();
    assert_eq!(
        h.service.admit(token.as_str(), start).await.unwrap(),
        Admission::Cancelled
    );
}

#[tokio::test]
async fn completed_interviews_are_never_admitted_again() {
    let h = harness();
    let (token, start) = booked(&h).await;
    for status in [BookingStatus::InProgress, BookingStatus::Completed] {
        h.bookings.transition(&token, status).await.unwrap();
    }
    assert!(matches!(
        h.service.admit(token.as_str(), start).await.unwrap(),
        Admission::Completed { booking } if booking.token == token
    ));
}

#[tokio::test]
async fn an_interrupted_interview_is_open_again_within_its_window_only() {
    let h = harness();
    let (token, start) = booked(&h).await;
    for status in [BookingStatus::InProgress, BookingStatus::Interrupted] {
        h.bookings.transition(&token, status).await.unwrap();
    }
    assert!(matches!(
        h.service.admit(token.as_str(), start).await.unwrap(),
        Admission::Open { .. }
    ));
    assert!(matches!(
        h.service
            .admit(token.as_str(), start + TimeDelta::minutes(61))
            .await
            .unwrap(),
        Admission::Expired { .. }
    ));
}

// ---------------------------------------------------------------- the job queue

#[tokio::test]
async fn with_a_queue_a_booking_is_written_with_its_invitation_and_reminders() {
    use interview_core::jobs::Job;
    use interview_core::service::EmailStatus;
    use interview_core::testing::InMemoryJobStore;

    let bookings = Arc::new(InMemoryBookingStore::new());
    let jobs = Arc::new(InMemoryJobStore::new(bookings.clone()));
    let notifier = Arc::new(RecordingNotifier::new());
    let mut settings = SchedulingSettings::new(&Url::parse("https://jobs.example.com").unwrap());
    settings.invitation_wait = std::time::Duration::from_millis(20);
    // The interview is 21 hours away: the 20-hour and 1-hour reminders are both
    // ahead; a 24-hour one would be in the past and is not planned.
    settings.reminder_offsets = vec![
        std::time::Duration::from_secs(24 * 3600),
        std::time::Duration::from_secs(20 * 3600),
        std::time::Duration::from_secs(3600),
    ];
    let service = SchedulingService::new(
        bookings.clone(),
        Arc::new(InMemoryResumeStore::new()),
        Arc::new(ScriptedExtractor::text("cv")),
        notifier.clone(),
        Arc::new(ManualClock::new(now())),
        settings,
    )
    .with_jobs(jobs.clone());
    let booked = service.schedule(&request()).await.unwrap();
    // Nothing runs the queue here: the answer says so, after the short wait.
    assert_eq!(booked.email_status, EmailStatus::Queued);
    assert!(
        notifier.sent().is_empty(),
        "nothing is sent during the request"
    );
    let written = jobs.jobs();
    let token = booked.booking.token.clone();
    assert_eq!(written.len(), 3, "{written:?}");
    assert_eq!(
        written[0].job(),
        &Job::SendInvitation {
            token: token.clone()
        }
    );
    assert_eq!(
        written[0].key(),
        Some(format!("invitation:{token}").as_str())
    );
    for (job, hours) in written[1..].iter().zip([20, 1]) {
        assert_eq!(
            job.scheduled_for(),
            Some(booked.booking.scheduled_at - TimeDelta::hours(hours))
        );
        assert!(
            matches!(job.job(), Job::SendReminder { before_secs, .. } if *before_secs == hours as u64 * 3600)
        );
    }

    // The worker's side: the invitation goes out with the booking's link.
    service.run_job(written[0].job().clone()).await.unwrap();
    assert_eq!(notifier.sent().len(), 1);
    // A reminder planned for the old time is skipped once the interview moved.
    let old_reminder = written[1].job().clone();
    service
        .reschedule(&token, "2030-03-04T10:00", None)
        .await
        .unwrap();
    let sent = notifier.sent().len();
    service.run_job(old_reminder).await.unwrap();
    assert_eq!(
        notifier.sent().len(),
        sent,
        "the old time's reminder is not sent"
    );
    // The move planned reminders for the new time.
    let moved = bookings.get(&token).await.unwrap().unwrap();
    let planned: Vec<_> = jobs
        .jobs()
        .into_iter()
        .filter(|job| matches!(job.job(), Job::SendReminder { scheduled_at, .. } if *scheduled_at == moved.scheduled_at))
        .collect();
    // The new time is days away: all three offsets are ahead.
    assert_eq!(planned.len(), 3);
    service.run_job(planned[2].job().clone()).await.unwrap();
    let reminder = notifier.sent().last().cloned().unwrap();
    assert!(
        reminder.subject.starts_with("Reminder"),
        "{}",
        reminder.subject
    );
    // Nothing is sent for a cancelled interview.
    service.cancel(&token).await.unwrap();
    let sent = notifier.sent().len();
    service.run_job(planned[0].job().clone()).await.unwrap();
    service
        .run_job(Job::SendInvitation {
            token: token.clone(),
        })
        .await
        .unwrap();
    assert_eq!(notifier.sent().len(), sent);
}

#[tokio::test]
async fn with_a_queue_a_move_or_a_cancel_is_written_with_its_messages_and_events_or_not_at_all() {
    use interview_core::events::EventType;
    use interview_core::jobs::Job;
    use interview_core::service::{EmailStatus, EventSubscriber};
    use interview_core::testing::InMemoryJobStore;

    let bookings = Arc::new(InMemoryBookingStore::new());
    let jobs = Arc::new(InMemoryJobStore::new(bookings.clone()));
    let notifier = Arc::new(RecordingNotifier::new());
    let mut settings = SchedulingSettings::new(&Url::parse("https://jobs.example.com").unwrap());
    settings.invitation_wait = std::time::Duration::from_millis(20);
    settings.reminder_offsets = vec![std::time::Duration::from_secs(3600)];
    let service = SchedulingService::new(
        bookings.clone(),
        Arc::new(InMemoryResumeStore::new()),
        Arc::new(ScriptedExtractor::text("cv")),
        notifier.clone(),
        Arc::new(ManualClock::new(now())),
        settings,
    )
    .with_jobs(jobs.clone())
    .with_event_subscribers(vec![EventSubscriber {
        id: "env".to_owned(),
        events: None,
    }]);
    let token = service.schedule(&request()).await.unwrap().booking.token;
    let kinds = |from: usize| -> Vec<String> {
        jobs.jobs()[from..]
            .iter()
            .map(|job| match job.job() {
                Job::DeliverWebhook { event, .. } => event.kind.to_string(),
                other => other.kind().to_owned(),
            })
            .collect()
    };
    let booked_jobs = jobs.jobs().len();

    // A move whose jobs cannot be written does not happen.
    jobs.set_failing(true);
    assert!(
        service
            .reschedule(&token, "2030-03-04T10:00", None)
            .await
            .is_err()
    );
    let unmoved = bookings.get(&token).await.unwrap().unwrap();
    assert_eq!(unmoved.reschedules, 0);
    jobs.set_failing(false);

    // A move: the updated invitation, the new reminder and the event, together.
    let moved = service
        .reschedule(&token, "2030-03-04T10:00", None)
        .await
        .unwrap();
    assert_eq!(moved.email_status, EmailStatus::Queued);
    assert!(
        notifier.sent().is_empty(),
        "nothing is sent during the request"
    );
    assert_eq!(
        kinds(booked_jobs),
        ["send_invitation", "send_reminder", "booking.rescheduled"]
    );
    let invitation = &jobs.jobs()[booked_jobs];
    assert_eq!(
        invitation.key(),
        Some(format!("invitation:{token}:1").as_str())
    );
    service.run_job(invitation.job().clone()).await.unwrap();
    let sent = notifier.sent();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].subject.contains("moved"), "{}", sent[0].subject);
    let moved_jobs = jobs.jobs().len();

    // A cancel whose jobs cannot be written does not happen either.
    jobs.set_failing(true);
    assert!(service.cancel(&token).await.is_err());
    assert_eq!(
        bookings.get(&token).await.unwrap().unwrap().status,
        BookingStatus::Scheduled
    );
    jobs.set_failing(false);

    let cancelled = service.cancel(&token).await.unwrap();
    assert_eq!(cancelled.email_status, Some(EmailStatus::Queued));
    assert_eq!(
        kinds(moved_jobs),
        ["send_cancellation", "booking.cancelled"]
    );
    let cancellation = jobs.jobs()[moved_jobs].job().clone();
    service.run_job(cancellation.clone()).await.unwrap();
    let sent = notifier.sent();
    assert_eq!(sent.len(), 2);
    assert!(
        sent[1].subject.to_lowercase().contains("cancel"),
        "{}",
        sent[1].subject
    );
    // The event says cancelled.
    let Job::DeliverWebhook { event, .. } = jobs.jobs()[moved_jobs + 1].job().clone() else {
        panic!("not a delivery");
    };
    assert_eq!(event.kind, EventType::BookingCancelled);
    assert_eq!(event.data.status, "cancelled");
    // Cancelling again sends and queues nothing.
    let again = service.cancel(&token).await.unwrap();
    assert_eq!(again.email_status, None);
    assert_eq!(jobs.jobs().len(), moved_jobs + 2);
    // A cancellation job for an interview that is scheduled again (it cannot be,
    // but a stale job could meet one) sends nothing.
    let other = service.schedule(&request()).await.unwrap().booking.token;
    service
        .run_job(Job::SendCancellation { token: other })
        .await
        .unwrap();
    assert_eq!(notifier.sent().len(), 2);
}

// ---------------------------------------------------------------- retention

#[tokio::test]
async fn interviews_past_their_retention_are_erased_and_no_others() {
    let bookings = Arc::new(InMemoryBookingStore::new());
    let resumes = Arc::new(InMemoryResumeStore::new());
    let clock = Arc::new(ManualClock::new(now()));
    let mut settings = SchedulingSettings::new(&Url::parse("https://jobs.example.com").unwrap());
    settings.retention = Some(TimeDelta::days(30));
    settings.invitations_per_address = None;
    let service = SchedulingService::new(
        bookings.clone(),
        resumes.clone(),
        Arc::new(ScriptedExtractor::text("cv")),
        Arc::new(RecordingNotifier::new()),
        clock.clone(),
        settings,
    );
    // Three interviews on the 2nd, 3rd and 4th of March.
    let mut tokens = Vec::new();
    for day in 2..=4 {
        let uploaded = service
            .upload_resume(Bytes::from_static(PDF))
            .await
            .unwrap();
        let booked = service
            .schedule(&ScheduleRequest {
                datetime: Some(format!("2030-03-0{day}T10:00")),
                resume_url: Some(uploaded.resume_url),
                ..request()
            })
            .await
            .unwrap();
        tokens.push(booked.booking.token);
    }
    // The one of the 3rd is going on when the sweep comes: it is left alone.
    bookings
        .transition(&tokens[1], BookingStatus::InProgress)
        .await
        .unwrap();
    // 30 days after the 3rd (10:00 Kolkata is 04:30 UTC) plus a minute.
    clock.set(Utc.with_ymd_and_hms(2030, 4, 2, 4, 31, 0).unwrap());
    assert_eq!(service.erase_expired(clock.now(), 100).await.unwrap(), 1);
    assert!(
        bookings.get(&tokens[0]).await.unwrap().is_none(),
        "past retention"
    );
    assert!(bookings.tombstone(&tokens[0]).await.unwrap().is_some());
    assert!(
        bookings.get(&tokens[1]).await.unwrap().is_some(),
        "in progress"
    );
    assert!(
        bookings.get(&tokens[2]).await.unwrap().is_some(),
        "not due yet"
    );
    assert_eq!(
        resumes.len(),
        2,
        "the erased interview's resume file is gone"
    );
    // Nothing more, the second time.
    assert_eq!(service.erase_expired(clock.now(), 100).await.unwrap(), 0);

    // Without a retention, nothing is ever erased.
    let keeping = SchedulingService::new(
        bookings.clone(),
        resumes.clone(),
        Arc::new(ScriptedExtractor::text("cv")),
        Arc::new(RecordingNotifier::new()),
        clock.clone(),
        SchedulingSettings::new(&Url::parse("https://jobs.example.com").unwrap()),
    );
    clock.set(Utc.with_ymd_and_hms(2031, 1, 1, 0, 0, 0).unwrap());
    assert_eq!(keeping.erase_expired(clock.now(), 100).await.unwrap(), 0);
}
