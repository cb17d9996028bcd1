//! The server over real TCP connections: timeouts, the connection limit, the
//! operations listener, WebSockets and graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::extract::ws::WebSocketUpgrade;
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use interview_web::ops::OpsRouter;
use interview_web::server::{ServeOptions, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;
use tokio::time::{Instant, timeout};

use crate::helpers::spawn_app;

/// A server on a free port, and the switch that shuts it down.
pub(crate) struct Served {
    pub(crate) addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    pub(crate) task: JoinHandle<()>,
}

impl Served {
    pub(crate) async fn start(router: Router, options: ServeOptions) -> Self {
        // A backlog that holds every connection the tests queue (tokio's default,
        // 128, would leave some waiting in SYN retries instead).
        let socket = TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let listener: TcpListener = socket.listen(1024).unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, router, options, async {
            let _ = stopped.await;
        }));
        Self {
            addr,
            stop: Some(stop),
            task,
        }
    }

    fn shut_down(&mut self) {
        let _ = self.stop.take().unwrap().send(());
    }
}

fn short(header_read_ms: u64, idle_ms: u64, max_connections: usize) -> ServeOptions {
    ServeOptions {
        header_read_timeout: Duration::from_millis(header_read_ms),
        idle_timeout: Duration::from_millis(idle_ms),
        max_connections,
        shutdown_timeout: Duration::from_secs(5),
    }
}

/// One request on a fresh connection; `None` when no whole answer came within
/// `wait`. Returns the status and the body.
pub(crate) async fn http_get(
    addr: SocketAddr,
    path: &str,
    wait: Duration,
) -> Option<(u16, String)> {
    timeout(wait, async {
        let mut stream = TcpStream::connect(addr).await.ok()?;
        let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.ok()?;
        let answer = String::from_utf8_lossy(&answer).into_owned();
        let status = answer.split(' ').nth(1)?.parse().ok()?;
        let body = answer.split_once("\r\n\r\n")?.1.to_owned();
        Some((status, body))
    })
    .await
    .ok()
    .flatten()
}

/// Asks until `path` answers, or panics at `deadline`.
async fn answers_within(addr: SocketAddr, path: &str, deadline: Duration) -> (u16, String) {
    let until = Instant::now() + deadline;
    loop {
        if let Some(answer) = http_get(addr, path, Duration::from_millis(500)).await {
            return answer;
        }
        assert!(
            Instant::now() < until,
            "{path} did not answer within {deadline:?}"
        );
    }
}

