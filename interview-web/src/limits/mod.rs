//! Per-client rate limits on the public routes ([`RateLimits`]).
//!
//! Four budgets, each a [`Rate`] per client: uploads (expensive: a file is stored
//! and parsed), bookings (each sends an e-mail), joining interviews (the
//! interview page, connection details, the WebSocket), and the other public pages
//! (the open positions and their forms, assets, resumes). Health, readiness,
//! metrics, the admin API and LiveKit's signed webhooks have no budget. A request past its budget is answered
//! 429 `rate_limited` with `Retry-After` and never reaches its handler.
//!
//! A budget allows `N` requests at once and then one more every `period / N`
//! (governor's GCRA, through `tower_governor`), so a client that waits a full
//! period has its whole budget back.
//!
//! The client is the peer address the server puts in the request as
//! [`ConnectInfo<SocketAddr>`](axum::extract::ConnectInfo) (serve with
//! `into_make_service_with_connect_info::<SocketAddr>()`), or behind trusted
//! proxies the address they name ([`client`]). A request without a peer address
//! (the router called directly, as tests do with `oneshot`, or served without
//! connect info) is not limited, and a warning says so once.
//!
//! Memory: each budget remembers the clients it has seen recently. Every 64
//! requests it checks how many; past [`RateLimits::max_tracked_clients`] it
//! forgets the clients whose budget is whole again, and if that is not enough it
//! starts afresh (every client's budget refilled), so memory stays bounded under
//! any number of distinct clients.

pub mod client;

use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::MatchedPath;
use axum::http::{Request, Response};
use axum::routing::Route;
use futures_util::future::BoxFuture;
use interview_core::config::Env;
use interview_core::rate::{Rate, human_wait};
use tower::{Layer, Service};
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::{GovernorError, GovernorLayer};

use client::ClientKeys;
pub use client::{Cidr, CidrParseError, ProxyHeader};

use crate::AppError;

/// How many recently seen clients each budget remembers at most, by default.
pub const DEFAULT_MAX_TRACKED_CLIENTS: usize = 100_000;

/// How often (in requests) a budget checks how many clients it remembers.
const CHECK_EVERY: u64 = 64;

/// The rate limits on the public routes, per client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    /// `RATE_LIMIT_UPLOADS` (10/10m): resume uploads.
    pub uploads: Option<Rate>,
    /// `RATE_LIMIT_BOOKINGS` (10/1h): bookings, each of which sends an invitation.
    pub bookings: Option<Rate>,
    /// `RATE_LIMIT_INTERVIEWS` (60/1m): the interview page, connection details and
    /// WebSocket joins.
    pub interviews: Option<Rate>,
    /// `RATE_LIMIT_PAGES` (300/1m): the form, `/`, assets, resumes.
    pub pages: Option<Rate>,
    /// `TRUSTED_PROXIES`: proxies whose forwarding header names the client.
    pub trusted_proxies: Vec<Cidr>,
    /// `TRUSTED_PROXY_HEADER`: which header they write.
    pub proxy_header: ProxyHeader,
    /// The most clients each budget remembers (see the module's documentation).
    pub max_tracked_clients: usize,
}

impl Default for RateLimits {
    fn default() -> Self {
        let minutes = |m: u64| Duration::from_secs(60 * m);
        Self {
            uploads: Some(Rate::per(10, minutes(10))),
            bookings: Some(Rate::per(10, minutes(60))),
            interviews: Some(Rate::per(60, minutes(1))),
            pages: Some(Rate::per(300, minutes(1))),
            trusted_proxies: Vec::new(),
            proxy_header: ProxyHeader::default(),
            max_tracked_clients: DEFAULT_MAX_TRACKED_CLIENTS,
        }
    }
}

impl RateLimits {
    /// No limits at all.
    pub fn off() -> Self {
        Self {
            uploads: None,
            bookings: None,
            interviews: None,
            pages: None,
            ..Self::default()
        }
    }

