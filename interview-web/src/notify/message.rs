//! An [`OutgoingEmail`] as a MIME message: text and HTML alternatives, attachments.

use interview_core::notify::{NotifyError, OutgoingEmail};
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

/// Builds the MIME message for `email`, sent from `from`.
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
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(email.subject.clone())
        .multipart(body)
        .map_err(|e| NotifyError::Backend(Box::new(e)))
}
