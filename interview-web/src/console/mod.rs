//! `/console`: the recruiter's pages. Sign in with an API key (or the admin
//! token), list interviews with the API's filters, open one to read its
//! transcript and scorecard, cancel, move or erase it.
//!
//! | path | what it is |
//! |---|---|
//! | `GET /console` | the sign-in form, or (signed in) the list of interviews |
//! | `POST /console/sign-in`, `POST /console/sign-out` | open and end the session ([`session`]) |
//! | `GET /console/interviews/{token}` | one interview: candidate, resume, transcript, scorecard |
//! | `GET`/`POST /console/interviews/{token}/{cancel,reschedule,erase}` | a confirmation page, and the change |
//!
//! Every form carries the session's CSRF token, and the cookie is
//! `SameSite=Strict`: another site can neither read nor forge a change. The
//! pages need no script; the scorecard is inline SVG.

mod pages;
mod scorecard;
mod session;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

pub(crate) use session::Sessions;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/console", get(pages::home))
        .route("/console/sign-in", post(pages::sign_in))
        .route("/console/sign-out", post(pages::sign_out))
        .route("/console/interviews/{token}", get(pages::detail))
        .route(
            "/console/interviews/{token}/{action}",
            get(pages::confirm).post(pages::act),
        )
}
