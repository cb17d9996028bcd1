//! `GET /interview/{token}`: not started yet, expired, unknown, or the room.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use interview_core::Booking;
use interview_core::notify::format_instant;
use interview_core::service::Admission;

use super::respond;
use crate::AppState;
use crate::assets::livekit_client;

/// The longest a waiting page sleeps before checking again.
const MAX_REFRESH_SECS: i64 = 300;

/// From `/interview/{token}` to the router's root.
const ROOT: &str = "..";

/// `templates/interview/unavailable.html`: the booking store did not answer.
#[derive(Template)]
#[template(path = "interview/unavailable.html")]
struct Unavailable {
    root: &'static str,
}

/// `templates/interview/not_found.html`.
#[derive(Template)]
#[template(path = "interview/not_found.html")]
struct NotFound {
    root: &'static str,
}

/// `templates/interview/cancelled.html`.
#[derive(Template)]
#[template(path = "interview/cancelled.html")]
struct Cancelled {
    root: &'static str,
}

/// `templates/interview/completed.html`: the interview cannot be taken again.
#[derive(Template)]
#[template(path = "interview/completed.html")]
struct Completed<'a> {
    root: &'static str,
    name: &'a str,
    starts: String,
}

/// `templates/interview/too_early.html`: reloads itself when the window opens.
#[derive(Template)]
#[template(path = "interview/too_early.html")]
struct TooEarly<'a> {
    root: &'static str,
    name: &'a str,
    starts_at: DateTime<Utc>,
    starts: String,
    opens_at: DateTime<Utc>,
    opens: String,
    refresh_secs: i64,
    /// The link's token: the move and cancel pages are below it.
    token: &'a str,
}

/// `templates/interview/expired.html`.
#[derive(Template)]
#[template(path = "interview/expired.html")]
struct Expired {
    root: &'static str,
    starts: String,
    closes_after_minutes: i64,
}

/// `templates/interview/room.html`: the room, joined by `assets/interview.js`.
#[derive(Template)]
#[template(path = "interview/room.html")]
struct Room<'a> {
    root: &'static str,
    name: &'a str,
    closes_at: DateTime<Utc>,
    closes: String,
    token: &'a str,
    /// `livekit`, `local` or `none`: how the script connects.
    transport: &'static str,
    hears_speech: bool,
    /// What the candidate is told about this server's interviews.
    mode: String,
    /// The LiveKit browser SDK's name under `assets/` and its integrity hash: the
    /// script loads it when the interview runs over LiveKit.
    livekit_sdk: String,
    livekit_sdk_integrity: &'static str,
}

pub(crate) async fn interview_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Response {
    let root = ROOT;
    let now = state.scheduling.clock().now();
    let admission = match state.scheduling.admit(&token, now).await {
        Ok(admission) => admission,
        Err(error) => {
            tracing::error!(%error, "interview page: booking store unavailable");
            return respond(StatusCode::SERVICE_UNAVAILABLE, &Unavailable { root });
        }
    };
    match admission {
        Admission::NotFound => respond(StatusCode::NOT_FOUND, &NotFound { root }),
        Admission::Cancelled => respond(StatusCode::GONE, &Cancelled { root }),
        Admission::Completed { booking } => respond(
            StatusCode::GONE,
            &Completed {
                root,
                name: booking.name.as_str(),
                starts: format_instant(booking.scheduled_at, booking.time_zone),
            },
        ),
        Admission::TooEarly { booking, opens_at } => respond(
            StatusCode::OK,
            &TooEarly {
                root,
                name: booking.name.as_str(),
                starts_at: booking.scheduled_at,
                starts: format_instant(booking.scheduled_at, booking.time_zone),
                opens_at,
                opens: format_instant(opens_at, booking.time_zone),
                refresh_secs: (opens_at - now).num_seconds().clamp(1, MAX_REFRESH_SECS),
                token: booking.token.as_str(),
            },
        ),
        Admission::Expired { booking, .. } => respond(
            StatusCode::GONE,
            &Expired {
                root,
                starts: format_instant(booking.scheduled_at, booking.time_zone),
                closes_after_minutes: state
                    .scheduling
                    .settings()
                    .window
                    .closes_after()
                    .num_minutes(),
            },
        ),
        Admission::Open { booking, closes_at } => {
            respond(StatusCode::OK, &room(&state, root, &booking, closes_at))
        }
    }
}

