//! Serving the router on a TCP listener with the bounds `axum::serve` lacks: a
//! header-read timeout, an idle timeout, a connection limit, accept errors that never
//! stop the server, and a graceful shutdown with a deadline.
//!
//! | bound | default | what happens when it is crossed |
//! |---|---|---|
//! | [`ServeOptions::header_read_timeout`] | 10 s | a connection that has not sent a whole request head in time (its first request, or the next one on a kept-alive HTTP/1 connection) is closed |
//! | [`ServeOptions::idle_timeout`] | 60 s | a connection with no request in flight for this long is closed (HTTP/2; HTTP/1 connections meet the header-read timeout first) |
//! | [`ServeOptions::max_connections`] | 1024 | no more connections are accepted until one closes: new ones wait in the kernel's backlog |
//! | [`ServeOptions::shutdown_timeout`] | 30 s | at shutdown, requests still running after this are cut |
//!
//! A connection upgraded to a WebSocket (a live interview) leaves HTTP behind: no
//! timeout of this module applies to it any more, but it keeps its place in the
//! connection limit until it closes, so live interviews count against the limit and
//! are never cut by it.
//!
//! Health checks must answer when the public port is saturated: serve
//! [`crate::ops::OpsRouter`] on a second listener with [`serve`] too.
//!
//! ```no_run
//! # async fn run(state: interview_web::AppState) {
//! use interview_web::server::{ServeOptions, serve};
//!
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await.unwrap();
//! // In an application: Ctrl-C or SIGTERM (tokio::signal).
//! let shutdown = std::future::pending::<()>();
//! serve(listener, interview_web::router(state), ServeOptions::default(), shutdown).await;
//! # }
//! ```

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use interview_core::config::Env;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc, watch};
use tokio::time::Instant;
use tower::ServiceExt;

/// How long the accept loop pauses after an error such as running out of file
/// descriptors (`EMFILE`), so that it neither spins nor stops.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(250);

/// The server's bounds. [`Default`] gives the documented defaults;
/// [`ServeOptions::from_env`] reads them from `HTTP_*` variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeOptions {
    /// How long a connection may take to send a request's head (request line and
    /// headers): slow senders ("slowloris") are closed after it.
    pub header_read_timeout: Duration,
    /// How long a connection may stay open with no request in flight.
    pub idle_timeout: Duration,
    /// How many connections are served at once, upgraded ones included.
    pub max_connections: usize,
    /// How long shutdown waits for requests in flight before cutting them.
    pub shutdown_timeout: Duration,
}

impl ServeOptions {
    /// The default header-read timeout.
    pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
    /// The default idle timeout.
    pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
    /// The default connection limit.
    pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
    /// The default shutdown deadline.
    pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);
}

impl ServeOptions {
    /// Reads `HTTP_HEADER_READ_TIMEOUT_SECS`, `HTTP_IDLE_TIMEOUT_SECS`,
    /// `HTTP_MAX_CONNECTIONS` and `HTTP_SHUTDOWN_TIMEOUT_SECS`, each defaulting to the
    /// constants above; a value out of range is recorded in `env` and the default used.
    pub fn from_env(env: &mut Env<'_>) -> Self {
        let defaults = Self::default();
        let mut seconds = |name: &'static str, default: Duration| {
            env.parse(name, "a whole number of seconds from 1 to 3600", |value| {
                value
                    .parse::<u64>()
                    .ok()
                    .filter(|secs| (1..=3600).contains(secs))
                    .map(Duration::from_secs)
            })
            .unwrap_or(default)
        };
        let header_read_timeout = seconds(
            "HTTP_HEADER_READ_TIMEOUT_SECS",
            defaults.header_read_timeout,
        );
        let idle_timeout = seconds("HTTP_IDLE_TIMEOUT_SECS", defaults.idle_timeout);
        let shutdown_timeout = seconds("HTTP_SHUTDOWN_TIMEOUT_SECS", defaults.shutdown_timeout);
        let max_connections = env
            .parse(
                "HTTP_MAX_CONNECTIONS",
                "a whole number of connections from 1 to 1000000",
                |value| {
                    value
                        .parse::<usize>()
                        .ok()
                        .filter(|n| (1..=1_000_000).contains(n))
                },
            )
            .unwrap_or(defaults.max_connections);
        Self {
            header_read_timeout,
            idle_timeout,
            max_connections,
            shutdown_timeout,
        }
    }
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            header_read_timeout: Self::DEFAULT_HEADER_READ_TIMEOUT,
            idle_timeout: Self::DEFAULT_IDLE_TIMEOUT,
            max_connections: Self::DEFAULT_MAX_CONNECTIONS,
            shutdown_timeout: Self::DEFAULT_SHUTDOWN_TIMEOUT,
        }
    }
}

