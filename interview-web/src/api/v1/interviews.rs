//! Interviews: list, read, cancel, reschedule, erase.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use interview_core::access::Scope;
use interview_core::interview::{Evaluation, TranscriptEntry};
use interview_core::position::Slug;
use interview_core::service::{ChangeError, EmailStatus, ScheduledInterview};
use interview_core::store::listing::{MAX_PAGE_SIZE, MAX_SEARCH_CHARS};
use interview_core::store::{
    Cursor, InterviewQuery, Recording, StatusFilter, StoredInterview, Tombstone,
};
use interview_core::{Booking, BookingToken};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{body, given};
use crate::AppState;
use crate::api::auth::authenticate;
use crate::error::AppError;

/// An interview as the API shows it: a booking with its candidate, or what is
/// left after erasure (`"status": "erased"`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub(crate) enum InterviewView {
    /// A booking.
    Live(Box<Booking>),
    /// An erased interview.
    Erased(ErasedView),
}

/// A tombstone, with the status the listing filters by.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ErasedView {
    #[serde(flatten)]
    tombstone: Tombstone,
    /// Always `erased`.
    status: ErasedStatus,
}

/// The status of an erased interview.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ErasedStatus {
    /// The candidate's data is gone.
    Erased,
}

impl From<StoredInterview> for InterviewView {
    fn from(interview: StoredInterview) -> Self {
        match interview {
            StoredInterview::Live(booking) => Self::Live(Box::new(booking)),
            StoredInterview::Erased(tombstone) => Self::erased(tombstone),
        }
    }
}

impl InterviewView {
    fn erased(tombstone: Tombstone) -> Self {
        Self::Erased(ErasedView {
            tombstone,
            status: ErasedStatus::Erased,
        })
    }
}

/// An interview with its transcript and evaluation (both empty once erased).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct InterviewRecord {
    /// The booking, or its tombstone.
    booking: InterviewView,
    /// Who said what, in order.
    transcript: Vec<TranscriptEntry>,
    /// The scorecard, once made (see the booking's `evaluation_status`).
    evaluation: Option<Evaluation>,
    /// Where the interview's recordings were written (LiveKit Egress, when
    /// `RECORDING_*` is set), oldest first.
    recordings: Vec<Recording>,
}

impl InterviewRecord {
    /// The interview with `token`; 404 when there is none (or the token is
    /// malformed).
    pub(crate) async fn read(state: &AppState, token: &str) -> Result<Self, AppError> {
        let token = parse_token(token)?;
        let store = state.scheduling.bookings();
        if let Some(booking) = store.get(&token).await? {
            return Ok(Self {
                booking: InterviewView::Live(Box::new(booking)),
                transcript: store.transcript(&token).await?,
                evaluation: store.evaluation(&token).await?,
                recordings: store.recordings(&token).await?,
            });
        }
        let tombstone = store.tombstone(&token).await?.ok_or_else(missing)?;
        Ok(Self {
            booking: InterviewView::erased(tombstone),
            transcript: Vec::new(),
            evaluation: None,
            recordings: Vec::new(),
        })
    }

    /// The booking, unless the interview was erased.
    pub(crate) fn booking(&self) -> Option<&Booking> {
        match &self.booking {
            InterviewView::Live(booking) => Some(booking),
            InterviewView::Erased(_) => None,
        }
    }

    /// What is left of it, if it was erased.
    pub(crate) fn tombstone(&self) -> Option<&Tombstone> {
        match &self.booking {
            InterviewView::Erased(erased) => Some(&erased.tombstone),
            InterviewView::Live(_) => None,
        }
    }

    /// The transcript.
    pub(crate) fn transcript(&self) -> &[TranscriptEntry] {
        &self.transcript
    }

    /// The evaluation, when one was made.
    pub(crate) fn evaluation(&self) -> Option<&Evaluation> {
        self.evaluation.as_ref()
    }

