//! The conformance suite: the same cases, written once, run against every
//! `BookingStore`. A backend's test module provides a [`Fixture`] and calls
//! `conformance_suite!(TheFixture);`, which makes one `#[tokio::test]` per case.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use interview_core::interview::{
    CompetencyScore, Evaluation, Recommendation, Score, Speaker, TranscriptEntry,
};
use interview_core::store::{BookingStore, Claim, Lease, StoreError, Transition};
use interview_core::{
    Booking, BookingStatus, BookingToken, EmailAddress, EvaluationStatus, PersonName, PhoneNumber,
};

mod api_keys;
mod positions;
mod recruiting;
mod uploads;

pub(crate) use api_keys::{
    a_keys_last_use_only_moves_forward, api_keys_are_stored_listed_and_revoked_once,
};
pub(crate) use positions::{
    a_booking_keeps_its_position, a_position_is_saved_whole_and_read_back_equal,
    a_taken_slug_is_a_conflict_and_nothing_changes,
    default_positions_with_the_standard_plan_read_back_equal, full_position, plain_position,
    positions_are_listed_by_title_then_id_in_byte_order, racing_saves_of_one_slug_keep_one,
    saving_a_position_again_replaces_it,
};
pub(crate) use recruiting::{
    a_scheduled_interview_moves_and_keeps_its_token, an_erased_interview_keeps_no_personal_data,
    an_interview_in_progress_is_not_erased,
    interviews_are_filtered_by_status_position_time_and_text,
    interviews_are_listed_latest_first_a_page_at_a_time,
    recordings_are_noted_once_in_order_and_erased_with_the_booking,
};
pub(crate) use uploads::{
    an_upload_is_claimed_by_one_booking_only,
    unclaimed_uploads_are_retired_oldest_first_then_forgotten,
    uploads_are_recorded_with_their_text_or_reason,
};

/// A store set up for one test, and what to clean up after it.
pub(crate) trait Fixture: Sized + Send + 'static {
    /// Sets up a fresh, empty store.
    fn start() -> impl Future<Output = Self> + Send;
    /// The store under test.
    fn store(&self) -> Arc<dyn BookingStore>;
    /// Cleans up (drops a database, stops a server); runs even if the case failed.
    fn finish(self) -> impl Future<Output = ()> + Send {
        async {}
    }
}

/// Runs one case against a fresh fixture, cleaning up before reporting a failure.
pub(crate) async fn run<F, Fut>(case: fn(Arc<dyn BookingStore>) -> Fut)
where
    F: Fixture,
    Fut: Future<Output = ()> + Send + 'static,
{
    let fixture = F::start().await;
    let outcome = tokio::spawn(case(fixture.store())).await;
    fixture.finish().await;
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}

/// One `#[tokio::test]` per conformance case for a [`Fixture`].
macro_rules! conformance_suite {
    ($fixture:ty) => {
        $crate::conformance::conformance_suite!(@cases $fixture;
            create_then_get_round_trips_every_field,
            optional_fields_round_trip_as_none,
            duplicate_token_is_a_conflict_and_never_overwrites,
            unknown_token_is_none,
            transitions_follow_the_state_machine,
            a_transition_of_an_unknown_token_is_not_found,
            racing_claims_leave_one_holder,
            racing_transitions_move_once,
            a_lease_that_ran_out_can_be_taken_over,
            an_interrupted_interview_resumes_with_its_time,
            the_evaluation_status_is_kept,
            a_webhook_event_is_recorded_once,
            transcript_keeps_append_order,
            concurrent_appends_lose_no_line,
            evaluation_is_saved_and_replaced,
            concurrent_creates_lose_nothing,
            concurrent_creates_of_one_token_make_one_booking,
            ping_answers,
            bookings_are_counted_per_address_ignoring_case,
            uploads_are_recorded_with_their_text_or_reason,
            an_upload_is_claimed_by_one_booking_only,
            unclaimed_uploads_are_retired_oldest_first_then_forgotten,
            a_position_is_saved_whole_and_read_back_equal,
            default_positions_with_the_standard_plan_read_back_equal,
            racing_saves_of_one_slug_keep_one,
            saving_a_position_again_replaces_it,
            a_taken_slug_is_a_conflict_and_nothing_changes,
            positions_are_listed_by_title_then_id_in_byte_order,
            a_booking_keeps_its_position,
            api_keys_are_stored_listed_and_revoked_once,
            a_keys_last_use_only_moves_forward,
            interviews_are_listed_latest_first_a_page_at_a_time,
            interviews_are_filtered_by_status_position_time_and_text,
            a_scheduled_interview_moves_and_keeps_its_token,
            an_erased_interview_keeps_no_personal_data,
            an_interview_in_progress_is_not_erased,
            recordings_are_noted_once_in_order_and_erased_with_the_booking,
        );
    };
    (@cases $fixture:ty; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                $crate::conformance::run::<$fixture, _>($crate::conformance::$case).await;
            }
        )*
    };
}
pub(crate) use conformance_suite;

