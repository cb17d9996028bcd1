use std::net::{Ipv4Addr, SocketAddr};

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::{StatusCode, header};
use axum::routing::get;
use http_body_util::BodyExt;
use tower::ServiceExt;

use super::*;

fn app(limits: &Arc<Limits>) -> Router {
    Router::new()
        .route("/apply", get(|| async { "form" }))
        .route("/apply/{slug}", get(|| async { "a position's form" }))
        .route("/healthz", get(|| async { "ok" }))
        .route_layer(LimitLayer::new(limits.clone()))
}

fn pages(rate: &str, max_tracked_clients: usize) -> Arc<Limits> {
    Arc::new(Limits::new(RateLimits {
        pages: Some(rate.parse().unwrap()),
        max_tracked_clients,
        ..RateLimits::default()
    }))
}

async fn get_from(app: &Router, path: &str, peer: Option<Ipv4Addr>) -> Response<Body> {
    let mut request = Request::get(path).body(Body::empty()).unwrap();
    if let Some(ip) = peer {
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((ip, 40_000))));
    }
    app.clone().oneshot(request).await.unwrap()
}

#[tokio::test]
async fn past_the_budget_the_answer_is_429_json_with_retry_after() {
    let limits = pages("3/1h", 100);
    let app = app(&limits);
    let client = Some(Ipv4Addr::new(192, 0, 2, 1));
    for _ in 0..3 {
        assert_eq!(
            get_from(&app, "/apply", client).await.status(),
            StatusCode::OK
        );
    }
    let refused = get_from(&app, "/apply", client).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = refused.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    // One more request every 20 minutes.
    assert!((1_190..=1_201).contains(&retry_after), "{retry_after}");
    let body = refused.into_body().collect().await.unwrap().to_bytes();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["error"]["code"], "rate_limited");
    assert_eq!(
        json["error"]["message"],
        "Too many requests came from your connection in a short time. Please try again in 20 minutes."
    );
    // Another client, routes without a budget, and requests without a peer address
    // are not affected.
    let other = Some(Ipv4Addr::new(192, 0, 2, 2));
    assert_eq!(
        get_from(&app, "/apply", other).await.status(),
        StatusCode::OK
    );
    for _ in 0..10 {
        assert_eq!(
            get_from(&app, "/healthz", client).await.status(),
            StatusCode::OK
        );
        assert_eq!(
            get_from(&app, "/apply", None).await.status(),
            StatusCode::OK
        );
    }
}

async fn flood_from_distinct_clients(limits: &Arc<Limits>, clients: u32) {
    let app = app(limits);
    for n in 0..clients {
        let ip = Ipv4Addr::from(0x0a00_0000 + n);
        assert_eq!(
            get_from(&app, "/apply", Some(ip)).await.status(),
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn memory_stays_bounded_under_many_distinct_clients() {
    // A budget that stays spent for an hour: nothing can be forgotten as whole
    // again, so only starting afresh keeps the bound.
    let bounded = pages("1/1h", 100);
    flood_from_distinct_clients(&bounded, 2_000).await;
    let remembered = bounded.tracked_clients();
    assert!(
        remembered <= 100 + CHECK_EVERY as usize,
        "{remembered} clients remembered"
    );
    // The same flood without a bound remembers every client: the bound is what
    // holds memory down.
    let unbounded = pages("1/1h", usize::MAX);
    flood_from_distinct_clients(&unbounded, 2_000).await;
    assert_eq!(unbounded.tracked_clients(), 2_000);
}

#[tokio::test]
async fn memory_is_given_back_when_clients_go_quiet() {
    // 1000 a second: a client's budget is whole again a few milliseconds later.
    let limits = pages("1000/1s", 10);
    flood_from_distinct_clients(&limits, 60).await;
    assert_eq!(limits.tracked_clients(), 60);
    // One client goes on; at each check past the bound the quiet ones are forgotten.
    let app = app(&limits);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while limits.tracked_clients() > 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "{} clients remembered",
            limits.tracked_clients()
        );
        get_from(&app, "/apply", Some(Ipv4Addr::new(192, 0, 2, 1))).await;
        tokio::task::yield_now().await;
    }
}

#[test]
fn settings_are_read_with_clear_errors() {
    let read = |vars: &[(&str, &str)]| Env::read_pairs(vars, |env| Some(RateLimits::from_env(env)));
    assert_eq!(read(&[]).unwrap(), RateLimits::default());
    let set = read(&[
        ("RATE_LIMIT_UPLOADS", "5/1h"),
        ("RATE_LIMIT_BOOKINGS", "off"),
        ("RATE_LIMIT_INTERVIEWS", "0"),
        ("RATE_LIMIT_PAGES", "1000/1m"),
        ("TRUSTED_PROXIES", "10.0.0.0/8, fd00::/8,192.0.2.1"),
        ("TRUSTED_PROXY_HEADER", "Forwarded"),
    ])
    .unwrap();
    assert_eq!(set.uploads, Some("5/1h".parse().unwrap()));
    assert_eq!((set.bookings, set.interviews), (None, None));
    assert_eq!(set.pages, Some("1000/1m".parse().unwrap()));
    assert_eq!(set.trusted_proxies.len(), 3);
    assert_eq!(set.proxy_header, ProxyHeader::Forwarded);

    let errors = read(&[
        ("RATE_LIMIT_UPLOADS", "10 per minute"),
        ("TRUSTED_PROXIES", "10.0.0.0/8,proxy.internal"),
    ])
    .unwrap_err();
    let shown: Vec<String> = errors.0.iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 2, "{shown:?}");
    assert!(
        shown[0].starts_with("TRUSTED_PROXIES: expected an address or a block"),
        "{shown:?}"
    );
    assert!(
        shown[1].starts_with("RATE_LIMIT_UPLOADS: expected a count per period such as 10/10m"),
        "{shown:?}"
    );
    let alone = read(&[("TRUSTED_PROXY_HEADER", "forwarded")]).unwrap_err();
    assert_eq!(alone.0[0].variable, "TRUSTED_PROXY_HEADER");
    let wrong = read(&[
        ("TRUSTED_PROXIES", "10.0.0.1"),
        ("TRUSTED_PROXY_HEADER", "X-Real-IP"),
    ])
    .unwrap_err();
    assert_eq!(wrong.0[0].variable, "TRUSTED_PROXY_HEADER");
}

