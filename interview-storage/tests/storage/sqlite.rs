//! SQLite: the conformance suite on a temporary file, and what is SQLite's own.

use std::sync::Arc;

use interview_core::store::{BookingStore, PositionStore, StoreError};
use interview_storage::sqlite::{MIGRATIONS_TABLE, SqliteBookingStore};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};
use tempfile::TempDir;

use crate::conformance::{Fixture, booking, conformance_suite, full_position, plain_position};

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
        ("position_id", "Not A Position"),
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
async fn a_stored_position_that_does_not_parse_is_corrupt_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteBookingStore::open(dir.path().join("x.db"))
        .await
        .unwrap();
    let position = plain_position("backend", "backend", "Backend Engineer");
    store.save_position(&position).await.unwrap();
    for definition in [
        "not json",
        r#"{"nope": 1}"#,
        r#"{"id": "backend", "slug": "backend", "title": ""}"#,
        r#"{"id": "frontend", "slug": "backend"}"#,
    ] {
        sqlx::query("UPDATE interview_positions SET definition = ? WHERE id = 'backend'")
            .bind(definition)
            .execute(store.pool())
            .await
            .unwrap();
        for read in [
            store.position(&position.id).await,
            store.position_by_slug(&position.slug).await,
            store.positions().await.map(|all| all.into_iter().next()),
        ] {
            match read {
                Err(StoreError::Corrupt(message)) => {
                    assert!(message.contains("\"backend\""), "{message}")
                }
                other => panic!("{definition}: {other:?}"),
            }
        }
    }
}

#[tokio::test]
async fn a_position_is_archived_by_its_column() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteBookingStore::open(dir.path().join("x.db"))
        .await
        .unwrap();
    let position = full_position();
    store.save_position(&position).await.unwrap();
    sqlx::query("UPDATE interview_positions SET archived = 1 WHERE id = ?")
        .bind(position.id.as_str())
        .execute(store.pool())
        .await
        .unwrap();
    let read = store.position(&position.id).await.unwrap().unwrap();
    assert!(read.archived);
    assert_eq!(read.title, position.title);
}

#[tokio::test]
async fn a_booking_stored_before_positions_existed_belongs_to_the_default_position() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    // The database as the version before positions left it, with one booking.
    let pool = SqlitePool::connect_with(
        SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true),
    )
    .await
    .unwrap();
    let mut migrator = Migrator::new(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/migrations/sqlite"
    )))
    .await
    .unwrap();
    migrator.dangerous_set_table_name(MIGRATIONS_TABLE);
    let before: Vec<_> = migrator
        .migrations
        .iter()
        .filter(|m| m.version < 20301016000000)
        .cloned()
        .collect();
    assert!(before.len() < migrator.migrations.len());
    migrator.migrations = before.into();
    migrator.run(&pool).await.unwrap();
    let old = booking("Booked Long Ago");
    sqlx::query(
        "INSERT INTO interview_bookings (token, name, email, phone, scheduled_at, created_at) \
         VALUES (?, ?, ?, '5551234567', '2030-01-02T03:04:05.000000Z', '2030-01-01T00:00:00.000000Z')",
    )
    .bind(old.token.as_str())
    .bind(old.name.as_str())
    .bind(old.email.as_str())
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    let store = SqliteBookingStore::open(&path).await.unwrap();
    let read = store.get(&old.token).await.unwrap().unwrap();
    assert_eq!(read.position_id.as_str(), "default");
    assert_eq!(read.name, old.name);
    assert_eq!(store.positions().await.unwrap(), Vec::new());
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

/// What an erasure must leave nowhere in the database's files: the candidate's
/// fields, the resume text (the booking's and the upload's), the transcript and
/// the evaluation.
const ERASED_MARKERS: [&str; 6] = [
    "Quintessa Vandermolen",
    "quintessa.vandermolen@example.org",
    "resume-marker-7c1f",
    "upload-text-marker-2b9d",
    "transcript-marker-5e3a",
    "evaluation-marker-91d4",
];

