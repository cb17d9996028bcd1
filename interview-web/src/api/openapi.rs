//! `GET /api/openapi.json`: the OpenAPI 3.1 document of the JSON API, generated
//! from the handlers' `#[utoipa::path]` annotations and the types they read and
//! write (`ToSchema`), so it changes with the code.
//!
//! It covers the candidate API (upload, schedule, connection details, health), the
//! HR platform's `/api/v1` (bearer keys) and the older admin route (deprecated).
//! Every error any of them answers has the one shape of [`crate::error`]:
//! `{"error": {"code", "message", "field"?, "fields"?}}`, described here once as
//! [`ErrorBody`] and reused through the named responses below.

use std::sync::LazyLock;

use axum::Json;
use axum::extract::State;
use interview_core::{Field, FieldError};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, Server};
use utoipa::{Modify, OpenApi, ToResponse, ToSchema};

use super::{admin, connection, health, schedule, upload, v1};
use crate::AppState;

/// The name of the bearer security scheme of `/api/v1` in the document (the
/// operations name it as `security(("bearer" = []))`).
const BEARER_SCHEME: &str = "bearer";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "interview",
        description = "Book AI voice interviews and read their results. The candidate \
            API (`/api/upload-resume`, `/api/schedule-interview`, `/api/connection-details`) \
            is what the application form and the interview page call; `/api/v1` is the HR \
            platform's, behind a bearer API key. Errors are always \
            `{\"error\": {\"code\", \"message\", \"field\"?, \"fields\"?}}`; 5xx answers say \
            nothing about internals. Every answer is `Cache-Control: no-store`.",
        license(name = "MIT OR Apache-2.0", identifier = "MIT OR Apache-2.0"),
    ),
    paths(
        upload::upload_resume,
        schedule::schedule_interview,
        connection::connection_details,
        health::healthz,
        openapi_json,
        admin::interview_record,
        v1::positions::list,
        v1::positions::create,
        v1::positions::read,
        v1::positions::update,
        v1::interviews::list,
        v1::interviews::read,
        v1::interviews::cancel,
        v1::interviews::reschedule,
        v1::interviews::erase,
        v1::keys::list,
        v1::keys::create,
        v1::keys::revoke,
        v1::webhooks::list,
        v1::webhooks::create,
        v1::webhooks::read,
        v1::webhooks::update,
        v1::webhooks::delete,
        v1::webhooks::rotate_secret,
        v1::webhooks::deliveries,
    ),
    components(
        // Named here because nothing else pulls them in: the error shape the
        // responses below share, and the enum of the listing's `status` filter.
        schemas(ErrorBody, ErrorDetail, v1::interviews::StatusParam),
        responses(
            BadRequest,
            Unauthorized,
            Forbidden,
            NotFound,
            Conflict,
            PayloadTooLarge,
            UnsupportedMediaType,
            Unprocessable,
            TooManyRequests,
            Unavailable,
            Internal,
        )
    ),
    modifiers(&BearerKeys),
    tags(
        (name = "candidate", description = "What the application form and the interview page call."),
        (name = "recruiter", description = "The HR platform's API: positions, interviews, API keys and webhook endpoints. \
            Send a key as `Authorization: Bearer <key>`; `ADMIN_API_TOKEN` holds every scope."),
    )
)]
struct ApiDoc;

/// Adds the bearer scheme that `/api/v1` names in its `security`.
struct BearerKeys;

impl Modify for BearerKeys {
    fn modify(&self, openapi: &mut Document) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "An API key from `POST /api/v1/api-keys`, or `ADMIN_API_TOKEN`. The scheme \
                 name is read in any case. A missing, unknown or revoked key is a 401 with \
                 `WWW-Authenticate: Bearer realm=\"interview\"`; a key without the scope an \
                 operation needs is a 403.",
            ))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(BEARER_SCHEME, SecurityScheme::Http(scheme));
    }
}

/// The document, generated once, without `servers` (that depends on the
/// application's `PUBLIC_BASE_URL`).
fn document() -> &'static Document {
    static DOCUMENT: LazyLock<Document> = LazyLock::new(ApiDoc::openapi);
    &DOCUMENT
}

