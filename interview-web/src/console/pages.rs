//! The console's handlers and templates (`templates/console/`).

use askama::Template;
use axum::Form;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use interview_core::access::Scope;
use interview_core::interview::{Evaluation, Speaker};
use interview_core::notify::format_instant;
use interview_core::store::{InterviewQuery, StoredInterview};
use interview_core::{Booking, BookingStatus, BookingToken};
use serde::Deserialize;

use super::scorecard::{self, BAR_X, Bar, CHART_WIDTH};
use super::session::{COOKIE, Holder, SESSION_LIFETIME, Session};
use crate::AppState;
use crate::api::auth::{Principal, key_principal, principal_for};
use crate::api::v1::{InterviewRecord, ListParams, change_error};
use crate::error::AppError;

/// From `/console` to the router's root.
const HOME_ROOT: &str = ".";
/// From `/console/sign-in` and `/console/sign-out` (pages answered to a POST).
const FORM_ROOT: &str = "..";
/// From `/console/interviews/{token}`.
const DETAIL_ROOT: &str = "../..";
/// From `/console/interviews/{token}/{action}`.
const ACTION_ROOT: &str = "../../..";

// ------------------------------------------------------------------ sessions

/// The signed-in caller of a console request.
struct SignedIn {
    principal: Principal,
    session: Session,
}

/// The session id in the request's cookie.
fn session_id(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

/// Who is signed in, if anyone: the session must be open and its key still
/// active (asked of the store on every request).
async fn signed_in(state: &AppState, headers: &HeaderMap) -> Result<Option<SignedIn>, AppError> {
    let now = state.scheduling.clock().now();
    let Some(session) = session_id(headers).and_then(|id| state.console.get(id, now)) else {
        return Ok(None);
    };
    let principal = match &session.holder {
        Holder::Admin if state.admin_token.is_some() => Some(Principal::admin()),
        Holder::Admin => None,
        Holder::Key(id) => key_principal(state, id, None).await?,
    };
    Ok(principal.map(|principal| SignedIn { principal, session }))
}

/// A 303 to `location` (relative to the request's path).
fn see_other(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => (StatusCode::SEE_OTHER, [(header::LOCATION, value)]).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The answer for a console page asked for without a session: back to sign-in.
fn to_sign_in(root: &str) -> Response {
    see_other(&format!("{root}/console"))
}

fn cookie(state: &AppState, value: &str, max_age: i64) -> HeaderValue {
    let secure = state
        .scheduling
        .settings()
        .absolute_url("/")
        .starts_with("https:");
    let cookie = format!(
        "{COOKIE}={value}; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&cookie)
        .unwrap_or(HeaderValue::from_static("interview_console=; Max-Age=0"))
}

fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "a console page could not be rendered");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A failure as a page a recruiter can read.
fn failure(root: &'static str, error: &AppError) -> Response {
    render(
        error.status(),
        &Problem {
            root,
            message: error.message().to_owned(),
        },
    )
}

/// `templates/console/problem.html`.
#[derive(Template)]
#[template(path = "console/problem.html")]
struct Problem {
    root: &'static str,
    message: String,
}

// ------------------------------------------------------------------ sign-in

/// `templates/console/sign_in.html`.
#[derive(Template)]
#[template(path = "console/sign_in.html")]
struct SignInPage {
    root: &'static str,
    error: Option<String>,
}

/// The sign-in form.
#[derive(Deserialize)]
pub(crate) struct SignInForm {
    #[serde(default)]
    key: String,
}

pub(crate) async fn sign_in(
    State(state): State<AppState>,
    Form(form): Form<SignInForm>,
) -> Response {
    let refused = |message: &str| {
        render(
            StatusCode::UNAUTHORIZED,
            &SignInPage {
                root: FORM_ROOT,
                error: Some(message.to_owned()),
            },
        )
    };
    let secret = form.key.trim();
    let principal = match principal_for(&state, secret).await {
        Ok(Some(principal)) => principal,
        Ok(None) => return refused("This key is not valid, or it was revoked."),
        Err(error) => return failure(FORM_ROOT, &error),
    };
    if principal.require(Scope::Read).is_err() {
        return refused("This key cannot read interviews: the console needs the read scope.");
    }
    let holder = match principal.key() {
        Some(id) => Holder::Key(id.clone()),
        None => Holder::Admin,
    };
    let now = state.scheduling.clock().now();
    let Ok(id) = state.console.open(holder, now) else {
        return failure(
            FORM_ROOT,
            &AppError::bad_request("The session could not be opened. Please try again."),
        );
    };
    tracing::info!(key = ?principal.key(), "console signed in");
    let mut response = see_other("../console");
    response.headers_mut().insert(
        header::SET_COOKIE,
        cookie(&state, &id, SESSION_LIFETIME.num_seconds()),
    );
    response
}

/// A form that changes something: it carries the session's CSRF token.
#[derive(Deserialize)]
pub(crate) struct ChangeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    datetime: Option<String>,
    #[serde(default)]
    time_zone: Option<String>,
}

pub(crate) async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<ChangeForm>,
) -> Response {
    let now = state.scheduling.clock().now();
    if let Some(id) = session_id(&headers)
        && let Some(session) = state.console.get(id, now)
    {
        if !session.csrf_matches(&form.csrf) {
            return failure(FORM_ROOT, &csrf_refused());
        }
        state.console.close(id);
    }
    let mut response = see_other("../console");
    response
        .headers_mut()
        .insert(header::SET_COOKIE, cookie(&state, "", 0));
    response
}

