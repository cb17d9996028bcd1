//! The apply pages: `GET /apply` (the open positions, or the only one's form) and
//! `GET /apply/{slug}` (one position's form).

use std::time::Duration;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use interview_core::position::{Position, Slug};
use interview_core::store::StoreError;

use super::{markdown, megabytes, respond};
use crate::AppState;

/// From `/apply` to the router's root.
const LIST_ROOT: &str = ".";
/// From `/apply/{slug}` to the router's root.
const POSITION_ROOT: &str = "..";

/// `templates/apply/form.html`: one position's application form.
#[derive(Template)]
#[template(path = "apply/form.html")]
pub(super) struct ApplyForm {
    /// From the page to the router's root.
    pub(super) root: &'static str,
    /// The position's language (`<html lang>`).
    pub(super) lang: String,
    /// Whether that language is English, the language of the form's own words.
    pub(super) english: bool,
    pub(super) title: String,
    /// `None`: no company is named at all.
    pub(super) company: Option<String>,
    /// "Backend Engineer at Acme".
    pub(super) title_at_company: String,
    /// "30 minutes".
    pub(super) length: String,
    /// The job description as safe HTML (see [`markdown`]); empty: none.
    pub(super) description_html: String,
    /// The slug the form posts as `position`; `None` for the built-in default
    /// position of a store without positions, which a request names by leaving
    /// it out.
    pub(super) position: Option<String>,
    pub(super) max_upload_bytes: usize,
    pub(super) max_upload_size: String,
    pub(super) opens_before_minutes: i64,
    /// Where a number without a country code is read ("US").
    pub(super) phone_region: String,
    /// The fewest digits the form asks of a number without a country code.
    pub(super) phone_shortest: usize,
}

/// One entry of the list of open positions.
struct Listed {
    slug: String,
    title: String,
    company: Option<String>,
    length: String,
}

/// `templates/apply/list.html`: the open positions (possibly none).
#[derive(Template)]
#[template(path = "apply/list.html")]
struct PositionList {
    root: &'static str,
    positions: Vec<Listed>,
}

/// `templates/apply/not_found.html`: no open position has this address.
#[derive(Template)]
#[template(path = "apply/not_found.html")]
struct PositionNotFound {
    root: &'static str,
    /// The position, when it exists but is closed to applications.
    closed: Option<String>,
}

/// `templates/apply/unavailable.html`: the store did not answer.
#[derive(Template)]
#[template(path = "apply/unavailable.html")]
struct Unavailable {
    root: &'static str,
}

/// `GET /apply`: the list of open positions; straight to the form when only one
/// is open; the built-in default position's form when none was ever defined.
pub(crate) async fn apply_index(State(state): State<AppState>) -> Response {
    let positions = match state.scheduling.bookings().positions().await {
        Ok(positions) => positions,
        Err(error) => return unavailable(LIST_ROOT, &error),
    };
    if positions.is_empty() {
        return respond(
            StatusCode::OK,
            &form(
                &state,
                LIST_ROOT,
                &state.scheduling.built_in_position(),
                None,
            ),
        );
    }
    let open: Vec<Position> = positions.into_iter().filter(|p| !p.archived).collect();
    if let [only] = open.as_slice() {
        // Relative to `/apply`, so it stays under any path the router is nested at.
        return see_other(&format!("./apply/{}", only.slug));
    }
    let positions = open
        .iter()
        .map(|position| Listed {
            slug: position.slug.to_string(),
            title: position.title.clone(),
            company: position.company.clone(),
            length: interview_length(position.duration()),
        })
        .collect();
    respond(
        StatusCode::OK,
        &PositionList {
            root: LIST_ROOT,
            positions,
        },
    )
}

