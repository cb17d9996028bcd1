//! HTML pages: the open positions, each position's application form, and the
//! interview link's page.
//!
//! Pages are askama templates in `templates/`: checked when the crate compiles, and
//! every value is HTML-escaped unless a template says otherwise. One does: the job
//! description, markdown rendered by [`markdown::render`], which turns raw HTML into
//! text and keeps only web and mail links. Pages share `layout.html`, one
//! stylesheet and small scripts served from `/assets`; nothing needs a build step. Numbers the candidate reads (upload limit, window
//! lengths) come from the settings, never from the templates.
//!
//! Integrators nest the router under a path of their own (`/careers`), and a proxy
//! may strip such a path before the request arrives, so a page cannot know where the
//! router's root is. Every URL a page or script uses is therefore relative to the
//! page: each template gets `root`, the way from the page up to the router's root
//! (`.` for `/apply`, `..` for `/apply/{slug}` and `/interview/{token}`), and the
//! layout hands it to the scripts as `<body data-base>`. (`<base href>` would do the same, but the
//! Content-Security-Policy forbids it: `base-uri 'none'`.)

mod apply;
mod changes;
mod interview;
mod markdown;

use askama::Template;
use axum::extract::OriginalUri;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

pub(crate) use apply::{apply_index, apply_position};
pub(crate) use changes::{cancel, cancel_form, reschedule, reschedule_form};
pub(crate) use interview::interview_page;

/// `GET /`: the apply page is the front door.
///
/// The redirect is relative, so it stays under whatever path the router is nested
/// at. A nested root asked for without its trailing slash (`/careers`) resolves
/// relative references against its parent, so it names its own last segment.
pub(crate) async fn index(OriginalUri(uri): OriginalUri) -> Response {
    let location = match uri.path().rsplit('/').next() {
        // `./` keeps a segment such as `a:b` from reading as a URL scheme.
        Some(last) if !last.is_empty() => format!("./{last}/apply"),
        _ => "apply".to_owned(),
    };
    match HeaderValue::from_str(&location) {
        Ok(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        // A request path is always a valid header value; refuse rather than panic.
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A rendered page with `status`. Rendering into a `String` fails only if a value's
/// `Display` does, which none of ours can; should it happen, the candidate gets a bare
/// 500 and the cause goes to the log.
fn respond(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "a page could not be rendered");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// An upload limit as the form states it: "5 MB", "2.5 MB" (MB of 1024 x 1024 bytes,
/// as the form's own size check counts).
fn megabytes(bytes: usize) -> String {
    const MB: usize = 1024 * 1024;
    if bytes.is_multiple_of(MB) {
        format!("{} MB", bytes / MB)
    } else {
        let megabytes = bytes as f64 / MB as f64;
        format!("{megabytes:.1} MB")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_limits_read_as_the_form_states_them() {
        assert_eq!(megabytes(5 * 1024 * 1024), "5 MB");
        assert_eq!(megabytes(5 * 1024 * 1024 / 2), "2.5 MB");
        assert_eq!(megabytes(100 * 1024), "0.1 MB");
    }
}
