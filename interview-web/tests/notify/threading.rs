//! Every message has a `Message-ID`; the messages about one booking form one
//! conversation.

use chrono::TimeDelta;
use interview_core::ScheduledTime;
use interview_core::notify::{Invitation, Notifier};
use interview_web::notify::{OutboxNotifier, SmtpNotifier};
use mailparse::MailHeaderMap;

use super::support::{invitation, smtp_config, smtp_server};

/// The invitation's interview moved a day later: its first update.
pub(crate) fn moved(first: &Invitation) -> Invitation {
    Invitation {
        scheduled: ScheduledTime::from_parts(
            first.scheduled.at() + TimeDelta::days(1),
            first.scheduled.zone(),
        ),
        sequence: first.sequence + 1,
        ..first.clone()
    }
}

/// (Message-ID, In-Reply-To, References) of a raw message.
fn thread_headers(data: &[u8]) -> (String, Option<String>, Option<String>) {
    let (headers, _) = mailparse::parse_headers(data).unwrap();
    (
        headers.get_first_value("Message-ID").expect("a Message-ID"),
        headers.get_first_value("In-Reply-To"),
        headers.get_first_value("References"),
    )
}

#[tokio::test]
async fn the_invitation_its_update_and_its_cancellation_thread_together() {
    let (port, inbox) = smtp_server();
    let notifier = SmtpNotifier::new(&smtp_config(port)).unwrap();
    let first = invitation("zoe@example.com");
    let update = moved(&first);
    notifier.send_invitation(&first).await.unwrap();
    notifier.send_invitation(&first).await.unwrap();
    notifier.send_invitation(&update).await.unwrap();
    notifier.send_cancellation(&update).await.unwrap();
    let other = Invitation {
        token: interview_core::BookingToken::parse("fedcba9876543210fedcba9876543210").unwrap(),
        ..invitation("zoe@example.com")
    };
    notifier.send_invitation(&other).await.unwrap();

    let received = inbox.lock().unwrap().clone();
    let headers: Vec<_> = received.iter().map(|m| thread_headers(&m.data)).collect();
    let [first_sent, resent, updated, cancelled, other_booking] = headers.as_slice() else {
        panic!("five messages: {headers:?}");
    };
    let root = &first_sent.0;
    assert!(
        root.starts_with("<interview-") && root.ends_with("@example.com>"),
        "the first invitation's id is the thread's root, at the sender's domain: {root}"
    );
    assert!(
        !root.contains("0123456789abcdef"),
        "the id does not reveal the booking token: {root}"
    );
    assert_eq!((first_sent.1.as_ref(), first_sent.2.as_ref()), (None, None));
    assert_eq!(&resent.0, root, "a resend keeps the first invitation's id");
    for later in [updated, cancelled] {
        assert_ne!(&later.0, root);
        assert!(later.0.starts_with('<') && later.0.ends_with("@example.com>"));
        assert_eq!(later.1.as_ref(), Some(root), "In-Reply-To");
        assert_eq!(later.2.as_ref(), Some(root), "References");
    }
    assert_ne!(updated.0, cancelled.0, "every later message has its own id");
    assert_ne!(
        &other_booking.0, root,
        "another booking, another conversation"
    );
    assert!(
        String::from_utf8_lossy(&received[3].data).contains("is cancelled"),
        "the fourth message is the cancellation"
    );
}

#[tokio::test]
async fn the_outbox_files_carry_the_same_headers() {
    let dir = tempfile::tempdir().unwrap();
    let notifier = OutboxNotifier::new(
        dir.path(),
        "Interviews <no-reply@localhost>".parse().unwrap(),
    );
    let first = invitation("zoe@example.com");
    notifier.send_invitation(&first).await.unwrap();
    notifier.send_cancellation(&first).await.unwrap();
    let mut files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| std::fs::read(entry.unwrap().path()).unwrap())
        .collect();
    // The cancellation is the one that replies to the other.
    files.sort_by_key(|data| thread_headers(data).1.is_some());
    let opening = thread_headers(&files[0]);
    let cancelling = thread_headers(&files[1]);
    assert!(opening.0.starts_with("<interview-") && opening.0.ends_with("@localhost>"));
    assert_eq!(cancelling.2, Some(opening.0.clone()));
    assert!(cancelling.0.ends_with("@localhost>") && cancelling.0 != opening.0);
}