fn csrf_refused() -> AppError {
    AppError::forbidden("This form has expired. Go back, reload the page and try again.")
}

// ------------------------------------------------------------------ the list

/// One row of the list.
struct Row {
    token: String,
    candidate: Option<(String, String)>,
    position: String,
    scheduled: String,
    status: String,
    evaluation: String,
}

/// A status choice of the filter form.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// `templates/console/list.html`.
#[derive(Template)]
#[template(path = "console/list.html")]
struct ListPage {
    root: &'static str,
    csrf: String,
    statuses: Vec<Choice>,
    positions: Vec<Choice>,
    from: String,
    before: String,
    q: String,
    rows: Vec<Row>,
    next: Option<String>,
    error: Option<String>,
}

/// The list's filters, as the form sends them (dates as `YYYY-MM-DD`).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListFilters {
    #[serde(default)]
    status: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    before: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    cursor: String,
}

impl ListFilters {
    /// The API's parameters for these filters: a date is its day's start in UTC.
    fn to_params(&self) -> ListParams {
        let day = |text: &str| {
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            Some(match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                Ok(date) => format!("{date}T00:00:00Z"),
                // Not a date: the API's parser says what is wrong.
                Err(_) => text.to_owned(),
            })
        };
        let some = |text: &str| Some(text.to_owned()).filter(|t| !t.trim().is_empty());
        ListParams {
            status: some(&self.status),
            position: some(&self.position),
            scheduled_from: day(&self.from),
            scheduled_before: day(&self.before),
            q: some(&self.q),
            cursor: some(&self.cursor),
            limit: Some("50".to_owned()),
        }
    }

    /// The query string of the next page.
    fn next_page(&self, cursor: &str) -> String {
        let pairs = [
            ("status", self.status.as_str()),
            ("position", &self.position),
            ("from", &self.from),
            ("before", &self.before),
            ("q", &self.q),
            ("cursor", cursor),
        ];
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in pairs {
            if !value.is_empty() {
                query.append_pair(name, value);
            }
        }
        query.finish()
    }
}

/// `GET /console`.
pub(crate) async fn home(
    State(state): State<AppState>,
    headers: HeaderMap,
    filters: Result<Query<ListFilters>, QueryRejection>,
) -> Response {
    let signed_in = match signed_in(&state, &headers).await {
        Ok(Some(signed_in)) => signed_in,
        Ok(None) => {
            return render(
                StatusCode::OK,
                &SignInPage {
                    root: HOME_ROOT,
                    error: None,
                },
            );
        }
        Err(error) => return failure(HOME_ROOT, &error),
    };
    let filters = filters.map(|Query(filters)| filters).unwrap_or_default();
    match list_page(&state, &signed_in, &filters).await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(error) if error.status() == StatusCode::BAD_REQUEST => {
            let mut page = ListPage {
                rows: Vec::new(),
                next: None,
                error: Some(error.message().to_owned()),
                ..empty_list(&state, &signed_in, &filters).await
            };
            page.error = Some(error.message().to_owned());
            render(StatusCode::BAD_REQUEST, &page)
        }
        Err(error) => failure(HOME_ROOT, &error),
    }
}

