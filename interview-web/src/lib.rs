//! # interview-web
//!
//! An axum [`Router`] that integrators mount in their own server: the open
//! positions and their application forms, the JSON API of the original system, the
//! interview link's page, uploaded resumes, and the notifiers that deliver
//! invitations.
//!
//! | route | what it does |
//! |---|---|
//! | `GET /apply` | the open positions; a redirect to the only one's form; with no positions defined at all, the built-in default position's form (`GET /` redirects here) |
//! | `GET /apply/{slug}` | one open position's application form (company, title, interview length, job description); an unknown or closed position is a 404 page that leads to the open ones |
//! | `POST /api/upload-resume` | multipart field `resume` -> `{resumeUrl, resumeText, extractionError}` |
//! | `POST /api/schedule-interview` | `{name, email, phone, datetime, timeZone?, resumeUrl?, resumeText?, position?}` -> `{ok, interviewUrl, emailSent, scheduledAt, timeZone?, positionId, positionTitle, company?}`; `position` is the slug or id of an open position (left out: the only open one, or the default); one that is not open is a 400 with field `position`; `resumeUrl` must be one the upload returned and no other booking claimed, and the booking takes the server's text for it (`resumeText` is ignored) |
//! | `GET /interview/{token}` | not started yet / expired / unknown / the interview room |
//! | `POST /api/connection-details` | `{room_config, token}` -> `{serverUrl, roomName, participantName, participantToken}` |
//! | `GET /resumes/{key}` | an uploaded resume, to whoever holds its URL |
//! | `GET /ws/interview/{token}` | the local interview transport (see [`live`]) |
//! | `GET /healthz` | 200 when the booking store answers, else 503 |
//! | `GET /api/openapi.json` | the OpenAPI 3.1 document of the candidate API and `/api/v1`, generated from the code (see `docs/api.md`) |
//! | `GET /api/admin/interviews/{token}` | a booking, its transcript and evaluation (bearer `ADMIN_API_TOKEN`) |
//! | `GET /api/v1/positions`, `GET /api/v1/positions/{id}`, `GET /api/v1/interviews/{token}` | the positions and an interview, for the HR platform (bearer key; `ADMIN_API_TOKEN` has every scope; see `docs/api.md`) |
//! | `POST /api/livekit/webhook` | LiveKit's signed room events: interview started / finished |
//! | `GET /assets/{file}` | the pages' stylesheet and scripts, and the vendored LiveKit browser SDK (`livekit-client-{version}.umd.js`, its licence as `livekit-client-LICENSE.txt`) |
//! | `GET /favicon.ico` | the site's icon |
//! | anything else | 404, or 405 with `Allow` for a known path and another method |
//!
//! Errors are JSON: `{"error": {"code", "message", "field"?}}` (unknown routes,
//! wrong methods and the refusals of axum's extractors included); 5xx bodies never
//! carry internals. Answers are `Cache-Control: no-store` unless they are assets.
//! Every request runs in an `http_request{method, route}` span and is counted in
//! `interview_http_requests_total` (see [`ops`]).
//!
//! The operations routes (`/livez`, `/readyz`, `/metrics`) are a router of their own,
//! [`ops::OpsRouter`], meant for a private listener.
//!
//! The public routes have per-client rate limits ([`RateLimits`], [`limits`]),
//! which need the peer address: serve with
//! `into_make_service_with_connect_info::<SocketAddr>()`.
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
//! use interview_web::server::{ServeOptions, serve};
//!
//! // PUBLIC_BASE_URL=https://example.com/careers
//! let app = axum::Router::new().nest("/careers", interview_web::router(state));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await.unwrap();
//! serve(listener, app, ServeOptions::default(), std::future::pending()).await;
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
//! ## Serving
//!
//! [`server::serve`] serves the router with a header-read timeout, an idle timeout,
//! a connection limit and a graceful shutdown (`axum::serve` has none of these);
//! [`ops::OpsRouter`] goes on a second, private listener so health checks answer
//! when the public port is saturated:
//!
//! ```no_run
//! # async fn run(scheduling: std::sync::Arc<interview_core::service::SchedulingService>) {
//! use interview_web::ops::{OpsRouter, install_metrics_recorder};
//! use interview_web::server::{ServeOptions, serve};
//!
//! let state = interview_web::AppState::new(scheduling);
//! let ops = OpsRouter::new(&state)
//!     .with_metrics(install_metrics_recorder().unwrap())
//!     .into_router();
//! let ops_listener = tokio::net::TcpListener::bind("127.0.0.1:9090").await.unwrap();
//! tokio::spawn(serve(ops_listener, ops, ServeOptions::ops(), std::future::pending()));
//!
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await.unwrap();
//! // In an application: Ctrl-C or SIGTERM (tokio::signal).
//! let shutdown = std::future::pending::<()>();
//! serve(listener, interview_web::router(state), ServeOptions::default(), shutdown).await;
//! # }
//! ```

mod admission;
mod api;
mod assets;
mod console;
pub mod error;
mod headers;
pub mod limits;
pub mod live;
pub mod notify;
mod observe;
pub mod ops;
mod pages;
pub mod platform;
mod resumes;
pub mod server;
mod state;
mod webhook;

/// The axum version the router is built with, for serving it.
pub use axum;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::get;
use tower_http::set_header::SetResponseHeaderLayer;

pub use error::AppError;
pub use limits::RateLimits;
pub use state::AppState;

/// The application's routes, ready to serve or to nest in a larger router under any
/// path (`Router::new().nest("/careers", router(state))`).
pub fn router(state: AppState) -> Router {
    let security_headers = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        // Interview links carry their token: never send them on as a Referer.
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        // Answers carry personal data (bookings, connection details, extracted
        // resumes, the interview page); the assets and the icon say otherwise.
        (header::CACHE_CONTROL, "no-store"),
    ];
    let content_security_policy = headers::content_security_policy(&state);
    let mut app = api::routes(&state)
        .route("/", get(pages::index))
        .route("/apply", get(pages::apply_index))
        .route("/apply/{slug}", get(pages::apply_position))
        .route("/interview/{token}", get(pages::interview_page))
        .route(
            "/interview/{token}/reschedule",
            get(pages::reschedule_form).post(pages::reschedule),
        )
        .route(
            "/interview/{token}/cancel",
            get(pages::cancel_form).post(pages::cancel),
        )
        .route("/ws/interview/{token}", get(live::interview_socket))
        .route("/resumes/{key}", get(resumes::resume_file))
        .route("/assets/{name}", get(assets::asset))
        .route("/favicon.ico", get(assets::favicon))
        .merge(webhook::routes())
        .merge(console::routes())
        .route_layer(limits::LimitLayer::new(state.limits.clone()))
        .fallback(error::no_route)
        .method_not_allowed_fallback(error::method_not_allowed)
        .with_state(state);
    for (name, value) in security_headers {
        app = app.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ));
    }
    app.layer(SetResponseHeaderLayer::if_not_present(
        header::CONTENT_SECURITY_POLICY,
        content_security_policy,
    ))
    .layer(axum::middleware::map_response(error::errors_as_json))
    .layer(axum::middleware::from_fn(observe::observe))
}
