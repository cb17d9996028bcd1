//! Rate limits over real HTTP: each client connects from its own loopback address
//! (127.0.0.x), so the router sees distinct peers as it would in production.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::http::StatusCode;
use chrono::TimeDelta;
use interview_web::RateLimits;
use interview_web::limits::ProxyHeader;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;

use crate::helpers::{Options, PDF, multipart, schedule_body, spawn_app, spawn_app_with};

/// An answer read off the wire.
struct Answer {
    status: StatusCode,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// One HTTP/1.1 request from `from` (a loopback address) to `server`.
async fn send(
    server: SocketAddr,
    from: &str,
    head: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    let socket = TcpSocket::new_v4().unwrap();
    socket
        .bind(SocketAddr::new(from.parse::<IpAddr>().unwrap(), 0))
        .unwrap();
    let mut stream = socket.connect(server).await.unwrap();
    let mut request = format!(
        "{head} HTTP/1.1\r\nHost: jobs.example.com\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw))
        .await
        .expect("the server answers within 10 s")
        .unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Answer {
        status: StatusCode::from_u16(status).unwrap(),
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

async fn upload(server: SocketAddr, from: &str) -> Answer {
    let (content_type, body) = multipart("resume", "cv.pdf", PDF);
    send(
        server,
        from,
        "POST /api/upload-resume",
        &[("Content-Type", &content_type)],
        &body,
    )
    .await
}

async fn book(server: SocketAddr, from: &str, email: &str) -> Answer {
    let mut body = schedule_body("2030-03-02T14:30");
    body["email"] = json!(email);
    send(
        server,
        from,
        "POST /api/schedule-interview",
        &[("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    )
    .await
}

fn assert_rate_limited(answer: &Answer, retry_after: std::ops::RangeInclusive<u64>) {
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
    let seconds: u64 = answer
        .header("retry-after")
        .expect("a Retry-After header")
        .parse()
        .unwrap();
    assert!(retry_after.contains(&seconds), "Retry-After: {seconds}");
    assert_eq!(answer.json()["error"]["code"], "rate_limited");
}

#[tokio::test]
async fn an_upload_flood_is_cut_at_the_budget_and_other_clients_go_on() {
    let app = spawn_app();
    let server = app.serve().await;
    for n in 0..10 {
        let answer = upload(server, "127.0.0.1").await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "upload {n}: {:?}",
            answer.json()
        );
    }
    let refused = upload(server, "127.0.0.1").await;
    // 10 per 10 minutes: the next one in a minute.
    assert_rate_limited(&refused, 59..=61);
    assert_eq!(
        refused.json()["error"]["message"],
        "Too many resumes were uploaded from your connection in a short time. Please try again in 1 minute."
    );
    // The refused upload never reached the store.
    assert_eq!(app.resumes.len(), 10);
    assert_eq!(upload(server, "127.0.0.2").await.status, StatusCode::OK);
    // Other budgets of the flooding client are untouched.
    let page = send(server, "127.0.0.1", "GET /apply", &[], b"").await;
    assert_eq!(page.status, StatusCode::OK);
}

#[tokio::test]
async fn a_booking_flood_is_cut_at_the_budget_and_other_clients_go_on() {
    let app = spawn_app();
    let server = app.serve().await;
    // Distinct addresses: this is the per-client limit, not the per-address one.
    for n in 0..10 {
        let answer = book(server, "127.0.0.1", &format!("candidate{n}@example.com")).await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "booking {n}: {:?}",
            answer.json()
        );
    }
    let refused = book(server, "127.0.0.1", "candidate10@example.com").await;
    // 10 per hour: the next one in six minutes.
    assert_rate_limited(&refused, 359..=361);
    assert_eq!(
        refused.json()["error"]["message"],
        "Too many interviews were booked from your connection in a short time. Please try again in 6 minutes."
    );
    assert_eq!(app.notifier.sent().len(), 10);
    assert_eq!(app.bookings.bookings().len(), 10);
    let other = book(server, "127.0.0.3", "someone@example.com").await;
    assert_eq!(other.status, StatusCode::OK);
}

fn two_pages_an_hour(trusted_proxies: &[&str]) -> Options {
    Options {
        rate_limits: RateLimits {
            pages: Some("2/1h".parse().unwrap()),
            trusted_proxies: trusted_proxies.iter().map(|c| c.parse().unwrap()).collect(),
            proxy_header: ProxyHeader::XForwardedFor,
            ..RateLimits::default()
        },
        ..Options::default()
    }
}

async fn page_for(server: SocketAddr, forwarded_for: &str) -> StatusCode {
    send(
        server,
        "127.0.0.1",
        "GET /apply",
        &[("X-Forwarded-For", forwarded_for)],
        b"",
    )
    .await
    .status
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_is_the_key() {
    let app = spawn_app_with(two_pages_an_hour(&["127.0.0.0/8"]));
    let server = app.serve().await;
    // The proxy appends the address it saw; what the client wrote before it is
    // not believed.
    assert_eq!(page_for(server, "203.0.113.1").await, StatusCode::OK);
    assert_eq!(
        page_for(server, "6.6.6.6, 203.0.113.1").await,
        StatusCode::OK
    );
    assert_eq!(
        page_for(server, "7.7.7.7, 203.0.113.1").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(page_for(server, "203.0.113.2").await, StatusCode::OK);
}

#[tokio::test]
async fn without_trusted_proxies_a_forwarding_header_is_ignored() {
    let app = spawn_app_with(two_pages_an_hour(&[]));
    let server = app.serve().await;
    assert_eq!(page_for(server, "203.0.113.1").await, StatusCode::OK);
    assert_eq!(page_for(server, "203.0.113.2").await, StatusCode::OK);
    assert_eq!(
        page_for(server, "203.0.113.3").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Proxies configured, but this peer is not one of them: also ignored.
    let app = spawn_app_with(two_pages_an_hour(&["10.0.0.0/8"]));
    let server = app.serve().await;
    for expected in [
        StatusCode::OK,
        StatusCode::OK,
        StatusCode::TOO_MANY_REQUESTS,
    ] {
        assert_eq!(page_for(server, "203.0.113.10").await, expected);
    }
}

#[tokio::test]
async fn health_checks_and_the_admin_api_have_no_budget() {
    let app = spawn_app_with(Options {
        rate_limits: RateLimits {
            pages: Some("1/1h".parse().unwrap()),
            interviews: Some("1/1h".parse().unwrap()),
            ..RateLimits::default()
        },
        ..Options::default()
    });
    let server = app.serve().await;
    for _ in 0..20 {
        let health = send(server, "127.0.0.1", "GET /healthz", &[], b"").await;
        assert_eq!(health.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn a_fourth_booking_for_one_address_is_refused_until_the_window_passes() {
    let app = spawn_app();
    let server = app.serve().await;
    // Each from its own connection address: the per-client limit is not what stops it.
    for (n, email) in ["jose@example.com", "Jose@Example.com", "JOSE@example.com"]
        .into_iter()
        .enumerate()
    {
        let answer = book(server, &format!("127.0.1.{n}"), email).await;
        assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.json());
    }
    let refused = book(server, "127.0.1.9", "jOsE@example.COM").await;
    assert_rate_limited(&refused, 86_400..=86_400);
    let error = &refused.json()["error"];
    assert_eq!(error["field"], "email");
    assert_eq!(
        error["message"],
        "This e-mail address already has 3 interviews booked in the last 24 hours, the most we allow. \
         Please use the link in the invitation you received, or try again later."
    );
    assert_eq!(app.bookings.bookings().len(), 3, "no booking was made");
    assert_eq!(app.notifier.sent().len(), 3, "no e-mail was sent");
    // Another address is not affected.
    let other = book(server, "127.0.1.9", "ana@example.com").await;
    assert_eq!(other.status, StatusCode::OK);

    // A day and a second later the first three have left the window.
    app.clock
        .advance(TimeDelta::hours(24) + TimeDelta::seconds(1));
    let mut body = schedule_body("2030-03-03T14:30");
    body["email"] = json!("jose@example.com");
    let again = send(
        server,
        "127.0.1.10",
        "POST /api/schedule-interview",
        &[("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{:?}", again.json());
    assert_eq!(app.notifier.sent().len(), 5);
}
