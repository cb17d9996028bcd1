//! Static files compiled into the binary: no build step, nothing to deploy beside it.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

const ASSETS: &[(&str, &str, &str)] = &[
    (
        "style.css",
        "text/css; charset=utf-8",
        include_str!("assets/style.css"),
    ),
    (
        "apply.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/apply.js"),
    ),
    (
        "interview.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/interview.js"),
    ),
    (
        "mic-worklet.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/mic-worklet.js"),
    ),
];

/// `GET /assets/{name}`.
pub(crate) async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(file, _, _)| *file == name) {
        Some((_, content_type, body)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            *body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
