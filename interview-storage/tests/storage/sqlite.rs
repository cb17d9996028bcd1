//! SQLite: the conformance suite on a temporary file, and what is SQLite's own.

use std::sync::Arc;

use interview_core::store::{BookingStore, StoreError};
use interview_storage::sqlite::SqliteBookingStore;
use tempfile::TempDir;

use crate::conformance::{Fixture, booking, conformance_suite};

struct SqliteFile {
    store: Arc<SqliteBookingStore>,
    _dir: TempDir,
}

impl Fixture for SqliteFile {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data").join("interviews.db");
        let store = SqliteBookingStore::open(&path).await.unwrap();
        Self {
            store: Arc::new(store),
            _dir: dir,
        }
    }

    fn store(&self) -> Arc<dyn BookingStore> {
        self.store.clone()
    }

    async fn finish(self) {
        self.store.close().await;
    }
}

conformance_suite!(SqliteFile);

#[tokio::test]
async fn the_file_and_its_folders_are_created_in_wal_mode_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a").join("b").join("interviews.db");
    let store = SqliteBookingStore::connect(path.to_str().unwrap())
        .await
        .unwrap();
    assert!(path.is_file());
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let timeout: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(timeout, 5000);
    let original = booking("Kept Across Restarts");
    store.create(&original).await.unwrap();
    store.close().await;

    // Opening again (migrations already applied) keeps the data.
    let url = format!("sqlite://{}", path.display());
    let reopened = SqliteBookingStore::connect(&url).await.unwrap();
    assert_eq!(reopened.get(&original.token).await.unwrap(), Some(original));
}

#[tokio::test]
async fn an_in_memory_database_works() {
    let store = SqliteBookingStore::connect("sqlite::memory:")
        .await
        .unwrap();
    let original = booking("Memory Only");
    store.create(&original).await.unwrap();
    assert_eq!(store.get(&original.token).await.unwrap(), Some(original));
}

#[tokio::test]
async fn rows_that_do_not_parse_are_corrupt_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteBookingStore::open(dir.path().join("x.db"))
        .await
        .unwrap();
    for (column, value) in [
        ("status", "archived"),
        ("scheduled_at", "next tuesday"),
        ("email", "not-an-address"),
        ("time_zone", "Mars/Olympus_Mons"),
        ("name", "R2D2"),
    ] {
        let original = booking("Soon Corrupted");
        store.create(&original).await.unwrap();
        let sql = format!("UPDATE interview_bookings SET {column} = ? WHERE token = ?");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(value)
            .bind(original.token.as_str())
            .execute(store.pool())
            .await
            .unwrap();
        match store.get(&original.token).await {
            Err(StoreError::Corrupt(message)) => {
                assert!(message.contains(column), "{message}");
                assert!(!message.contains(value), "{message}");
            }
            other => panic!("{column}: {other:?}"),
        }
    }
    let original = booking("Bad Evaluation");
    store.create(&original).await.unwrap();
    sqlx::query("INSERT INTO interview_evaluations (token, evaluation) VALUES (?, '{\"nope\":1}')")
        .bind(original.token.as_str())
        .execute(store.pool())
        .await
        .unwrap();
    assert!(matches!(
        store.evaluation(&original.token).await,
        Err(StoreError::Corrupt(_))
    ));
}

#[tokio::test]
async fn a_closed_store_is_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteBookingStore::open(dir.path().join("x.db"))
        .await
        .unwrap();
    store.close().await;
    let error = store.get(&booking("Nobody").token).await.unwrap_err();
    assert!(matches!(error, StoreError::Unavailable(_)), "{error:?}");
    assert!(matches!(
        store.ping().await,
        Err(StoreError::Unavailable(_))
    ));
}

#[tokio::test]
async fn a_file_that_cannot_be_created_is_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    // The "folder" is a regular file, so nothing can be created inside it.
    let blocker = dir.path().join("blocker");
    std::fs::write(&blocker, b"not a folder").unwrap();
    let error = SqliteBookingStore::open(blocker.join("interviews.db"))
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Unavailable(_)), "{error:?}");
}
