//! An [`OutgoingEmail`] as a MIME message: text and HTML alternatives, attachments,
//! and the headers that thread the messages about one booking.

use interview_core::notify::{NotifyError, OutgoingEmail};
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

/// Builds the MIME message for `email`, sent from `from`.
///
/// Every message gets a `Message-ID` at the domain of `from`. A message that opens
/// a booking's [thread](interview_core::notify::EmailThread) (the first invitation)
/// gets the thread's root id, the same on every resend; any other message gets a
/// unique random id and `In-Reply-To` and `References` naming the root, so mail
/// programs show the invitation, its updates and its cancellation as one
/// conversation.
pub fn build_message(email: &OutgoingEmail, from: &Mailbox) -> Result<Message, NotifyError> {
    let to_address = email
        .to
        .as_str()
        .parse()
        .map_err(|e| NotifyError::Backend(Box::new(e)))?;
    let to = Mailbox::new(email.to_name.clone(), to_address);
    let alternatives = MultiPart::alternative()
        .singlepart(SinglePart::plain(email.text_body.clone()))
        .singlepart(SinglePart::html(email.html_body.clone()));
    let mut body = MultiPart::mixed().multipart(alternatives);
    for attachment in &email.attachments {
        let content_type = ContentType::parse(&attachment.content_type)
            .map_err(|e| NotifyError::Backend(Box::new(e)))?;
        body = body.singlepart(
            Attachment::new(attachment.file_name.clone())
                .body(attachment.content.clone(), content_type),
        );
    }
    let host = from.email.domain();
    let unique_id = || -> Result<String, NotifyError> {
        let random = interview_core::random::hex_string(16)
            .map_err(|e| NotifyError::Backend(Box::new(e)))?;
        Ok(format!("<{random}@{host}>"))
    };
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(email.subject.clone());
    builder = match &email.thread {
        Some(thread) if thread.opens() => builder.message_id(Some(thread.root_message_id(host))),
        Some(thread) => {
            let root = thread.root_message_id(host);
            builder
                .message_id(Some(unique_id()?))
                .in_reply_to(root.clone())
                .references(root)
        }
        None => builder.message_id(Some(unique_id()?)),
    };
    builder
        .multipart(body)
        .map_err(|e| NotifyError::Backend(Box::new(e)))
}