fn room<'a>(
    state: &AppState,
    root: &'static str,
    booking: &'a Booking,
    closes_at: DateTime<Utc>,
) -> Room<'a> {
    // In the candidate's words: what the interview is like, never how it is built.
    let (transport, mode) = if state.livekit_enabled() {
        (
            "livekit",
            "You will talk with the interviewer by voice.".to_owned(),
        )
    } else if let Some(runner) = &state.runner {
        let mut notes = Vec::new();
        if runner.hears_speech() {
            notes.push("You will talk with the interviewer by voice, or type if you prefer.");
        } else {
            notes.push("You will answer by typing; the interviewer speaks but cannot hear you.");
        }
        let description = runner.description();
        notes.extend(description.as_deref());
        ("local", notes.join(" "))
    } else {
        (
            "none",
            "Interviews cannot be held here yet. Please contact the team that invited you."
                .to_owned(),
        )
    };
    Room {
        root,
        name: booking.name.as_str(),
        closes_at,
        closes: format_instant(closes_at, booking.time_zone),
        token: booking.token.as_str(),
        transport,
        hears_speech: state.runner.as_ref().is_none_or(|r| r.hears_speech()),
        mode,
        livekit_sdk: livekit_client::file_name(),
        livekit_sdk_integrity: livekit_client::integrity(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 3, 2, hour, 0, 0).unwrap()
    }

    #[test]
    fn names_and_messages_are_escaped() {
        let hostile = "<script>alert(\"x\")</script> O'Brien & Co";
        let waiting = TooEarly {
            root: ROOT,
            name: hostile,
            starts_at: at(9),
            starts: format_instant(at(9), None),
            opens_at: at(8),
            opens: format_instant(at(8), None),
            refresh_secs: 300,
            token: "0123456789abcdef0123456789abcdef",
        }
        .render()
        .unwrap();
        let room = Room {
            root: ROOT,
            name: hostile,
            closes_at: at(10),
            closes: format_instant(at(10), None),
            token: "0123456789abcdef0123456789abcdef",
            transport: "local",
            hears_speech: false,
            mode: hostile.to_owned(),
            livekit_sdk: livekit_client::file_name(),
            livekit_sdk_integrity: livekit_client::integrity(),
        }
        .render()
        .unwrap();
        let escaped = "&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; O&#39;Brien &#38; Co";
        for html in [&waiting, &room] {
            assert!(html.contains(&format!("Hello {escaped}")), "{html}");
            assert!(!html.contains("<script>alert"), "{html}");
        }
        assert!(room.contains(&format!("<p class=\"hint\" id=\"mode\">{escaped}</p>")));
        assert!(room.contains("data-hears-speech=\"false\""));
        assert!(room.contains("<body data-base=\"..\">"));
        assert!(room.contains("src=\"../assets/interview.js\""));
        assert!(waiting.contains("<meta http-equiv=\"refresh\" content=\"300\">"));
        assert!(waiting.contains(
            "<time datetime=\"2030-03-02T08:00:00+00:00\">Saturday, 2 March 2030 at 8:00 AM UTC</time>"
        ));
    }

    #[test]
    fn the_expired_page_states_the_configured_closing_time() {
        let html = Expired {
            root: ROOT,
            starts: format_instant(at(9), None),
            closes_after_minutes: 90,
        }
        .render()
        .unwrap();
        assert!(
            html.contains("Links close 90 minutes after the start"),
            "{html}"
        );
        assert!(!html.contains("60 minutes"));
    }
}