    /// The recordings.
    pub(crate) fn recordings(&self) -> &[Recording] {
        &self.recordings
    }
}

fn missing() -> AppError {
    AppError::not_found("No interview has this token.")
}

fn parse_token(token: &str) -> Result<BookingToken, AppError> {
    BookingToken::parse(token).map_err(|_| missing())
}

/// The filters of `GET /api/v1/interviews`, as the query string has them. Read as
/// text, so that a wrong one is answered 400 naming it.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListParams {
    /// Only interviews with this status.
    #[param(value_type = Option<StatusParam>)]
    pub status: Option<String>,
    /// Only interviews for this position (its id).
    pub position: Option<String>,
    /// RFC 3339: scheduled at or after.
    #[param(value_type = Option<chrono::DateTime<Utc>>)]
    pub scheduled_from: Option<String>,
    /// RFC 3339: scheduled before.
    #[param(value_type = Option<chrono::DateTime<Utc>>)]
    pub scheduled_before: Option<String>,
    /// Part of the candidate's name or e-mail address (at most 200 characters).
    pub q: Option<String>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Interviews per page (1 to 200; 50 when left out).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
}

/// The statuses `GET /api/v1/interviews` filters by.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)] // describes the values ListParams::status reads
pub(crate) enum StatusParam {
    /// Booked, not started.
    Scheduled,
    /// A live session holds it.
    InProgress,
    /// Started; the candidate's connection dropped.
    Interrupted,
    /// Ended.
    Completed,
    /// Cancelled.
    Cancelled,
    /// Erased: only its tombstone is left.
    Erased,
}

impl ListParams {
    /// The store's query, or 400 naming the parameter that is wrong.
    pub(crate) fn to_query(&self) -> Result<InterviewQuery, AppError> {
        let invalid = |message: &str| AppError::bad_request(message.to_owned());
        let status = given(&self.status)
            .map(|name| {
                StatusFilter::parse(&name).ok_or_else(|| {
                    invalid(
                        "status must be one of scheduled, in_progress, interrupted, completed, \
                         cancelled, erased.",
                    )
                })
            })
            .transpose()?;
        let position = given(&self.position)
            .map(|id| Slug::parse(&id).ok_or_else(|| invalid("position is not a position id.")))
            .transpose()?;
        let time = |value: &Option<String>, name: &str| {
            given(value)
                .map(|text| {
                    DateTime::parse_from_rfc3339(&text)
                        .map(|at| at.with_timezone(&Utc))
                        .map_err(|_| {
                            invalid(&format!(
                                "{name} must be an RFC 3339 time such as 2030-01-31T09:00:00Z."
                            ))
                        })
                })
                .transpose()
        };
        let scheduled_from = time(&self.scheduled_from, "scheduled_from")?;
        let scheduled_before = time(&self.scheduled_before, "scheduled_before")?;
        let text = given(&self.q);
        if text.as_ref().is_some_and(|text| {
            text.chars().count() > MAX_SEARCH_CHARS || text.chars().any(char::is_control)
        }) {
            return Err(invalid(
                "q is at most 200 characters, without control characters.",
            ));
        }
        let after = given(&self.cursor)
            .map(|cursor| {
                Cursor::decode(&cursor).ok_or_else(|| {
                    invalid("cursor is not one this API gave: pass next_cursor back as it came.")
                })
            })
            .transpose()?;
        let limit = match given(&self.limit) {
            None => InterviewQuery::default().limit,
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|limit| (1..=MAX_PAGE_SIZE).contains(limit))
                .ok_or_else(|| invalid("limit must be a whole number from 1 to 200."))?,
        };
        Ok(InterviewQuery {
            status,
            position,
            scheduled_from,
            scheduled_before,
            text,
            after,
            limit,
        })
    }
}

