//! Helpers: a raw HTTP server that answers in chosen pieces (or stops answering),
//! log capture, and matchers for multipart bodies.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use interview_voice::http::{RetryPolicy, Timeouts};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// The API key every test uses; it must never show up in a log, an error or Debug.
pub(crate) const KEY: &str = "sk-test-4f9c2d1e8b7a";

/// Retries without waiting, so tests run fast.
pub(crate) fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_retries(2)
        .with_backoff(Duration::from_millis(1), Duration::from_millis(2))
}

/// Short timeouts for tests of servers that stop answering.
pub(crate) fn short_timeouts() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(2),
        idle: Duration::from_millis(300),
        total: Duration::from_secs(5),
    }
}

/// How a [`RawServer`] response ends after its pieces.
#[derive(Clone, Copy)]
pub(crate) enum End {
    /// The terminating zero-length chunk, then close.
    Finish,
    /// Close the connection without finishing the body.
    Drop,
    /// Keep the connection open and send nothing more.
    Hang,
}

/// A one-route HTTP/1.1 server that answers every request with `status`, then the
/// body as chunked pieces exactly as given (each written and flushed on its own).
pub(crate) struct RawServer {
    pub(crate) uri: String,
    pub(crate) connections: Arc<AtomicUsize>,
    requests: mpsc::UnboundedReceiver<String>,
}

impl RawServer {
    pub(crate) async fn start(status: &'static str, pieces: Vec<Vec<u8>>, end: End) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let uri = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let (tx, requests) = mpsc::unbounded_channel();
        let counter = connections.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                counter.fetch_add(1, Ordering::SeqCst);
                let pieces = pieces.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    let request = read_request(&mut socket).await;
                    let _ = tx.send(request);
                    let head = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: application/octet-stream\r\ntransfer-encoding: chunked\r\n\r\n"
                    );
                    if socket.write_all(head.as_bytes()).await.is_err() {
                        return;
                    }
                    for piece in pieces {
                        let mut chunk = format!("{:x}\r\n", piece.len()).into_bytes();
                        chunk.extend_from_slice(&piece);
                        chunk.extend_from_slice(b"\r\n");
                        if socket.write_all(&chunk).await.is_err() {
                            return;
                        }
                        let _ = socket.flush().await;
                        tokio::task::yield_now().await;
                    }
                    match end {
                        End::Finish => {
                            let _ = socket.write_all(b"0\r\n\r\n").await;
                        }
                        End::Drop => {}
                        End::Hang => std::future::pending::<()>().await,
                    }
                });
            }
        });
        Self {
            uri,
            connections,
            requests,
        }
    }

    /// The next request the server received, head and body as text.
    pub(crate) async fn request(&mut self) -> String {
        self.requests.recv().await.unwrap()
    }
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> String {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = socket.read(&mut buf).await.unwrap_or(0);
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
        if let Some(end) = find(&data, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                break;
            }
        }
    }
    String::from_utf8_lossy(&data).into_owned()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Cuts `bytes` into pieces of the given sizes (cycled), to split at odd places.
pub(crate) fn cut(bytes: &[u8], sizes: &[usize]) -> Vec<Vec<u8>> {
    let mut pieces = Vec::new();
    let mut at = 0;
    let mut i = 0;
    while at < bytes.len() {
        let size = sizes[i % sizes.len()].max(1);
        let end = (at + size).min(bytes.len());
        pieces.push(bytes[at..end].to_vec());
        at = end;
        i += 1;
    }
    pieces
}

pub(crate) use interview_core::testing::Logs;

/// The text value of the multipart field `name` in `body`, if present.
pub(crate) fn multipart_field(body: &[u8], name: &str) -> Option<Vec<u8>> {
    let marker = format!("name=\"{name}\"");
    let start = find(body, marker.as_bytes())?;
    let value_start = start + find(&body[start..], b"\r\n\r\n")? + 4;
    let value_end = value_start + find(&body[value_start..], b"\r\n--")?;
    Some(body[value_start..value_end].to_vec())
}

/// The headers of the multipart part named `name`.
pub(crate) fn multipart_headers(body: &[u8], name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\"");
    let start = find(body, marker.as_bytes())?;
    let line_start = body[..start]
        .windows(2)
        .rposition(|w| w == b"\r\n")
        .map_or(0, |p| p + 2);
    let end = start + find(&body[start..], b"\r\n\r\n")?;
    Some(String::from_utf8_lossy(&body[line_start..end]).into_owned())
}
