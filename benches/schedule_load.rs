//! Load on `POST /api/schedule-interview` with the embedded defaults (SQLite, outbox),
//! against the booking store's own create throughput, in the same run.
//!
//! `cargo bench --bench schedule_load` (add `-- --quick` for a short run).
//! Prints requests per second and p50 / p99 latency at 1 and 64 concurrent clients.
//! Each HTTP booking names a resume uploaded before the clock starts, so claiming it
//! is part of what is measured; the store-only side creates bookings without one.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use interview::bootstrap::Application;
use interview::config::Config;
use interview::store::BookingStore;
use interview::{Booking, BookingToken, NewBooking, ScheduleRequest, SchedulingRules};
use interview_storage::sqlite::SqliteBookingStore;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[path = "support/latency.rs"]
mod latency;

use latency::{Stats, ms, stats};

/// A booking as the apply page sends it, naming a resume uploaded before (`None`
/// for the store-only comparison, which books without one).
fn request_json(resume_url: Option<&str>) -> String {
    serde_json::json!({
        "name": "Jane Doe",
        "email": "jane@example.com",
        "phone": "5551234567",
        "datetime": (Utc::now() + TimeDelta::days(1)).to_rfc3339(),
        "timeZone": "Europe/Paris",
        "resumeUrl": resume_url,
        "resumeText": "Rust engineer with seven years of experience in distributed systems.",
    })
    .to_string()
}

/// Uploads `count` resumes before the clock starts: each booking claims its own,
/// as the apply page's do.
async fn upload_resumes(app: &Application, count: usize) -> Vec<String> {
    let scheduling = app.state.scheduling();
    let mut urls = Vec::with_capacity(count);
    for _ in 0..count {
        let uploaded = scheduling
            .upload_resume(bytes::Bytes::from_static(RESUME))
            .await
            .expect("upload");
        urls.push(scheduling.settings().absolute_url(&uploaded.resume_url));
    }
    urls
}

/// A small resume file (its text need not be readable: the file is stored and
/// recorded either way).
const RESUME: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

/// One keep-alive HTTP/1.1 connection posting one booking per resume URL.
async fn client(address: std::net::SocketAddr, resume_urls: Vec<String>) -> Vec<Duration> {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let mut latencies = Vec::with_capacity(resume_urls.len());
    let mut buffer = Vec::with_capacity(4096);
    for resume_url in resume_urls {
        let body = request_json(Some(&resume_url));
        let request = format!(
            "POST /api/schedule-interview HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let started = Instant::now();
        stream.write_all(request.as_bytes()).await.expect("write");
        buffer.clear();
        // Read the head, then exactly Content-Length bytes of body.
        let (head_end, length) = loop {
            let mut chunk = [0_u8; 4096];
            let n = stream.read(&mut chunk).await.expect("read");
            assert!(n > 0, "server closed the connection");
            buffer.extend_from_slice(&chunk[..n]);
            if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
                assert!(head.starts_with("http/1.1 200"), "{head}");
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .expect("content-length");
                break (end + 4, length);
            }
        };
        while buffer.len() < head_end + length {
            let mut chunk = [0_u8; 4096];
            let n = stream.read(&mut chunk).await.expect("read body");
            buffer.extend_from_slice(&chunk[..n]);
        }
        latencies.push(started.elapsed());
    }
    latencies
}

async fn http_load(
    address: std::net::SocketAddr,
    clients: usize,
    resume_urls: &mut Vec<String>,
    total: usize,
) -> Stats {
    let per_client = total / clients;
    let batches: Vec<Vec<String>> = (0..clients)
        .map(|_| resume_urls.split_off(resume_urls.len() - per_client))
        .collect();
    let started = Instant::now();
    let tasks: Vec<_> = batches
        .into_iter()
        .map(|urls| tokio::spawn(client(address, urls)))
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("client"));
    }
    stats(latencies, started.elapsed())
}

async fn store_load(store: Arc<SqliteBookingStore>, clients: usize, total: usize) -> Stats {
    let request: ScheduleRequest = serde_json::from_str(&request_json(None)).expect("request");
    let new = NewBooking::parse(&request, Utc::now(), &SchedulingRules::default()).expect("valid");
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let store = store.clone();
            let new = new.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                for _ in 0..total / clients {
                    let booking = Booking::new(
                        BookingToken::generate().expect("token"),
                        new.clone(),
                        Utc::now(),
                    );
                    let t = Instant::now();
                    store.create(&booking).await.expect("create");
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("task"));
    }
    stats(latencies, started.elapsed())
}

#[tokio::main]
async fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let total = if quick { 640 } else { 6400 };

    let data = tempfile::tempdir().expect("tempdir");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let vars = HashMap::from([
        ("DATA_DIR".to_owned(), data.path().display().to_string()),
        ("BIND_ADDRESS".to_owned(), address.to_string()),
        // One client books for one address thousands of times: the limits that
        // stop exactly that are off, so the booking path itself is measured.
        ("INVITATIONS_PER_ADDRESS".to_owned(), "off".to_owned()),
        ("RATE_LIMIT_BOOKINGS".to_owned(), "off".to_owned()),
    ]);
    let app = Application::build(Config::from_map(&vars).expect("config"))
        .await
        .expect("app");
    let router = app.router();
    tokio::spawn(async move { interview::web::axum::serve(listener, router).await });
    // Every booking claims a resume of its own: warm-ups and runs at 1 and 64 clients.
    let mut resume_urls = upload_resumes(&app, 2 * (total + 64)).await;

    let store_dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(
        SqliteBookingStore::open(store_dir.path().join("bench.db"))
            .await
            .expect("store"),
    );

    println!(
        "| clients | schedule-interview req/s | p50 | p99 | store create ops/s | p50 | p99 | HTTP / store |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for clients in [1, 64] {
        // Warm up both paths.
        let _ = http_load(address, clients.min(8), &mut resume_urls, 64).await;
        let _ = store_load(store.clone(), clients.min(8), 64).await;
        let http = http_load(address, clients, &mut resume_urls, total).await;
        let direct = store_load(store.clone(), clients, total).await;
        println!(
            "| {clients} | {:.0} | {} | {} | {:.0} | {} | {} | {:.2} |",
            http.ops_per_sec,
            ms(http.p50),
            ms(http.p99),
            direct.ops_per_sec,
            ms(direct.p50),
            ms(direct.p99),
            http.ops_per_sec / direct.ops_per_sec,
        );
    }
}
