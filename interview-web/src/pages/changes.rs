//! The candidate's own changes, from the links in their invitation:
//! `/interview/{token}/reschedule` and `/interview/{token}/cancel`, each a page
//! with a confirming form. The position decides how often and how late
//! ([`SchedulingService::candidate_may`](interview_core::service::SchedulingService::candidate_may)).
//!
//! The token is the candidate's credential here as on the interview page: a
//! form can only be posted by someone who holds the link.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use interview_core::notify::format_instant;
use interview_core::service::{CandidateChange, ChangeError, EmailStatus};
use interview_core::{Booking, BookingStatus, BookingToken};
use serde::Deserialize;

use super::respond;
use crate::AppState;

/// From `/interview/{token}/{change}` to the router's root.
const ROOT: &str = "../..";

/// `templates/interview/reschedule.html`: the form for a new time.
#[derive(Template)]
#[template(path = "interview/reschedule.html")]
struct ReschedulePage {
    root: &'static str,
    token: String,
    name: String,
    starts: String,
    /// The current time, as the form's `datetime-local` value, in `zone`.
    datetime: String,
    /// The zone the form's time is read in (the booking's, or UTC).
    zone: String,
    /// Moves left after this one.
    moves_left: u32,
    error: Option<String>,
}

/// `templates/interview/cancel.html`: the confirmation.
#[derive(Template)]
#[template(path = "interview/cancel.html")]
struct CancelPage {
    root: &'static str,
    token: String,
    name: String,
    starts: String,
}

/// `templates/interview/changed.html`: what happened.
#[derive(Template)]
#[template(path = "interview/changed.html")]
struct ChangedPage {
    root: &'static str,
    token: String,
    heading: String,
    message: String,
    /// Whether the link still leads to an interview.
    live: bool,
}

/// `templates/interview/change_refused.html`: why the change cannot be made.
#[derive(Template)]
#[template(path = "interview/change_refused.html")]
struct RefusedPage {
    root: &'static str,
    token: String,
    message: String,
    live: bool,
}

/// The form's fields.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ChangeForm {
    #[serde(default)]
    datetime: String,
}

fn parse(token: &str) -> Option<BookingToken> {
    BookingToken::parse(token).ok()
}

/// The page for an error, in the candidate's words.
fn refused(token: &str, error: &ChangeError) -> Response {
    let (status, message, live) = match error {
        ChangeError::NotFound => (
            StatusCode::NOT_FOUND,
            "We couldn\u{2019}t find this interview. Please check that you opened the whole \
             link from your invitation e-mail."
                .to_owned(),
            false,
        ),
        ChangeError::NotAllowed(BookingStatus::Cancelled) => (
            StatusCode::CONFLICT,
            "This interview was cancelled, so it cannot be changed.".to_owned(),
            false,
        ),
        ChangeError::NotAllowed(_) => (
            StatusCode::CONFLICT,
            "This interview has already started or taken place, so it cannot be changed."
                .to_owned(),
            false,
        ),
        ChangeError::TooLate { notice } => (
            StatusCode::CONFLICT,
            format!(
                "Changes are possible up to {} before the start, and that time has passed. \
                 If you cannot make it, please contact the team that invited you.",
                crate::error::plural(
                    u32::try_from(notice.as_secs() / 3600).unwrap_or(u32::MAX),
                    "hour",
                    "hours"
                )
            ),
            true,
        ),
        ChangeError::LimitReached { limit } => (
            StatusCode::CONFLICT,
            format!(
                "This interview has already been moved {}, the most we allow. If you cannot \
                 make this time, you can cancel it, or contact the team that invited you.",
                times(u64::from(*limit))
            ),
            true,
        ),
        ChangeError::Store(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "We can\u{2019}t change your interview right now. Please try again in a minute."
                .to_owned(),
            true,
        ),
        other => {
            tracing::error!(error = %other, "a candidate's change failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side. Please try again.".to_owned(),
                true,
            )
        }
    };
    respond(
        status,
        &RefusedPage {
            root: ROOT,
            token: token.to_owned(),
            message,
            live,
        },
    )
}

fn times(count: u64) -> String {
    match count {
        1 => "once".to_owned(),
        2 => "twice".to_owned(),
        n => format!("{n} times"),
    }
}

