//! HTML pages: the application form and the interview link's page.
//!
//! Pages are askama templates in `templates/`: checked when the crate compiles, and
//! every value is HTML-escaped unless a template says otherwise (none does). They
//! share `layout.html`, one stylesheet and small scripts served from `/assets`;
//! nothing needs a build step. Numbers the candidate reads (upload limit, window
//! lengths) come from the settings, never from the templates.
//!
//! Integrators nest the router under a path of their own (`/careers`), and a proxy
//! may strip such a path before the request arrives, so a page cannot know where the
//! router's root is. Every URL a page or script uses is therefore relative to the
//! page: each template gets `root`, the way from the page up to the router's root
//! (`.` for `/apply`, `..` for `/interview/{token}`), and the layout hands it to the
//! scripts as `<body data-base>`. (`<base href>` would do the same, but the
//! Content-Security-Policy forbids it: `base-uri 'none'`.)

mod interview;

use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

pub(crate) use interview::interview_page;

use crate::AppState;

/// `templates/apply.html`.
#[derive(Template)]
#[template(path = "apply.html")]
struct ApplyPage {
    /// From `/apply` to the router's root.
    root: &'static str,
    max_upload_bytes: usize,
    max_upload_size: String,
    opens_before_minutes: i64,
    /// Where a number without a country code is read ("US").
    phone_region: String,
    /// The fewest digits the form asks of a number without a country code.
    phone_shortest: usize,
}

/// `GET /apply`: the application form, with the server's limits filled in.
pub(crate) async fn apply_page(State(state): State<AppState>) -> Response {
    let settings = state.scheduling.settings();
    respond(
        StatusCode::OK,
        &ApplyPage {
            root: ".",
            max_upload_bytes: settings.max_resume_bytes,
            max_upload_size: megabytes(settings.max_resume_bytes),
            opens_before_minutes: settings.window.opens_before().num_minutes(),
            phone_region: settings.rules.phone_region.to_string(),
            phone_shortest: settings.rules.phone_region.shortest_number(),
        },
    )
}

/// `GET /`: the form is the front door.
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

    #[test]
    fn the_form_states_the_configured_limits() {
        let html = ApplyPage {
            root: ".",
            max_upload_bytes: 2 * 1024 * 1024,
            max_upload_size: megabytes(2 * 1024 * 1024),
            opens_before_minutes: 15,
            phone_region: "GB".to_owned(),
            phone_shortest: 7,
        }
        .render()
        .unwrap();
        assert!(html.contains("data-max-bytes=\"2097152\""), "{html}");
        assert!(html.contains("at most <span id=\"max-size\">2 MB</span>"));
        assert!(html.contains("The link opens 15 minutes before the start."));
        assert!(html.contains("<body data-base=\".\">"));
        assert!(html.contains("data-phone-region=\"GB\" data-phone-shortest=\"7\""));
        assert!(html.contains("read in the GB numbering plan"), "{html}");
        assert!(html.contains("href=\"./assets/style.css\""));
        assert!(html.contains("src=\"./assets/apply.js\""));
    }
}
