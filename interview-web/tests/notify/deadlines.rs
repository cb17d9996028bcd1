//! Every SMTP delivery ends within its deadlines: a server that hangs costs the
//! caller the deadline, never more.

use std::error::Error as _;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use interview_core::notify::{Notifier, NotifyError};
use interview_web::notify::{SmtpNotifier, SmtpTimeouts};

use super::support::{Stall, invitation, silent_server, smtp_config, stalling_server};

/// Far above any deadline used here, far below "hangs": the only claim these
/// tests make about wall time.
const GENEROUS: Duration = Duration::from_secs(20);

/// Sends the invitation to `port` within `timeouts`; the error and the time taken.
async fn fail_against(port: u16, timeouts: SmtpTimeouts) -> (NotifyError, Duration) {
    let mut config = smtp_config(port);
    config.timeouts = timeouts;
    let notifier = SmtpNotifier::new(&config).unwrap();
    let started = Instant::now();
    let outcome = tokio::time::timeout(
        GENEROUS,
        notifier.send_invitation(&invitation("zoe@example.com")),
    )
    .await
    .expect("the delivery returned");
    (outcome.unwrap_err(), started.elapsed())
}

/// The error's own words and its source's, which must say what happened and
/// never whom the message was for.
fn explained(error: &NotifyError) -> String {
    let source = error.source().map(ToString::to_string).unwrap_or_default();
    let shown = format!("{error} / {source} / {error:?}");
    assert!(!shown.contains("zoe@example.com"), "{shown}");
    assert!(
        !shown.contains("O'Brien") && !shown.contains("Zo\u{eb}"),
        "{shown}"
    );
    shown
}

#[tokio::test]
async fn a_server_that_accepts_and_never_answers_fails_at_the_delivery_deadline() {
    let port = silent_server();
    let (error, took) = fail_against(
        port,
        SmtpTimeouts {
            delivery: Duration::from_secs(1),
            command: Duration::from_secs(60),
        },
    )
    .await;
    assert!(matches!(error, NotifyError::Unavailable(_)), "{error:?}");
    let shown = explained(&error);
    assert!(
        shown.contains("timed out after 1 s waiting for the whole delivery"),
        "{shown}"
    );
    assert!(took < GENEROUS, "{took:?}");
}

#[tokio::test]
async fn a_silent_greeting_fails_at_the_step_deadline() {
    let port = silent_server();
    let (error, took) = fail_against(
        port,
        SmtpTimeouts {
            delivery: Duration::from_secs(60),
            command: Duration::from_secs(1),
        },
    )
    .await;
    assert!(matches!(error, NotifyError::Unavailable(_)), "{error:?}");
    let shown = explained(&error);
    assert!(
        shown.contains("timed out after 1 s waiting for the connection and the server's greeting"),
        "{shown}"
    );
    assert!(took < GENEROUS, "{took:?}");
}

#[tokio::test]
async fn nothing_listening_fails_at_once() {
    // A port that was just free: nothing listens on it.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (error, took) = fail_against(port, SmtpTimeouts::default()).await;
    assert!(matches!(error, NotifyError::Unavailable(_)), "{error:?}");
    let shown = explained(&error);
    assert!(
        shown.contains("the connection and the server's greeting"),
        "{shown}"
    );
    assert!(
        !shown.contains("timed out"),
        "refused, not timed out: {shown}"
    );
    assert!(
        took < SmtpTimeouts::default().command,
        "a refused connection does not wait for a deadline: {took:?}"
    );
}

#[tokio::test]
async fn a_server_that_stalls_after_data_fails_at_the_step_deadline() {
    let (port, messages) = stalling_server(Stall::AfterMessage);
    let (error, took) = fail_against(
        port,
        SmtpTimeouts {
            delivery: Duration::from_secs(60),
            command: Duration::from_secs(1),
        },
    )
    .await;
    assert!(matches!(error, NotifyError::Unavailable(_)), "{error:?}");
    let shown = explained(&error);
    assert!(
        shown.contains("timed out after 1 s waiting for the server to accept the message"),
        "{shown}"
    );
    assert!(took < GENEROUS, "{took:?}");
    let message = messages
        .recv_timeout(Duration::from_secs(5))
        .expect("the stub read the whole message before it stalled");
    assert!(String::from_utf8_lossy(&message).contains("Subject: "));
}

#[tokio::test]
async fn a_stall_after_data_also_ends_at_the_delivery_deadline() {
    let (port, _messages) = stalling_server(Stall::AfterMessage);
    let (error, _took) = fail_against(
        port,
        SmtpTimeouts {
            delivery: Duration::from_secs(1),
            command: Duration::from_secs(60),
        },
    )
    .await;
    let shown = explained(&error);
    assert!(
        shown.contains("timed out after 1 s waiting for the whole delivery"),
        "{shown}"
    );
}

#[tokio::test]
async fn a_server_that_never_answers_data_fails_at_the_step_deadline() {
    let (port, messages) = stalling_server(Stall::AtData);
    let (error, took) = fail_against(
        port,
        SmtpTimeouts {
            delivery: Duration::from_secs(60),
            command: Duration::from_secs(1),
        },
    )
    .await;
    assert!(matches!(error, NotifyError::Unavailable(_)), "{error:?}");
    let shown = explained(&error);
    assert!(
        shown.contains("timed out after 1 s waiting for the reply to DATA"),
        "{shown}"
    );
    assert!(took < GENEROUS, "{took:?}");
    assert!(messages.try_recv().is_err(), "no message was sent");
}
