//! Static files compiled into the binary: no build step, nothing to deploy beside it.

use axum::extract::Path;
use axum::http::header;
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
    if name == "favicon.ico" {
        return favicon().await;
    }
    match ASSETS.iter().find(|(file, _, _)| *file == name) {
        Some((_, content_type, body)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            *body,
        )
            .into_response(),
        None => crate::AppError::not_found("There is no such file.").into_response(),
    }
}

/// The site's icon: a small ICO every page's `<link rel="icon">` names (as
/// `assets/favicon.ico`, which works under a nesting prefix), and which browsers ask
/// for at `/favicon.ico` anyway.
const FAVICON: &[u8] = include_bytes!("assets/favicon.ico");

/// `GET /favicon.ico` and `GET /assets/favicon.ico`: the icon, cached for a week.
pub(crate) async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/x-icon"),
            (header::CACHE_CONTROL, "public, max-age=604800"),
        ],
        FAVICON,
    )
        .into_response()
}