/// What the accept loop tells its connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Running,
    /// Finish what is in flight, then close.
    Graceful,
    /// The shutdown deadline passed: close now.
    Now,
}

/// Serves `router` on `listener` until `shutdown` completes, then stops accepting,
/// lets requests in flight finish for up to [`ServeOptions::shutdown_timeout`] and
/// returns.
///
/// Handlers can read the client's address with
/// `axum::extract::ConnectInfo<SocketAddr>`. Errors accepting a connection (a full
/// file-descriptor table, say) are logged and retried after a short pause; errors of
/// one connection are logged at debug level and end that connection only.
pub async fn serve<F>(listener: TcpListener, router: Router, options: ServeOptions, shutdown: F)
where
    F: Future<Output = ()> + Send,
{
    let permits = Arc::new(Semaphore::new(options.max_connections.max(1)));
    let (stop, stopped) = watch::channel(Stop::Running);
    // Every connection task holds a sender; when all are dropped, all are done.
    let (drain, mut drained) = mpsc::channel::<Infallible>(1);
    let builder = Arc::new(builder(&options));
    let mut shutdown = pin!(shutdown);
    let mut failing = false;
    loop {
        let permit = tokio::select! {
            biased;
            () = &mut shutdown => break,
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let (stream, remote) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) if is_connection_error(&error) => {
                    tracing::debug!(%error, "a connection failed before it was accepted");
                    continue;
                }
                Err(error) => {
                    // Logged once per episode, not four times a second.
                    if failing {
                        tracing::debug!(%error, "still cannot accept connections");
                    } else {
                        tracing::error!(%error, "cannot accept connections; retrying every {ACCEPT_ERROR_PAUSE:?}");
                    }
                    failing = true;
                    tokio::select! {
                        biased;
                        () = &mut shutdown => break,
                        () = tokio::time::sleep(ACCEPT_ERROR_PAUSE) => continue,
                    }
                }
            },
        };
        if std::mem::take(&mut failing) {
            tracing::info!("accepting connections again");
        }
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "TCP_NODELAY could not be set");
        }
        let connection = Connection {
            builder: builder.clone(),
            router: router.clone(),
            options: options.clone(),
            remote,
            stop: stopped.clone(),
            _drain: drain.clone(),
        };
        tokio::spawn(connection.serve(stream, permit));
    }
    drop(listener);
    drop(drain);
    let _ = stop.send(Stop::Graceful);
    if tokio::time::timeout(options.shutdown_timeout, drained.recv())
        .await
        .is_err()
    {
        tracing::warn!(
            timeout = ?options.shutdown_timeout,
            "requests still running at the shutdown deadline were cut"
        );
        let _ = stop.send(Stop::Now);
    }
}

fn builder(options: &ServeOptions) -> Builder<TokioExecutor> {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(options.header_read_timeout);
    builder.http2().timer(TokioTimer::new());
    builder
}

/// Errors of one connection that the listener reports (it was reset before it was
/// accepted); nothing is wrong with the listener.
fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// One accepted connection and what it needs.
struct Connection {
    builder: Arc<Builder<TokioExecutor>>,
    router: Router,
    options: ServeOptions,
    remote: SocketAddr,
    stop: watch::Receiver<Stop>,
    _drain: mpsc::Sender<Infallible>,
}