async fn empty_list(state: &AppState, signed_in: &SignedIn, filters: &ListFilters) -> ListPage {
    let positions = state
        .scheduling
        .bookings()
        .positions()
        .await
        .unwrap_or_default();
    let statuses = [
        "scheduled",
        "in_progress",
        "interrupted",
        "completed",
        "cancelled",
        "erased",
    ];
    ListPage {
        root: HOME_ROOT,
        csrf: signed_in.session.csrf.clone(),
        statuses: statuses
            .iter()
            .map(|status| Choice {
                value: (*status).to_owned(),
                label: status_label(status),
                selected: filters.status == *status,
            })
            .collect(),
        positions: positions
            .iter()
            .map(|position| Choice {
                value: position.id.to_string(),
                label: position.title_at_company(),
                selected: filters.position == position.id.as_str(),
            })
            .collect(),
        from: filters.from.clone(),
        before: filters.before.clone(),
        q: filters.q.clone(),
        rows: Vec::new(),
        next: None,
        error: None,
    }
}

async fn list_page(
    state: &AppState,
    signed_in: &SignedIn,
    filters: &ListFilters,
) -> Result<ListPage, AppError> {
    let query: InterviewQuery = filters.to_params().to_query()?;
    let store = state.scheduling.bookings();
    let page = store.list_interviews(&query).await?;
    let mut list = empty_list(state, signed_in, filters).await;
    let titles: std::collections::HashMap<String, String> = list
        .positions
        .iter()
        .map(|choice| (choice.value.clone(), choice.label.clone()))
        .collect();
    list.rows = page
        .interviews
        .iter()
        .map(|interview| {
            let position = titles
                .get(interview.position_id().as_str())
                .cloned()
                .unwrap_or_else(|| interview.position_id().to_string());
            match interview {
                StoredInterview::Live(booking) => Row {
                    token: booking.token.to_string(),
                    candidate: Some((booking.name.to_string(), booking.email.to_string())),
                    position,
                    scheduled: format_instant(booking.scheduled_at, booking.time_zone),
                    status: status_label(booking.status.as_str()),
                    evaluation: evaluation_label(booking),
                },
                StoredInterview::Erased(tombstone) => Row {
                    token: tombstone.token.to_string(),
                    candidate: None,
                    position,
                    scheduled: format_instant(tombstone.scheduled_at, None),
                    status: status_label("erased"),
                    evaluation: "\u{2014}".to_owned(),
                },
            }
        })
        .collect();
    list.next = page.next.map(|cursor| filters.next_page(&cursor.encode()));
    Ok(list)
}

fn status_label(status: &str) -> String {
    match status {
        "scheduled" => "Scheduled",
        "in_progress" => "In progress",
        "interrupted" => "Interrupted",
        "completed" => "Completed",
        "cancelled" => "Cancelled",
        "erased" => "Erased",
        other => other,
    }
    .to_owned()
}

fn evaluation_label(booking: &Booking) -> String {
    match booking.evaluation_status.as_str() {
        "pending" => "Pending",
        "ready" => "Ready",
        "failed" => "Failed",
        _ => "Not available",
    }
    .to_owned()
}

// ------------------------------------------------------------------ one interview

/// A line of the conversation.
struct Line {
    interviewer: bool,
    text: String,
    at: String,
}

/// What the detail page shows of an evaluation.
struct Scorecard {
    bars: Vec<Bar>,
    height: u32,
    recommendation: String,
    evaluation: Evaluation,
}

/// `templates/console/detail.html`.
#[derive(Template)]
#[template(path = "console/detail.html")]
struct DetailPage {
    root: &'static str,
    csrf: String,
    token: String,
    booking: Option<Booking>,
    erased_at: Option<String>,
    position: String,
    scheduled: String,
    status: String,
    evaluation_status: String,
    evaluation_reason: Option<String>,
    lines: Vec<Line>,
    recordings: Vec<RecordingLine>,
    scorecard: Option<Scorecard>,
    can_cancel: bool,
    can_move: bool,
    can_erase: bool,
    done: Option<String>,
    chart_width: u32,
    bar_x: u32,
}

/// A recording of the interview, as the detail page lists it.
struct RecordingLine {
    location: String,
    /// The location as a link, when it is a web address (a path on the recording
    /// service's disk, or an `s3://` location, is shown as text).
    link: Option<String>,
    started: String,
}

/// What just happened, for the banner after a change.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Done {
    #[serde(default)]
    done: String,
}

