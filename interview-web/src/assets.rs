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
    if name == livekit_client::file_name() {
        return livekit_client::sdk();
    }
    if name == livekit_client::LICENSE_NAME {
        return livekit_client::license();
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

/// The LiveKit browser SDK (the npm package `livekit-client`), vendored by
/// `scripts/update-livekit-client.sh` into `assets/vendor/livekit-client/` with its
/// licence and a `VERSION` file that names the version and the file's hashes.
///
/// It is served as `assets/livekit-client-{version}.umd.js`: the name changes with
/// the version, so browsers may keep the file for a year, and the room page loads it
/// (only over LiveKit) with the `integrity` hash of `VERSION`.
pub(crate) mod livekit_client {
    use axum::http::header;
    use axum::response::{IntoResponse, Response};

    const SDK: &str = include_str!("assets/vendor/livekit-client/livekit-client.umd.js");
    const LICENSE: &str = include_str!("assets/vendor/livekit-client/LICENSE");
    const VERSION: &str = include_str!("assets/vendor/livekit-client/VERSION");

    /// The licence's name under `assets/`.
    pub(crate) const LICENSE_NAME: &str = "livekit-client-LICENSE.txt";

    /// A `key=value` line of `VERSION`; empty if missing, which the tests catch.
    fn field(key: &str) -> &'static str {
        VERSION
            .lines()
            .filter_map(|line| line.split_once('='))
            .find_map(|(name, value)| (name.trim() == key).then(|| value.trim()))
            .unwrap_or_default()
    }

    /// The vendored release, `2.23.0`.
    pub(crate) fn version() -> &'static str {
        field("version")
    }

    /// The SDK's name under `assets/`: `livekit-client-2.23.0.umd.js`.
    pub(crate) fn file_name() -> String {
        format!("livekit-client-{}.umd.js", version())
    }

    /// The file's Subresource Integrity value, `sha384-...`.
    pub(crate) fn integrity() -> &'static str {
        field("integrity")
    }

    pub(super) fn sdk() -> Response {
        (
            [
                (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            SDK,
        )
            .into_response()
    }

    pub(super) fn license() -> Response {
        (
            [
                (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            LICENSE,
        )
            .into_response()
    }
}