/// 2030-03-14 15:09:26.535897 UTC: microseconds, a fixed date.
pub(crate) fn at(seconds_later: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 3, 14, 15, 9, 26).unwrap()
        + TimeDelta::microseconds(535_897)
        + TimeDelta::seconds(seconds_later)
}

/// A booking with every field set, under a fresh token.
pub(crate) fn booking(name: &str) -> Booking {
    Booking {
        token: BookingToken::generate().unwrap(),
        position_id: interview_core::position::default_position_id(),
        name: PersonName::parse(name).unwrap(),
        email: EmailAddress::parse("zoe.o-brien+cv@example.co.uk").unwrap(),
        phone: PhoneNumber::parse("(555) 123-4567").unwrap(),
        scheduled_at: at(86_400),
        time_zone: Some(chrono_tz::Asia::Kolkata),
        resume_text: Some("Rust engineer.\nBuilt \"things\" & more; 5 years.".into()),
        resume_url: Some("/resumes/1894698000_0123456789abcdef0123456789abcdef.pdf".into()),
        status: BookingStatus::Scheduled,
        evaluation_status: interview_core::EvaluationStatus::Pending,
        // Not zero, so a store that does not write the count is caught.
        reschedules: 2,
        created_at: at(0),
    }
}

/// About 1 MB of resume text mixing scripts, symbols and line breaks.
pub(crate) fn megabyte_resume() -> String {
    let line = "Zoë Ōtsuka — 李小龍 — Ἀριστοτέλης — نص عربي — 😀 résumé, \"quotes\", 'apostrophes', back\\slash\t tab\n";
    let mut text = String::new();
    while text.len() < 1_000_000 {
        text.push_str(line);
    }
    text
}

pub(crate) async fn create_then_get_round_trips_every_field(store: Arc<dyn BookingStore>) {
    let mut original = booking("Zoë Ōtsuka-O'Brien 李小龍");
    original.resume_text = Some(megabyte_resume());
    original.status = BookingStatus::InProgress;
    original.time_zone = Some(chrono_tz::America::St_Johns);
    original.created_at =
        Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap() + TimeDelta::microseconds(1);
    store.create(&original).await.unwrap();

    let read = store
        .get(&original.token)
        .await
        .unwrap()
        .expect("the booking");
    assert_eq!(read.token, original.token);
    assert_eq!(read.name, original.name);
    assert_eq!(read.email, original.email);
    assert_eq!(read.phone, original.phone);
    assert_eq!(read.scheduled_at, original.scheduled_at);
    assert_eq!(read.scheduled_at.timezone(), Utc);
    assert_eq!(read.time_zone, original.time_zone);
    assert_eq!(read.resume_url, original.resume_url);
    assert_eq!(read.status, original.status);
    assert_eq!(read.created_at, original.created_at);
    assert!(
        read.resume_text == original.resume_text,
        "resume text differs"
    );
    assert_eq!(read, original);
}

pub(crate) async fn optional_fields_round_trip_as_none(store: Arc<dyn BookingStore>) {
    let original = Booking {
        time_zone: None,
        resume_text: None,
        resume_url: None,
        ..booking("Ann")
    };
    store.create(&original).await.unwrap();
    assert_eq!(store.get(&original.token).await.unwrap(), Some(original));
}

pub(crate) async fn duplicate_token_is_a_conflict_and_never_overwrites(
    store: Arc<dyn BookingStore>,
) {
    let first = booking("First Person");
    store.create(&first).await.unwrap();
    let second = Booking {
        token: first.token.clone(),
        name: PersonName::parse("Second Person").unwrap(),
        status: BookingStatus::Cancelled,
        evaluation_status: interview_core::EvaluationStatus::Pending,
        resume_text: None,
        ..booking("Ignored")
    };
    let error = store.create(&second).await.unwrap_err();
    assert!(matches!(error, StoreError::Conflict), "{error:?}");
    assert_eq!(store.get(&first.token).await.unwrap(), Some(first));
}

