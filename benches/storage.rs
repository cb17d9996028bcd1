//! Booking store throughput: create + get through our stores against the same
//! INSERT + SELECT written directly with sqlx on the same pool, in the same run.
//!
//! `cargo bench --bench storage` (PostgreSQL from INTERVIEW_TEST_POSTGRES_URL, default
//! postgres://postgres@127.0.0.1:5432/postgres; a fresh database is created and dropped).
//! Add `-- --quick` for a short run.

use std::sync::Arc;
use std::time::Instant;

use chrono::{TimeDelta, Utc};
use interview::store::BookingStore;
use interview::{Booking, BookingToken, NewBooking, ScheduleRequest, SchedulingRules};
use interview_storage::postgres::PostgresBookingStore;
use interview_storage::sqlite::SqliteBookingStore;
use interview_storage::sqlx;

#[path = "support/latency.rs"]
mod latency;

use latency::{Stats, ms, stats};

fn new_booking() -> Booking {
    let request = ScheduleRequest {
        name: Some("José Núñez".into()),
        email: Some("jose@example.com".into()),
        phone: Some("5551234567".into()),
        datetime: Some((Utc::now() + TimeDelta::days(1)).to_rfc3339()),
        time_zone: Some("Asia/Kolkata".into()),
        resume_url: Some("/resumes/1_abc.pdf".into()),
        resume_text: Some("Rust engineer. ".repeat(200)),
        position: None,
    };
    let new = NewBooking::parse(&request, Utc::now(), &SchedulingRules::default()).expect("valid");
    Booking::new(BookingToken::generate().expect("token"), new, Utc::now())
}

/// Runs `op` `total` times spread over `tasks` tasks; each call is one create + get.
async fn run<F, Fut>(tasks: usize, total: usize, op: F) -> Stats
where
    F: Fn(Booking) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let template = new_booking();
    let started = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let op = op.clone();
            let template = template.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(total / tasks);
                for _ in 0..total / tasks {
                    let booking = Booking {
                        token: BookingToken::generate().expect("token"),
                        position_id: interview_core::position::default_position_id(),
                        ..template.clone()
                    };
                    let t = Instant::now();
                    op(booking).await;
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for handle in handles {
        latencies.extend(handle.await.expect("task"));
    }
    stats(latencies, started.elapsed())
}

fn row(backend: &str, tasks: usize, ours: &Stats, raw: &Stats) {
    println!(
        "| {backend} | {tasks} | {:.0} | {} | {} | {:.0} | {} | {} | {:.2} |",
        ours.ops_per_sec,
        ms(ours.p50),
        ms(ours.p99),
        raw.ops_per_sec,
        ms(raw.p50),
        ms(raw.p99),
        ours.ops_per_sec / raw.ops_per_sec
    );
}

/// The same INSERT + SELECT our stores run, written directly with sqlx; the SQL
/// and the pool differ per backend.
macro_rules! raw_create_get {
    ($pool:expr, $insert:expr, $select:expr) => {{
        let pool = $pool;
        move |b: Booking| {
            let pool = pool.clone();
            async move {
                sqlx::query($insert)
                    .bind(b.token.as_str())
                    .bind(b.name.as_str())
                    .bind(b.email.as_str())
                    .bind(b.phone.as_str())
                    .bind(b.scheduled_at)
                    .bind(b.resume_text.as_deref())
                    .bind(b.resume_url.as_deref())
                    .bind(b.created_at)
                    .bind(b.status.as_str())
                    .bind(b.time_zone.map(|z| z.name()))
                    .execute(&pool)
                    .await
                    .expect("insert");
                sqlx::query($select)
                    .bind(b.token.as_str())
                    .fetch_one(&pool)
                    .await
                    .expect("select");
            }
        }
    }};
}

const COLUMNS: &str = "token, name, email, phone, scheduled_at, resume_text, resume_url, created_at, status, time_zone";

/// One table row per task count: `store` against `raw` on the same pool.
async fn compare<F, Fut>(backend: &str, store: Arc<dyn BookingStore>, total: usize, raw: F)
where
    F: Fn(Booking) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    for tasks in [1, 16, 64] {
        let ours = run(tasks, total, {
            let store = store.clone();
            move |booking: Booking| {
                let store = store.clone();
                async move {
                    store.create(&booking).await.expect("create");
                    store
                        .get(&booking.token)
                        .await
                        .expect("get")
                        .expect("found");
                }
            }
        })
        .await;
        let direct = run(tasks, total, raw.clone()).await;
        row(backend, tasks, &ours, &direct);
    }
}

async fn sqlite(total: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(
        SqliteBookingStore::open(dir.path().join("bench.db"))
            .await
            .expect("sqlite"),
    );
    let insert =
        format!("INSERT INTO interview_bookings ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    let select = format!("SELECT {COLUMNS} FROM interview_bookings WHERE token = ?");
    // The queries move into spawned tasks, so they must be 'static: leak two strings
    // once per run.
    let (insert, select): (&'static str, &'static str) = (insert.leak(), select.leak());
    let raw = raw_create_get!(store.pool().clone(), insert, select);
    compare("SQLite", store, total, raw).await;
}

async fn postgres(total: usize) {
    let server = std::env::var("INTERVIEW_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let admin = sqlx::PgPool::connect(&server)
        .await
        .expect("postgres server");
    let name = format!(
        "bench_{}",
        &BookingToken::generate().expect("token").as_str()[..12]
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&admin)
        .await
        .expect("create database");
    let (base, _) = server.rsplit_once('/').expect("url with a database");
    let store = Arc::new(
        PostgresBookingStore::connect(&format!("{base}/{name}"))
            .await
            .expect("postgres store"),
    );
    let insert = format!(
        "INSERT INTO interview_bookings ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    );
    let select = format!("SELECT {COLUMNS} FROM interview_bookings WHERE token = $1");
    let (insert, select): (&'static str, &'static str) = (insert.leak(), select.leak());
    let raw = raw_create_get!(store.pool().clone(), insert, select);
    compare("PostgreSQL", store.clone(), total, raw).await;
    store.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
    )))
    .execute(&admin)
    .await
    .expect("drop database");
}

#[tokio::main]
async fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let total = if quick { 320 } else { 3200 };
    println!("{total} create+get per row; ratio = our store / raw sqlx on the same pool");
    println!(
        "| backend | tasks | store ops/s | p50 | p99 | raw sqlx ops/s | p50 | p99 | store / raw |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    sqlite(total).await;
    postgres(total).await;
}
