//! Telling the candidate about their interview.

mod invitation;
mod thread;
mod time;

use async_trait::async_trait;

pub use invitation::Invitation;
pub use thread::EmailThread;
pub use time::{format_instant, format_instant_in};

use crate::EmailAddress;
use crate::error::BoxError;

/// A file attached to an e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The file name shown to the recipient.
    pub file_name: String,
    /// The MIME type, with parameters (`text/calendar; charset=UTF-8; method=REQUEST`).
    pub content_type: String,
    /// The content.
    pub content: Vec<u8>,
}

/// A rendered e-mail, ready for a transport.
#[derive(Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    /// The recipient.
    pub to: EmailAddress,
    /// The recipient's display name.
    pub to_name: Option<String>,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub text_body: String,
    /// The HTML body (every user value escaped).
    pub html_body: String,
    /// Attachments (the `.ics` invitation).
    pub attachments: Vec<Attachment>,
    /// The booking's conversation this message belongs to, so mail programs show
    /// the invitation, its updates and its cancellation together; `None` for a
    /// message about no booking.
    pub thread: Option<EmailThread>,
}

impl std::fmt::Debug for OutgoingEmail {
    // The recipient, their name and the bodies are personal data: only the
    // subject (the position), the attachments' names and sizes and the thread.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let attachments: Vec<String> = self
            .attachments
            .iter()
            .map(|a| {
                format!(
                    "{} ({}, {} bytes)",
                    a.file_name,
                    a.content_type,
                    a.content.len()
                )
            })
            .collect();
        f.debug_struct("OutgoingEmail")
            .field("subject", &self.subject)
            .field("attachments", &attachments)
            .field("thread", &self.thread)
            .finish_non_exhaustive()
    }
}

/// Failures of a [`Notifier`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// The mail server refused the message or the recipient.
    #[error("the mail server refused the message: {0}")]
    Rejected(String),
    /// The mail server cannot be reached, failed for now, or did not answer in
    /// time; worth retrying later. The source says which (never with an address).
    #[error("the mail server is unavailable: {0}")]
    Unavailable(#[source] BoxError),
    /// Any other failure.
    #[error("the invitation could not be sent")]
    Backend(#[source] BoxError),
}

/// Delivers e-mails. One required method; invitations and cancellations are
/// rendered by [`Invitation::to_email`] and [`Invitation::to_cancellation_email`]
/// and delivered through it.
///
/// The calendar event's organizer is the notifier's own [sender](Notifier::sender),
/// supplied when the message is rendered: an [`Invitation`] stays a plain value
/// that says nothing about how mail leaves, and the `ORGANIZER` of the `.ics`
/// always matches the `From` of the message that carries it.
///
/// Implementations: SMTP and an outbox folder of `.eml` files in `interview-web`,
/// and `RecordingNotifier` behind `test-utils`.
#[async_trait]
pub trait Notifier: Send + Sync {
    /// Delivers one rendered e-mail.
    async fn deliver(&self, email: &OutgoingEmail) -> Result<(), NotifyError>;

    /// The address messages are sent from, when it is a full address: the
    /// calendar organizer of invitations and cancellations. `None` (the default)
    /// makes the organizer `no-reply@` the interview link's host.
    fn sender(&self) -> Option<&EmailAddress> {
        None
    }

    /// Renders and delivers an interview invitation (or its update, when the
    /// interview moved): `METHOD:REQUEST`.
    async fn send_invitation(&self, invitation: &Invitation) -> Result<(), NotifyError> {
        self.deliver(&invitation.to_email(self.sender())).await
    }

    /// Renders and delivers a reminder of the interview `invitation` announced,
    /// `before` its start.
    async fn send_reminder(
        &self,
        invitation: &Invitation,
        before: std::time::Duration,
    ) -> Result<(), NotifyError> {
        self.deliver(&invitation.to_reminder_email(before)).await
    }

    /// Renders and delivers the cancellation of the interview `invitation`
    /// announced last: `METHOD:CANCEL`, the same calendar UID, the next SEQUENCE.
    async fn send_cancellation(&self, invitation: &Invitation) -> Result<(), NotifyError> {
        self.deliver(&invitation.to_cancellation_email(self.sender()))
            .await
    }
}