/// Counts `interview_rate_limited_total` by its `route` label.
#[derive(Default)]
struct RefusalCounter(std::sync::Mutex<Vec<(String, Arc<AtomicU64>)>>);

struct Count(Arc<AtomicU64>);

impl metrics::CounterFn for Count {
    fn increment(&self, value: u64) {
        self.0.fetch_add(value, Ordering::Relaxed);
    }
    fn absolute(&self, value: u64) {
        self.0.store(value, Ordering::Relaxed);
    }
}

impl metrics::Recorder for RefusalCounter {
    fn describe_counter(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_gauge(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_histogram(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn register_counter(&self, key: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Counter {
        let labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        let count = Arc::new(AtomicU64::new(0));
        if key.name() == "interview_rate_limited_total" {
            self.0
                .lock()
                .unwrap()
                .push((labels.join(","), count.clone()));
        }
        metrics::Counter::from_arc(Arc::new(Count(count)))
    }
    fn register_gauge(&self, _: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Gauge {
        metrics::Gauge::noop()
    }
    fn register_histogram(
        &self,
        _: &metrics::Key,
        _: &metrics::Metadata<'_>,
    ) -> metrics::Histogram {
        metrics::Histogram::noop()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn refusals_are_counted_by_route_without_the_client() {
    let recorder = Arc::new(RefusalCounter::default());
    let _guard = metrics::set_default_local_recorder(&*recorder);
    let app = app(&pages("1/1h", 100));
    let client = Some(Ipv4Addr::new(192, 0, 2, 1));
    for _ in 0..3 {
        get_from(&app, "/apply", client).await;
    }
    let counted: Vec<(String, u64)> = recorder
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|(labels, count)| (labels.clone(), count.load(Ordering::Relaxed)))
        .collect();
    let total: u64 = counted.iter().map(|(_, n)| n).sum();
    assert_eq!(total, 2, "{counted:?}");
    assert!(
        counted.iter().all(|(labels, _)| labels == "route=page"),
        "{counted:?}"
    );
}

#[tokio::test]
async fn budgets_apply_under_a_path_prefix() {
    let limits = pages("1/1h", 100);
    let nested = Router::new().nest("/careers", app(&limits));
    let client = Some(Ipv4Addr::new(192, 0, 2, 1));
    assert_eq!(
        get_from(&nested, "/careers/apply", client).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        get_from(&nested, "/careers/apply", client).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        get_from(&nested, "/careers/healthz", client).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn every_apply_page_shares_the_pages_budget() {
    let limits = pages("2/1h", 100);
    let app = app(&limits);
    let client = Some(Ipv4Addr::new(192, 0, 2, 7));
    for path in ["/apply", "/apply/backend-engineer"] {
        assert_eq!(get_from(&app, path, client).await.status(), StatusCode::OK);
    }
    assert_eq!(
        get_from(&app, "/apply/data-analyst", client).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}
