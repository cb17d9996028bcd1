//! A [`Notifier`] that keeps what it was asked to send.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;

use super::{InjectedFailure, lock};
use crate::notify::{Notifier, NotifyError, OutgoingEmail};

/// Records every delivered e-mail; [`RecordingNotifier::set_failing`] makes
/// deliveries fail as an unreachable mail server would.
#[derive(Debug, Default)]
pub struct RecordingNotifier {
    sent: Mutex<Vec<OutgoingEmail>>,
    failing: AtomicBool,
}

impl RecordingNotifier {
    /// A notifier that delivers (records) everything.
    pub fn new() -> Self {
        Self::default()
    }

    /// A notifier whose every delivery fails.
    pub fn failing() -> Self {
        let notifier = Self::default();
        notifier.set_failing(true);
        notifier
    }

    /// Makes deliveries fail (or work again).
    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    /// Every e-mail delivered so far, in order.
    pub fn sent(&self) -> Vec<OutgoingEmail> {
        lock(&self.sent).clone()
    }
}

#[async_trait]
impl Notifier for RecordingNotifier {
    async fn deliver(&self, email: &OutgoingEmail) -> Result<(), NotifyError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(NotifyError::Unavailable(Box::new(InjectedFailure(
                "mail server is down",
            ))));
        }
        lock(&self.sent).push(email.clone());
        Ok(())
    }
}

/// An [`EventPublisher`](crate::events::EventPublisher) that records what it is
/// told, in order.
#[derive(Debug, Default)]
pub struct RecordingPublisher {
    published: std::sync::Mutex<Vec<(crate::events::EventType, crate::BookingToken)>>,
}

impl RecordingPublisher {
    /// A publisher that has recorded nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// What was published, in order.
    pub fn published(&self) -> Vec<(crate::events::EventType, crate::BookingToken)> {
        super::lock(&self.published).clone()
    }
}

#[async_trait::async_trait]
impl crate::events::EventPublisher for RecordingPublisher {
    async fn publish(&self, kind: crate::events::EventType, token: &crate::BookingToken) {
        super::lock(&self.published).push((kind, token.clone()));
    }
}