    /// Reads `RATE_LIMIT_*`, `TRUSTED_PROXIES` and `TRUSTED_PROXY_HEADER`; unset
    /// variables keep their defaults.
    pub fn from_env(env: &mut Env<'_>) -> Self {
        let defaults = Self::default();
        let trusted_proxies = match env.get("TRUSTED_PROXIES") {
            Some(list) => list
                .split(',')
                .filter(|item| !item.trim().is_empty())
                .filter_map(|item| match item.parse::<Cidr>() {
                    Ok(block) => Some(block),
                    Err(error) => {
                        env.error("TRUSTED_PROXIES", error.to_string());
                        None
                    }
                })
                .collect(),
            None => Vec::new(),
        };
        let proxy_header: ProxyHeader = env
            .parse(
                "TRUSTED_PROXY_HEADER",
                "X-Forwarded-For or Forwarded",
                |v| v.parse().ok(),
            )
            .unwrap_or_default();
        if env.get("TRUSTED_PROXY_HEADER").is_some() && trusted_proxies.is_empty() {
            env.error(
                "TRUSTED_PROXY_HEADER",
                "has no effect without TRUSTED_PROXIES: the header is only believed from those proxies",
            );
        }
        Self {
            uploads: env.rate("RATE_LIMIT_UPLOADS", defaults.uploads),
            bookings: env.rate("RATE_LIMIT_BOOKINGS", defaults.bookings),
            interviews: env.rate("RATE_LIMIT_INTERVIEWS", defaults.interviews),
            pages: env.rate("RATE_LIMIT_PAGES", defaults.pages),
            trusted_proxies,
            proxy_header,
            max_tracked_clients: defaults.max_tracked_clients,
        }
    }
}

/// The routes' budgets, with what they remember about clients.
#[derive(Debug)]
pub(crate) struct Limits {
    settings: RateLimits,
    uploads: Option<Budget>,
    bookings: Option<Budget>,
    interviews: Option<Budget>,
    pages: Option<Budget>,
}

impl Limits {
    pub(crate) fn new(settings: RateLimits) -> Self {
        let keys = ClientKeys::new(&settings.trusted_proxies, settings.proxy_header);
        let max = settings.max_tracked_clients.max(1);
        let budget = |rate: Option<Rate>, route, subject| {
            rate.map(|rate| Budget::new(route, subject, rate, keys.clone(), max))
        };
        Self {
            uploads: budget(
                settings.uploads,
                "upload",
                "Too many resumes were uploaded from your connection in a short time.",
            ),
            bookings: budget(
                settings.bookings,
                "booking",
                "Too many interviews were booked from your connection in a short time.",
            ),
            interviews: budget(
                settings.interviews,
                "interview",
                "Too many requests to join an interview came from your connection in a short time.",
            ),
            pages: budget(
                settings.pages,
                "page",
                "Too many requests came from your connection in a short time.",
            ),
            settings,
        }
    }

    pub(crate) fn settings(&self) -> &RateLimits {
        &self.settings
    }

    /// The budget of a route, by its path as the router matched it (with any
    /// prefix it is nested under); `None` for routes without one.
    fn budget_for(&self, matched: &str) -> Option<&Budget> {
        let is = |route: &str| matched.ends_with(route);
        let budget = if is("/api/upload-resume") {
            &self.uploads
        } else if is("/api/schedule-interview") {
            &self.bookings
        } else if is("/api/connection-details")
            || is("/interview/{token}")
            || is("/interview/{token}/reschedule")
            || is("/interview/{token}/cancel")
            || is("/ws/interview/{token}")
        {
            &self.interviews
        } else if matched == "/"
            || is("/apply")
            || is("/apply/{slug}")
            || is("/assets/{name}")
            || is("/resumes/{key}")
            || is("/favicon.ico")
            || is("/console")
            || is("/console/sign-in")
            || is("/api/openapi.json")
        {
            &self.pages
        } else {
            return None;
        };
        budget.as_ref()
    }

    /// How many clients the budgets remember, together.
    #[cfg(test)]
    pub(crate) fn tracked_clients(&self) -> usize {
        [&self.uploads, &self.bookings, &self.interviews, &self.pages]
            .into_iter()
            .flatten()
            .map(|budget| (budget.current().remembered)())
            .sum()
    }
}

/// One budget: a rate per client, and the clients seen lately.
struct Budget {
    /// The metric label: `upload`, `booking`, `interview`, `page`.
    route: &'static str,
    rate: Rate,
    subject: &'static str,
    keys: ClientKeys,
    max_clients: usize,
    requests: AtomicU64,
    generation: RwLock<Arc<Generation>>,
}

/// A limiter and what it remembers. `tower_governor` does not name its limiter's
/// middleware type, so the limiter is reached through closures built where the
/// type is inferred.
struct Generation {
    serve: Box<dyn Fn(Route, Request<Body>) -> RouteAnswer + Send + Sync>,
    remembered: Box<dyn Fn() -> usize + Send + Sync>,
    forget_whole: Box<dyn Fn() + Send + Sync>,
}

type RouteAnswer = BoxFuture<'static, Result<Response<Body>, Infallible>>;

