//! Telling the candidate about their interview.

mod invitation;
mod time;

use async_trait::async_trait;

pub use invitation::Invitation;
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
}

/// Failures of a [`Notifier`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// The mail server refused the message or the recipient.
    #[error("the mail server refused the message: {0}")]
    Rejected(String),
    /// The mail server cannot be reached; worth retrying later.
    #[error("the mail server is unavailable")]
    Unavailable(#[source] BoxError),
    /// Any other failure.
    #[error("the invitation could not be sent")]
    Backend(#[source] BoxError),
}

/// Delivers e-mails. One required method; the invitation is rendered by
/// [`Invitation::to_email`] and delivered through it.
///
/// Implementations: SMTP and an outbox folder of `.eml` files in `interview-web`,
/// and `RecordingNotifier` behind `test-utils`.
#[async_trait]
pub trait Notifier: Send + Sync {
    /// Delivers one rendered e-mail.
    async fn deliver(&self, email: &OutgoingEmail) -> Result<(), NotifyError>;

    /// Renders and delivers an interview invitation.
    async fn send_invitation(&self, invitation: &Invitation) -> Result<(), NotifyError> {
        self.deliver(&invitation.to_email()).await
    }
}
