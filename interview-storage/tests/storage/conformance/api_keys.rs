//! API keys: stored with the hash of their secret, listed oldest first, revoked
//! once, their last use recorded.

use std::sync::Arc;

use interview_core::access::{ApiKey, ApiKeyId, KeyName, PresentedKey, Scope, Scopes};
use interview_core::store::{BookingStore, StoreError};

use super::at;

fn issue(name: &str, scopes: &[Scope], seconds_later: i64) -> interview_core::access::IssuedKey {
    ApiKey::issue(
        KeyName::parse(name).unwrap(),
        Scopes::new(scopes.iter().copied()).unwrap(),
        at(seconds_later),
    )
    .unwrap()
}

pub(crate) async fn api_keys_are_stored_listed_and_revoked_once(store: Arc<dyn BookingStore>) {
    let later = issue("Zoë's \"console\" — read", &[Scope::Read], 10);
    let earlier = issue("ATS sync", &[Scope::Erase, Scope::Read, Scope::Write], 5);
    store.create_api_key(&later.key).await.unwrap();
    store.create_api_key(&earlier.key).await.unwrap();

    let read = store
        .api_key(&earlier.key.id)
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(read, earlier.key);
    // What the store gives back still checks the secret (the hash survived).
    assert!(read.accepts(&PresentedKey::parse(earlier.secret.expose()).unwrap()));
    assert!(!read.accepts(&PresentedKey::parse(later.secret.expose()).unwrap()));
    assert_eq!(
        store
            .api_key(&ApiKeyId::parse("0123456789abcdef").unwrap())
            .await
            .unwrap(),
        None
    );

    let all = store.api_keys().await.unwrap();
    assert_eq!(all, vec![earlier.key.clone(), later.key.clone()]);

    let again = ApiKey {
        name: KeyName::parse("overwritten?").unwrap(),
        ..earlier.key.clone()
    };
    let error = store.create_api_key(&again).await.unwrap_err();
    assert!(matches!(error, StoreError::Conflict), "{error:?}");
    assert_eq!(
        store.api_key(&earlier.key.id).await.unwrap(),
        Some(earlier.key.clone())
    );

    assert!(store.revoke_api_key(&later.key.id, at(20)).await.unwrap());
    assert!(!store.revoke_api_key(&later.key.id, at(30)).await.unwrap());
    assert!(
        !store
            .revoke_api_key(&ApiKeyId::parse("0123456789abcdef").unwrap(), at(30))
            .await
            .unwrap()
    );
    let revoked = store.api_key(&later.key.id).await.unwrap().unwrap();
    assert_eq!(
        revoked.revoked_at,
        Some(at(20)),
        "the first revocation's time stays"
    );
    assert!(!revoked.accepts(&PresentedKey::parse(later.secret.expose()).unwrap()));
    assert_eq!(
        store
            .api_key(&earlier.key.id)
            .await
            .unwrap()
            .unwrap()
            .revoked_at,
        None
    );
}

pub(crate) async fn a_keys_last_use_only_moves_forward(store: Arc<dyn BookingStore>) {
    let key = issue("ATS", &[Scope::Read], 0);
    store.create_api_key(&key.key).await.unwrap();
    store.touch_api_key(&key.key.id, at(60)).await.unwrap();
    store.touch_api_key(&key.key.id, at(30)).await.unwrap();
    let read = store.api_key(&key.key.id).await.unwrap().unwrap();
    assert_eq!(read.last_used_at, Some(at(60)));
    store.touch_api_key(&key.key.id, at(90)).await.unwrap();
    let read = store.api_key(&key.key.id).await.unwrap().unwrap();
    assert_eq!(read.last_used_at, Some(at(90)));
    // An unknown key is no error.
    store
        .touch_api_key(&ApiKeyId::parse("0123456789abcdef").unwrap(), at(90))
        .await
        .unwrap();
}
