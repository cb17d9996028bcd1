//! # interview-storage
//!
//! Where an interview application keeps its data: implementations of
//! [`BookingStore`](interview_core::store::BookingStore) (bookings, transcripts,
//! evaluations, and positions through its supertrait
//! [`PositionStore`](interview_core::store::PositionStore)) and [`ResumeStore`](interview_core::resume::ResumeStore) (uploaded
//! resume files). Each backend sits behind its own feature, so the same application
//! runs on a laptop (a SQLite file and a folder), on a company's PostgreSQL, or on
//! Supabase as the original did. Every `BookingStore` here passes the same
//! conformance suite (`tests/storage/conformance.rs`).
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `sqlite` | **yes** | [`sqlite::SqliteBookingStore`]: a SQLite file (WAL, pooled, busy timeout), created with its folder on first run; with the job queue in the same file (apalis-sqlite) |
//! | `postgres` | no | [`postgres::PostgresBookingStore`]: a PostgreSQL server; with the job queue in schema `apalis` (apalis-postgres) |
//! | `supabase` | no | [`supabase::SupabaseBookingStore`] over PostgREST and [`supabase::SupabaseResumeStore`] in Supabase Storage, sharing one [`supabase::SupabaseClient`] |
//! | `fs` | **yes** | [`fs::LocalResumeStore`]: resume files in a local folder, served by the web layer under `/resumes/{key}` |
//!
//! [`config::StorageConfig`] reads `DATABASE_URL`, `SUPABASE_URL` and
//! `SUPABASE_SERVICE_ROLE_KEY` and chooses the stores; it is always built, so a
//! build without a backend can say which feature the configuration needs.
//!
//! The SQL backends apply their migrations (`migrations/sqlite`, `migrations/postgres`)
//! when they are constructed, recording them in their own table
//! (`_interview_storage_migrations`), then apalis's migrations for the job queue
//! (recorded in `_interview_queue_migrations`). For Supabase, run `docs/supabase.sql`
//! once.
//!
//! ## The job queue
//!
//! [`queue`]: the SQLite and PostgreSQL stores implement
//! [`JobStore`](interview_core::jobs::JobStore) (jobs written in the same transaction
//! as a new booking, failed jobs with their last error) and start apalis workers
//! ([`sqlite::SqliteBookingStore::start_job_worker`],
//! [`postgres::PostgresBookingStore::start_job_worker`]) that retry failed jobs with a
//! capped exponential backoff kept in the database.
//!
//! ## Errors
//!
//! Every backend maps its failures alike: a duplicate token is
//! [`StoreError::Conflict`](interview_core::store::StoreError::Conflict); a database or
//! service that cannot be reached (connection refused, pool timeout, I/O, a 502/503/504)
//! is [`StoreError::Unavailable`](interview_core::store::StoreError::Unavailable), which
//! the web layer answers with 503; a stored value that does not parse into its domain
//! type is [`StoreError::Corrupt`](interview_core::store::StoreError::Corrupt), never a
//! panic.
//!
//! ## Example
//!
//! ```no_run
//! # #[cfg(all(feature = "sqlite", feature = "fs"))]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use interview_core::resume::ResumeStore;
//! use interview_core::store::BookingStore;
//! use interview_storage::fs::LocalResumeStore;
//! use interview_storage::sqlite::SqliteBookingStore;
//!
//! let bookings: Arc<dyn BookingStore> =
//!     Arc::new(SqliteBookingStore::connect("data/interviews.db").await?);
//! let resumes: Arc<dyn ResumeStore> = Arc::new(LocalResumeStore::new("data/resumes"));
//! # Ok(()) }
//! ```

pub mod config;
#[cfg(feature = "fs")]
pub mod fs;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;
#[cfg(feature = "supabase")]
pub mod supabase;

#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub mod queue;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "supabase"))]
mod record;
#[cfg(any(feature = "fs", feature = "supabase"))]
mod resume_key;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;

/// The `sqlx` version the SQL backends use, for building options and pools
/// (`sqlx::sqlite::SqliteConnectOptions`, `sqlx::postgres::PgPoolOptions`).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use sqlx;
