//! What every request leaves behind: a span, a log line and two metrics.
//!
//! The span is `http_request{method, route, status, latency_ms}`. `route` is the
//! route's template (`/interview/{token}`), never the path itself: paths carry
//! interview tokens and resume keys. Requests no route matched are `unmatched`.
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `interview_http_requests_total` | counter | `route`, `method`, `status` |
//! | `interview_http_request_duration_seconds` | histogram | `route`, `method` |

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// The counter of answered requests.
pub(crate) const REQUESTS_TOTAL: &str = "interview_http_requests_total";
/// The histogram of the time to the response's head.
pub(crate) const REQUEST_DURATION: &str = "interview_http_request_duration_seconds";

/// The route label of requests no route matched.
const UNMATCHED: &str = "unmatched";

/// The middleware: runs the request inside its span, then records it.
pub(crate) async fn observe(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| UNMATCHED.to_owned(), |path| path.as_str().to_owned());
    let span = tracing::info_span!(
        "http_request",
        method,
        route = %route,
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
    );
    let response = next.run(request).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = response.status();
    span.record("status", status.as_u16());
    span.record("latency_ms", elapsed.as_millis() as u64);
    span.in_scope(|| {
        if status.is_server_error() {
            tracing::warn!("request failed");
        } else {
            tracing::debug!("request answered");
        }
    });
    metrics::counter!(
        REQUESTS_TOTAL,
        "route" => route.clone(),
        "method" => method,
        "status" => status.as_u16().to_string(),
    )
    .increment(1);
    metrics::histogram!(REQUEST_DURATION, "route" => route, "method" => method)
        .record(elapsed.as_secs_f64());
    response
}

/// The method as a label: the standard ones by name, anything else as `other`, so
/// a client cannot mint label values.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_methods_share_one_label() {
        assert_eq!(method_label(&Method::POST), "POST");
        assert_eq!(
            method_label(&Method::from_bytes(b"TOKEN-abc123").unwrap()),
            "other"
        );
    }
}
