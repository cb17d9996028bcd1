//! HTML pages: the application form and the interview link's page.
//!
//! Pages are plain HTML with one stylesheet and small scripts served from
//! `/assets`; nothing needs a build step. Every value from a booking is escaped.

mod interview;

use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use interview_core::notify::escape_html;

pub(crate) use interview::interview_page;

use crate::AppState;

/// `GET /apply`: the application form, with the server's limits filled in.
pub(crate) async fn apply_page(State(state): State<AppState>) -> Html<String> {
    let settings = state.scheduling.settings();
    Html(
        include_str!("../assets/apply.html")
            .replace(
                "{{MAX_UPLOAD_BYTES}}",
                &settings.max_resume_bytes.to_string(),
            )
            .replace(
                "{{OPENS_BEFORE_MINUTES}}",
                &settings.window.opens_before().num_minutes().to_string(),
            ),
    )
}

/// `GET /`: the form is the front door.
pub(crate) async fn index() -> Response {
    Redirect::to("apply").into_response()
}

/// A whole page around `main` (already-escaped HTML).
pub(crate) fn layout(title: &str, main: &str, extra_head: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title}</title>
<link rel="stylesheet" href="/assets/style.css">
{extra_head}
</head>
<body>
<header class="site-header"><span class="brand">AI Interview</span></header>
<main id="main" class="card">
{main}
</main>
</body>
</html>
"#,
        title = escape_html(title),
    )
}
