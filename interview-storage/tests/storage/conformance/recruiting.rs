//! What the recruiter does with interviews: list them with filters a page at a
//! time, move one to another time, erase one down to a tombstone.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::TimeDelta;
use interview_core::interview::{Speaker, TranscriptEntry};
use interview_core::position::PositionId;
use interview_core::store::{
    BookingStore, Cursor, Erasure, InterviewQuery, Lease, Rescheduled, StatusFilter, StoreError,
    StoredInterview,
};
use interview_core::{Booking, BookingStatus, BookingToken, EmailAddress, ScheduledTime};

use super::uploads::upload;
use super::{at, booking};

/// Stores `booking(name)` with this address, scheduled `hours` after the fixed
/// instant, for `position`.
async fn stored(
    store: &Arc<dyn BookingStore>,
    name: &str,
    email: &str,
    hours: i64,
    position: &str,
) -> Booking {
    let booking = Booking {
        email: EmailAddress::parse(email).unwrap(),
        scheduled_at: at(hours * 3600),
        position_id: PositionId::parse(position).unwrap(),
        ..booking(name)
    };
    store.create(&booking).await.unwrap();
    booking
}

fn tokens(interviews: &[StoredInterview]) -> Vec<BookingToken> {
    interviews.iter().map(|i| i.token().clone()).collect()
}