pub(crate) async fn unknown_token_is_none(store: Arc<dyn BookingStore>) {
    store.create(&booking("Someone Else")).await.unwrap();
    let unknown = BookingToken::generate().unwrap();
    assert_eq!(store.get(&unknown).await.unwrap(), None);
    assert_eq!(store.transcript(&unknown).await.unwrap(), Vec::new());
    assert_eq!(store.evaluation(&unknown).await.unwrap(), None);
}

pub(crate) async fn transitions_follow_the_state_machine(store: Arc<dyn BookingStore>) {
    let original = booking("Status Person");
    let other = booking("Other Person");
    store.create(&original).await.unwrap();
    store.create(&other).await.unwrap();
    let token = &original.token;
    let steps = [
        (
            BookingStatus::Scheduled,
            Transition::Refused {
                current: BookingStatus::Scheduled,
            },
        ),
        (
            BookingStatus::InProgress,
            Transition::Moved {
                from: BookingStatus::Scheduled,
            },
        ),
        (
            BookingStatus::Scheduled,
            Transition::Refused {
                current: BookingStatus::InProgress,
            },
        ),
        (
            BookingStatus::Interrupted,
            Transition::Moved {
                from: BookingStatus::InProgress,
            },
        ),
        (
            BookingStatus::InProgress,
            Transition::Moved {
                from: BookingStatus::Interrupted,
            },
        ),
        (
            BookingStatus::Completed,
            Transition::Moved {
                from: BookingStatus::InProgress,
            },
        ),
        (
            BookingStatus::InProgress,
            Transition::Refused {
                current: BookingStatus::Completed,
            },
        ),
        (
            BookingStatus::Cancelled,
            Transition::Refused {
                current: BookingStatus::Completed,
            },
        ),
    ];
    let mut expected = BookingStatus::Scheduled;
    for (to, outcome) in steps {
        assert_eq!(
            store.transition(token, to).await.unwrap(),
            outcome,
            "to {to}"
        );
        if matches!(outcome, Transition::Moved { .. }) {
            expected = to;
        }
        let read = store.get(token).await.unwrap().unwrap();
        assert_eq!(read.status, expected);
        assert_eq!(
            Booking {
                status: original.status,
                ..read
            },
            original
        );
    }
    assert_eq!(store.get(&other.token).await.unwrap(), Some(other));
}

pub(crate) async fn a_transition_of_an_unknown_token_is_not_found(store: Arc<dyn BookingStore>) {
    let unknown = BookingToken::generate().unwrap();
    let error = store
        .transition(&unknown, BookingStatus::Completed)
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::NotFound), "{error:?}");
    let lease = lease("someone", 60);
    let error = store.claim(&unknown, &lease, at(0)).await.unwrap_err();
    assert!(matches!(error, StoreError::NotFound), "{error:?}");
    assert_eq!(store.get(&unknown).await.unwrap(), None);
}

fn lease(holder: &str, seconds: i64) -> Lease {
    Lease {
        holder: holder.to_owned(),
        until: at(seconds),
    }
}

