//! `GET /interview/{token}`: not started yet, expired, unknown, or the room.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use interview_core::Booking;
use interview_core::notify::{escape_html, format_instant};
use interview_core::service::Admission;

use super::layout;
use crate::AppState;

/// The longest a waiting page sleeps before checking again.
const MAX_REFRESH_SECS: i64 = 300;

pub(crate) async fn interview_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Response {
    let now = state.scheduling.clock().now();
    let admission = match state.scheduling.admit(&token, now).await {
        Ok(admission) => admission,
        Err(error) => {
            tracing::error!(%error, "interview page: booking store unavailable");
            return page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Please try again",
                "<h1>We can\u{2019}t open your interview right now</h1>\
                 <p>The service is temporarily unavailable. Please reload this page in a minute.</p>",
                "",
            );
        }
    };
    match admission {
        Admission::NotFound => page(
            StatusCode::NOT_FOUND,
            "Interview not found",
            "<h1>We couldn\u{2019}t find this interview</h1>\
             <p>Please check that you opened the whole link from your invitation e-mail.</p>",
            "",
        ),
        Admission::Cancelled => page(
            StatusCode::GONE,
            "Interview cancelled",
            "<h1>This interview was cancelled</h1><p>Please contact the recruiter if you think this is a mistake.</p>",
            "",
        ),
        Admission::TooEarly { booking, opens_at } => too_early(&booking, opens_at, now),
        Admission::Expired { booking, .. } => page(
            StatusCode::GONE,
            "Interview window expired",
            &format!(
                "<h1>This interview window has expired</h1>\
                 <p>Your interview was scheduled for {}. Links close 60 minutes after the start; \
                 please contact the recruiter to book a new time.</p>",
                escape_html(&format_instant(booking.scheduled_at, booking.time_zone))
            ),
            "",
        ),
        Admission::Open { booking, closes_at } => room(&state, &booking, closes_at),
    }
}

fn page(status: StatusCode, title: &str, main: &str, head: &str) -> Response {
    (status, Html(layout(title, main, head))).into_response()
}

fn too_early(booking: &Booking, opens_at: DateTime<Utc>, now: DateTime<Utc>) -> Response {
    let wait = (opens_at - now).num_seconds().clamp(1, MAX_REFRESH_SECS);
    let main = format!(
        r#"<h1>Your interview has not started yet</h1>
<p>Hello {name}, your interview is scheduled for <strong><time datetime="{start_iso}">{start}</time></strong>.</p>
<p>You can join from <strong><time datetime="{opens_iso}">{opens}</time></strong>. This page checks again by itself.</p>"#,
        name = escape_html(booking.name.as_str()),
        start_iso = booking.scheduled_at.to_rfc3339(),
        start = escape_html(&format_instant(booking.scheduled_at, booking.time_zone)),
        opens_iso = opens_at.to_rfc3339(),
        opens = escape_html(&format_instant(opens_at, booking.time_zone)),
    );
    page(
        StatusCode::OK,
        "Your interview has not started yet",
        &main,
        &format!(r#"<meta http-equiv="refresh" content="{wait}">"#),
    )
}

fn room(state: &AppState, booking: &Booking, closes_at: DateTime<Utc>) -> Response {
    let (transport, mode) = if state.livekit_enabled() {
        ("livekit", "Live audio over LiveKit.".to_owned())
    } else if let Some(runner) = &state.runner {
        let mut mode = "Live audio with this server.".to_owned();
        if let Some(description) = runner.description() {
            mode.push(' ');
            mode.push_str(&description);
        }
        if !runner.hears_speech() {
            mode.push_str(" Answer by typing: spoken answers are not understood on this server.");
        }
        ("local", mode)
    } else {
        (
            "none",
            "Live interviews are not configured on this server.".to_owned(),
        )
    };
    let hears = state.runner.as_ref().is_none_or(|r| r.hears_speech());
    let main = format!(
        r#"<h1>Your interview</h1>
<p>Hello {name}. Your interview is open until <time datetime="{closes_iso}">{closes}</time>.</p>
<p>Find a quiet place, allow microphone access when your browser asks, and press <strong>Join</strong> when you are ready.</p>
<div id="room" data-token="{token}" data-transport="{transport}" data-hears-speech="{hears}">
  <p class="hint" id="mode">{mode}</p>
  <button type="button" id="join" class="primary">Join interview</button>
  <p id="room-status" role="status" aria-live="polite"></p>
  <section id="live" hidden aria-label="Interview">
    <p class="agent-state" id="agent-state" data-state="connecting">Connecting…</p>
    <h2 class="visually-hidden" id="transcript-title">Transcript</h2>
    <ol id="transcript" class="transcript" aria-labelledby="transcript-title" aria-live="polite"></ol>
    <form id="answer-form" class="answer">
      <label for="answer">Type your answer</label>
      <textarea id="answer" name="answer" rows="3" maxlength="4000"></textarea>
      <div class="actions">
        <button type="submit" class="primary">Send answer</button>
        <button type="button" id="leave" class="secondary">Leave interview</button>
      </div>
    </form>
  </section>
</div>
<script src="/assets/interview.js" defer></script>"#,
        name = escape_html(booking.name.as_str()),
        closes_iso = closes_at.to_rfc3339(),
        closes = escape_html(&format_instant(closes_at, booking.time_zone)),
        token = booking.token,
        mode = escape_html(&mode),
    );
    page(StatusCode::OK, "Your interview", &main, "")
}
