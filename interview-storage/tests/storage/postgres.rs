//! PostgreSQL: the conformance suite on a real server, one fresh database per test.
//!
//! The server is `INTERVIEW_TEST_POSTGRES_URL`, by default
//! `postgres://postgres@127.0.0.1:5432/postgres`. The tests never skip: without a
//! server they fail.

use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use interview_core::BookingToken;
use interview_core::error::ErrorChain;
use interview_core::store::{BookingStore, PositionStore, StoreError};
use interview_storage::postgres::{InvalidUrl, PostgresBookingStore};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, PgConnection};

use crate::conformance::{Fixture, booking, conformance_suite, plain_position};

fn server_url() -> String {
    std::env::var("INTERVIEW_TEST_POSTGRES_URL")
        .ok()
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A database of its own for one test, dropped at the end.
pub(crate) struct TestDatabase {
    name: String,
}

impl TestDatabase {
    pub(crate) async fn create() -> Self {
        // The random part is a fresh token: lowercase hex, safe in an identifier.
        let name = format!("interview_test_{}", BookingToken::generate().unwrap());
        let mut admin = PgConnection::connect(&server_url()).await.unwrap();
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&mut admin)
            .await
            .unwrap();
        Self { name }
    }

    pub(crate) fn options(&self) -> PgConnectOptions {
        PgConnectOptions::from_str(&server_url())
            .unwrap()
            .database(&self.name)
    }

    fn url(&self) -> String {
        let mut url = url_without_database();
        url.push_str(&self.name);
        url
    }

    pub(crate) async fn drop_database(self) {
        let mut admin = PgConnection::connect(&server_url()).await.unwrap();
        sqlx::query(AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
            self.name
        )))
        .execute(&mut admin)
        .await
        .unwrap();
    }
}

/// The server URL up to and including the `/` before the database name.
fn url_without_database() -> String {
    let url = server_url();
    let without_query = url.split('?').next().unwrap_or(&url).to_owned();
    let slash = without_query.rfind('/').unwrap();
    if without_query[..slash].ends_with('/') {
        // postgres://host (no database): append one.
        format!("{without_query}/")
    } else {
        without_query[..=slash].to_owned()
    }
}

struct Postgres {
    store: Arc<PostgresBookingStore>,
    database: TestDatabase,
}

impl Fixture for Postgres {
    async fn start() -> Self {
        let database = TestDatabase::create().await;
        let store = PostgresBookingStore::connect_with(database.options(), PgPoolOptions::new())
            .await
            .unwrap();
        Self {
            store: Arc::new(store),
            database,
        }
    }

    fn store(&self) -> Arc<dyn BookingStore> {
        self.store.clone()
    }

    async fn finish(self) {
        self.store.close().await;
        self.database.drop_database().await;
    }
}

conformance_suite!(Postgres);

#[tokio::test]
async fn connect_by_url_applies_migrations_once_and_keeps_data() {
    let database = TestDatabase::create().await;
    let store = PostgresBookingStore::connect(&database.url())
        .await
        .unwrap();
    let original = booking("Kept Across Restarts");
    store.create(&original).await.unwrap();
    store.close().await;

    let again = PostgresBookingStore::connect(&database.url())
        .await
        .unwrap();
    assert_eq!(again.get(&original.token).await.unwrap(), Some(original));
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _interview_storage_migrations")
        .fetch_one(again.pool())
        .await
        .unwrap();
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"))
        .unwrap()
        .count();
    assert_eq!(applied, i64::try_from(migrations).unwrap(), "each once");
    again.close().await;
    database.drop_database().await;
}

#[tokio::test]
async fn the_original_table_is_upgraded_in_place() {
    let database = TestDatabase::create().await;
    let mut connection = PgConnection::connect_with(&database.options())
        .await
        .unwrap();
    // The original application's table, with one of its rows.
    sqlx::query(
        "CREATE TABLE interview_bookings (token text PRIMARY KEY, name text NOT NULL, \
         email text NOT NULL, phone text NOT NULL, scheduled_at timestamptz NOT NULL, \
         resume_text text, resume_url text, created_at timestamptz DEFAULT now() NOT NULL)",
    )
    .execute(&mut connection)
    .await
    .unwrap();
    let token = BookingToken::generate().unwrap();
    sqlx::query(
        "INSERT INTO interview_bookings (token, name, email, phone, scheduled_at) \
         VALUES ($1, 'Old Booking', 'old@example.com', '5551234567', '2030-01-02T03:04:05Z')",
    )
    .bind(token.as_str())
    .execute(&mut connection)
    .await
    .unwrap();
    connection.close().await.unwrap();

    let store = PostgresBookingStore::connect_with(database.options(), PgPoolOptions::new())
        .await
        .unwrap();
    let old = store.get(&token).await.unwrap().unwrap();
    assert_eq!(old.name.as_str(), "Old Booking");
    assert_eq!(old.status, interview_core::BookingStatus::Scheduled);
    assert_eq!(old.time_zone, None);
    // Bookings made before positions existed belong to the default position.
    assert_eq!(old.position_id.as_str(), "default");
    store.close().await;
    database.drop_database().await;
}

