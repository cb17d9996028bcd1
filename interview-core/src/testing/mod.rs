//! Test doubles: in-memory stores (bookings, resumes, jobs), a recording notifier, a scripted extractor,
//! scripted engines, and captured logs. Enabled by the `test-utils` feature.
//!
//! Each double can be told to fail, so the error paths of code built on the traits
//! can be tested without a broken database or a vendor outage.

mod engines;
mod extractor;
mod jobs;
mod logs;
mod notifier;
mod room;
mod stores;
mod tools;

pub use engines::{ScriptedAvatar, ScriptedLlm, ScriptedStt, ScriptedTts};
pub use extractor::ScriptedExtractor;
pub use jobs::InMemoryJobStore;
pub use logs::Logs;
pub use notifier::{RecordingNotifier, RecordingPublisher};
pub use room::{InMemoryRoom, in_memory_room, in_memory_room_in_real_time};
pub use stores::{InMemoryBookingStore, InMemoryResumeStore};
pub use tools::tools_python;

use std::sync::{Mutex, MutexGuard};

/// Locks a mutex, recovering the data if a panicking test poisoned it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// An "unavailable" cause for injected failures.
#[derive(Debug, thiserror::Error)]
#[error("injected failure: {0}")]
pub struct InjectedFailure(pub &'static str);
