//! The notifiers against real receivers: an SMTP server listening on a local TCP
//! port, and a folder on disk.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use chrono::{TimeDelta, TimeZone, Utc};
use interview_core::notify::{Invitation, Notifier, NotifyError};
use interview_core::{BookingToken, EmailAddress, PersonName, ScheduledTime};
use interview_web::notify::{OutboxNotifier, SmtpNotifier};
use interview_web::notify::{SmtpConfig, SmtpSecurity};
use mailin_embedded::response::{NO_MAILBOX, OK};
use mailin_embedded::{Handler, Response, Server, SslConfig};
use url::Url;

#[derive(Debug, Default, Clone)]
struct Received {
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

/// Records every message; refuses recipients at `refused.example`.
#[derive(Clone, Default)]
struct Recorder {
    current: Received,
    inbox: Arc<Mutex<Vec<Received>>>,
}

impl Handler for Recorder {
    fn rcpt(&mut self, to: &str) -> Response {
        if to.contains("@refused.example") {
            NO_MAILBOX
        } else {
            OK
        }
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = Received {
            from: from.to_owned(),
            to: to.to_vec(),
            data: Vec::new(),
        };
        OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        self.inbox
            .lock()
            .unwrap()
            .push(std::mem::take(&mut self.current));
        OK
    }
}

/// Starts a real SMTP server on a free local port; it lives until the test process ends.
fn smtp_server() -> (u16, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let recorder = Recorder::default();
    let inbox = recorder.inbox.clone();
    let mut server = Server::new(recorder);
    server
        .with_name("test.smtp.local")
        .with_ssl(SslConfig::None)
        .unwrap()
        .with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    (port, inbox)
}

/// A plain SMTP server without AUTH (mailin offers AUTH only over TLS; the
/// STARTTLS tests below log in).
fn smtp_config(port: u16) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".to_owned(),
        port,
        security: SmtpSecurity::None,
        credentials: None,
        from: EmailAddress::parse("hr@example.com").unwrap(),
        ca_certificate: None,
    }
}

/// A certificate authority and a server certificate for `localhost`, written to `dir`.
/// Returns (CA pem path, server cert path, server key path).
fn certificates(dir: &std::path::Path) -> (std::path::PathBuf, String, String) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "interview test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let server_key = rcgen::KeyPair::generate().unwrap();
    let server = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&server_key, &issuer)
        .unwrap();
    let ca_path = dir.join("ca.pem");
    let cert_path = dir.join("server.pem");
    let key_path = dir.join("server.key");
    std::fs::write(&ca_path, ca.pem()).unwrap();
    std::fs::write(&cert_path, server.pem()).unwrap();
    std::fs::write(&key_path, server_key.serialize_pem()).unwrap();
    (
        ca_path,
        cert_path.display().to_string(),
        key_path.display().to_string(),
    )
}

/// Accepts `hr@example.com` / `smtp-password-secret` over AUTH PLAIN.
#[derive(Clone, Default)]
struct AuthRecorder {
    inner: Recorder,
}

impl Handler for AuthRecorder {
    fn rcpt(&mut self, to: &str) -> Response {
        self.inner.rcpt(to)
    }
    fn data_start(&mut self, domain: &str, from: &str, is8bit: bool, to: &[String]) -> Response {
        self.inner.data_start(domain, from, is8bit, to)
    }
    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.inner.data(buf)
    }
    fn data_end(&mut self) -> Response {
        self.inner.data_end()
    }
    fn auth_plain(&mut self, _authorization_id: &str, user: &str, password: &str) -> Response {
        if user == "hr@example.com" && password == "smtp-password-secret" {
            mailin_embedded::response::AUTH_OK
        } else {
            mailin_embedded::response::INVALID_CREDENTIALS
        }
    }
}

/// A real SMTP server that offers STARTTLS with a certificate from a test CA and
/// requires AUTH PLAIN (which it only offers once TLS is on).
fn starttls_server(dir: &std::path::Path) -> (u16, std::path::PathBuf, Arc<Mutex<Vec<Received>>>) {
    let (ca, cert_path, key_path) = certificates(dir);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handler = AuthRecorder::default();
    let inbox = handler.inner.inbox.clone();
    let mut server = Server::new(handler);
    server
        .with_name("localhost")
        .with_ssl(SslConfig::SelfSigned {
            cert_path,
            key_path,
        })
        .unwrap()
        .with_auth(mailin_embedded::AuthMechanism::Plain)
        .with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    (port, ca, inbox)
}

fn starttls_config(port: u16, ca: Option<std::path::PathBuf>, password: &str) -> SmtpConfig {
    SmtpConfig {
        host: "localhost".to_owned(),
        port,
        security: SmtpSecurity::StartTls,
        credentials: Some(("hr@example.com".to_owned(), password.into())),
        from: EmailAddress::parse("hr@example.com").unwrap(),
        ca_certificate: ca,
    }
}

fn invitation(to: &str) -> Invitation {
    Invitation {
        token: BookingToken::parse("0123456789abcdef0123456789abcdef").unwrap(),
        to: EmailAddress::parse(to).unwrap(),
        candidate_name: PersonName::parse("Zoë O'Brien").unwrap(),
        scheduled: ScheduledTime::from_parts(
            Utc.with_ymd_and_hms(2030, 3, 2, 9, 0, 0).unwrap(),
            Some(chrono_tz::Europe::Paris),
        ),
        duration: TimeDelta::minutes(30),
        opens_before: TimeDelta::minutes(5),
        interview_url: Url::parse(
            "https://jobs.example.com/interview/0123456789abcdef0123456789abcdef",
        )
        .unwrap(),
        position_title: "Data & <ML> Engineer".to_owned(),
        company: Some("Acme <Labs>".to_owned()),
        language: interview_core::position::Language::default(),
        sent_at: Utc.with_ymd_and_hms(2030, 3, 1, 12, 0, 0).unwrap(),
        sequence: 0,
    }
}

/// The message with quoted-printable soft line breaks undone, for searching.
fn unfolded(data: &[u8]) -> String {
    String::from_utf8_lossy(data).replace("=\r\n", "")
}

/// The decoded bodies of every leaf part, by content type.
fn parts(data: &[u8]) -> Vec<(String, String)> {
    fn walk(part: &mailparse::ParsedMail<'_>, out: &mut Vec<(String, String)>) {
        if part.subparts.is_empty() {
            out.push((part.ctype.mimetype.clone(), part.get_body().unwrap()));
        }
        for sub in &part.subparts {
            walk(sub, out);
        }
    }
    let mut out = Vec::new();
    walk(&mailparse::parse_mail(data).unwrap(), &mut out);
    out
}

fn part(data: &[u8], mime: &str) -> String {
    parts(data)
        .into_iter()
        .find(|(kind, _)| kind == mime)
        .unwrap_or_else(|| panic!("no {mime} part"))
        .1
}

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
