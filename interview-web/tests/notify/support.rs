//! The receivers the notifiers are tested against, and what they received.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex, mpsc};

use chrono::{TimeDelta, TimeZone, Utc};
use interview_core::notify::Invitation;
use interview_core::{BookingToken, EmailAddress, PersonName, ScheduledTime};
use interview_web::notify::{SmtpConfig, SmtpSecurity, SmtpTimeouts};
use mailin_embedded::response::{NO_MAILBOX, OK};
use mailin_embedded::{Handler, Response, Server, SslConfig};
use url::Url;

#[derive(Debug, Default, Clone)]
pub(crate) struct Received {
    pub(crate) from: String,
    pub(crate) to: Vec<String>,
    pub(crate) data: Vec<u8>,
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
pub(crate) fn smtp_server() -> (u16, Arc<Mutex<Vec<Received>>>) {
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
pub(crate) fn smtp_config(port: u16) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".to_owned(),
        port,
        security: SmtpSecurity::None,
        credentials: None,
        from: EmailAddress::parse("hr@example.com").unwrap(),
        ca_certificate: None,
        timeouts: SmtpTimeouts::default(),
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
pub(crate) fn starttls_server(
    dir: &std::path::Path,
) -> (u16, std::path::PathBuf, Arc<Mutex<Vec<Received>>>) {
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

pub(crate) fn starttls_config(
    port: u16,
    ca: Option<std::path::PathBuf>,
    password: &str,
) -> SmtpConfig {
    SmtpConfig {
        host: "localhost".to_owned(),
        port,
        security: SmtpSecurity::StartTls,
        credentials: Some(("hr@example.com".to_owned(), password.into())),
        from: EmailAddress::parse("hr@example.com").unwrap(),
        ca_certificate: ca,
        timeouts: SmtpTimeouts::default(),
    }
}

pub(crate) fn invitation(to: &str) -> Invitation {
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
pub(crate) fn unfolded(data: &[u8]) -> String {
    String::from_utf8_lossy(data).replace("=\r\n", "")
}

/// The decoded bodies of every leaf part, by content type.
pub(crate) fn parts(data: &[u8]) -> Vec<(String, String)> {
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

pub(crate) fn part(data: &[u8], mime: &str) -> String {
    parts(data)
        .into_iter()
        .find(|(kind, _)| kind == mime)
        .unwrap_or_else(|| panic!("no {mime} part"))
        .1
}

/// A server that accepts connections and never writes a byte (a mail server that
/// hangs); the connections stay open until the test process ends.
pub(crate) fn silent_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    port
}

/// Where a stub server stops answering.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stall {
    /// It never answers the DATA command.
    AtData,
    /// It answers DATA, reads the whole message, and never acknowledges it.
    AfterMessage,
}

/// A server that greets, answers EHLO, MAIL and RCPT, and stalls at `stall`.
/// Each message it read to the end is sent on the channel.
pub(crate) fn stalling_server(stall: Stall) -> (u16, mpsc::Receiver<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (messages, received) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let messages = messages.clone();
            std::thread::spawn(move || stall_in_conversation(stream.unwrap(), stall, &messages));
        }
    });
    (port, received)
}

fn stall_in_conversation(stream: TcpStream, stall: Stall, messages: &mpsc::Sender<Vec<u8>>) {
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let mut reply = |text: &str| writer.write_all(text.as_bytes()).unwrap();
    reply("220 stub.local ESMTP\r\n");
    let mut data: Option<Vec<u8>> = None;
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).unwrap_or(0) == 0 {
            return;
        }
        if let Some(message) = data.as_mut() {
            if line == b".\r\n" {
                let _ = messages.send(std::mem::take(message));
                hold(reader);
                return;
            }
            message.extend_from_slice(&line);
            continue;
        }
        let command = String::from_utf8_lossy(&line).to_ascii_uppercase();
        if command.starts_with("EHLO") || command.starts_with("HELO") {
            reply("250-stub.local\r\n250 8BITMIME\r\n");
        } else if command.starts_with("DATA") {
            if let Stall::AtData = stall {
                hold(reader);
                return;
            }
            reply("354 end data with <CR><LF>.<CR><LF>\r\n");
            data = Some(Vec::new());
        } else if command.starts_with("QUIT") {
            reply("221 bye\r\n");
            return;
        } else {
            reply("250 OK\r\n");
        }
    }
}

/// Never answers again: holds the connection until the client gives up.
fn hold(mut reader: BufReader<TcpStream>) {
    let mut rest = Vec::new();
    let _ = reader.read_to_end(&mut rest);
}