/// The OpenAPI document of this API.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "candidate",
    operation_id = "openapi",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document of this API.",
            content_type = "application/json", body = Object),
    )
)]
pub(crate) async fn openapi_json(State(state): State<AppState>) -> Json<Document> {
    let mut document = document().clone();
    // The public base URL, path included, so the paths stay right when the router
    // is nested (`PUBLIC_BASE_URL=https://example.com/careers`).
    let base = state.scheduling.settings().absolute_url("/");
    document.servers = Some(vec![Server::new(base.trim_end_matches('/'))]);
    Json(document)
}

/// Every error answer: `{"error": {...}}`.
#[derive(ToSchema)]
#[schema(as = Error)]
#[allow(dead_code)] // a description of `crate::error`'s JSON, never built
pub(crate) struct ErrorBody {
    error: ErrorDetail,
}

/// What went wrong.
#[derive(ToSchema)]
#[allow(dead_code)] // a description of `crate::error`'s JSON, never built
pub(crate) struct ErrorDetail {
    /// Machine-readable: `bad_request`, `unauthorized`, `forbidden`, `not_found`,
    /// `conflict`, `too_large`, `unsupported_media_type`, `unsupported_type`,
    /// `invalid`, `rate_limited`, `unavailable`, `internal`, and the refusals of
    /// joining an interview (`cancelled`, `completed`, `too_early`, `expired`).
    code: String,
    /// A sentence for the person, in their terms.
    message: String,
    /// The form field to fix, when one is to blame (the first of `fields`).
    #[schema(required = false)]
    field: Option<Field>,
    /// Every field that is wrong, when a form was checked.
    #[schema(required = false)]
    fields: Vec<FieldError>,
}

/// 400: the request could not be read (malformed JSON or form data, a query
/// parameter out of range, a position that is not open).
#[derive(ToResponse)]
#[allow(dead_code)]
pub(crate) struct BadRequest(ErrorBody);

/// 401: no valid key. Send one as `Authorization: Bearer <key>`.
#[derive(ToResponse)]
#[response(headers(
    ("WWW-Authenticate" = String, description = "`Bearer realm=\"interview\"`"),
))]
#[allow(dead_code)]
pub(crate) struct Unauthorized(ErrorBody);

/// 403: the key is valid but lacks the scope this needs (or would hand out scopes
/// it does not hold).
#[derive(ToResponse)]
#[allow(dead_code)]
pub(crate) struct Forbidden(ErrorBody);

/// 404: nothing has this id or token.
#[derive(ToResponse)]
#[allow(dead_code)]
pub(crate) struct NotFound(ErrorBody);

/// 409: the request clashes with what is stored (a taken id or slug, an interview
/// whose status the change does not apply to, one that cannot be joined now).
#[derive(ToResponse)]
#[allow(dead_code)]
pub(crate) struct Conflict(ErrorBody);

/// 413: the body (or the file) is over the limit.
#[derive(ToResponse)]
#[allow(dead_code)]
pub(crate) struct PayloadTooLarge(ErrorBody);

/// 415: the body is not of the content type this route reads (or the file is not
/// a PDF, DOC or DOCX document).
#[derive(ToResponse)]
#[allow(dead_code)]
pub(crate) struct UnsupportedMediaType(ErrorBody);

/// 422: the request was read but its content is not valid; `fields` names every
/// field to fix when a form was checked.
#[derive(ToResponse)]
#[allow(dead_code)]
pub(crate) struct Unprocessable(ErrorBody);

/// 429: too many requests from this client (or bookings for this e-mail address).
#[derive(ToResponse)]
#[response(headers(
    ("Retry-After" = u64, description = "Seconds to wait before trying again."),
))]
#[allow(dead_code)]
pub(crate) struct TooManyRequests(ErrorBody);

/// 503: a store (or LiveKit) is unavailable or not configured; try again later.
#[derive(ToResponse)]
#[allow(dead_code)]
pub(crate) struct Unavailable(ErrorBody);

/// 500: a failure on the server's side; the body says nothing about it.
#[derive(ToResponse)]
#[allow(dead_code)]
pub(crate) struct Internal(ErrorBody);