#[tokio::test]
async fn a_server_that_is_down_is_unavailable_quickly() {
    // Port 1 on the loopback interface: nothing listens there.
    let options = PgConnectOptions::new()
        .host("127.0.0.1")
        .port(1)
        .username("postgres");
    let started = Instant::now();
    let error = PostgresBookingStore::connect_with(
        options,
        PgPoolOptions::new().acquire_timeout(Duration::from_secs(2)),
    )
    .await
    .unwrap_err();
    assert!(matches!(error, StoreError::Unavailable(_)), "{error:?}");
    // A refusal is reported at once, not after the pool's acquire timeout, with
    // which server and why.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let chain = ErrorChain(&error).to_string();
    assert!(
        chain.contains("cannot connect to PostgreSQL at 127.0.0.1:1") && chain.contains("refused"),
        "{chain}"
    );
}

#[tokio::test]
async fn a_wrong_password_is_not_unavailable_and_is_not_echoed() {
    // Trust authentication accepts any password, so ask for a database that does
    // not exist instead: a refusal that retrying will not mend.
    let options = PgConnectOptions::from_str(&server_url())
        .unwrap()
        .password("hunter2")
        .database("no_such_database_for_interviews");
    let error = PostgresBookingStore::connect_with(options, PgPoolOptions::new())
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Backend(_)), "{error:?}");
    let chain = ErrorChain(&error).to_string();
    assert!(chain.contains("no_such_database_for_interviews"), "{chain}");
    assert!(!chain.contains("hunter2") && !format!("{error:?}").contains("hunter2"));
}

#[tokio::test]
async fn a_health_check_of_a_store_whose_server_went_away_says_why_within_seconds() {
    let database = TestDatabase::create().await;
    // The store reaches the server through a relay that the test then takes away:
    // its pooled connection breaks and new ones are refused.
    let real = database.options();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let relay_port = listener.local_addr().unwrap().port();
    let target = format!("{}:{}", real.get_host(), real.get_port());
    let relay = tokio::spawn(async move {
        let mut links = tokio::task::JoinSet::new();
        loop {
            let Ok((mut client, _)) = listener.accept().await else {
                return;
            };
            let target = target.clone();
            links.spawn(async move {
                if let Ok(mut server) = tokio::net::TcpStream::connect(target).await {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }
            });
        }
    });
    let options = real.port(relay_port);
    let store = PostgresBookingStore::connect_with(
        options,
        PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30)),
    )
    .await
    .unwrap();
    store.ping().await.unwrap();

    relay.abort();
    let _ = relay.await;
    let started = Instant::now();
    let error = store.ping().await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(error, StoreError::Unavailable(_)), "{error:?}");
    let chain = ErrorChain(&error).to_string();
    assert!(
        chain.contains(&format!("127.0.0.1:{relay_port}")) && chain.contains("refused"),
        "{chain}"
    );
    store.close().await;
    database.drop_database().await;
}

#[tokio::test]
async fn a_closed_pool_is_unavailable() {
    let fixture = Postgres::start().await;
    fixture.store.close().await;
    let error = fixture
        .store
        .get(&booking("Nobody").token)
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Unavailable(_)), "{error:?}");
    fixture.database.drop_database().await;
}

#[tokio::test]
async fn a_malformed_url_does_not_echo_the_password() {
    let error = PostgresBookingStore::connect("postgres://app:hunter2@host:notaport/db")
        .await
        .unwrap_err();
    let StoreError::Backend(source) = &error else {
        panic!("{error:?}")
    };
    assert!(source.downcast_ref::<InvalidUrl>().is_some());
    assert!(!format!("{error:?} {error} {source}").contains("hunter2"));
}

