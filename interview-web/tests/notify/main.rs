//! The notifiers against real receivers: an SMTP server listening on a local TCP
//! port (a real one, and stubs that stall), a folder on disk, and webhook
//! receivers of the HR platform.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

mod calendar;
mod deadlines;
mod platform;
mod support;
mod threading;

use std::net::TcpListener;

use interview_core::notify::{Notifier, NotifyError};
use interview_web::notify::{OutboxNotifier, SmtpNotifier};

use support::{
    invitation, part, smtp_config, smtp_server, starttls_config, starttls_server, unfolded,
};

#[tokio::test]
async fn smtp_delivers_text_html_and_the_ics_to_a_real_server() {
    let (port, inbox) = smtp_server();
    let notifier = SmtpNotifier::new(&smtp_config(port)).unwrap();
    notifier
        .send_invitation(&invitation("zoe@example.com"))
        .await
        .unwrap();

    let received = inbox.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    let message = &received[0];
    assert_eq!(message.from, "hr@example.com");
    assert_eq!(message.to, ["zoe@example.com"]);
    let text = unfolded(&message.data);
    assert!(
        text.contains(
            "Subject: Your interview for Data & <ML> Engineer at Acme <Labs> is scheduled"
        ),
        "{text}"
    );
    assert!(text.contains("Content-Type: text/plain"));
    assert!(text.contains("Content-Type: text/html"));
    assert!(
        text.to_ascii_lowercase()
            .contains("content-type: text/calendar; charset=utf-8; method=request"),
        "{text}"
    );
    assert!(text.contains("filename=\"interview.ics\""));
    let link = "https://jobs.example.com/interview/0123456789abcdef0123456789abcdef";
    let plain = part(&message.data, "text/plain");
    assert!(plain.contains(link), "{plain}");
    assert!(
        plain.contains("10:00 AM CET"),
        "the time in the candidate's zone: {plain}"
    );
    let html = part(&message.data, "text/html");
    assert!(html.contains(&format!("href=\"{link}\"")), "{html}");
    assert!(
        html.contains("Acme &#60;Labs&#62;"),
        "user values are escaped: {html}"
    );
    assert!(html.contains("Zo\u{eb} O&#39;Brien"));
    let ics = part(&message.data, "text/calendar");
    assert!(ics.contains("METHOD:REQUEST\r\n"), "{ics}");
    assert!(ics.contains("UID:0123456789abcdef0123456789abcdef@jobs.example.com\r\n"));
    assert!(ics.contains("DTSTART:20300302T090000Z\r\n"));
    assert!(ics.replace("\r\n ", "").contains(&format!("URL:{link}")));
}

#[tokio::test]
async fn starttls_with_a_private_ca_and_login_delivers() {
    let dir = tempfile::tempdir().unwrap();
    let (port, ca, inbox) = starttls_server(dir.path());
    let notifier =
        SmtpNotifier::new(&starttls_config(port, Some(ca), "smtp-password-secret")).unwrap();
    notifier
        .send_invitation(&invitation("zoe@example.com"))
        .await
        .unwrap();
    let received = inbox.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, ["zoe@example.com"]);
}

#[tokio::test]
async fn starttls_refuses_a_certificate_it_cannot_verify() {
    let dir = tempfile::tempdir().unwrap();
    let (port, _ca, inbox) = starttls_server(dir.path());
    let notifier = SmtpNotifier::new(&starttls_config(port, None, "smtp-password-secret")).unwrap();
    let err = notifier
        .send_invitation(&invitation("zoe@example.com"))
        .await
        .unwrap_err();
    assert!(!matches!(err, NotifyError::Rejected(_)), "{err:?}");
    assert!(
        inbox.lock().unwrap().is_empty(),
        "nothing is sent over an unverified connection"
    );
}

#[tokio::test]
async fn wrong_credentials_are_refused_by_the_server_and_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    let (port, ca, inbox) = starttls_server(dir.path());
    let notifier = SmtpNotifier::new(&starttls_config(port, Some(ca), "wrong-password")).unwrap();
    let err = notifier
        .send_invitation(&invitation("zoe@example.com"))
        .await
        .unwrap_err();
    assert!(matches!(err, NotifyError::Rejected(_)), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("wrong-password"));
    assert!(inbox.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_refused_recipient_is_a_rejection() {
    let (port, inbox) = smtp_server();
    let notifier = SmtpNotifier::new(&smtp_config(port)).unwrap();
    let err = notifier
        .send_invitation(&invitation("zoe@refused.example"))
        .await
        .unwrap_err();
    assert!(matches!(err, NotifyError::Rejected(_)), "{err:?}");
    assert!(inbox.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_server_that_is_down_is_unavailable_and_no_secret_leaks() {
    // A port that was just free: nothing listens on it.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = smtp_config(port);
    config.credentials = Some(("hr@example.com".to_owned(), "smtp-password-secret".into()));
    let notifier = SmtpNotifier::new(&config).unwrap();
    let err = notifier
        .send_invitation(&invitation("zoe@example.com"))
        .await
        .unwrap_err();
    assert!(matches!(err, NotifyError::Unavailable(_)), "{err:?}");
    let shown = format!("{err} {err:?} {notifier:?}");
    assert!(!shown.contains("smtp-password-secret"), "{shown}");
    assert!(format!("{notifier:?}").contains("127.0.0.1"));
}

#[tokio::test]
async fn the_outbox_writes_one_eml_file_per_message_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("outbox");
    let notifier = OutboxNotifier::new(&folder, "Interviews <no-reply@localhost>".parse().unwrap());
    notifier
        .send_invitation(&invitation("zoe@example.com"))
        .await
        .unwrap();
    notifier
        .send_invitation(&invitation("zoe@example.com"))
        .await
        .unwrap();

    let mut files: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 2);
    for file in &files {
        assert_eq!(file.extension().unwrap(), "eml");
        let text = unfolded(&std::fs::read(file).unwrap());
        assert!(
            text.contains("To: =?utf-8?b?"),
            "the Unicode name is encoded: {text}"
        );
        assert!(text.contains("zoe@example.com"));
        assert!(text.contains("From: Interviews <no-reply@localhost>"));
        assert!(text.contains("method=REQUEST"));
        let data = std::fs::read(file).unwrap();
        assert!(part(&data, "text/plain").contains("https://jobs.example.com/interview/"));
        assert!(part(&data, "text/calendar").contains("METHOD:REQUEST"));
    }
}

#[tokio::test]
async fn an_outbox_that_cannot_be_written_is_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let not_a_folder = dir.path().join("file");
    std::fs::write(&not_a_folder, b"x").unwrap();
    let notifier = OutboxNotifier::new(&not_a_folder, "no-reply@localhost".parse().unwrap());
    let err = notifier
        .send_invitation(&invitation("zoe@example.com"))
        .await
        .unwrap_err();
    assert!(matches!(err, NotifyError::Unavailable(_)), "{err:?}");
}