/// `GET /api/v1/interviews`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct InterviewList {
    /// This page, latest scheduled first.
    interviews: Vec<InterviewView>,
    /// Pass as `cursor` for the next page; `null` on the last one.
    next_cursor: Option<String>,
}

/// Interviews, latest first, filtered, a page at a time (scope `read`).
#[utoipa::path(
    get,
    path = "/api/v1/interviews",
    tag = "recruiter",
    operation_id = "list_interviews",
    params(ListParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of interviews.", body = InterviewList),
        (status = 400, response = crate::api::openapi::BadRequest),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 500, response = crate::api::openapi::Internal),
        (status = 503, response = crate::api::openapi::Unavailable),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<InterviewList>, AppError> {
    authenticate(&state, &headers).await?.require(Scope::Read)?;
    let Query(params) =
        params.map_err(|_| AppError::bad_request("The query string could not be read."))?;
    let page = state
        .scheduling
        .bookings()
        .list_interviews(&params.to_query()?)
        .await?;
    Ok(Json(InterviewList {
        interviews: page
            .interviews
            .into_iter()
            .map(InterviewView::from)
            .collect(),
        next_cursor: page.next.map(|cursor| cursor.encode()),
    }))
}

/// An interview with its transcript and evaluation (scope `read`).
#[utoipa::path(
    get,
    path = "/api/v1/interviews/{token}",
    tag = "recruiter",
    operation_id = "read_interview",
    params(("token" = String, Path, description = "The interview link's token.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The interview.", body = InterviewRecord),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 404, response = crate::api::openapi::NotFound),
        (status = 500, response = crate::api::openapi::Internal),
        (status = 503, response = crate::api::openapi::Unavailable),
    )
)]
pub(crate) async fn read(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Json<InterviewRecord>, AppError> {
    authenticate(&state, &headers).await?.require(Scope::Read)?;
    Ok(Json(InterviewRecord::read(&state, &token).await?))
}

/// The answer to a cancel or a move: the booking as it is now.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Changed {
    /// The booking as it is now.
    booking: Booking,
    /// Whether the candidate was told within the answer's short wait: an updated
    /// invitation for a move, the calendar's cancellation for a cancel; left out
    /// when nothing was sent (the interview had been cancelled before).
    #[serde(skip_serializing_if = "Option::is_none")]
    email_sent: Option<bool>,
    /// `sent`, `queued` (the job queue keeps trying) or `failed`; left out
    /// with `email_sent`.
    #[serde(skip_serializing_if = "Option::is_none")]
    email_status: Option<EmailStatus>,
}

/// Cancels an interview that has not ended (scope `write`).
#[utoipa::path(
    post,
    path = "/api/v1/interviews/{token}/cancel",
    tag = "recruiter",
    operation_id = "cancel_interview",
    params(("token" = String, Path, description = "The interview link's token.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Cancelled.", body = Changed),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 404, response = crate::api::openapi::NotFound),
        (status = 409, response = crate::api::openapi::Conflict),
        (status = 422, response = crate::api::openapi::Unprocessable),
        (status = 500, response = crate::api::openapi::Internal),
        (status = 503, response = crate::api::openapi::Unavailable),
    )
)]
pub(crate) async fn cancel(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Changed>, AppError> {
    authenticate(&state, &headers)
        .await?
        .require(Scope::Write)?;
    let cancelled = state
        .scheduling
        .cancel(&parse_token(&token)?)
        .await
        .map_err(change_error)?;
    Ok(Json(Changed {
        booking: cancelled.booking,
        email_sent: cancelled
            .email_status
            .map(|status| status == EmailStatus::Sent),
        email_status: cancelled.email_status,
    }))
}

/// The body of `POST /api/v1/interviews/{token}/reschedule`: the new time as the
/// booking form takes it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RescheduleRequest {
    /// RFC 3339 with an offset, or a local date-time read in `timeZone`.
    pub datetime: String,
    /// An IANA zone; left out: the booking's.
    #[serde(default, alias = "time_zone")]
    pub time_zone: Option<String>,
}