fn files_holding_markers(paths: &[std::path::PathBuf]) -> Vec<String> {
    let mut found = Vec::new();
    for path in paths {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        for marker in ERASED_MARKERS {
            if bytes
                .windows(marker.len())
                .any(|window| window == marker.as_bytes())
            {
                found.push(format!("{} holds {marker}", path.display()));
            }
        }
    }
    found
}

#[tokio::test]
async fn an_erased_booking_leaves_no_personal_data_in_the_files() {
    use interview_core::interview::{Recommendation, Speaker, TranscriptEntry};
    use interview_core::resume::DocumentKind;
    use interview_core::store::{Erasure, UploadRecord};
    use interview_core::{EmailAddress, PersonName};

    use crate::conformance::{at, evaluation};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("interviews.db");
    let store = SqliteBookingStore::open(&path).await.unwrap();
    let doomed = interview_core::Booking {
        name: PersonName::parse(ERASED_MARKERS[0]).unwrap(),
        email: EmailAddress::parse(ERASED_MARKERS[1]).unwrap(),
        resume_text: Some(format!("Experience: {}", ERASED_MARKERS[2])),
        ..booking("Anyone")
    };
    store.create(&doomed).await.unwrap();
    let key = "1894698000_0000000000000000000000000000e2a5.pdf";
    store
        .record_upload(&UploadRecord {
            key: key.into(),
            url: format!("/resumes/{key}"),
            kind: DocumentKind::Pdf,
            resume_text: Some(ERASED_MARKERS[3].into()),
            extraction_error: None,
            uploaded_at: at(0),
            claimed_by: None,
        })
        .await
        .unwrap();
    store
        .claim_upload(key, &doomed.token)
        .await
        .unwrap()
        .unwrap();
    store
        .append_transcript(
            &doomed.token,
            &[TranscriptEntry {
                speaker: Speaker::Candidate,
                text: ERASED_MARKERS[4].into(),
                at: at(60),
            }],
        )
        .await
        .unwrap();
    store
        .save_evaluation(
            &doomed.token,
            &evaluation(Recommendation::Hire, ERASED_MARKERS[5]),
        )
        .await
        .unwrap();
    let files = [path.clone(), dir.path().join("interviews.db-wal")];
    assert!(
        !files_holding_markers(&files).is_empty(),
        "the markers were written"
    );

    let erasure = store.erase(&doomed.token, at(120)).await.unwrap();
    assert!(matches!(erasure, Erasure::Erased { .. }), "{erasure:?}");

    // The row keeps its token, position and times, and nothing about the candidate.
    let row: (
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    ) = sqlx::query_as(
        "SELECT name, email, phone, time_zone, resume_text, resume_url \
             FROM interview_bookings WHERE token = ?",
    )
    .bind(doomed.token.as_str())
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(
        row,
        (
            String::new(),
            String::new(),
            String::new(),
            None,
            None,
            None
        )
    );
    for table in ["interview_transcript_entries", "interview_evaluations"] {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE token = ?");
        let count: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(doomed.token.as_str())
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(count, 0, "{table}");
    }
    // Nor in the free space of the file's pages or in its write-ahead log.
    assert_eq!(files_holding_markers(&files), Vec::<String>::new());
    store.close().await;
    assert_eq!(files_holding_markers(&files), Vec::<String>::new());
}

#[tokio::test]
async fn the_listing_reads_its_index_in_order() {
    let store = SqliteBookingStore::connect("sqlite::memory:")
        .await
        .unwrap();
    let rows = sqlx::query(
        "EXPLAIN QUERY PLAN \
         SELECT token FROM interview_bookings WHERE (scheduled_at, token) < ('2030', 'f') \
         ORDER BY scheduled_at DESC, token DESC LIMIT 51",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let plan: Vec<String> = rows
        .iter()
        .map(|row| sqlx::Row::get::<String, _>(row, "detail"))
        .collect();
    let plan = plan.join("\n");
    assert!(plan.contains("interview_bookings_listing"), "{plan}");
    assert!(!plan.contains("TEMP B-TREE"), "{plan}");
}
