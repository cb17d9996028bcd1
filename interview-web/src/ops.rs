//! The operations router: liveness, readiness and Prometheus metrics, served on a
//! listener of their own so health checks answer while the public port is saturated,
//! and so `/metrics` is not public.
//!
//! | route | answer |
//! |---|---|
//! | `GET /livez` | 200 `{"status":"alive"}` while the process serves requests at all |
//! | `GET /readyz` | 200 `{"status":"ready","checks":{...}}` when the database answers and every start-up check passed; else 503 `{"status":"unavailable","checks":{"database":"unavailable",...}}` (the causes are logged, never answered) |
//! | `GET /metrics` | the Prometheus text format, from every crate's `metrics` (404 without a recorder) |
//!
//! ```no_run
//! # async fn run(state: interview_web::AppState) {
//! use interview_web::ops::{OpsRouter, install_metrics_recorder};
//! use interview_web::server::{ServeOptions, serve};
//!
//! let metrics = install_metrics_recorder().unwrap();
//! let ops = OpsRouter::new(&state).with_metrics(metrics).into_router();
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:9090").await.unwrap();
//! serve(listener, ops, ServeOptions::ops(), std::future::pending()).await;
//! # }
//! ```

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::future::join_all;
use metrics_exporter_prometheus::PrometheusBuilder;
/// The exporter's types: a handle renders `/metrics`, a recorder records.
pub use metrics_exporter_prometheus::{BuildError, PrometheusHandle, PrometheusRecorder};
use serde_json::{Map, Value, json};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::AppState;
use crate::server::ServeOptions;

/// How long one readiness check may take before it counts as failed: a database
/// that does not answer must not hold the prober (or the server) waiting.
pub const READINESS_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// How often histogram samples are folded into their buckets, so that memory stays
/// bounded when nobody scrapes `/metrics`.
const METRICS_UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Bucket bounds, in seconds, of every histogram: HTTP latencies, turn latencies,
/// extraction times.
const BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// One part of the application that must be ready before it takes traffic.
#[async_trait::async_trait]
pub trait ReadinessCheck: Send + Sync + 'static {
    /// `Ok` when ready; the error is logged, never answered.
    async fn check(&self) -> Result<(), String>;
}

/// The outcome of a check made once at start-up (is the offline voice installed?),
/// reported on every readiness probe.
#[derive(Debug, Clone)]
pub struct StartupCheck(Result<(), String>);

impl StartupCheck {
    /// A check that passed.
    pub fn passed() -> Self {
        Self(Ok(()))
    }

    /// A check that failed, and why (logged on every probe, never answered).
    pub fn failed(reason: impl Into<String>) -> Self {
        Self(Err(reason.into()))
    }
}

#[async_trait::async_trait]
impl ReadinessCheck for StartupCheck {
    async fn check(&self) -> Result<(), String> {
        self.0.clone()
    }
}

/// The booking store answers a ping.
struct DatabaseCheck(AppState);

#[async_trait::async_trait]
impl ReadinessCheck for DatabaseCheck {
    async fn check(&self) -> Result<(), String> {
        self.0
            .scheduling
            .bookings()
            .ping()
            .await
            .map_err(|error| error.to_string())
    }
}

/// Builds the operations router.
#[derive(Clone)]
pub struct OpsRouter {
    checks: Vec<(&'static str, Arc<dyn ReadinessCheck>)>,
    metrics: Option<PrometheusHandle>,
}

impl std::fmt::Debug for OpsRouter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let checks: Vec<&str> = self.checks.iter().map(|(name, _)| *name).collect();
        f.debug_struct("OpsRouter")
            .field("checks", &checks)
            .field("metrics", &self.metrics.is_some())
            .finish()
    }
}

impl OpsRouter {
    /// Readiness over the application's booking store (the check named `database`),
    /// no metrics yet.
    pub fn new(state: &AppState) -> Self {
        Self {
            checks: vec![("database", Arc::new(DatabaseCheck(state.clone())))],
            metrics: None,
        }
    }

