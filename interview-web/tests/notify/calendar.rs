//! The calendar files of an invitation, its update and its cancellation, as they
//! arrive at a real SMTP server, read by an independent iCalendar parser: Python's
//! `icalendar`, installed by `scripts/setup.sh --test` into the tools' virtual
//! environment.

use std::path::PathBuf;
use std::process::Command;

use interview_core::notify::Notifier;
use interview_web::notify::SmtpNotifier;

use super::support::{invitation, smtp_config, smtp_server};
use super::threading::moved;

/// The decoded `text/calendar` part of a raw message, and its content type.
fn calendar_part(data: &[u8]) -> (String, Vec<u8>) {
    let parsed = mailparse::parse_mail(data).unwrap();
    let part = parsed
        .subparts
        .iter()
        .find(|part| part.ctype.mimetype == "text/calendar")
        .expect("a text/calendar part");
    let content_type = part
        .headers
        .iter()
        .find(|header| header.get_key().eq_ignore_ascii_case("Content-Type"))
        .unwrap()
        .get_value();
    (content_type, part.get_body_raw().unwrap())
}

#[tokio::test]
async fn invitation_update_and_cancellation_are_one_event_to_an_icalendar_parser() {
    let python = interview_core::testing::tools_python("icalendar");
    let (port, inbox) = smtp_server();
    let notifier = SmtpNotifier::new(&smtp_config(port)).unwrap();
    let first = invitation("zoe@example.com");
    let update = moved(&first);
    notifier.send_invitation(&first).await.unwrap();
    notifier.send_invitation(&update).await.unwrap();
    notifier.send_cancellation(&update).await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let received = inbox.lock().unwrap().clone();
    assert_eq!(received.len(), 3);
    let mut files = Vec::new();
    for (message, (name, method)) in received.iter().zip([
        ("invitation", "REQUEST"),
        ("update", "REQUEST"),
        ("cancellation", "CANCEL"),
    ]) {
        let (content_type, ics) = calendar_part(&message.data);
        assert!(
            content_type
                .to_ascii_lowercase()
                .contains(&format!("method={}", method.to_ascii_lowercase())),
            "{name}: {content_type}"
        );
        let path = dir.path().join(format!("{name}.ics"));
        std::fs::write(&path, ics).unwrap();
        files.push(path);
    }
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/notify/check_ics.py");
    let output = Command::new(&python)
        .arg(&script)
        .arg("hr@example.com")
        .args(&files)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("sequences=[0, 1, 2]"), "{stdout}");
}
