//! # interview-web
//!
//! An axum [`Router`] that integrators mount in their own server: the application
//! form, the JSON API of the original system, the interview link's page, uploaded
//! resumes, and the notifiers that deliver invitations.
//!
//! | route | what it does |
//! |---|---|
//! | `GET /apply` | the application form (`GET /` redirects here) |
//! | `POST /api/upload-resume` | multipart field `resume` -> `{resumeUrl, resumeText, extractionError}` |
//! | `POST /api/schedule-interview` | `{name, email, phone, datetime, timeZone?, resumeUrl?, resumeText?}` -> `{ok, interviewUrl, emailSent}`; `resumeUrl` must be one the upload returned and no other booking claimed, and the booking takes the server's text for it (`resumeText` is ignored) |
//! | `GET /interview/{token}` | not started yet / expired / unknown / the interview room |
//! | `POST /api/connection-details` | `{room_config, token}` -> `{serverUrl, roomName, participantName, participantToken}` |
//! | `GET /resumes/{key}` | an uploaded resume, to whoever holds its URL |
//! | `GET /ws/interview/{token}` | the local interview transport (see [`live`]) |
//! | `GET /healthz` | 200 when the booking store answers, else 503 |
//! | `GET /api/admin/interviews/{token}` | a booking, its transcript and evaluation (bearer `ADMIN_API_TOKEN`) |
//! | `POST /api/livekit/webhook` | LiveKit's signed room events: interview started / finished |
//! | `GET /assets/{file}` | the pages' stylesheet and scripts |
//!
//! Errors are JSON: `{"error": {"code", "message", "field"?}}`; 5xx bodies never
//! carry internals.
//!
//! Pages are askama templates (`templates/`), checked at compile time and escaped by
//! default; the numbers they state (upload limit, window minutes) come from the
//! scheduling settings.
//!
//! ## Mounting under a path
//!
//! The router works at the root of a server or nested under a path. Pages and
//! scripts address everything relative to the page, so nesting needs nothing but
//! `PUBLIC_BASE_URL` naming the same path (for the links in invitations):
//!
//! ```no_run
//! # async fn run(state: interview_web::AppState) {
//! // PUBLIC_BASE_URL=https://example.com/careers
//! let app = axum::Router::new().nest("/careers", interview_web::router(state));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await.unwrap();
//! axum::serve(listener, app).await.unwrap();
//! # }
//! ```
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `smtp` | yes | [`notify::SmtpNotifier`]: invitations over SMTP with TLS or STARTTLS |
//! | `livekit` | yes | LiveKit rooms ([`AppState::with_livekit`] with an `interview_livekit::LiveKitRooms`): participant tokens that dispatch the interviewer agent, and LiveKit's webhooks |
//!
//! [`notify::OutboxNotifier`] (invitations as `.eml` files) is always available.
//!
//! ```no_run
//! # async fn run(scheduling: std::sync::Arc<interview_core::service::SchedulingService>) {
//! let app = interview_web::router(interview_web::AppState::new(scheduling));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await.unwrap();
//! axum::serve(listener, app).await.unwrap();
//! # }
//! ```

mod admission;
mod api;
mod assets;
pub mod error;
pub mod live;
pub mod notify;
mod pages;
mod resumes;
mod state;
mod webhook;

/// The axum version the router is built with, for serving it.
pub use axum;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::get;
use tower_http::set_header::SetResponseHeaderLayer;

pub use error::AppError;
pub use state::AppState;

/// The application's routes, ready to serve or to nest in a larger router under any
/// path (`Router::new().nest("/careers", router(state))`).
pub fn router(state: AppState) -> Router {
    let security_headers = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        // Interview links carry their token: never send them on as a Referer.
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            header::CONTENT_SECURITY_POLICY,
            // The LiveKit browser SDK comes from jsDelivr, pinned by version and hash.
            "default-src 'self'; script-src 'self' https://cdn.jsdelivr.net; style-src 'self'; img-src 'self' data:; \
             connect-src 'self' wss: https:; media-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
    ];
    let mut app = api::routes(&state)
        .route("/", get(pages::index))
        .route("/apply", get(pages::apply_page))
        .route("/interview/{token}", get(pages::interview_page))
        .route("/ws/interview/{token}", get(live::interview_socket))
        .route("/resumes/{key}", get(resumes::resume_file))
        .route("/assets/{name}", get(assets::asset))
        .merge(webhook::routes())
        .with_state(state);
    for (name, value) in security_headers {
        app = app.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ));
    }
    app
}
