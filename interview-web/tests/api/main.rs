//! The router, end to end through `tower::ServiceExt::oneshot`: every endpoint and
//! every error, over the core's test doubles.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

mod admin;
mod candidate_changes;
mod connection;
mod console;
mod errors;
mod helpers;
mod limits;
mod live;
mod openapi;
mod ops;
mod pages;
mod positions;
mod resumes;
mod schedule;
mod server;
mod upload;
mod v1;
mod v1_interviews;
mod v1_keys;
mod v1_webhooks;