    /// Adds a readiness check under `name` (the key in `/readyz`'s `checks`).
    pub fn with_check(mut self, name: &'static str, check: impl ReadinessCheck) -> Self {
        self.checks.push((name, Arc::new(check)));
        self
    }

    /// Serves `/metrics` from `handle`.
    pub fn with_metrics(mut self, handle: PrometheusHandle) -> Self {
        self.metrics = Some(handle);
        self
    }

    /// The routes, to serve on the operations listener.
    pub fn into_router(self) -> Router {
        Router::new()
            .route("/livez", get(livez))
            .route("/readyz", get(readyz))
            .route("/metrics", get(render_metrics))
            .fallback(crate::error::no_route)
            .method_not_allowed_fallback(crate::error::method_not_allowed)
            .with_state(Arc::new(self))
            .layer(SetResponseHeaderLayer::overriding(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-store"),
            ))
    }
}

impl ServeOptions {
    /// Bounds for the operations listener: the same timeouts, room for a few
    /// probers and scrapers.
    pub fn ops() -> Self {
        Self {
            max_connections: 64,
            ..Self::default()
        }
    }
}

async fn livez() -> Json<Value> {
    Json(json!({ "status": "alive" }))
}

async fn readyz(State(ops): State<Arc<OpsRouter>>) -> (StatusCode, Json<Value>) {
    let outcomes = join_all(ops.checks.iter().map(|(name, check)| async move {
        let outcome = match tokio::time::timeout(READINESS_CHECK_TIMEOUT, check.check()).await {
            Ok(outcome) => outcome,
            Err(_) => Err(format!(
                "no answer within {}s",
                READINESS_CHECK_TIMEOUT.as_secs()
            )),
        };
        (*name, outcome)
    }))
    .await;
    let mut checks = Map::new();
    let mut ready = true;
    for (name, outcome) in outcomes {
        let answer = match outcome {
            Ok(()) => "ok",
            Err(reason) => {
                tracing::warn!(check = name, %reason, "not ready");
                ready = false;
                "unavailable"
            }
        };
        checks.insert(name.to_owned(), Value::from(answer));
    }
    let (status, word) = if ready {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
    };
    (status, Json(json!({ "status": word, "checks": checks })))
}

async fn render_metrics(State(ops): State<Arc<OpsRouter>>) -> Response {
    match &ops.metrics {
        Some(handle) => (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            handle.render(),
        )
            .into_response(),
        None => {
            crate::AppError::not_found("Metrics are not enabled on this server.").into_response()
        }
    }
}

/// A Prometheus recorder with the application's histogram buckets, not installed:
/// install it with [`install_metrics_recorder`], or use it locally in a test.
pub fn metrics_recorder() -> PrometheusRecorder {
    builder().build_recorder()
}

fn builder() -> PrometheusBuilder {
    // Only an empty bucket list is refused; should it be, summaries remain.
    PrometheusBuilder::new()
        .set_buckets(BUCKETS)
        .unwrap_or_else(|_| PrometheusBuilder::new())
}

/// Installs a Prometheus recorder as the process's `metrics` recorder and returns
/// the handle `/metrics` renders from. Call it once, inside the Tokio runtime: it
/// starts the task that keeps the recorder's memory bounded between scrapes.
///
/// Fails when another recorder is installed already.
pub fn install_metrics_recorder() -> Result<PrometheusHandle, BuildError> {
    let handle = builder().install_recorder()?;
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => {
            let upkeep = handle.clone();
            runtime.spawn(async move {
                let mut every = tokio::time::interval(METRICS_UPKEEP_EVERY);
                loop {
                    every.tick().await;
                    upkeep.run_upkeep();
                }
            });
        }
        Err(_) => tracing::warn!(
            "the metrics recorder was installed outside a Tokio runtime: call \
             PrometheusHandle::run_upkeep periodically"
        ),
    }
    Ok(handle)
}