/// Whether the server closed `stream` (end of file or reset) within `deadline`.
async fn closed_within(stream: &mut TcpStream, deadline: Duration) -> bool {
    let mut buffer = [0_u8; 1024];
    let until = Instant::now() + deadline;
    loop {
        match timeout(
            until.saturating_duration_since(Instant::now()),
            stream.read(&mut buffer),
        )
        .await
        {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            // An answer (408, say) may come before the close.
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_slow_connections_are_closed_and_health_checks_keep_answering() {
    let app = spawn_app();
    let limit = 64;
    let public = Served::start(app.router.clone(), short(1000, 1000, limit)).await;
    let ops_router = OpsRouter::new(&app.state).into_router();
    let ops = Served::start(ops_router, ServeOptions::ops()).await;

    // The limit's worth of slow senders: one header line every 200 ms, never done.
    let mut slow = Vec::new();
    for _ in 0..limit {
        let mut stream = TcpStream::connect(public.addr).await.unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\n")
            .await
            .unwrap();
        slow.push(stream);
    }
    let (read_halves, write_halves): (Vec<_>, Vec<_>) =
        slow.into_iter().map(TcpStream::into_split).unzip();
    let trickle = tokio::spawn(async move {
        let mut writers = write_halves;
        for line in 0.. {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let mut alive = false;
            for writer in &mut writers {
                let header = format!("X-Slow-{line}: 1\r\n");
                alive |= writer.write_all(header.as_bytes()).await.is_ok();
            }
            if !alive {
                break;
            }
        }
    });
    // Hundreds more that send nothing at all, queued behind them.
    let mut idle = Vec::new();
    for _ in 0..300 {
        idle.push(TcpStream::connect(public.addr).await.unwrap());
    }

    // The public port is saturated: a well-behaved request waits.
    assert_eq!(
        http_get(public.addr, "/healthz", Duration::from_millis(300)).await,
        None,
        "the connection limit was not reached"
    );
    // The operations listener answers all the same.
    let (status, body) = http_get(ops.addr, "/livez", Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!((status, body.as_str()), (200, r#"{"status":"alive"}"#));
    let (status, body) = http_get(ops.addr, "/readyz", Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""database":"ok""#), "{body}");

    // The timeouts reap the attackers, and the public port answers again.
    let (status, _) = answers_within(public.addr, "/healthz", Duration::from_secs(30)).await;
    assert_eq!(status, 200);
    for mut reader in read_halves {
        let mut buffer = [0_u8; 256];
        let closed = timeout(Duration::from_secs(10), async {
            loop {
                match reader.read(&mut buffer).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        })
        .await;
        assert!(closed.is_ok(), "a slow sender was never closed");
    }
    trickle.await.unwrap();
    for stream in &mut idle {
        assert!(
            closed_within(stream, Duration::from_secs(30)).await,
            "an idle connection was never closed"
        );
    }
}

#[tokio::test]
async fn a_kept_alive_connection_is_closed_when_idle_and_handlers_see_the_peer() {
    let router = Router::new().route(
        "/peer",
        get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.to_string() }),
    );
    let served = Served::start(router, short(300, 300, 8)).await;
    let mut stream = TcpStream::connect(served.addr).await.unwrap();
    let local = stream.local_addr().unwrap();
    stream
        .write_all(b"GET /peer HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = vec![0_u8; 1024];
    let read = timeout(Duration::from_secs(5), stream.read(&mut buffer))
        .await
        .unwrap()
        .unwrap();
    let answer = String::from_utf8_lossy(&buffer[..read]).into_owned();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with(&local.to_string()), "{answer}");
    // Kept alive, then closed once idle.
    assert!(closed_within(&mut stream, Duration::from_secs(5)).await);
}

#[tokio::test]
async fn an_http1_connection_waiting_for_its_next_request_has_the_header_read_timeout() {
    let router = Router::new().route("/", get(|| async { "ok" }));
    // An idle timeout far away: what closes the connection is the header timeout.
    let served = Served::start(router, short(300, 60_000, 8)).await;
    let mut stream = TcpStream::connect(served.addr).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = vec![0_u8; 1024];
    let read = timeout(Duration::from_secs(5), stream.read(&mut buffer))
        .await
        .unwrap()
        .unwrap();
    assert!(buffer[..read].starts_with(b"HTTP/1.1 200"));
    assert!(closed_within(&mut stream, Duration::from_secs(10)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_websocket_outlives_the_idle_timeout_and_keeps_its_place() {
    let router = Router::new()
        .route(
            "/ws",
            get(|upgrade: WebSocketUpgrade| async move {
                upgrade.on_upgrade(|mut socket| async move {
                    while let Some(Ok(message)) = socket.recv().await {
                        if socket.send(message).await.is_err() {
                            break;
                        }
                    }
                })
            }),
        )
        .route("/healthz", get(|| async { "ok" }));
    // One connection at a time: the interview's.
    let served = Served::start(router, short(200, 200, 1)).await;
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", served.addr))
        .await
        .unwrap();
    // Silent for five idle timeouts: a candidate thinking.
    let quiet_until = Instant::now() + Duration::from_secs(1);
    while Instant::now() < quiet_until {
        // Meanwhile the limit holds: the interview keeps its place.
        assert_eq!(
            http_get(served.addr, "/healthz", Duration::from_millis(200)).await,
            None
        );
    }
    socket
        .send(tokio_tungstenite::tungstenite::Message::text("still here"))
        .await
        .unwrap();
    let echoed = timeout(Duration::from_secs(5), socket.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(echoed.into_text().unwrap().as_str(), "still here");
    // The interview ends: its place is free.
    socket.close(None).await.unwrap();
    drop(socket);
    let (status, body) = answers_within(served.addr, "/healthz", Duration::from_secs(5)).await;
    assert_eq!((status, body.as_str()), (200, "ok"));
}

#[tokio::test]
async fn shutdown_stops_accepting_and_finishes_the_request_in_flight() {
    let started = Arc::new(Notify::new());
    let release = Arc::new(Notify::new());
    let router = {
        let (started, release) = (started.clone(), release.clone());
        Router::new().route(
            "/slow",
            get(move || async move {
                started.notify_one();
                release.notified().await;
                "finished"
            }),
        )
    };
    let mut served = Served::start(router, short(1000, 1000, 8)).await;
    let addr = served.addr;
    let request = tokio::spawn(http_get(addr, "/slow", Duration::from_secs(10)));
    timeout(Duration::from_secs(5), started.notified())
        .await
        .unwrap();

    served.shut_down();
    // No new connections once the listener is closed.
    let until = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(addr).await.is_ok() {
        assert!(Instant::now() < until, "still accepting after shutdown");
        tokio::task::yield_now().await;
    }
    assert!(
        !served.task.is_finished(),
        "shutdown did not wait for the request"
    );
    release.notify_one();
    let (status, body) = request.await.unwrap().unwrap();
    assert_eq!((status, body.as_str()), (200, "finished"));
    timeout(Duration::from_secs(5), &mut served.task)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn shutdown_cuts_requests_at_its_deadline() {
    let started = Arc::new(Notify::new());
    let router = {
        let started = started.clone();
        Router::new().route(
            "/forever",
            get(move || async move {
                started.notify_one();
                std::future::pending::<()>().await;
            }),
        )
    };
    let options = ServeOptions {
        shutdown_timeout: Duration::from_millis(200),
        ..short(1000, 1000, 8)
    };
    let mut served = Served::start(router, options).await;
    let request = tokio::spawn(http_get(served.addr, "/forever", Duration::from_secs(10)));
    timeout(Duration::from_secs(5), started.notified())
        .await
        .unwrap();
    served.shut_down();
    timeout(Duration::from_secs(5), &mut served.task)
        .await
        .expect("shutdown waited past its deadline")
        .unwrap();
    // The cut request's connection is closed, not left hanging (the client would
    // give up only after 10 s).
    let cut = timeout(Duration::from_secs(3), request).await;
    assert_eq!(
        cut.expect("the cut connection was left open").unwrap(),
        None
    );
}