#[tokio::test]
async fn rows_that_do_not_parse_are_corrupt_not_panics() {
    let fixture = Postgres::start().await;
    let store = fixture.store.clone();
    for (column, value) in [
        ("status", "archived"),
        ("phone", "12"),
        ("time_zone", "Mars/Olympus_Mons"),
        ("position_id", "Not A Position"),
    ] {
        let original = booking("Soon Corrupted");
        store.create(&original).await.unwrap();
        let sql = format!("UPDATE interview_bookings SET {column} = $1 WHERE token = $2");
        sqlx::query(AssertSqlSafe(sql))
            .bind(value)
            .bind(original.token.as_str())
            .execute(store.pool())
            .await
            .unwrap();
        match store.get(&original.token).await {
            Err(StoreError::Corrupt(message)) => assert!(message.contains(column), "{message}"),
            other => panic!("{column}: {other:?}"),
        }
    }
    fixture.store.close().await;
    fixture.database.drop_database().await;
}

#[tokio::test]
async fn a_stored_position_that_does_not_parse_is_corrupt_naming_it() {
    let fixture = Postgres::start().await;
    let store = fixture.store.clone();
    let position = plain_position("backend", "backend", "Backend Engineer");
    store.save_position(&position).await.unwrap();
    for definition in [
        r#"{"nope": 1}"#,
        r#"[1, 2]"#,
        r#"{"id": "backend", "slug": "backend", "title": ""}"#,
        r#"{"id": "frontend", "slug": "backend"}"#,
    ] {
        sqlx::query("UPDATE interview_positions SET definition = $1::jsonb WHERE id = 'backend'")
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
    fixture.store.close().await;
    fixture.database.drop_database().await;
}

#[tokio::test]
async fn an_erased_row_holds_no_personal_data() {
    use interview_core::interview::{Recommendation, Speaker, TranscriptEntry};
    use interview_core::store::Erasure;

    use crate::conformance::{at, evaluation};

    let fixture = Postgres::start().await;
    let store = fixture.store.clone();
    let doomed = booking("Quintessa Vandermolen");
    store.create(&doomed).await.unwrap();
    store
        .append_transcript(
            &doomed.token,
            &[TranscriptEntry {
                speaker: Speaker::Candidate,
                text: "I led the migration.".into(),
                at: at(60),
            }],
        )
        .await
        .unwrap();
    store
        .save_evaluation(&doomed.token, &evaluation(Recommendation::Hire, "Strong."))
        .await
        .unwrap();
    let erasure = store.erase(&doomed.token, at(120)).await.unwrap();
    assert!(matches!(erasure, Erasure::Erased { .. }), "{erasure:?}");

    // Every text column of the row, by name, as the database has it now.
    let row: serde_json::Value =
        sqlx::query_scalar("SELECT to_jsonb(b) FROM interview_bookings AS b WHERE token = $1")
            .bind(doomed.token.as_str())
            .fetch_one(store.pool())
            .await
            .unwrap();
    for column in ["name", "email", "phone"] {
        assert_eq!(row[column], "", "{column}");
    }
    for column in [
        "time_zone",
        "resume_text",
        "resume_url",
        "evaluation_reason",
        "live_holder",
    ] {
        assert!(row[column].is_null(), "{column}: {}", row[column]);
    }
    assert_eq!(row["token"], doomed.token.as_str());
    assert!(row["erased_at"].is_string());
    for table in ["interview_transcript_entries", "interview_evaluations"] {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE token = $1");
        let count: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(doomed.token.as_str())
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(count, 0, "{table}");
    }
    fixture.store.close().await;
    fixture.database.drop_database().await;
}

#[tokio::test]
async fn the_listing_reads_its_index_in_order() {
    let fixture = Postgres::start().await;
    let store = fixture.store.clone();
    let mut connection = store.pool().acquire().await.unwrap();
    // A handful of rows would be read whole; ask what the plan is when the
    // table is large.
    for setting in ["SET enable_seqscan = off", "SET enable_bitmapscan = off"] {
        sqlx::query(setting)
            .execute(&mut *connection)
            .await
            .unwrap();
    }
    let plan: Vec<String> = sqlx::query_scalar(
        "EXPLAIN SELECT token FROM interview_bookings \
         WHERE (scheduled_at, token) < (now(), 'f') \
         ORDER BY scheduled_at DESC, token DESC LIMIT 51",
    )
    .fetch_all(&mut *connection)
    .await
    .unwrap();
    let plan = plan.join("\n");
    assert!(plan.contains("interview_bookings_listing"), "{plan}");
    assert!(!plan.contains("Sort"), "{plan}");
    drop(connection);
    fixture.store.close().await;
    fixture.database.drop_database().await;
}