/// `GET /apply/{slug}`: the form of the open position with this slug. An old
/// address that names the position's id leads to its current slug; an unknown or
/// closed position is a 404 page that leads to the open ones.
pub(crate) async fn apply_position(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Response {
    let root = POSITION_ROOT;
    let not_found =
        |closed: Option<String>| respond(StatusCode::NOT_FOUND, &PositionNotFound { root, closed });
    let Some(slug) = Slug::parse(&slug) else {
        return not_found(None);
    };
    let store = state.scheduling.bookings();
    let found = match store.position_by_slug(&slug).await {
        Ok(Some(position)) => Some(position),
        Ok(None) => match store.position(&slug).await {
            Ok(found) => found,
            Err(error) => return unavailable(root, &error),
        },
        Err(error) => return unavailable(root, &error),
    };
    match found {
        Some(position) if position.archived => not_found(Some(position.title_at_company())),
        Some(position) if position.slug != slug => see_other(&format!("./{}", position.slug)),
        Some(position) => {
            let slug = position.slug.to_string();
            respond(StatusCode::OK, &form(&state, root, &position, Some(slug)))
        }
        None => not_found(None),
    }
}

/// The form for `position`, with the server's limits and the position's phone
/// region filled in.
fn form(
    state: &AppState,
    root: &'static str,
    position: &Position,
    posted: Option<String>,
) -> ApplyForm {
    let settings = state.scheduling.settings();
    ApplyForm {
        root,
        lang: position.language.to_string(),
        english: position.language.is_english(),
        title: position.title.clone(),
        company: position.company.clone(),
        title_at_company: position.title_at_company(),
        length: interview_length(position.duration()),
        description_html: markdown::render(&position.description),
        position: posted,
        max_upload_bytes: settings.max_resume_bytes,
        max_upload_size: megabytes(settings.max_resume_bytes),
        opens_before_minutes: settings.window.opens_before().num_minutes(),
        phone_region: position.phone_region.to_string(),
        phone_shortest: position.phone_region.shortest_number(),
    }
}

fn unavailable(root: &'static str, error: &StoreError) -> Response {
    tracing::error!(%error, "apply page: position store unavailable");
    respond(StatusCode::SERVICE_UNAVAILABLE, &Unavailable { root })
}

/// A redirect to `location`, a relative reference made of slugs (always a valid
/// header value; should it not be, a 404 rather than a panic).
fn see_other(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// An interview's length as the pages state it: "30 minutes", "1 hour", "1 hour
/// 30 minutes" (whole minutes, rounded up).
pub(super) fn interview_length(length: Duration) -> String {
    let minutes = length.as_secs().div_ceil(60);
    let (hours, minutes) = (minutes / 60, minutes % 60);
    let hours_text = match hours {
        0 => String::new(),
        1 => "1 hour".to_owned(),
        n => format!("{n} hours"),
    };
    let minutes_text = match minutes {
        0 => String::new(),
        1 => "1 minute".to_owned(),
        n => format!("{n} minutes"),
    };
    match (hours_text.is_empty(), minutes_text.is_empty()) {
        (false, false) => format!("{hours_text} {minutes_text}"),
        (false, true) => hours_text,
        _ => minutes_text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_read_as_a_person_says_them() {
        let minutes = |m: u64| Duration::from_secs(m * 60);
        assert_eq!(interview_length(minutes(30)), "30 minutes");
        assert_eq!(interview_length(minutes(1)), "1 minute");
        assert_eq!(interview_length(minutes(60)), "1 hour");
        assert_eq!(interview_length(minutes(90)), "1 hour 30 minutes");
        assert_eq!(interview_length(minutes(180)), "3 hours");
        assert_eq!(
            interview_length(Duration::from_secs(29 * 60 + 1)),
            "30 minutes"
        );
    }

    fn sample_form(company: Option<&str>) -> ApplyForm {
        ApplyForm {
            root: "..",
            lang: "en-GB".to_owned(),
            english: true,
            title: "Backend Engineer".to_owned(),
            company: company.map(str::to_owned),
            title_at_company: "Backend Engineer at Acme".to_owned(),
            length: "45 minutes".to_owned(),
            description_html: markdown::render("We run **payments**."),
            position: Some("backend-engineer".to_owned()),
            max_upload_bytes: 2 * 1024 * 1024,
            max_upload_size: megabytes(2 * 1024 * 1024),
            opens_before_minutes: 15,
            phone_region: "GB".to_owned(),
            phone_shortest: 7,
        }
    }

    #[test]
    fn the_form_states_the_position_and_the_configured_limits() {
        let html = sample_form(Some("Acme")).render().unwrap();
        assert!(html.contains("<html lang=\"en-GB\">"), "{html}");
        assert!(
            html.contains("<h1 id=\"position-title\">Backend Engineer</h1>"),
            "{html}"
        );
        assert!(html.contains("<p class=\"company\">Acme</p>"), "{html}");
        assert!(html.contains("45 minutes"), "{html}");
        assert!(html.contains("<strong>payments</strong>"), "{html}");
        assert!(
            html.contains("data-position=\"backend-engineer\""),
            "{html}"
        );
        assert!(html.contains("data-max-bytes=\"2097152\""), "{html}");
        assert!(html.contains("at most <span id=\"max-size\">2 MB</span>"));
        assert!(html.contains("The link opens 15 minutes before the start."));
        assert!(html.contains("<body data-base=\"..\">"));
        assert!(html.contains("data-phone-region=\"GB\" data-phone-shortest=\"7\""));
        assert!(html.contains("read in the GB numbering plan"), "{html}");
        assert!(html.contains("href=\"../assets/style.css\""));
        assert!(html.contains("src=\"../assets/apply.js\""));
    }

    #[test]
    fn without_a_company_the_form_names_none() {
        let html = sample_form(None).render().unwrap();
        assert!(!html.contains("class=\"company\""), "{html}");
        assert!(!html.contains("hiring team"), "{html}");
    }
}