pub(crate) async fn detail(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    done: Result<Query<Done>, QueryRejection>,
) -> Response {
    let signed_in = match signed_in(&state, &headers).await {
        Ok(Some(signed_in)) => signed_in,
        Ok(None) => return to_sign_in(DETAIL_ROOT),
        Err(error) => return failure(DETAIL_ROOT, &error),
    };
    let record = match InterviewRecord::read(&state, &token).await {
        Ok(record) => record,
        Err(error) => return failure(DETAIL_ROOT, &error),
    };
    let done = done.ok().map(|Query(done)| done.done).and_then(|done| {
        Some(
            match done.as_str() {
                "cancel" => "The interview was cancelled.",
                "reschedule" => "The interview was moved, and the candidate was sent the new time.",
                "erase" => "The candidate's data was erased.",
                _ => return None,
            }
            .to_owned(),
        )
    });
    let page = match detail_page(&state, &signed_in, token, &record, done).await {
        Ok(page) => page,
        Err(error) => return failure(DETAIL_ROOT, &error),
    };
    render(StatusCode::OK, &page)
}

async fn detail_page(
    state: &AppState,
    signed_in: &SignedIn,
    token: String,
    record: &InterviewRecord,
    done: Option<String>,
) -> Result<DetailPage, AppError> {
    let may = |scope| signed_in.principal.require(scope).is_ok();
    let booking = record.booking().cloned();
    let position_id = match (&booking, record.tombstone()) {
        (Some(booking), _) => booking.position_id.clone(),
        (None, Some(tombstone)) => tombstone.position_id.clone(),
        (None, None) => return Err(AppError::not_found("No interview has this token.")),
    };
    let position = state
        .scheduling
        .bookings()
        .position(&position_id)
        .await?
        .map_or_else(|| position_id.to_string(), |p| p.title_at_company());
    let status = booking.as_ref().map(|b| b.status);
    let lines = record
        .transcript()
        .iter()
        .map(|entry| Line {
            interviewer: entry.speaker == Speaker::Interviewer,
            text: entry.text.clone(),
            at: entry.at.format("%H:%M:%S").to_string(),
        })
        .collect();
    let recordings = record
        .recordings()
        .iter()
        .map(|recording| RecordingLine {
            link: (recording.location.starts_with("https://")
                || recording.location.starts_with("http://"))
            .then(|| recording.location.clone()),
            location: recording.location.clone(),
            started: format_instant(recording.started_at, None),
        })
        .collect();
    let scorecard = record.evaluation().map(|evaluation| {
        let (bars, height) = scorecard::bars(evaluation);
        Scorecard {
            bars,
            height,
            recommendation: recommendation_label(evaluation),
            evaluation: evaluation.clone(),
        }
    });
    Ok(DetailPage {
        root: DETAIL_ROOT,
        csrf: signed_in.session.csrf.clone(),
        token,
        scheduled: match (&booking, record.tombstone()) {
            (Some(booking), _) => format_instant(booking.scheduled_at, booking.time_zone),
            (None, Some(tombstone)) => format_instant(tombstone.scheduled_at, None),
            (None, None) => String::new(),
        },
        erased_at: record
            .tombstone()
            .map(|tombstone| format_instant(tombstone.erased_at, None)),
        status: status_label(status.map_or("erased", BookingStatus::as_str)),
        evaluation_status: booking
            .as_ref()
            .map_or_else(|| "\u{2014}".to_owned(), evaluation_label),
        evaluation_reason: booking
            .as_ref()
            .and_then(|b| b.evaluation_status.reason().map(str::to_owned)),
        can_cancel: may(Scope::Write)
            && status.is_some_and(|s| s.can_move_to(BookingStatus::Cancelled)),
        can_move: may(Scope::Write) && status == Some(BookingStatus::Scheduled),
        can_erase: may(Scope::Erase) && status.is_some_and(|s| s != BookingStatus::InProgress),
        booking,
        position,
        lines,
        recordings,
        scorecard,
        done,
        chart_width: CHART_WIDTH,
        bar_x: BAR_X,
    })
}

fn recommendation_label(evaluation: &Evaluation) -> String {
    use interview_core::interview::Recommendation;
    match evaluation.recommendation {
        Recommendation::StrongHire => "Strong hire",
        Recommendation::Hire => "Hire",
        Recommendation::NoHire => "No hire",
        Recommendation::StrongNoHire => "Strong no hire",
    }
    .to_owned()
}

// ------------------------------------------------------------------ changes

/// A change the console can make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Cancel,
    Reschedule,
    Erase,
}

