//! The upload records: recorded with the server's text, claimed by one booking
//! at most, retired and forgotten by the sweeper, never while claimed.

use std::sync::Arc;

use chrono::TimeDelta;
use interview_core::BookingToken;
use interview_core::resume::DocumentKind;
use interview_core::store::{BookingStore, StoreError, UploadRecord};

use super::{at, megabyte_resume};

/// An unclaimed upload stored `seconds_later` than the fixed instant.
pub(crate) fn upload(n: u32, seconds_later: i64) -> UploadRecord {
    let key = format!("1894698000_{:032x}.pdf", u128::from(n) + 0xabc0);
    UploadRecord {
        url: format!("/resumes/{key}"),
        key,
        kind: DocumentKind::Pdf,
        resume_text: Some(format!("Candidate {n}: Zoë — Rust, \"quotes\" & more.")),
        extraction_error: None,
        uploaded_at: at(seconds_later),
        claimed_by: None,
    }
}

pub(crate) async fn uploads_are_recorded_with_their_text_or_reason(store: Arc<dyn BookingStore>) {
    let mut with_text = upload(1, 0);
    with_text.resume_text = Some(megabyte_resume());
    with_text.url = format!(
        "https://abc.supabase.co/storage/v1/object/public/resumes/{}",
        with_text.key
    );
    let without_text = UploadRecord {
        kind: DocumentKind::Docx,
        resume_text: None,
        extraction_error: Some("encrypted".into()),
        uploaded_at: at(5) + TimeDelta::microseconds(1),
        ..upload(2, 0)
    };
    store.record_upload(&with_text).await.unwrap();
    store.record_upload(&without_text).await.unwrap();
    let read = store
        .upload(&with_text.key)
        .await
        .unwrap()
        .expect("recorded");
    assert!(read == with_text, "the record differs");
    assert_eq!(
        store.upload(&without_text.key).await.unwrap(),
        Some(without_text.clone())
    );
    assert_eq!(store.upload("1894698000_never.pdf").await.unwrap(), None);

    let again = UploadRecord {
        resume_text: Some("overwritten?".into()),
        ..without_text.clone()
    };
    let error = store.record_upload(&again).await.unwrap_err();
    assert!(matches!(error, StoreError::Conflict), "{error:?}");
    assert_eq!(
        store.upload(&without_text.key).await.unwrap(),
        Some(without_text)
    );
}

/// Two tabs, two servers, an attacker replaying another candidate's URL: of many
/// bookings claiming one upload at once, exactly one gets it.
pub(crate) async fn an_upload_is_claimed_by_one_booking_only(store: Arc<dyn BookingStore>) {
    let original = upload(1, 0);
    store.record_upload(&original).await.unwrap();
    let tokens: Vec<BookingToken> = (0..12).map(|_| BookingToken::generate().unwrap()).collect();
    let handles: Vec<_> = tokens
        .iter()
        .cloned()
        .map(|token| {
            let store = store.clone();
            let key = original.key.clone();
            tokio::spawn(async move { (store.claim_upload(&key, &token).await.unwrap(), token) })
        })
        .collect();
    let mut winners = Vec::new();
    for handle in handles {
        if let (Some(claimed), token) = handle.await.unwrap() {
            assert_eq!(claimed.claimed_by.as_ref(), Some(&token));
            assert_eq!(
                UploadRecord {
                    claimed_by: None,
                    ..claimed
                },
                original
            );
            winners.push(token);
        }
    }
    assert_eq!(winners.len(), 1);
    let winner = &winners[0];
    let stored = store.upload(&original.key).await.unwrap().unwrap();
    assert_eq!(stored.claimed_by.as_ref(), Some(winner));

    // Only the holder releases; then another booking may claim it.
    let loser = tokens.iter().find(|t| *t != winner).unwrap();
    assert!(!store.release_upload(&original.key, loser).await.unwrap());
    assert_eq!(
        store
            .upload(&original.key)
            .await
            .unwrap()
            .unwrap()
            .claimed_by
            .as_ref(),
        Some(winner)
    );
    assert!(store.release_upload(&original.key, winner).await.unwrap());
    assert!(!store.release_upload(&original.key, winner).await.unwrap());
    assert!(
        store
            .claim_upload(&original.key, loser)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .claim_upload(&original.key, winner)
            .await
            .unwrap()
            .is_none()
    );

    let unknown = BookingToken::generate().unwrap();
    assert!(
        store
            .claim_upload("1894698000_never.pdf", &unknown)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        !store
            .release_upload("1894698000_never.pdf", &unknown)
            .await
            .unwrap()
    );
}

pub(crate) async fn unclaimed_uploads_are_retired_oldest_first_then_forgotten(
    store: Arc<dyn BookingStore>,
) {
    let oldest = upload(1, 0);
    let claimed = upload(2, 10);
    let middle = upload(3, 20);
    let newest = upload(4, 30);
    let fresh = upload(5, 100);
    for record in [&newest, &fresh, &oldest, &middle, &claimed] {
        store.record_upload(record).await.unwrap();
    }
    let token = BookingToken::generate().unwrap();
    assert!(
        store
            .claim_upload(&claimed.key, &token)
            .await
            .unwrap()
            .is_some()
    );

    // `before` is exclusive; the claimed upload is never retired.
    assert_eq!(
        store.retire_unclaimed_uploads(at(0), 10).await.unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        store.retire_unclaimed_uploads(at(31), 1).await.unwrap(),
        std::slice::from_ref(&oldest.key)
    );
    let mut next = store.retire_unclaimed_uploads(at(31), 10).await.unwrap();
    next.sort();
    let mut expected = vec![oldest.key.clone(), middle.key.clone(), newest.key.clone()];
    expected.sort();
    assert_eq!(next, expected, "retired and not forgotten ones come back");
    assert_eq!(
        store.retire_unclaimed_uploads(at(31), 0).await.unwrap(),
        Vec::<String>::new()
    );

    // Retired: nothing can claim it any more.
    let late = BookingToken::generate().unwrap();
    assert!(
        store
            .claim_upload(&oldest.key, &late)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store.upload(&oldest.key).await.unwrap().unwrap().claimed_by,
        None
    );

    // Only retired, unclaimed records are forgotten.
    assert!(!store.forget_upload(&claimed.key).await.unwrap());
    assert!(!store.forget_upload(&fresh.key).await.unwrap());
    assert!(store.forget_upload(&oldest.key).await.unwrap());
    assert!(!store.forget_upload(&oldest.key).await.unwrap());
    assert_eq!(store.upload(&oldest.key).await.unwrap(), None);
    assert!(store.upload(&claimed.key).await.unwrap().is_some());
    assert!(store.upload(&fresh.key).await.unwrap().is_some());

    // A fresh upload, once it is old enough, is retired like the others; the
    // claimed one never is.
    let mut last = store.retire_unclaimed_uploads(at(1000), 10).await.unwrap();
    last.sort();
    let mut expected = vec![middle.key.clone(), newest.key.clone(), fresh.key.clone()];
    expected.sort();
    assert_eq!(last, expected);
    assert!(
        store
            .claim_upload(&fresh.key, &late)
            .await
            .unwrap()
            .is_none()
    );
}
