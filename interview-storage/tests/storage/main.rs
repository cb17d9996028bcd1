//! The storage integration tests: one binary, one conformance suite run against every
//! `BookingStore`, and each backend's own tests.

// Helpers outside `#[test]` functions fail loudly too; that is what tests are for.
#![allow(clippy::unwrap_used)]
// The fake PostgREST answers `Err(response)` for refusals; its size does not matter.
#![allow(clippy::result_large_err)]

mod conformance;
#[cfg(feature = "fs")]
mod fs;
mod in_memory;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod queue;
#[cfg(feature = "sqlite")]
mod sqlite;
#[cfg(feature = "supabase")]
mod supabase;