impl Action {
    fn parse(name: &str) -> Option<Self> {
        match name {
            "cancel" => Some(Self::Cancel),
            "reschedule" => Some(Self::Reschedule),
            "erase" => Some(Self::Erase),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Cancel => "cancel",
            Self::Reschedule => "reschedule",
            Self::Erase => "erase",
        }
    }

    fn scope(self) -> Scope {
        match self {
            Self::Cancel | Self::Reschedule => Scope::Write,
            Self::Erase => Scope::Erase,
        }
    }
}

/// `templates/console/confirm.html`.
#[derive(Template)]
#[template(path = "console/confirm.html")]
struct ConfirmPage {
    root: &'static str,
    csrf: String,
    token: String,
    action: &'static str,
    candidate: String,
    scheduled: String,
    datetime: String,
    time_zone: String,
    error: Option<String>,
}

async fn confirm_page(
    state: &AppState,
    signed_in: &SignedIn,
    token: &str,
    action: Action,
) -> Result<ConfirmPage, AppError> {
    signed_in.principal.require(action.scope())?;
    let parsed = BookingToken::parse(token)
        .map_err(|_| AppError::not_found("No interview has this token."))?;
    let booking = state
        .scheduling
        .bookings()
        .get(&parsed)
        .await?
        .ok_or_else(|| AppError::not_found("No interview has this token, or it was erased."))?;
    let local = booking
        .time_zone
        .map_or(booking.scheduled_at.naive_utc(), |zone| {
            booking.scheduled_at.with_timezone(&zone).naive_local()
        });
    Ok(ConfirmPage {
        root: ACTION_ROOT,
        csrf: signed_in.session.csrf.clone(),
        token: token.to_owned(),
        action: action.name(),
        candidate: booking.name.to_string(),
        scheduled: format_instant(booking.scheduled_at, booking.time_zone),
        datetime: local.format("%Y-%m-%dT%H:%M").to_string(),
        time_zone: booking
            .time_zone
            .map_or_else(|| "UTC".to_owned(), |zone| zone.name().to_owned()),
        error: None,
    })
}

pub(crate) async fn confirm(
    State(state): State<AppState>,
    Path((token, action)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some(action) = Action::parse(&action) else {
        return failure(
            ACTION_ROOT,
            &AppError::not_found("There is nothing at this address."),
        );
    };
    let signed_in = match signed_in(&state, &headers).await {
        Ok(Some(signed_in)) => signed_in,
        Ok(None) => return to_sign_in(ACTION_ROOT),
        Err(error) => return failure(ACTION_ROOT, &error),
    };
    match confirm_page(&state, &signed_in, &token, action).await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(error) => failure(ACTION_ROOT, &error),
    }
}

pub(crate) async fn act(
    State(state): State<AppState>,
    Path((token, action)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<ChangeForm>,
) -> Response {
    let Some(action) = Action::parse(&action) else {
        return failure(
            ACTION_ROOT,
            &AppError::not_found("There is nothing at this address."),
        );
    };
    let signed_in = match signed_in(&state, &headers).await {
        Ok(Some(signed_in)) => signed_in,
        Ok(None) => return to_sign_in(ACTION_ROOT),
        Err(error) => return failure(ACTION_ROOT, &error),
    };
    if !signed_in.session.csrf_matches(&form.csrf) {
        return failure(ACTION_ROOT, &csrf_refused());
    }
    if let Err(error) = signed_in.principal.require(action.scope()) {
        return failure(ACTION_ROOT, &error);
    }
    let Ok(parsed) = BookingToken::parse(&token) else {
        return failure(
            ACTION_ROOT,
            &AppError::not_found("No interview has this token."),
        );
    };
    let service = &state.scheduling;
    let outcome = match action {
        Action::Cancel => service.cancel(&parsed).await.map(|_| ()),
        Action::Reschedule => service
            .reschedule(
                &parsed,
                form.datetime.as_deref().unwrap_or_default(),
                form.time_zone.as_deref(),
            )
            .await
            .map(|_| ()),
        Action::Erase => service.erase(&parsed).await.map(|_| ()),
    };
    match outcome {
        Ok(()) => see_other(&format!("../{token}?done={}", action.name())),
        Err(error) => {
            let error = change_error(error);
            match confirm_page(&state, &signed_in, &token, action).await {
                Ok(mut page) => {
                    page.error = Some(error.message().to_owned());
                    if let Some(datetime) = form.datetime {
                        page.datetime = datetime;
                    }
                    render(error.status(), &page)
                }
                Err(_) => failure(ACTION_ROOT, &error),
            }
        }
    }
}
