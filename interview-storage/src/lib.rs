//! # interview-storage
//!
//! Implementations of [`BookingStore`](interview_core::store::BookingStore) and
//! [`ResumeStore`](interview_core::resume::ResumeStore), each backend behind its own
//! feature, so the same application runs on a laptop (a SQLite file), on a company's
//! PostgreSQL, or on Supabase.
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | — | — | no backend is implemented yet: SQLite, PostgreSQL, Supabase and the local folder store are planned (see the storage issue) |
