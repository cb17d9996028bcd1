//! Invitation delivery: SMTP (feature `smtp`), or an outbox folder of `.eml` files
//! when no SMTP server is configured.

mod config;
mod message;
mod outbox;
#[cfg(feature = "smtp")]
mod smtp;

pub use config::{MailBackend, SmtpConfig, SmtpSecurity, SmtpTimeouts};
pub use lettre::message::Mailbox;
pub use message::build_message;
pub use outbox::OutboxNotifier;
#[cfg(feature = "smtp")]
pub use smtp::SmtpNotifier;