/// Two tabs, two servers: of many sessions claiming one interview at once, exactly
/// one holds it; the others are told it is busy.
pub(crate) async fn racing_claims_leave_one_holder(store: Arc<dyn BookingStore>) {
    let original = booking("Racing Person");
    store.create(&original).await.unwrap();
    let handles: Vec<_> = (0..12)
        .map(|n| {
            let store = store.clone();
            let token = original.token.clone();
            tokio::spawn(async move {
                store
                    .claim(&token, &lease(&format!("session-{n}"), 60), at(0))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut claimed = 0;
    for handle in handles {
        match handle.await.unwrap() {
            Claim::Claimed { from, elapsed } => {
                assert_eq!(from, BookingStatus::Scheduled);
                assert_eq!(elapsed, Duration::ZERO);
                claimed += 1;
            }
            Claim::Busy { until } => assert_eq!(until, at(60)),
            refused => panic!("{refused:?}"),
        }
    }
    assert_eq!(claimed, 1);
    let state = store
        .interview_state(&original.token)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(state.status, BookingStatus::InProgress);
    assert!(state.lease.unwrap().holder.starts_with("session-"));
}

pub(crate) async fn racing_transitions_move_once(store: Arc<dyn BookingStore>) {
    let original = booking("Cancel Person");
    store.create(&original).await.unwrap();
    let handles: Vec<_> = (0..12)
        .map(|_| {
            let store = store.clone();
            let token = original.token.clone();
            tokio::spawn(async move {
                store
                    .transition(&token, BookingStatus::Cancelled)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut moved = 0;
    for handle in handles {
        match handle.await.unwrap() {
            Transition::Moved { from } => {
                assert_eq!(from, BookingStatus::Scheduled);
                moved += 1;
            }
            Transition::Refused { current } => assert_eq!(current, BookingStatus::Cancelled),
        }
    }
    assert_eq!(moved, 1);
}

/// A session that died stops renewing: once its lease ran out another session
/// takes the interview over, and the dead one can neither renew nor release it.
pub(crate) async fn a_lease_that_ran_out_can_be_taken_over(store: Arc<dyn BookingStore>) {
    let original = booking("Crash Person");
    let token = &original.token;
    store.create(&original).await.unwrap();
    let first = lease("first", 30);
    assert!(matches!(
        store.claim(token, &first, at(0)).await.unwrap(),
        Claim::Claimed { .. }
    ));
    assert!(
        store
            .renew(token, &lease("first", 40), Duration::from_secs(10))
            .await
            .unwrap()
    );
    let second = lease("second", 100);
    assert_eq!(
        store.claim(token, &second, at(39)).await.unwrap(),
        Claim::Busy { until: at(40) }
    );
    assert_eq!(
        store.claim(token, &second, at(41)).await.unwrap(),
        Claim::Claimed {
            from: BookingStatus::InProgress,
            elapsed: Duration::from_secs(10)
        }
    );
    assert!(
        !store
            .renew(token, &lease("first", 70), Duration::from_secs(20))
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .release(
                token,
                "first",
                BookingStatus::Completed,
                Duration::from_secs(20)
            )
            .await
            .unwrap(),
        Transition::Refused {
            current: BookingStatus::InProgress
        }
    );
    let state = store.interview_state(token).await.unwrap().unwrap();
    assert_eq!(state.lease, Some(second));
    assert_eq!(state.elapsed, Duration::from_secs(10));
}

/// The candidate's connection drops: the interview is released as interrupted with
/// its time so far, and the next session resumes it from that time.
pub(crate) async fn an_interrupted_interview_resumes_with_its_time(store: Arc<dyn BookingStore>) {
    let original = booking("Resume Person");
    let token = &original.token;
    store.create(&original).await.unwrap();
    store
        .claim(token, &lease("first", 30), at(0))
        .await
        .unwrap();
    assert_eq!(
        store
            .release(
                token,
                "first",
                BookingStatus::Interrupted,
                Duration::from_millis(125_250)
            )
            .await
            .unwrap(),
        Transition::Moved {
            from: BookingStatus::InProgress
        }
    );
    let state = store.interview_state(token).await.unwrap().unwrap();
    assert_eq!(state.status, BookingStatus::Interrupted);
    assert_eq!(state.lease, None);
    assert_eq!(
        store.get(token).await.unwrap().unwrap().status,
        BookingStatus::Interrupted
    );
    assert_eq!(
        store
            .claim(token, &lease("second", 500), at(400))
            .await
            .unwrap(),
        Claim::Claimed {
            from: BookingStatus::Interrupted,
            elapsed: Duration::from_millis(125_250)
        }
    );
    assert_eq!(
        store
            .release(
                token,
                "second",
                BookingStatus::Completed,
                Duration::from_secs(900)
            )
            .await
            .unwrap(),
        Transition::Moved {
            from: BookingStatus::InProgress
        }
    );
    assert_eq!(
        store
            .claim(token, &lease("third", 900), at(800))
            .await
            .unwrap(),
        Claim::Refused {
            current: BookingStatus::Completed
        }
    );
}

pub(crate) async fn the_evaluation_status_is_kept(store: Arc<dyn BookingStore>) {
    let original = booking("Evaluated Person");
    let token = &original.token;
    store.create(&original).await.unwrap();
    let read = || async { store.get(token).await.unwrap().unwrap().evaluation_status };
    assert_eq!(read().await, EvaluationStatus::Pending);
    let failed = EvaluationStatus::Failed("the model's quotes were not the candidate's".into());
    store.set_evaluation_status(token, &failed).await.unwrap();
    assert_eq!(read().await, failed);
    let offline = EvaluationStatus::NotAvailable("offline interviewer".into());
    store.set_evaluation_status(token, &offline).await.unwrap();
    assert_eq!(read().await, offline);
    store
        .save_evaluation(token, &evaluation(Recommendation::Hire, "Good."))
        .await
        .unwrap();
    assert_eq!(read().await, EvaluationStatus::Ready);
    let unknown = BookingToken::generate().unwrap();
    let error = store
        .set_evaluation_status(&unknown, &failed)
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::NotFound), "{error:?}");
}

pub(crate) async fn a_webhook_event_is_recorded_once(store: Arc<dyn BookingStore>) {
    assert!(store.record_webhook_event("EV_1", at(0)).await.unwrap());
    assert!(!store.record_webhook_event("EV_1", at(5)).await.unwrap());
    assert!(store.record_webhook_event("EV_2", at(5)).await.unwrap());
    // A week on, the first ids are forgotten.
    let later = at(0) + TimeDelta::days(8);
    assert!(store.record_webhook_event("EV_3", later).await.unwrap());
    assert!(store.record_webhook_event("EV_1", later).await.unwrap());
    assert!(!store.record_webhook_event("EV_3", later).await.unwrap());
}

fn line(speaker: Speaker, text: &str, seconds: i64) -> TranscriptEntry {
    TranscriptEntry {
        speaker,
        text: text.into(),
        at: at(seconds),
    }
}

pub(crate) async fn transcript_keeps_append_order(store: Arc<dyn BookingStore>) {
    let one = booking("Transcript One");
    let two = booking("Transcript Two");
    store.create(&one).await.unwrap();
    store.create(&two).await.unwrap();
    assert_eq!(store.transcript(&one.token).await.unwrap(), Vec::new());

    let first = vec![
        line(Speaker::Interviewer, "Hello! Tell me about yourself.", 10),
        line(Speaker::Candidate, "Hi — I'm Zoë; I write Rust. 😀", 12),
    ];
    // Later lines may carry earlier times: order is append order, not time order.
    let second = vec![
        line(Speaker::Interviewer, "Why Rust?", 30),
        line(Speaker::Candidate, "Because…", 5),
        line(Speaker::Candidate, "", 31),
    ];
    store.append_transcript(&one.token, &first).await.unwrap();
    store
        .append_transcript(&two.token, &[line(Speaker::Candidate, "other", 1)])
        .await
        .unwrap();
    store.append_transcript(&one.token, &[]).await.unwrap();
    store.append_transcript(&one.token, &second).await.unwrap();

    let expected: Vec<_> = first.into_iter().chain(second).collect();
    assert_eq!(store.transcript(&one.token).await.unwrap(), expected);
    assert_eq!(store.transcript(&two.token).await.unwrap().len(), 1);

    let unknown = BookingToken::generate().unwrap();
    let error = store
        .append_transcript(&unknown, &[line(Speaker::Candidate, "lost", 1)])
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::NotFound), "{error:?}");
    assert_eq!(store.transcript(&unknown).await.unwrap(), Vec::new());
}

pub(crate) async fn concurrent_appends_lose_no_line(store: Arc<dyn BookingStore>) {
    let original = booking("Busy Talker");
    store.create(&original).await.unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|n| {
            let store = store.clone();
            let token = original.token.clone();
            tokio::spawn(async move {
                let lines = [
                    line(Speaker::Candidate, &format!("task {n} line 1"), n),
                    line(Speaker::Candidate, &format!("task {n} line 2"), n),
                ];
                store.append_transcript(&token, &lines).await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let transcript = store.transcript(&original.token).await.unwrap();
    assert_eq!(transcript.len(), 16);
    for n in 0..8 {
        // Each append's lines stay together and in order.
        let first = transcript
            .iter()
            .position(|e| e.text == format!("task {n} line 1"))
            .unwrap();
        assert_eq!(transcript[first + 1].text, format!("task {n} line 2"));
    }
}

pub(crate) fn evaluation(recommendation: Recommendation, summary: &str) -> Evaluation {
    Evaluation {
        competencies: vec![
            CompetencyScore {
                competency: "Rust".into(),
                score: Score::try_from(5).unwrap(),
                evidence: vec!["\"I wrote a borrow checker for fun\"".into()],
            },
            CompetencyScore {
                competency: "communication — écrite".into(),
                score: Score::try_from(3).unwrap(),
                evidence: Vec::new(),
            },
        ],
        not_assessed: Vec::new(),
        review_flags: Vec::new(),
        strengths: vec!["clear".into(), "curious".into()],
        concerns: vec!["terse".into()],
        recommendation,
        summary: summary.into(),
        created_at: at(3_600) + TimeDelta::nanoseconds(1),
    }
}

pub(crate) async fn evaluation_is_saved_and_replaced(store: Arc<dyn BookingStore>) {
    let original = booking("Evaluated Person");
    let other = booking("Other Person");
    store.create(&original).await.unwrap();
    store.create(&other).await.unwrap();
    assert_eq!(store.evaluation(&original.token).await.unwrap(), None);

    let first = evaluation(Recommendation::Hire, "Good.");
    store
        .save_evaluation(&original.token, &first)
        .await
        .unwrap();
    assert_eq!(
        store.evaluation(&original.token).await.unwrap(),
        Some(first)
    );

    let second = evaluation(Recommendation::StrongNoHire, "Changed our mind. 李");
    store
        .save_evaluation(&original.token, &second)
        .await
        .unwrap();
    assert_eq!(
        store.evaluation(&original.token).await.unwrap(),
        Some(second)
    );
    assert_eq!(store.evaluation(&other.token).await.unwrap(), None);

    let unknown = BookingToken::generate().unwrap();
    let error = store
        .save_evaluation(&unknown, &evaluation(Recommendation::Hire, "x"))
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::NotFound), "{error:?}");
    assert_eq!(store.evaluation(&unknown).await.unwrap(), None);
}

pub(crate) async fn concurrent_creates_lose_nothing(store: Arc<dyn BookingStore>) {
    let bookings: Vec<Booking> = (0..50)
        .map(|n| Booking {
            scheduled_at: at(n * 60),
            ..booking("Many Candidates")
        })
        .collect();
    let tasks: Vec<_> = bookings
        .iter()
        .cloned()
        .map(|booking| {
            let store = store.clone();
            tokio::spawn(async move { store.create(&booking).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    for original in bookings {
        assert_eq!(store.get(&original.token).await.unwrap(), Some(original));
    }
}

pub(crate) async fn concurrent_creates_of_one_token_make_one_booking(store: Arc<dyn BookingStore>) {
    let token = BookingToken::generate().unwrap();
    let tasks: Vec<_> = (0..10)
        .map(|n| {
            let store = store.clone();
            let booking = Booking {
                token: token.clone(),
                scheduled_at: at(n),
                ..booking("Racing Candidate")
            };
            tokio::spawn(async move { (store.create(&booking).await, booking) })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            (Ok(()), booking) => winners.push(booking),
            (Err(StoreError::Conflict), _) => {}
            (Err(other), _) => panic!("{other:?}"),
        }
    }
    assert_eq!(winners.len(), 1);
    assert_eq!(store.get(&token).await.unwrap(), winners.pop());
}

pub(crate) async fn ping_answers(store: Arc<dyn BookingStore>) {
    store.ping().await.unwrap();
}

pub(crate) async fn bookings_are_counted_per_address_ignoring_case(store: Arc<dyn BookingStore>) {
    let address = |text: &str| EmailAddress::parse(text).unwrap();
    let mut seconds = 0;
    for email in [
        "Ann.Lee@example.com",
        "ann.lee@EXAMPLE.com",
        "ANN.LEE@example.com",
        // Near twins that a pattern match would confuse with the others.
        "ann.leex@example.com",
        "ann_lee@example.com",
        "annxlee@example.com",
        "a%b@example.com",
        "axxb@example.com",
    ] {
        let mut booking = booking("Ann Lee");
        booking.email = address(email);
        booking.created_at = at(seconds);
        store.create(&booking).await.unwrap();
        seconds += 100;
    }
    let count = |email: &'static str, since: DateTime<Utc>| {
        let store = store.clone();
        async move {
            store
                .count_bookings_for_email(&address(email), since)
                .await
                .unwrap()
        }
    };
    assert_eq!(count("ann.lee@example.com", at(0)).await, 3);
    assert_eq!(count("ANN.lee@Example.COM", at(0)).await, 3);
    // `since` counts a booking made at that very instant, and none before it.
    assert_eq!(count("ann.lee@example.com", at(100)).await, 2);
    assert_eq!(count("ann.lee@example.com", at(201)).await, 0);
    assert_eq!(count("ann_lee@example.com", at(0)).await, 1);
    assert_eq!(count("a%b@example.com", at(0)).await, 1);
    assert_eq!(count("nobody@example.com", at(0)).await, 0);
}
