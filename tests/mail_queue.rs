//! Nothing lost when the mail server is down: the application as `full_stack`
//! builds it (SQLite, the job queue, SMTP) books while the server is down,
//! answers within a few seconds with `queued`, and delivers the invitation, once,
//! after the server comes up; a reminder follows at its offset. Events reach the
//! HR platform's endpoints (from the environment, and created through the API)
//! signed and retried, with every attempt on record; two instances on one
//! PostgreSQL database deliver each job once.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use interview::bootstrap::Application;
use interview::config::Config;
use interview::service::EmailStatus;
use mailin_embedded::response::OK;
use mailin_embedded::{Handler, Response, Server, SslConfig};

/// Every message's text, as the server received it.
#[derive(Clone, Default)]
struct Inbox {
    current: Vec<u8>,
    messages: Arc<Mutex<Vec<String>>>,
}

impl Handler for Inbox {
    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        _to: &[String],
    ) -> Response {
        self.current.clear();
        OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let message = String::from_utf8_lossy(&self.current).into_owned();
        self.messages.lock().unwrap().push(message);
        OK
    }
}

/// Starts an SMTP server on `port` and returns what it receives.
fn smtp_server_on(port: u16) -> Arc<Mutex<Vec<String>>> {
    let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
    let inbox = Inbox::default();
    let messages = inbox.messages.clone();
    let mut server = Server::new(inbox);
    server
        .with_name("mail.test")
        .with_ssl(SslConfig::None)
        .unwrap()
        .with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    messages
}

/// Jane's booking request for `ahead` from now, in UTC, without a resume.
fn jane_booking(ahead: chrono::TimeDelta) -> interview::ScheduleRequest {
    interview::ScheduleRequest {
        name: Some("Jane Doe".into()),
        email: Some("jane@example.com".into()),
        phone: Some("+44 20 7946 0958".into()),
        datetime: Some((chrono::Utc::now() + ahead).to_rfc3339()),
        time_zone: Some("UTC".into()),
        resume_url: None,
        resume_text: None,
        position: None,
    }
}

/// Polls `check` until it is true, failing after `deadline`.
async fn eventually(what: &str, deadline: Duration, check: impl Fn() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(started.elapsed() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// The environment an application is built from, as pairs.
fn variables(pairs: &[(&str, String)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), value.clone()))
        .collect()
}

