//! Invitations written to a folder as `.eml` files: the zero-configuration default,
//! so a person trying the application can open the invitation in any mail program.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use interview_core::EmailAddress;
use interview_core::notify::{Notifier, NotifyError, OutgoingEmail};
use lettre::message::Mailbox;
use tokio::io::AsyncWriteExt;

use super::build_message;

/// Writes each e-mail to `{folder}/{timestamp}_{random}.eml` and logs the path.
#[derive(Debug, Clone)]
pub struct OutboxNotifier {
    folder: PathBuf,
    from: Mailbox,
    /// `from`'s address, when it is a full one (`no-reply@localhost` is not): the
    /// calendar organizer.
    sender: Option<EmailAddress>,
}

impl OutboxNotifier {
    /// An outbox in `folder` (created on first use), with messages from `from`.
    pub fn new(folder: impl Into<PathBuf>, from: Mailbox) -> Self {
        let sender = EmailAddress::parse(from.email.as_ref()).ok();
        Self {
            folder: folder.into(),
            from,
            sender,
        }
    }

    /// The folder.
    pub fn folder(&self) -> &Path {
        &self.folder
    }
}

#[async_trait]
impl Notifier for OutboxNotifier {
    async fn deliver(&self, email: &OutgoingEmail) -> Result<(), NotifyError> {
        let message = build_message(email, &self.from)?;
        let unavailable = |e: std::io::Error| NotifyError::Unavailable(Box::new(e));
        tokio::fs::create_dir_all(&self.folder)
            .await
            .map_err(unavailable)?;
        let random =
            interview_core::random::hex_string(4).map_err(|e| NotifyError::Backend(Box::new(e)))?;
        let name = format!(
            "{}_{random}.eml",
            chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ")
        );
        let path = self.folder.join(name);
        // create_new: an existing file is never overwritten.
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await
            .map_err(unavailable)?;
        file.write_all(&message.formatted())
            .await
            .map_err(unavailable)?;
        file.flush().await.map_err(unavailable)?;
        tracing::info!(
            path = %path.display(),
            booking = ?email.thread.as_ref().map(|thread| thread.booking()),
            "e-mail written to the outbox"
        );
        Ok(())
    }

    fn sender(&self) -> Option<&EmailAddress> {
        self.sender.as_ref()
    }
}