impl Connection {
    async fn serve(mut self, stream: TcpStream, permit: OwnedSemaphorePermit) {
        let activity = Arc::new(Activity::new());
        let service = {
            let activity = activity.clone();
            let router = self.router.clone();
            let remote = self.remote;
            hyper::service::service_fn(move |mut request: Request<Incoming>| {
                let busy = activity.begin();
                request.extensions_mut().insert(ConnectInfo(remote));
                let router = router.clone();
                async move {
                    let response = router.oneshot(request.map(Body::new)).await?;
                    // The request counts as in flight until its body is sent.
                    Ok::<_, Infallible>(
                        response.map(|body| Body::new(Tracked { body, _busy: busy })),
                    )
                }
            })
        };
        // The permit lives in the IO: an upgraded connection keeps it until it closes.
        let io = TokioIo::new(Permitted {
            stream,
            _permit: permit,
        });
        let mut connection = pin!(self.builder.serve_connection_with_upgrades(io, service));
        let mut closing = false;
        loop {
            let deadline = activity.deadline(&self.options);
            if !closing && deadline.is_some_and(|deadline| deadline <= Instant::now()) {
                tracing::debug!(remote = %self.remote, "closing an idle connection");
                closing = true;
                connection.as_mut().graceful_shutdown();
            }
            let wake = if closing { None } else { deadline };
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(error) = result {
                        tracing::debug!(remote = %self.remote, error = %error, "connection ended with an error");
                    }
                    return;
                }
                () = sleep_until(wake) => {}
                () = activity.changed.notified() => {}
                changed = self.stop.changed() => {
                    let stop = if changed.is_ok() { *self.stop.borrow_and_update() } else { Stop::Now };
                    match stop {
                        Stop::Running => {}
                        Stop::Graceful => if !closing {
                            closing = true;
                            connection.as_mut().graceful_shutdown();
                        },
                        Stop::Now => return,
                    }
                }
            }
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Whether a connection has requests in flight, and since when it has not.
struct Activity {
    state: Mutex<ActivityState>,
    /// Woken when the last request in flight finishes.
    changed: Notify,
}

struct ActivityState {
    in_flight: usize,
    /// When the connection was accepted or last finished a request.
    quiet_since: Instant,
    /// Whether a request has been read yet.
    served: bool,
}

impl Activity {
    fn new() -> Self {
        Self {
            state: Mutex::new(ActivityState {
                in_flight: 0,
                quiet_since: Instant::now(),
                served: false,
            }),
            changed: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ActivityState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn begin(self: &Arc<Self>) -> Busy {
        let mut state = self.lock();
        state.in_flight += 1;
        state.served = true;
        Busy(self.clone())
    }

    /// When the connection is to be closed for idleness, `None` while a request is
    /// in flight. Before its first request a connection has the header-read timeout
    /// (which also covers the bytes hyper reads to tell HTTP/1 from HTTP/2).
    fn deadline(&self, options: &ServeOptions) -> Option<Instant> {
        let state = self.lock();
        if state.in_flight > 0 {
            None
        } else if state.served {
            Some(state.quiet_since + options.idle_timeout)
        } else {
            Some(state.quiet_since + options.header_read_timeout)
        }
    }
}

/// A request in flight on its connection.
struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.in_flight -= 1;
        if state.in_flight == 0 {
            state.quiet_since = Instant::now();
            drop(state);
            self.0.changed.notify_one();
        }
    }
}

/// A response body that keeps its request in flight until it is sent or dropped.
struct Tracked {
    body: Body,
    _busy: Busy,
}

impl hyper::body::Body for Tracked {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A TCP stream holding its place in the connection limit.
struct Permitted {
    stream: TcpStream,
    _permit: OwnedSemaphorePermit,
}

impl AsyncRead for Permitted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Permitted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}