/// Moves a scheduled interview; the candidate gets an updated invitation and
/// the old link opens at the new time (scope `write`).
#[utoipa::path(
    post,
    path = "/api/v1/interviews/{token}/reschedule",
    tag = "recruiter",
    operation_id = "reschedule_interview",
    params(("token" = String, Path, description = "The interview link's token.")),
    request_body = RescheduleRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Moved; `email_status` says whether the candidate was told, or the queue is telling them.", body = Changed),
        (status = 400, response = crate::api::openapi::BadRequest),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 404, response = crate::api::openapi::NotFound),
        (status = 409, response = crate::api::openapi::Conflict),
        (status = 413, response = crate::api::openapi::PayloadTooLarge),
        (status = 415, response = crate::api::openapi::UnsupportedMediaType),
        (status = 422, response = crate::api::openapi::Unprocessable),
        (status = 500, response = crate::api::openapi::Internal),
        (status = 503, response = crate::api::openapi::Unavailable),
    )
)]
pub(crate) async fn reschedule(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    request: Result<Json<RescheduleRequest>, JsonRejection>,
) -> Result<Json<Changed>, AppError> {
    authenticate(&state, &headers)
        .await?
        .require(Scope::Write)?;
    let token = parse_token(&token)?;
    let request = body(request)?;
    let ScheduledInterview {
        booking,
        email_sent,
        email_status,
        ..
    } = state
        .scheduling
        .reschedule(&token, &request.datetime, request.time_zone.as_deref())
        .await
        .map_err(change_error)?;
    Ok(Json(Changed {
        booking,
        email_sent: Some(email_sent),
        email_status: Some(email_status),
    }))
}

/// `DELETE /api/v1/interviews/{token}`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ErasedAnswer {
    /// What is left: the tombstone.
    interview: InterviewView,
    /// Resume files left for the sweeper to delete (their store was down).
    files_pending_deletion: usize,
}

/// Erases the candidate's data: the resume file and text, the transcript, the
/// evaluation and the personal fields; a tombstone keeps the token, the position
/// and when (scope `erase`). Erasing again answers the same tombstone.
#[utoipa::path(
    delete,
    path = "/api/v1/interviews/{token}",
    tag = "recruiter",
    operation_id = "erase_interview",
    params(("token" = String, Path, description = "The interview link's token.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Erased.", body = ErasedAnswer),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 404, response = crate::api::openapi::NotFound),
        (status = 409, response = crate::api::openapi::Conflict),
        (status = 500, response = crate::api::openapi::Internal),
        (status = 503, response = crate::api::openapi::Unavailable),
    )
)]
pub(crate) async fn erase(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Json<ErasedAnswer>, AppError> {
    authenticate(&state, &headers)
        .await?
        .require(Scope::Erase)?;
    let erased = state
        .scheduling
        .erase(&parse_token(&token)?)
        .await
        .map_err(change_error)?;
    Ok(Json(ErasedAnswer {
        interview: InterviewView::erased(erased.tombstone),
        files_pending_deletion: erased.files_left,
    }))
}

/// A change that could not be made, in the API's words.
pub(crate) fn change_error(error: ChangeError) -> AppError {
    match error {
        ChangeError::NotFound => missing(),
        ChangeError::Invalid(errors) => errors.into(),
        ChangeError::NotAllowed(status) => AppError::conflict(format!(
            "The interview is {}: this change does not apply to it.",
            status.as_str().replace('_', " ")
        )),
        ChangeError::InProgress => {
            AppError::conflict("The interview is in progress: it can be erased once it has ended.")
        }
        ChangeError::TooLate { .. } | ChangeError::LimitReached { .. } => {
            AppError::conflict(format!("The position's policy refuses this: {error}."))
        }
        ChangeError::Store(store) => store.into(),
        other => AppError::internal(&other),
    }
}