fn reschedule_page(booking: &Booking, max: u32, error: Option<String>) -> ReschedulePage {
    let (datetime, zone) = match booking.time_zone {
        Some(zone) => (
            booking.scheduled_at.with_timezone(&zone).naive_local(),
            zone.name().to_owned(),
        ),
        None => (booking.scheduled_at.naive_utc(), "UTC".to_owned()),
    };
    ReschedulePage {
        root: ROOT,
        token: booking.token.to_string(),
        name: booking.name.to_string(),
        starts: format_instant(booking.scheduled_at, booking.time_zone),
        datetime: datetime.format("%Y-%m-%dT%H:%M").to_string(),
        zone,
        moves_left: max.saturating_sub(booking.reschedules).saturating_sub(1),
        error,
    }
}

/// `GET /interview/{token}/reschedule`.
pub(crate) async fn reschedule_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Response {
    let Some(parsed) = parse(&token) else {
        return refused(&token, &ChangeError::NotFound);
    };
    match state
        .scheduling
        .candidate_view(&parsed, CandidateChange::Reschedule)
        .await
    {
        Ok((booking, position, Ok(()))) => respond(
            StatusCode::OK,
            &reschedule_page(&booking, position.max_reschedules, None),
        ),
        Ok((_, _, Err(error))) | Err(error) => refused(&token, &error),
    }
}

/// `POST /interview/{token}/reschedule`.
pub(crate) async fn reschedule(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Form(form): Form<ChangeForm>,
) -> Response {
    let Some(parsed) = parse(&token) else {
        return refused(&token, &ChangeError::NotFound);
    };
    // The form's time is read in the booking's own zone, as the page says.
    match state
        .scheduling
        .candidate_reschedule(&parsed, &form.datetime, None)
        .await
    {
        Ok(moved) => {
            let told = match moved.email_status {
                EmailStatus::Sent => {
                    "We sent you an e-mail with the new time and an updated calendar invitation."
                }
                EmailStatus::Queued => {
                    "An e-mail with the new time and an updated calendar invitation is on its \
                     way; your link stays the same."
                }
                EmailStatus::Failed => {
                    "Your link stays the same. We could not send the e-mail with the new time \
                     right now; please note it."
                }
            };
            respond(
                StatusCode::OK,
                &ChangedPage {
                    root: ROOT,
                    token,
                    heading: "Your interview has moved".to_owned(),
                    message: format!(
                        "It is now on {}. {told}",
                        format_instant(moved.booking.scheduled_at, moved.booking.time_zone)
                    ),
                    live: true,
                },
            )
        }
        Err(ChangeError::Invalid(errors)) => {
            let message = errors.first().message.clone();
            match state
                .scheduling
                .candidate_view(&parsed, CandidateChange::Reschedule)
                .await
            {
                Ok((booking, position, _)) => {
                    let mut page =
                        reschedule_page(&booking, position.max_reschedules, Some(message));
                    if !form.datetime.trim().is_empty() {
                        form.datetime.trim().clone_into(&mut page.datetime);
                    }
                    respond(StatusCode::UNPROCESSABLE_ENTITY, &page)
                }
                Err(error) => refused(&token, &error),
            }
        }
        Err(error) => refused(&token, &error),
    }
}

/// `GET /interview/{token}/cancel`.
pub(crate) async fn cancel_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Response {
    let Some(parsed) = parse(&token) else {
        return refused(&token, &ChangeError::NotFound);
    };
    match state
        .scheduling
        .candidate_view(&parsed, CandidateChange::Cancel)
        .await
    {
        Ok((booking, _, Ok(()))) => respond(
            StatusCode::OK,
            &CancelPage {
                root: ROOT,
                token: token.clone(),
                name: booking.name.to_string(),
                starts: format_instant(booking.scheduled_at, booking.time_zone),
            },
        ),
        Ok((_, _, Err(error))) | Err(error) => refused(&token, &error),
    }
}

/// `POST /interview/{token}/cancel`.
pub(crate) async fn cancel(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Some(parsed) = parse(&token) else {
        return refused(&token, &ChangeError::NotFound);
    };
    match state.scheduling.candidate_cancel(&parsed).await {
        Ok(_) => respond(
            StatusCode::OK,
            &ChangedPage {
                root: ROOT,
                token,
                heading: "Your interview is cancelled".to_owned(),
                message: "Thank you for letting us know. The team that invited you will see \
                          that you cancelled."
                    .to_owned(),
                live: false,
            },
        ),
        Err(error) => refused(&token, &error),
    }
}