impl std::fmt::Debug for Budget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Budget")
            .field("route", &self.route)
            .field("rate", &self.rate.to_string())
            .finish_non_exhaustive()
    }
}

impl Budget {
    fn new(
        route: &'static str,
        subject: &'static str,
        rate: Rate,
        keys: ClientKeys,
        max_clients: usize,
    ) -> Self {
        let generation = Generation::new(route, subject, rate, &keys);
        Self {
            route,
            rate,
            subject,
            keys,
            max_clients,
            requests: AtomicU64::new(0),
            generation: RwLock::new(Arc::new(generation)),
        }
    }

    fn current(&self) -> Arc<Generation> {
        self.generation
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Keeps the clients remembered under the bound.
    fn bound_memory(&self) {
        let seen = self.requests.fetch_add(1, Ordering::Relaxed);
        if !seen.is_multiple_of(CHECK_EVERY) {
            return;
        }
        let generation = self.current();
        if (generation.remembered)() <= self.max_clients {
            return;
        }
        (generation.forget_whole)();
        let remembered = (generation.remembered)();
        if remembered > self.max_clients {
            tracing::warn!(
                route = self.route,
                clients = remembered,
                max = self.max_clients,
                "a rate limit remembers too many clients; starting afresh"
            );
            let fresh = Generation::new(self.route, self.subject, self.rate, &self.keys);
            *self
                .generation
                .write()
                .unwrap_or_else(PoisonError::into_inner) = Arc::new(fresh);
        }
    }
}

impl Generation {
    fn new(route: &'static str, subject: &'static str, rate: Rate, keys: &ClientKeys) -> Self {
        let mut builder = GovernorConfigBuilder::default().key_extractor(keys.clone());
        builder.period(rate.interval()).burst_size(rate.count());
        #[allow(clippy::expect_used)] // a Rate's count and interval are never zero
        let config = Arc::new(builder.finish().expect("a rate has a count and a period"));
        let limiter = config.limiter().clone();
        let remembered = limiter.clone();
        let layer =
            GovernorLayer::new(config).error_handler(move |error| too_many(route, subject, error));
        Self {
            serve: Box::new(move |route: Route, request: Request<Body>| -> RouteAnswer {
                Box::pin(layer.layer(route).call(request))
            }),
            remembered: Box::new(move || remembered.len()),
            forget_whole: Box::new(move || {
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }),
        }
    }
}

/// The answer past a budget.
fn too_many(route: &'static str, subject: &str, error: GovernorError) -> Response<Body> {
    use axum::response::IntoResponse;
    match error {
        GovernorError::TooManyRequests { wait_time, .. } => {
            metrics::counter!("interview_rate_limited_total", "route" => route).increment(1);
            // governor truncates the wait to whole seconds: round it up instead.
            let wait = Duration::from_secs(wait_time + 1);
            AppError::rate_limited(
                format!("{subject} Please try again in {}.", human_wait(wait)),
                wait,
            )
            .into_response()
        }
        other => AppError::internal(&other).into_response(),
    }
}

/// Applies each route's budget; see the module's documentation.
#[derive(Debug, Clone)]
pub(crate) struct LimitLayer {
    limits: Arc<Limits>,
}

impl LimitLayer {
    pub(crate) fn new(limits: Arc<Limits>) -> Self {
        Self { limits }
    }
}

impl<S> Layer<S> for LimitLayer {
    type Service = Limited<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Limited {
            inner,
            limits: self.limits.clone(),
        }
    }
}

/// A route behind its budget.
#[derive(Debug, Clone)]
pub(crate) struct Limited<S> {
    inner: S,
    limits: Arc<Limits>,
}

impl Service<Request<Body>> for Limited<Route> {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = RouteAnswer;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        <Route as Service<Request<Body>>>::poll_ready(&mut self.inner, cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        // The service that was polled ready serves this request; a clone stays.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let budget = request
            .extensions()
            .get::<MatchedPath>()
            .and_then(|matched| self.limits.budget_for(matched.as_str()));
        let Some(budget) = budget else {
            return Box::pin(inner.call(request));
        };
        if budget.keys.client(&request).is_none() {
            warn_once_without_peer();
            return Box::pin(inner.call(request));
        }
        budget.bound_memory();
        (budget.current().serve)(inner, request)
    }
}

fn warn_once_without_peer() {
    static WARNED: AtomicBool = AtomicBool::new(false);
    if !WARNED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            "rate limits are not applied: the server gives no peer address \
             (serve the router with into_make_service_with_connect_info::<SocketAddr>())"
        );
    }
}

#[cfg(test)]
mod tests;
