//! What every [`WebhookStore`] does (the SQL stores beside their queue, and the
//! in-memory double): endpoints with their secrets, rotation, deletion with the
//! deliveries, delivery records replaced per event, listed latest first, filtered
//! and pruned.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use interview_core::Booking;
use interview_core::events::{EventType, PlatformEvent};
use interview_core::store::{StoreError, WebhookStore};
use interview_core::webhooks::{
    AttemptOutcome, Delivery, DeliveryQuery, DeliveryStatus, EndpointId, SigningSecret,
    WebhookEndpoint, parse_endpoint_url,
};

use crate::conformance::booking;

/// A time with microseconds, the precision every store keeps.
fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_900_000_000 + seconds, 123_456_000)
        .unwrap()
}

fn endpoint(url: &str, events: Option<Vec<EventType>>, created: i64) -> WebhookEndpoint {
    WebhookEndpoint::new(
        parse_endpoint_url(url).unwrap(),
        events,
        "ATS — production".to_owned(),
        SigningSecret::generate().unwrap(),
        at(created),
    )
    .unwrap()
}

fn event(booking: &Booking, kind: EventType) -> PlatformEvent {
    PlatformEvent::new(kind, booking, at(0)).unwrap()
}

fn attempt(
    previous: Option<Delivery>,
    endpoint: &EndpointId,
    event: &PlatformEvent,
    seconds: i64,
    outcome: AttemptOutcome,
) -> Delivery {
    Delivery::after_attempt(previous, endpoint, event, at(seconds), outcome)
}

fn failed(status: Option<u16>, error: &str, last: bool) -> AttemptOutcome {
    AttemptOutcome::Failed {
        status,
        error: error.to_owned(),
        last,
    }
}

pub(crate) async fn webhook_store_conforms(store: &dyn WebhookStore) {
    // Endpoints: created, read back whole (secret included), listed oldest first.
    let mut first = endpoint(
        "https://hr.example.com/hooks?tenant=7",
        Some(vec![EventType::EvaluationReady, EventType::BookingCreated]),
        10,
    );
    let second = endpoint("http://127.0.0.1:9/x", None, 5);
    store.create_webhook(&first).await.unwrap();
    store.create_webhook(&second).await.unwrap();
    assert!(matches!(
        store.create_webhook(&first).await,
        Err(StoreError::Conflict)
    ));
    let read = store.webhook(&first.id).await.unwrap().unwrap();
    assert_eq!(read.secret, first.secret);
    assert_eq!(read.url, first.url);
    assert_eq!(
        read.events,
        Some(vec![EventType::BookingCreated, EventType::EvaluationReady])
    );
    assert_eq!(read.created_at, first.created_at);
    let listed = store.webhooks().await.unwrap();
    assert_eq!(
        listed.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
        vec![second.id.clone(), first.id.clone()]
    );
    assert_eq!(listed[0].events, None);
    assert!(
        store
            .webhook(&EndpointId::generate().unwrap())
            .await
            .unwrap()
            .is_none()
    );

    // Rotated, disabled, all events: replaced whole but for its creation time.
    let old_secret = first.secret.clone();
    first.rotate(SigningSecret::generate().unwrap(), at(20));
    first.disabled = true;
    first.set_events(None);
    first.created_at = at(99);
    assert!(store.update_webhook(&first).await.unwrap());
    let read = store.webhook(&first.id).await.unwrap().unwrap();
    assert_eq!(read.secret, first.secret);
    let previous = read.previous_secret.unwrap();
    assert_eq!(previous.secret, old_secret);
    assert_eq!(previous.until, at(20) + TimeDelta::hours(24));
    assert!(read.disabled);
    assert_eq!(read.events, None);
    assert_eq!(read.created_at, at(10));
    assert_eq!(read.updated_at, at(20));
    let ghost = endpoint("https://ghost.example.com", None, 1);
    assert!(!store.update_webhook(&ghost).await.unwrap());

    // Deliveries: one record per endpoint and event, replaced after each attempt.
    let booking = booking("Ada Lovelace");
    let created = event(&booking, EventType::BookingCreated);
    let ready = event(&booking, EventType::EvaluationReady);
    let one = attempt(
        None,
        &first.id,
        &created,
        30,
        failed(Some(503), "the receiver answered 503", false),
    );
    store.save_delivery(&one).await.unwrap();
    let two = attempt(
        Some(one.clone()),
        &first.id,
        &created,
        60,
        AttemptOutcome::Delivered(204),
    );
    store.save_delivery(&two).await.unwrap();
    let read = store
        .delivery(&first.id, &created.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read, two);
    assert_eq!(read.attempts, 2);
    assert_eq!(read.first_attempt_at, at(30));
    assert_eq!(read.status, DeliveryStatus::Delivered);
    assert_eq!(read.last_error, None);
    let gave_up = attempt(
        None,
        &first.id,
        &ready,
        90,
        failed(None, "could not connect", true),
    );
    store.save_delivery(&gave_up).await.unwrap();
    // The environment's endpoint has records too, though it is not stored.
    let env = attempt(
        None,
        &EndpointId::env(),
        &created,
        40,
        AttemptOutcome::Delivered(200),
    );
    store.save_delivery(&env).await.unwrap();
    let other = attempt(
        None,
        &second.id,
        &created,
        45,
        AttemptOutcome::Delivered(200),
    );
    store.save_delivery(&other).await.unwrap();

    let query = |status, limit| DeliveryQuery { status, limit };
    let all = store.deliveries(&first.id, &query(None, 50)).await.unwrap();
    assert_eq!(all, vec![gave_up.clone(), two.clone()]);
    assert_eq!(
        store.deliveries(&first.id, &query(None, 1)).await.unwrap(),
        vec![gave_up.clone()]
    );
    assert_eq!(
        store
            .deliveries(&first.id, &query(Some(DeliveryStatus::Failed), 50))
            .await
            .unwrap(),
        vec![gave_up.clone()]
    );
    assert!(
        store
            .deliveries(&first.id, &query(Some(DeliveryStatus::Retrying), 50))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .deliveries(&EndpointId::env(), &query(None, 50))
            .await
            .unwrap(),
        vec![env.clone()]
    );

    // Pruning deletes records last attempted before the time, whatever endpoint.
    assert_eq!(store.prune_deliveries(at(45)).await.unwrap(), 1);
    assert!(
        store
            .delivery(&EndpointId::env(), &created.id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .delivery(&second.id, &created.id)
            .await
            .unwrap()
            .is_some()
    );

    // Deleting an endpoint deletes its records, and only its.
    assert!(store.delete_webhook(&first.id).await.unwrap());
    assert!(!store.delete_webhook(&first.id).await.unwrap());
    assert!(store.webhook(&first.id).await.unwrap().is_none());
    assert!(
        store
            .deliveries(&first.id, &query(None, 50))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.webhooks().await.unwrap().len(), 1);
    assert!(
        store
            .delivery(&second.id, &created.id)
            .await
            .unwrap()
            .is_some()
    );
}