pub(crate) async fn interviews_are_listed_latest_first_a_page_at_a_time(
    store: Arc<dyn BookingStore>,
) {
    let mut made = Vec::new();
    for hour in 0..7 {
        made.push(
            stored(
                &store,
                "Ann Lee",
                &format!("ann{hour}@example.com"),
                hour,
                "default",
            )
            .await,
        );
    }
    // Two at the same time: ordered by token, descending.
    let twin = Booking {
        scheduled_at: made[3].scheduled_at,
        ..booking("Twin Lee")
    };
    store.create(&twin).await.unwrap();
    made.push(twin);
    let mut expected = made.clone();
    expected.sort_by(|a, b| (b.scheduled_at, &b.token).cmp(&(a.scheduled_at, &a.token)));
    let expected: Vec<BookingToken> = expected.into_iter().map(|b| b.token).collect();

    let mut seen = Vec::new();
    let mut query = InterviewQuery {
        limit: 3,
        ..InterviewQuery::default()
    };
    let mut pages = 0;
    loop {
        let page = store.list_interviews(&query).await.unwrap();
        pages += 1;
        assert!(page.interviews.len() <= 3);
        for interview in &page.interviews {
            let StoredInterview::Live(listed) = interview else {
                panic!("nothing was erased");
            };
            assert_eq!(
                listed.resume_text, None,
                "listings leave the resume text out"
            );
            let full = made.iter().find(|b| b.token == listed.token).unwrap();
            assert_eq!(
                listed,
                &Booking {
                    resume_text: None,
                    ..full.clone()
                }
            );
        }
        seen.extend(tokens(&page.interviews));
        match page.next {
            Some(next) => {
                // The cursor survives its trip through a URL.
                query.after = Some(Cursor::decode(&next.encode()).unwrap());
            }
            None => break,
        }
        assert!(pages < 10, "the listing never ends");
    }
    assert_eq!(seen, expected);
    assert_eq!(pages, 3);

    // An exact page: no further page is promised.
    let page = store
        .list_interviews(&InterviewQuery {
            limit: 8,
            ..InterviewQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(page.interviews.len(), 8);
    assert_eq!(page.next, None);
    // A limit beyond the bound is lowered, and zero still lists one.
    let page = store
        .list_interviews(&InterviewQuery {
            limit: 0,
            ..InterviewQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(page.interviews.len(), 1);
    assert!(page.next.is_some());
}

pub(crate) async fn interviews_are_filtered_by_status_position_time_and_text(
    store: Arc<dyn BookingStore>,
) {
    let zoe = stored(&store, "Zoë O'Brien", "zoe@example.com", 1, "default").await;
    let sam = stored(&store, "Sam Patel", "sam.p@Example.org", 2, "backend").await;
    let kim = stored(&store, "Kim Lee", "kim+100%_x@example.net", 3, "backend").await;
    store
        .transition(&sam.token, BookingStatus::Cancelled)
        .await
        .unwrap();

    let list = |query: InterviewQuery| {
        let store = store.clone();
        async move {
            let page = store.list_interviews(&query).await.unwrap();
            tokens(&page.interviews).into_iter().collect::<HashSet<_>>()
        }
    };
    let set = |bookings: &[&Booking]| {
        bookings
            .iter()
            .map(|b| b.token.clone())
            .collect::<HashSet<_>>()
    };

    assert_eq!(
        list(InterviewQuery::default()).await,
        set(&[&zoe, &sam, &kim])
    );
    assert_eq!(
        list(InterviewQuery {
            status: Some(StatusFilter::Status(BookingStatus::Cancelled)),
            ..InterviewQuery::default()
        })
        .await,
        set(&[&sam])
    );
    assert_eq!(
        list(InterviewQuery {
            position: Some(PositionId::parse("backend").unwrap()),
            ..InterviewQuery::default()
        })
        .await,
        set(&[&sam, &kim])
    );
    assert_eq!(
        list(InterviewQuery {
            scheduled_from: Some(sam.scheduled_at),
            scheduled_before: Some(kim.scheduled_at),
            ..InterviewQuery::default()
        })
        .await,
        set(&[&sam]),
        "from is inclusive, before exclusive"
    );
    // Free text: a part of the name or the address, in any ASCII case.
    for (text, expected) in [
        ("PATEL", set(&[&sam])),
        ("example.ORG", set(&[&sam])),
        ("o'brien", set(&[&zoe])),
        ("example", set(&[&zoe, &sam, &kim])),
        // LIKE's wildcards are text like any other.
        ("%", set(&[&kim])),
        ("_", set(&[&kim])),
        ("100%_", set(&[&kim])),
        ("nobody", set(&[])),
    ] {
        assert_eq!(
            list(InterviewQuery {
                text: Some(text.into()),
                ..InterviewQuery::default()
            })
            .await,
            expected,
            "{text:?}"
        );
    }
    // Filters combine.
    assert_eq!(
        list(InterviewQuery {
            position: Some(PositionId::parse("backend").unwrap()),
            status: Some(StatusFilter::Status(BookingStatus::Scheduled)),
            text: Some("lee".into()),
            ..InterviewQuery::default()
        })
        .await,
        set(&[&kim])
    );
}

pub(crate) async fn a_scheduled_interview_moves_and_keeps_its_token(store: Arc<dyn BookingStore>) {
    let original = booking("Ann Lee");
    store.create(&original).await.unwrap();
    let new_time = ScheduledTime::from_parts(at(7 * 86_400), Some(chrono_tz::Europe::Berlin));
    let Rescheduled::Moved(moved) = store.reschedule(&original.token, &new_time).await.unwrap()
    else {
        panic!("a scheduled interview moves");
    };
    let expected = Booking {
        scheduled_at: at(7 * 86_400),
        time_zone: Some(chrono_tz::Europe::Berlin),
        reschedules: original.reschedules + 1,
        ..original.clone()
    };
    assert_eq!(*moved, expected);
    assert_eq!(store.get(&original.token).await.unwrap(), Some(expected));
    // Each move is counted.
    let again = ScheduledTime::from_parts(at(6 * 86_400), None);
    let Rescheduled::Moved(moved) = store.reschedule(&original.token, &again).await.unwrap() else {
        panic!("a scheduled interview moves again");
    };
    assert_eq!(moved.reschedules, original.reschedules + 2);
    assert_eq!(moved.time_zone, None);
    assert_eq!(
        store
            .get(&original.token)
            .await
            .unwrap()
            .unwrap()
            .reschedules,
        original.reschedules + 2
    );
    let listed = store
        .list_interviews(&InterviewQuery::default())
        .await
        .unwrap();
    let StoredInterview::Live(listed) = &listed.interviews[0] else {
        panic!("not erased");
    };
    assert_eq!(
        listed.reschedules,
        original.reschedules + 2,
        "the listing reads the count too"
    );

    // Once it started, it stays where it is.
    let lease = Lease {
        holder: "worker-1".into(),
        until: at(8 * 86_400),
    };
    store
        .claim(&original.token, &lease, at(7 * 86_400))
        .await
        .unwrap();
    let later = ScheduledTime::from_parts(at(9 * 86_400), None);
    assert_eq!(
        store.reschedule(&original.token, &later).await.unwrap(),
        Rescheduled::NotScheduled(BookingStatus::InProgress)
    );
    assert_eq!(
        store
            .reschedule(&BookingToken::generate().unwrap(), &later)
            .await
            .unwrap(),
        Rescheduled::NotFound
    );
}

pub(crate) async fn an_erased_interview_keeps_no_personal_data(store: Arc<dyn BookingStore>) {
    let doomed = booking("Zoë O'Brien");
    let kept = booking("Sam Patel");
    store.create(&doomed).await.unwrap();
    store.create(&kept).await.unwrap();
    // A booking claims one upload at most (`claimed_by` is unique); upload 2 is
    // one the erased booking claimed and released, so it is not the booking's.
    for n in [1, 2, 3] {
        store.record_upload(&upload(n, 0)).await.unwrap();
    }
    store
        .claim_upload(&upload(2, 0).key, &doomed.token)
        .await
        .unwrap()
        .unwrap();
    assert!(
        store
            .release_upload(&upload(2, 0).key, &doomed.token)
            .await
            .unwrap()
    );
    for (n, token) in [(1, &doomed.token), (3, &kept.token)] {
        store
            .claim_upload(&upload(n, 0).key, token)
            .await
            .unwrap()
            .unwrap();
    }
    let line = |text: &str| TranscriptEntry {
        speaker: Speaker::Candidate,
        text: text.into(),
        at: at(100),
    };
    for b in [&doomed, &kept] {
        store
            .append_transcript(&b.token, &[line("I built a compiler.")])
            .await
            .unwrap();
        store
            .save_evaluation(
                &b.token,
                &super::evaluation(interview_core::interview::Recommendation::Hire, "Strong."),
            )
            .await
            .unwrap();
    }

    let erased_at = at(90 * 86_400);
    let Erasure::Erased {
        tombstone,
        upload_keys,
    } = store.erase(&doomed.token, erased_at).await.unwrap()
    else {
        panic!("a scheduled interview is erased");
    };
    assert_eq!(tombstone.token, doomed.token);
    assert_eq!(tombstone.position_id, doomed.position_id);
    assert_eq!(tombstone.scheduled_at, doomed.scheduled_at);
    assert_eq!(tombstone.created_at, doomed.created_at);
    assert_eq!(tombstone.erased_at, erased_at);
    assert_eq!(upload_keys, vec![upload(1, 0).key]);

    // Gone for everything but the tombstone.
    assert_eq!(store.get(&doomed.token).await.unwrap(), None);
    assert_eq!(store.interview_state(&doomed.token).await.unwrap(), None);
    assert_eq!(store.transcript(&doomed.token).await.unwrap(), vec![]);
    assert_eq!(store.evaluation(&doomed.token).await.unwrap(), None);
    assert_eq!(
        store.tombstone(&doomed.token).await.unwrap(),
        Some(tombstone.clone())
    );
    assert_eq!(store.tombstone(&kept.token).await.unwrap(), None);
    assert_eq!(
        store
            .count_bookings_for_email(&doomed.email, at(-86_400))
            .await
            .unwrap(),
        1,
        "only the kept booking has the address now"
    );
    let error = store
        .append_transcript(&doomed.token, &[line("still here?")])
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::NotFound), "{error:?}");
    assert_eq!(store.transcript(&doomed.token).await.unwrap(), vec![]);
    let error = store
        .transition(&doomed.token, BookingStatus::Cancelled)
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::NotFound), "{error:?}");
    let error = store.create(&doomed).await.unwrap_err();
    assert!(
        matches!(error, StoreError::Conflict),
        "a token is never reused"
    );

    // Its upload is retired without its text; an upload it no longer held keeps
    // its text, and the other booking's is kept.
    let record = store.upload(&upload(1, 0).key).await.unwrap().unwrap();
    assert_eq!(record.claimed_by, None);
    assert_eq!(record.resume_text, None);
    assert!(
        store
            .claim_upload(&upload(1, 0).key, &BookingToken::generate().unwrap())
            .await
            .unwrap()
            .is_none(),
        "a retired upload cannot be claimed again"
    );
    assert_eq!(
        store.upload(&upload(2, 0).key).await.unwrap(),
        Some(upload(2, 0))
    );
    // The sweeper finds it (and the unclaimed one), to delete a file the
    // caller could not.
    let retired = store.retire_unclaimed_uploads(at(1), 10).await.unwrap();
    assert_eq!(retired, vec![upload(1, 0).key, upload(2, 0).key]);
    assert!(store.forget_upload(&upload(1, 0).key).await.unwrap());
    assert_eq!(
        store
            .upload(&upload(3, 0).key)
            .await
            .unwrap()
            .unwrap()
            .claimed_by,
        Some(kept.token.clone())
    );

    // The listing shows the tombstone; the other booking is untouched.
    let page = store
        .list_interviews(&InterviewQuery::default())
        .await
        .unwrap();
    assert_eq!(page.interviews.len(), 2);
    assert!(
        page.interviews
            .contains(&StoredInterview::Erased(tombstone.clone()))
    );
    let erased_only = store
        .list_interviews(&InterviewQuery {
            status: Some(StatusFilter::Erased),
            ..InterviewQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        erased_only.interviews,
        vec![StoredInterview::Erased(tombstone.clone())]
    );
    let scheduled_only = store
        .list_interviews(&InterviewQuery {
            status: Some(StatusFilter::Status(BookingStatus::Scheduled)),
            ..InterviewQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(tokens(&scheduled_only.interviews), vec![kept.token.clone()]);
    assert_eq!(
        store.get(&kept.token).await.unwrap(),
        Some(Booking {
            evaluation_status: interview_core::EvaluationStatus::Ready,
            ..kept.clone()
        })
    );
    assert_eq!(store.transcript(&kept.token).await.unwrap().len(), 1);
    assert!(store.evaluation(&kept.token).await.unwrap().is_some());

    // Again: nothing changes.
    assert_eq!(
        store.erase(&doomed.token, at(100 * 86_400)).await.unwrap(),
        Erasure::AlreadyErased(tombstone)
    );
    assert_eq!(
        store
            .erase(&BookingToken::generate().unwrap(), erased_at)
            .await
            .unwrap(),
        Erasure::NotFound
    );
}

pub(crate) async fn an_interview_in_progress_is_not_erased(store: Arc<dyn BookingStore>) {
    let live = booking("Ann Lee");
    store.create(&live).await.unwrap();
    let lease = Lease {
        holder: "worker-1".into(),
        until: at(86_400 + 3600),
    };
    store.claim(&live.token, &lease, at(86_400)).await.unwrap();
    assert_eq!(
        store.erase(&live.token, at(86_400 + 60)).await.unwrap(),
        Erasure::InProgress
    );
    assert_eq!(
        store.get(&live.token).await.unwrap().unwrap().name,
        live.name
    );
    // After it ends, it can be.
    store
        .release(
            &live.token,
            "worker-1",
            BookingStatus::Completed,
            TimeDelta::minutes(20).to_std().unwrap(),
        )
        .await
        .unwrap();
    assert!(matches!(
        store.erase(&live.token, at(86_400 + 7200)).await.unwrap(),
        Erasure::Erased { .. }
    ));
}

pub(crate) async fn recordings_are_noted_once_in_order_and_erased_with_the_booking(
    store: Arc<dyn BookingStore>,
) {
    use interview_core::store::Recording;

    let interview = booking("Ada Lovelace");
    let other = booking("Sam Patel");
    store.create(&interview).await.unwrap();
    store.create(&other).await.unwrap();
    let recording = |id: &str, seconds: i64| Recording {
        id: id.to_owned(),
        location: format!("s3://interviews/recordings/{id}.ogg"),
        started_at: at(seconds),
    };
    // Noted out of order; a second note of one id changes nothing.
    store
        .add_recording(&interview.token, &recording("EG_second", 600))
        .await
        .unwrap();
    store
        .add_recording(&interview.token, &recording("EG_first", 60))
        .await
        .unwrap();
    let mut changed = recording("EG_first", 60);
    changed.location = "elsewhere".into();
    store
        .add_recording(&interview.token, &changed)
        .await
        .unwrap();
    store
        .add_recording(&other.token, &recording("EG_other", 5))
        .await
        .unwrap();
    assert_eq!(
        store.recordings(&interview.token).await.unwrap(),
        vec![recording("EG_first", 60), recording("EG_second", 600)]
    );

    // No booking: not found. Erased: forgotten, and refused from then on.
    let unknown = booking("Nobody");
    assert!(matches!(
        store
            .add_recording(&unknown.token, &recording("EG_x", 1))
            .await,
        Err(StoreError::NotFound)
    ));
    store.erase(&interview.token, at(900)).await.unwrap();
    assert!(store.recordings(&interview.token).await.unwrap().is_empty());
    assert!(matches!(
        store
            .add_recording(&interview.token, &recording("EG_late", 901))
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.recordings(&other.token).await.unwrap().len(), 1);
}