/// The HR platform's receiver (`interview-web/tests/notify/webhook_receiver.py`):
/// verifies every delivery with the Standard Webhooks reference library, answers
/// 503 to the first `fail_first` verified ones, logs each to `log`. Returns the
/// process and its port.
fn start_receiver(
    secret: &str,
    fail_first: u32,
    log: &std::path::Path,
) -> (std::process::Child, u16) {
    use std::io::BufRead;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("interview-web/tests/notify/webhook_receiver.py");
    let mut receiver =
        std::process::Command::new(interview::testing::tools_python("standardwebhooks"))
            .arg(script)
            .arg(secret)
            .arg(fail_first.to_string())
            .arg(log)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(receiver.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (receiver, line.trim().parse().unwrap())
}

/// The receiver's log: one JSON object per delivery it got.
fn received(log: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn subjects(messages: &Arc<Mutex<Vec<String>>>) -> Vec<String> {
    messages
        .lock()
        .unwrap()
        .iter()
        .filter_map(|m| {
            m.lines()
                .find(|l| l.starts_with("Subject: "))
                .map(|l| l["Subject: ".len()..].to_owned())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitation_waits_for_a_mail_server_that_was_down_and_arrives_once() {
    let dir = tempfile::tempdir().unwrap();
    // A port nothing listens on, yet.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let vars = variables(&[
        ("DATA_DIR", dir.path().display().to_string()),
        ("SMTP_HOST", "127.0.0.1".to_owned()),
        ("SMTP_PORT", port.to_string()),
        ("SMTP_SECURITY", "none".to_owned()),
        ("SMTP_FROM", "interviews@example.com".to_owned()),
        ("SMTP_TIMEOUT_SECS", "3".to_owned()),
        ("SMTP_COMMAND_TIMEOUT_SECS", "2".to_owned()),
        ("JOB_RETRY_INITIAL_SECS", "1".to_owned()),
        // A reminder 62 s before an interview 66 s away: due in about 4 s.
        ("REMINDER_OFFSETS", "62s".to_owned()),
    ]);
    let mut app = Application::build(Config::from_map(&vars).unwrap())
        .await
        .unwrap();
    let scheduling = app.state.scheduling();
    let request = jane_booking(chrono::TimeDelta::seconds(66));
    let started = Instant::now();
    let booked = scheduling.schedule(&request).await.unwrap();
    // The answer did not wait for the mail server beyond the short deadline.
    assert_eq!(booked.email_status, EmailStatus::Queued);
    assert!(!booked.email_sent);
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    // The failed attempts are visible, with their error.
    let jobs = scheduling.jobs().unwrap().clone();
    let polling = Instant::now();
    let failed = loop {
        let failed = jobs.failed_jobs(10).await.unwrap();
        if !failed.is_empty() {
            break failed;
        }
        assert!(
            polling.elapsed() < Duration::from_secs(20),
            "no failed attempt on record"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(!failed[0].last_error.is_empty());
    assert!(
        !failed[0].last_error.contains("jane@example.com"),
        "{}",
        failed[0].last_error
    );

    // The server comes up: the invitation arrives, then the reminder.
    let inbox = smtp_server_on(port);
    eventually("the invitation", Duration::from_secs(60), || {
        subjects(&inbox).iter().any(|s| s.contains("is scheduled"))
    })
    .await;
    eventually("the reminder", Duration::from_secs(60), || {
        subjects(&inbox).iter().any(|s| s.starts_with("Reminder"))
    })
    .await;
    let invitations = subjects(&inbox)
        .iter()
        .filter(|s| s.contains("is scheduled"))
        .count();
    assert_eq!(invitations, 1, "{:?}", subjects(&inbox));
    let message = inbox.lock().unwrap()[0].clone();
    assert!(message.contains(booked.interview_url.as_str()) || message.contains("interview/"));
    app.stop_job_worker().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn booking_events_reach_the_platform_signed_and_retried_until_taken() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("deliveries.jsonl");
    // The platform's receiver verifies with the reference library and answers
    // 503 to the first verified delivery.
    let (mut receiver, port) = start_receiver(SECRET, 1, &log);

    let vars = variables(&[
        ("DATA_DIR", dir.path().display().to_string()),
        ("WEBHOOK_URL", format!("http://127.0.0.1:{port}/hooks")),
        ("WEBHOOK_SECRET", SECRET.to_owned()),
        (
            "WEBHOOK_EVENTS",
            "booking.created,booking.cancelled".to_owned(),
        ),
        ("JOB_RETRY_INITIAL_SECS", "1".to_owned()),
    ]);
    let mut app = Application::build(Config::from_map(&vars).unwrap())
        .await
        .unwrap();
    let scheduling = app.state.scheduling();
    let request = jane_booking(chrono::TimeDelta::days(2));
    let booked = scheduling.schedule(&request).await.unwrap();
    // Moving it is an event the platform did not ask for; cancelling is one.
    let token = booked.booking.token.clone();
    let later = (chrono::Utc::now() + chrono::TimeDelta::days(3)).to_rfc3339();
    scheduling.reschedule(&token, &later, None).await.unwrap();
    scheduling.cancel(&token).await.unwrap();

    let deliveries = || received(&log);
    let accepted = |d: &Vec<serde_json::Value>, kind: &str| {
        d.iter()
            .filter(|d| d["verified"] == true && d["payload"]["type"] == kind)
            .count()
    };
    eventually(
        "both events, the first one retried",
        Duration::from_secs(60),
        || {
            let d = deliveries();
            accepted(&d, "booking.created") >= 2 && accepted(&d, "booking.cancelled") >= 1
        },
    )
    .await;
    let all = deliveries();
    assert!(all.iter().all(|d| d["verified"] == true), "{all:?}");
    assert!(
        all.iter()
            .all(|d| d["payload"]["type"] != "booking.rescheduled")
    );
    // Every attempt of one event carries one webhook-id.
    let created: Vec<&serde_json::Value> = all
        .iter()
        .filter(|d| d["payload"]["type"] == "booking.created")
        .collect();
    assert!(created.iter().all(|d| d["id"] == created[0]["id"]));
    assert_eq!(created[0]["payload"]["data"]["token"], token.as_str());
    // Nothing personal travels.
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains("jane@example.com") && !text.contains("Jane Doe"));
    app.stop_job_worker().await;
    let _ = receiver.kill();
    let _ = receiver.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mail_server_that_never_answers_does_not_hold_the_booking() {
    let dir = tempfile::tempdir().unwrap();
    // Accepts connections and never says a word.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            open.push(stream);
        }
    });
    let vars = variables(&[
        ("DATA_DIR", dir.path().display().to_string()),
        ("SMTP_HOST", "127.0.0.1".to_owned()),
        ("SMTP_PORT", port.to_string()),
        ("SMTP_SECURITY", "none".to_owned()),
        ("SMTP_FROM", "interviews@example.com".to_owned()),
    ]);
    let mut app = Application::build(Config::from_map(&vars).unwrap())
        .await
        .unwrap();
    let started = Instant::now();
    let booked = app
        .state
        .scheduling()
        .schedule(&jane_booking(chrono::TimeDelta::days(2)))
        .await
        .unwrap();
    // The booking is made and answered after the short wait, not the mail
    // server's silence (the default SMTP deadlines are 10 s a step, 30 s in all).
    assert_eq!(booked.email_status, EmailStatus::Queued);
    assert!(
        started.elapsed() < Duration::from_secs(9),
        "{:?}",
        started.elapsed()
    );
    assert!(
        app.state
            .scheduling()
            .bookings()
            .get(&booked.booking.token)
            .await
            .unwrap()
            .is_some()
    );
    app.stop_job_worker().await;
    held.abort();
}

/// Calls the application's router as the HR platform would, with `key`.
async fn call(
    app: &Application,
    method: &str,
    path: &str,
    key: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let request = interview_web::axum::http::Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", "application/json")
        .body(interview_web::axum::body::Body::from(
            body.map(|b| b.to_string()).unwrap_or_default(),
        ))
        .unwrap();
    let response = app.router().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_created_through_the_api_gets_its_events_and_every_attempt_is_on_record() {
    const ADMIN: &str = "admin-token-0123456789abcdef";
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("deliveries.jsonl");
    // Verifies with the secret the endpoint is created with; 503 twice first.
    let (mut receiver, port) = start_receiver(SECRET, 2, &log);
    let vars = variables(&[
        ("DATA_DIR", dir.path().display().to_string()),
        ("ADMIN_API_TOKEN", ADMIN.to_owned()),
        ("JOB_RETRY_INITIAL_SECS", "1".to_owned()),
    ]);
    let mut app = Application::build(Config::from_map(&vars).unwrap())
        .await
        .unwrap();
    let (status, created) = call(
        &app,
        "POST",
        "/api/v1/webhooks",
        ADMIN,
        Some(serde_json::json!({
            "url": format!("http://127.0.0.1:{port}/hooks"),
            "events": ["booking.created"],
            "secret": SECRET,
        })),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let booked = app
        .state
        .scheduling()
        .schedule(&jane_booking(chrono::TimeDelta::days(2)))
        .await
        .unwrap();

    // The record shows the failed attempts with their error, then the delivery.
    let path = format!("/api/v1/webhooks/{id}/deliveries");
    let started = Instant::now();
    let mut saw_retrying = false;
    let delivery = loop {
        let (status, listed) = call(&app, "GET", &path, ADMIN, None).await;
        assert_eq!(status, 200, "{listed}");
        if let Some(delivery) = listed["deliveries"].get(0) {
            if delivery["status"] == "retrying" {
                saw_retrying = true;
                assert_eq!(delivery["response_status"], 503, "{delivery}");
                assert_eq!(delivery["last_error"], "the receiver answered 503");
            }
            if delivery["status"] == "delivered" {
                break delivery.clone();
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "never delivered: {listed}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(saw_retrying, "the failed attempts were never on record");
    assert_eq!(delivery["attempts"], 3, "{delivery}");
    assert_eq!(delivery["event_type"], "booking.created");
    assert_eq!(delivery["token"], booked.booking.token.as_str());
    assert!(delivery["last_error"].is_null());
    let attempts = received(&log);
    assert_eq!(attempts.len(), 3, "{attempts:?}");
    assert!(
        attempts
            .iter()
            .all(|a| a["verified"] == true && a["id"] == delivery["event_id"])
    );

    // Rotated: the receiver still holding the old secret verifies the next event
    // (it carries a signature with each); disabled: nothing more is sent.
    let (status, rotated) = call(
        &app,
        "POST",
        &format!("/api/v1/webhooks/{id}/rotate-secret"),
        ADMIN,
        None,
    )
    .await;
    assert_eq!(status, 200, "{rotated}");
    assert_ne!(rotated["secret"], SECRET);
    app.state
        .scheduling()
        .schedule(&jane_booking(chrono::TimeDelta::days(3)))
        .await
        .unwrap();
    eventually(
        "the event after the rotation",
        Duration::from_secs(30),
        || received(&log).len() == 4,
    )
    .await;
    assert_eq!(received(&log)[3]["verified"], true);
    let (status, _) = call(
        &app,
        "PATCH",
        &format!("/api/v1/webhooks/{id}"),
        ADMIN,
        Some(serde_json::json!({"disabled": true})),
    )
    .await;
    assert_eq!(status, 200);
    app.state
        .scheduling()
        .schedule(&jane_booking(chrono::TimeDelta::days(4)))
        .await
        .unwrap();
    // The disabled endpoint got no job: the queue holds nothing for it.
    let (_, listed) = call(&app, "GET", &path, ADMIN, None).await;
    assert_eq!(listed["deliveries"].as_array().unwrap().len(), 2);
    app.stop_job_worker().await;
    assert_eq!(received(&log).len(), 4);
    let _ = receiver.kill();
    let _ = receiver.wait();
}

/// A PostgreSQL database of this test's own on `INTERVIEW_TEST_POSTGRES_URL`'s
/// server, dropped at the end.
struct Database {
    admin_url: String,
    name: String,
}

impl Database {
    async fn create() -> Self {
        use sqlx::Connection;
        let admin_url = std::env::var("INTERVIEW_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        // A fresh token: lowercase hex, safe in an identifier.
        let name = format!(
            "interview_test_{}",
            interview::BookingToken::generate().unwrap()
        );
        let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&mut admin)
            .await
            .unwrap();
        Self { admin_url, name }
    }

    fn url(&self) -> String {
        let (server, _) = self.admin_url.rsplit_once('/').unwrap();
        format!("{server}/{}", self.name)
    }

    async fn drop_database(self) {
        use sqlx::Connection;
        let mut admin = sqlx::PgConnection::connect(&self.admin_url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
            self.name
        )))
        .execute(&mut admin)
        .await
        .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgresql_database_send_each_invitation_once() {
    use sqlx::Connection;
    let database = Database::create().await;
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let inbox = smtp_server_on(port);
    let instance = |dir: &tempfile::TempDir| -> HashMap<String, String> {
        variables(&[
            ("DATA_DIR", dir.path().display().to_string()),
            ("DATABASE_URL", database.url()),
            ("SMTP_HOST", "127.0.0.1".to_owned()),
            ("SMTP_PORT", port.to_string()),
            ("SMTP_SECURITY", "none".to_owned()),
            ("SMTP_FROM", "interviews@example.com".to_owned()),
            ("JOB_RETRY_INITIAL_SECS", "1".to_owned()),
        ])
    };
    let (first_dir, second_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut first = Application::build(Config::from_map(&instance(&first_dir)).unwrap())
        .await
        .unwrap();
    let mut second = Application::build(Config::from_map(&instance(&second_dir)).unwrap())
        .await
        .unwrap();
    // Ten bookings, through each instance in turn, all at once: both workers poll
    // the one queue while the jobs arrive. (Which of them takes how many is up to
    // their polls; interview-storage's queue tests show both at work.)
    const BOOKINGS: usize = 10;
    let book = |n: usize| {
        let scheduling = if n.is_multiple_of(2) {
            first.state.scheduling()
        } else {
            second.state.scheduling()
        };
        let mut request = jane_booking(chrono::TimeDelta::days(2));
        request.email = Some(format!("jane.{n}@example.com"));
        async move { scheduling.schedule(&request).await.unwrap() }
    };
    futures_util::future::join_all((0..BOOKINGS).map(book)).await;

    // Every invitation job is done, then: exactly one message per booking.
    let mut connection = sqlx::PgConnection::connect(&database.url()).await.unwrap();
    let started = Instant::now();
    loop {
        let (done, all): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*) FILTER (WHERE status = 'Done'), COUNT(*) FROM apalis.jobs \
             WHERE convert_from(job, 'UTF8')::jsonb ->> 'kind' = 'send_invitation'",
        )
        .fetch_one(&mut connection)
        .await
        .unwrap();
        if all == BOOKINGS as i64 && done == all {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{done} of {all} invitation jobs done"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let attempts: Vec<i64> = sqlx::query_scalar(
        "SELECT attempts::bigint FROM apalis.jobs \
         WHERE convert_from(job, 'UTF8')::jsonb ->> 'kind' = 'send_invitation'",
    )
    .fetch_all(&mut connection)
    .await
    .unwrap();
    assert!(attempts.iter().all(|&n| n == 1), "{attempts:?}");
    first.stop_job_worker().await;
    second.stop_job_worker().await;
    let messages = inbox.lock().unwrap().clone();
    let invitations: Vec<&String> = messages
        .iter()
        .filter(|m| m.contains("is scheduled"))
        .collect();
    assert_eq!(invitations.len(), BOOKINGS, "{:?}", subjects(&inbox));
    // One each: every candidate's address is the recipient of one invitation.
    for n in 0..BOOKINGS {
        let to = format!("jane.{n}@example.com");
        let addressed = invitations
            .iter()
            .filter(|m| m.lines().any(|l| l.starts_with("To: ") && l.contains(&to)))
            .count();
        assert_eq!(addressed, 1, "invitations to {to}");
    }
    drop(connection);
    database.drop_database().await;
}
