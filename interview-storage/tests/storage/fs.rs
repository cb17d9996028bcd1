//! The local folder `ResumeStore`: unique names, never overwriting, no traversal.

use std::collections::HashSet;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{TimeZone, Utc};
use interview_core::clock::ManualClock;
use interview_core::resume::{DocumentKind, ResumeStore, ResumeStoreError};
use interview_storage::fs::LocalResumeStore;

fn store_in(dir: &tempfile::TempDir) -> LocalResumeStore {
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2030, 1, 15, 9, 0, 0).unwrap());
    LocalResumeStore::new(dir.path().join("resumes")).with_clock(Arc::new(clock))
}

#[tokio::test]
async fn put_then_get_round_trips_under_a_fresh_name() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir);
    let pdf = Bytes::from_static(b"%PDF-1.7\n1 0 obj\n");
    let stored = store.put(pdf.clone(), DocumentKind::Pdf).await.unwrap();
    assert!(stored.key.starts_with("1894698000_"), "{}", stored.key);
    assert!(stored.key.ends_with(".pdf"));
    assert_eq!(stored.url, format!("/resumes/{}", stored.key));
    assert_eq!(store.get(&stored.key).await.unwrap(), Some(pdf));
    assert_eq!(
        std::fs::read(dir.path().join("resumes").join(&stored.key)).unwrap(),
        b"%PDF-1.7\n1 0 obj\n"
    );

    let docx = store
        .put(Bytes::from_static(b"PK\x03\x04 word/"), DocumentKind::Docx)
        .await
        .unwrap();
    assert!(docx.key.ends_with(".docx"));
    let missing = "1894698000_0123456789abcdef0123456789abcdef.doc";
    assert_eq!(store.get(missing).await.unwrap(), None);
}

#[tokio::test]
async fn many_puts_at_the_same_second_never_share_a_name() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(store_in(&dir));
    let tasks: Vec<_> = (0..50)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                let body = Bytes::from(format!("%PDF-1.4 file {n}"));
                let stored = store.put(body.clone(), DocumentKind::Pdf).await.unwrap();
                (stored.key, body)
            })
        })
        .collect();
    let mut keys = HashSet::new();
    for task in tasks {
        let (key, body) = task.await.unwrap();
        assert_eq!(store.get(&key).await.unwrap(), Some(body));
        assert!(keys.insert(key));
    }
    assert_eq!(std::fs::read_dir(store.dir()).unwrap().count(), 50);
}

#[tokio::test]
async fn an_existing_file_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir);
    let first = store
        .put(Bytes::from_static(b"%PDF-1 first"), DocumentKind::Pdf)
        .await
        .unwrap();
    for _ in 0..20 {
        let other = store
            .put(Bytes::from_static(b"%PDF-1 other"), DocumentKind::Pdf)
            .await
            .unwrap();
        assert_ne!(other.key, first.key);
    }
    assert_eq!(
        store.get(&first.key).await.unwrap().as_deref(),
        Some(&b"%PDF-1 first"[..])
    );
}

#[tokio::test]
async fn keys_outside_the_generated_shape_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir);
    // A file next to the folder that a traversal would reach.
    std::fs::create_dir_all(dir.path().join("resumes")).unwrap();
    std::fs::write(dir.path().join("secret.pdf"), b"secret").unwrap();
    let random = "0123456789abcdef0123456789abcdef";
    for key in [
        "../secret.pdf".to_owned(),
        "..%2Fsecret.pdf".into(),
        format!("../resumes/1_{random}.pdf"),
        format!("/etc/1_{random}.pdf"),
        format!("1_{random}.pdf/.."),
        "secret.pdf".into(),
        format!("1_{random}.txt"),
        format!("1_{random}.PDF"),
        format!("1_{random}"),
        format!("1_{random}.pdf\0.pdf"),
        String::new(),
        ".".into(),
        "..".into(),
        format!("C:\\1_{random}.pdf"),
    ] {
        let result = store.get(&key).await;
        assert!(
            matches!(result, Err(ResumeStoreError::InvalidKey)),
            "{key:?}: {result:?}"
        );
        assert!(store.path_of(&key).is_none());
    }
}

#[tokio::test]
async fn delete_removes_the_file_once_and_never_outside_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir);
    let stored = store
        .put(Bytes::from_static(b"%PDF-1.7 unclaimed"), DocumentKind::Pdf)
        .await
        .unwrap();
    let kept = store
        .put(Bytes::from_static(b"%PDF-1.7 claimed"), DocumentKind::Pdf)
        .await
        .unwrap();
    store.delete(&stored.key).await.unwrap();
    assert_eq!(store.get(&stored.key).await.unwrap(), None);
    assert!(!dir.path().join("resumes").join(&stored.key).exists());
    // Deleting what is gone is no error.
    store.delete(&stored.key).await.unwrap();
    assert!(store.get(&kept.key).await.unwrap().is_some());

    let outside = dir.path().join("secret.pdf");
    std::fs::write(&outside, b"%PDF-1.7 not a resume").unwrap();
    for bad in ["../secret.pdf", "", "a/b.pdf"] {
        assert!(matches!(
            store.delete(bad).await,
            Err(ResumeStoreError::InvalidKey)
        ));
    }
    assert!(outside.exists());
}
