//! One conversation per booking: the invitation opens it, its updates, reminders
//! and cancellation continue it.
//!
//! Threading needs `Message-ID`, `In-Reply-To` and `References` headers (RFC 5322
//! §3.6.4). Rather than store the id each message went out with, the id of the
//! message that opens a booking's conversation is derived from the booking: the
//! first invitation carries `Message-ID: <interview-{digest}@{sender's domain}>`,
//! every later message about the booking a unique `Message-ID` of its own and
//! `In-Reply-To`/`References` pointing at that one. A resend of the first invitation
//! (a retry after a delivery whose outcome was unknown) keeps the same id, so the
//! recipient's mail system can recognise it as the same message.
//!
//! The digest is SHA-256 over the booking token: the token opens the interview,
//! and a `Message-ID` is written to every mail server's log, so it never appears
//! there itself.

use sha2::{Digest, Sha256};

use crate::BookingToken;

/// Where a message stands in the conversation about one booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailThread {
    booking: BookingToken,
    opens: bool,
}

impl EmailThread {
    /// The conversation about `booking`; `opens` for the message that starts it
    /// (the first invitation), `false` for every later one.
    pub fn new(booking: BookingToken, opens: bool) -> Self {
        Self { booking, opens }
    }

    /// The booking the conversation is about (its `Debug` shows only the short
    /// form, for correlating log lines).
    pub fn booking(&self) -> &BookingToken {
        &self.booking
    }

    /// Whether this message opens the conversation.
    pub fn opens(&self) -> bool {
        self.opens
    }

    /// The conversation's id, `interview-` and 32 hex digits: the same for every
    /// message about the booking, derived from its token without revealing it.
    pub fn id(&self) -> String {
        let digest = Sha256::new()
            .chain_update(b"interview-thread:")
            .chain_update(self.booking.as_str().as_bytes())
            .finalize();
        format!("interview-{}", crate::random::hex(&digest[..16]))
    }

    /// The `Message-ID` of the message that opens the conversation, at `host` (the
    /// domain of the sender's address): `<interview-…@host>`. Later messages refer
    /// to it in `In-Reply-To` and `References`.
    pub fn root_message_id(&self, host: &str) -> String {
        format!("<{}@{host}>", self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(hex: &str) -> BookingToken {
        BookingToken::parse(hex).unwrap()
    }

    #[test]
    fn one_booking_one_id_that_does_not_reveal_the_token() {
        let a = "0123456789abcdef0123456789abcdef";
        let first = EmailThread::new(token(a), true);
        let later = EmailThread::new(token(a), false);
        let other = EmailThread::new(token("fedcba9876543210fedcba9876543210"), true);
        assert_eq!(first.id(), later.id());
        assert_ne!(first.id(), other.id());
        assert!(first.id().starts_with("interview-"));
        assert_eq!(first.id().len(), "interview-".len() + 32);
        assert!(!first.id().contains(a) && !first.id().contains(&a[..8]));
        assert_eq!(
            first.root_message_id("example.com"),
            format!("<{}@example.com>", first.id())
        );
        assert!(first.opens() && !later.opens());
        assert!(format!("{first:?}").contains("012345…"));
        assert!(!format!("{first:?}").contains(a));
    }
}
