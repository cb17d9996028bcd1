//! Webhook endpoints: create, list, read, change, delete, rotate the secret, and
//! the record of deliveries.
//!
//! Endpoints live beside the job queue that delivers to them: a server whose
//! booking store has no queue (Supabase) answers 409 to every route here.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use interview_core::access::Scope;
use interview_core::events::EventType;
use interview_core::jobs::JobStore;
use interview_core::webhooks::{
    Delivery, DeliveryQuery, DeliveryStatus, EndpointId, MAX_DELIVERY_PAGE, MAX_ENDPOINTS,
    SigningSecret, WebhookEndpoint, parse_description, parse_endpoint_url,
};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{body, given};
use crate::AppState;
use crate::api::auth::authenticate;
use crate::error::AppError;

/// An endpoint as the API shows it: never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WebhookView {
    /// The endpoint's id (`we_` and 24 hex digits).
    id: EndpointId,
    /// Where deliveries go.
    url: String,
    /// The event types it gets; `null`: all of them, those added later included.
    events: Option<Vec<EventType>>,
    /// What it is, for people.
    description: String,
    /// A disabled endpoint gets no new events.
    disabled: bool,
    /// Until when the secret before the last rotation still signs (a second
    /// signature in `webhook-signature`); `null` when it no longer does.
    previous_secret_expires_at: Option<DateTime<Utc>>,
    /// When it was created.
    created_at: DateTime<Utc>,
    /// When it last changed, its secret included.
    updated_at: DateTime<Utc>,
}

impl WebhookView {
    fn of(endpoint: WebhookEndpoint, now: DateTime<Utc>) -> Self {
        Self {
            previous_secret_expires_at: endpoint
                .previous_secret
                .as_ref()
                .map(|previous| previous.until)
                .filter(|until| *until > now),
            id: endpoint.id,
            url: endpoint.url.to_string(),
            events: endpoint.events,
            description: endpoint.description,
            disabled: endpoint.disabled,
            created_at: endpoint.created_at,
            updated_at: endpoint.updated_at,
        }
    }
}

/// `GET /api/v1/webhooks`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WebhookList {
    /// Every endpoint created through the API, oldest first (the one from
    /// `WEBHOOK_URL` is not listed; its deliveries are at
    /// `/api/v1/webhooks/env/deliveries`).
    webhooks: Vec<WebhookView>,
}

/// The body of `POST /api/v1/webhooks`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewWebhook {
    /// Where deliveries go: an `http` or `https` URL, without user name or
    /// password (at most 2000 bytes).
    url: String,
    /// The event types to send; left out or `null`: all of them.
    #[schema(value_type = Option<Vec<EventType>>, min_items = 1)]
    #[serde(default)]
    events: Option<Vec<String>>,
    /// What it is, for people (at most 200 characters).
    #[serde(default)]
    #[schema(max_length = 200)]
    description: Option<String>,
    /// The signing secret (`whsec_` and the base64 of 24 to 64 random bytes);
    /// left out: one is generated.
    #[serde(default)]
    secret: Option<String>,
}

/// An endpoint just created, or its secret just rotated: the only answers that
/// hold the secret.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WebhookWithSecret {
    #[serde(flatten)]
    webhook: WebhookView,
    /// The signing secret (`whsec_...`) for the receiver's Standard Webhooks
    /// library; it is not shown again.
    secret: String,
}

/// The body of `PATCH /api/v1/webhooks/{id}`: the fields to change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WebhookPatch {
    /// A new URL.
    #[serde(default)]
    url: Option<String>,
    /// New event types; `null`: all of them.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Vec<EventType>>)]
    events: Option<Option<Vec<String>>>,
    /// A new description.
    #[serde(default)]
    description: Option<String>,
    /// `true` stops new events (queued deliveries stop at their next attempt);
    /// `false` starts them again.
    #[serde(default)]
    disabled: Option<bool>,
}

/// A field that was sent, `null` included (`Some(None)`), as opposed to left out
/// (`None`, through `#[serde(default)]`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// The store of endpoints, or 409 when this server has no job queue.
fn store(state: &AppState) -> Result<Arc<dyn JobStore>, AppError> {
    state.scheduling.jobs().cloned().ok_or_else(|| {
        AppError::conflict(
            "Webhook endpoints need the job queue, which this server's booking store \
             (Supabase) does not have: use SQLite or PostgreSQL.",
        )
    })
}

/// The event types named in `names`, or 422 naming the first unknown one.
fn event_types(names: Vec<String>) -> Result<Vec<EventType>, AppError> {
    if names.is_empty() {
        return Err(AppError::unprocessable(
            "events must name at least one event type, or be left out for all of them.",
        ));
    }
    names
        .iter()
        .map(|name| {
            EventType::parse(name).ok_or_else(|| {
                AppError::unprocessable(format!(
                    "events: {name:?} is not an event type (booking.created, \
                     booking.rescheduled, booking.cancelled, interview.started, \
                     interview.completed, evaluation.ready, evaluation.failed)."
                ))
            })
        })
        .collect()
}

fn url(text: &str) -> Result<url::Url, AppError> {
    parse_endpoint_url(text).map_err(|error| AppError::unprocessable(format!("url {error}.")))
}

fn description(text: &str) -> Result<String, AppError> {
    parse_description(text).map_err(|why| AppError::unprocessable(format!("description {why}.")))
}

/// The stored endpoint `id` names, or 404 (`env` included: it is not managed
/// here).
async fn stored(store: &dyn JobStore, id: &str) -> Result<WebhookEndpoint, AppError> {
    let missing = || AppError::not_found("No webhook endpoint has this id.");
    let id = EndpointId::parse(id)
        .filter(|id| !id.is_env())
        .ok_or_else(missing)?;
    store.webhook(&id).await?.ok_or_else(missing)
}

/// Every endpoint, never their secrets (scope `read`).
#[utoipa::path(
    get,
    path = "/api/v1/webhooks",
    tag = "recruiter",
    operation_id = "list_webhooks",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The endpoints.", body = WebhookList),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 409, response = crate::api::openapi::Conflict),
        (status = 500, response = crate::api::openapi::Internal),
        (status = 503, response = crate::api::openapi::Unavailable),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<WebhookList>, AppError> {
    authenticate(&state, &headers).await?.require(Scope::Read)?;
    let now = state.scheduling.clock().now();
    let webhooks = store(&state)?.webhooks().await?;
    Ok(Json(WebhookList {
        webhooks: webhooks
            .into_iter()
            .map(|endpoint| WebhookView::of(endpoint, now))
            .collect(),
    }))
}

/// Creates an endpoint (scope `write`). It gets the events that happen from
/// now on.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks",
    tag = "recruiter",
    operation_id = "create_webhook",
    request_body = NewWebhook,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created: `secret` is shown in this answer only.", body = WebhookWithSecret),
        (status = 400, response = crate::api::openapi::BadRequest),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 409, response = crate::api::openapi::Conflict),
        (status = 413, response = crate::api::openapi::PayloadTooLarge),
        (status = 415, response = crate::api::openapi::UnsupportedMediaType),
        (status = 422, response = crate::api::openapi::Unprocessable),
        (status = 500, response = crate::api::openapi::Internal),
        (status = 503, response = crate::api::openapi::Unavailable),
    )
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: Result<Json<NewWebhook>, JsonRejection>,
) -> Result<impl IntoResponse, AppError> {
    let caller = authenticate(&state, &headers).await?;
    caller.require(Scope::Write)?;
    let request = body(request)?;
    let store = store(&state)?;
    let url = url(&request.url)?;
    let events = request.events.map(event_types).transpose()?;
    let description = description(request.description.as_deref().unwrap_or_default())?;
    let secret = match request.secret.as_deref() {
        Some(text) => SigningSecret::parse(text)
            .map_err(|error| AppError::unprocessable(format!("secret {error}.")))?,
        None => SigningSecret::generate().map_err(|e| AppError::internal(&e))?,
    };
    if store.webhooks().await?.len() >= MAX_ENDPOINTS {
        return Err(AppError::conflict(format!(
            "There are {MAX_ENDPOINTS} webhook endpoints already: delete one first."
        )));
    }
    let now = state.scheduling.clock().now();
    let endpoint = WebhookEndpoint::new(url, events, description, secret, now)
        .map_err(|e| AppError::internal(&e))?;
    store.create_webhook(&endpoint).await?;
    tracing::info!(endpoint = %endpoint.id, by = ?caller.key(), "webhook endpoint created");
    Ok((
        StatusCode::CREATED,
        Json(WebhookWithSecret {
            secret: endpoint.secret.expose().to_owned(),
            webhook: WebhookView::of(endpoint, now),
        }),
    ))
}

/// One endpoint, without its secret (scope `read`).
#[utoipa::path(
    get,
    path = "/api/v1/webhooks/{id}",
    tag = "recruiter",
    operation_id = "read_webhook",
    params(("id" = String, Path, description = "The endpoint's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The endpoint.", body = WebhookView),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 404, response = crate::api::openapi::NotFound),
        (status = 409, response = crate::api::openapi::Conflict),
        (status = 500, response = crate::api::openapi::Internal),
        (status = 503, response = crate::api::openapi::Unavailable),
    )
)]
pub(crate) async fn read(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<WebhookView>, AppError> {
    authenticate(&state, &headers).await?.require(Scope::Read)?;
    let endpoint = stored(store(&state)?.as_ref(), &id).await?;
    Ok(Json(WebhookView::of(
        endpoint,
        state.scheduling.clock().now(),
    )))
}

/// Changes an endpoint (scope `write`): its URL, event types, description, or
/// whether it is disabled. Deliveries already queued go to the new URL.
#[utoipa::path(
    patch,
    path = "/api/v1/webhooks/{id}",
    tag = "recruiter",
    operation_id = "update_webhook",
    params(("id" = String, Path, description = "The endpoint's id.")),
    request_body = WebhookPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed: the endpoint as it is now.", body = WebhookView),
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
pub(crate) async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    patch: Result<Json<WebhookPatch>, JsonRejection>,
) -> Result<Json<WebhookView>, AppError> {
    let caller = authenticate(&state, &headers).await?;
    caller.require(Scope::Write)?;
    let patch = body(patch)?;
    let store = store(&state)?;
    let mut endpoint = stored(store.as_ref(), &id).await?;
    if let Some(text) = &patch.url {
        endpoint.url = url(text)?;
    }
    if let Some(events) = patch.events {
        endpoint.set_events(events.map(event_types).transpose()?);
    }
    if let Some(text) = &patch.description {
        endpoint.description = description(text)?;
    }
    if let Some(disabled) = patch.disabled {
        endpoint.disabled = disabled;
    }
    let now = state.scheduling.clock().now();
    endpoint.updated_at = now;
    if !store.update_webhook(&endpoint).await? {
        return Err(AppError::not_found("No webhook endpoint has this id."));
    }
    tracing::info!(endpoint = %endpoint.id, disabled = endpoint.disabled, by = ?caller.key(), "webhook endpoint changed");
    Ok(Json(WebhookView::of(endpoint, now)))
}

/// Deletes an endpoint and its deliveries' records (scope `write`); deliveries
/// still queued for it stop at their next attempt.
#[utoipa::path(
    delete,
    path = "/api/v1/webhooks/{id}",
    tag = "recruiter",
    operation_id = "delete_webhook",
    params(("id" = String, Path, description = "The endpoint's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Deleted: the endpoint as it was.", body = WebhookView),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 404, response = crate::api::openapi::NotFound),
        (status = 409, response = crate::api::openapi::Conflict),
        (status = 500, response = crate::api::openapi::Internal),
        (status = 503, response = crate::api::openapi::Unavailable),
    )
)]
pub(crate) async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<WebhookView>, AppError> {
    let caller = authenticate(&state, &headers).await?;
    caller.require(Scope::Write)?;
    let store = store(&state)?;
    let endpoint = stored(store.as_ref(), &id).await?;
    if !store.delete_webhook(&endpoint.id).await? {
        return Err(AppError::not_found("No webhook endpoint has this id."));
    }
    tracing::info!(endpoint = %endpoint.id, by = ?caller.key(), "webhook endpoint deleted");
    Ok(Json(WebhookView::of(
        endpoint,
        state.scheduling.clock().now(),
    )))
}

/// Gives the endpoint a new secret (scope `write`). For the next 24 hours every
/// delivery carries two signatures, with the new secret and the old one, so the
/// receiver can switch without losing a message.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks/{id}/rotate-secret",
    tag = "recruiter",
    operation_id = "rotate_webhook_secret",
    params(("id" = String, Path, description = "The endpoint's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Rotated: the new `secret` is shown in this answer only.", body = WebhookWithSecret),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 404, response = crate::api::openapi::NotFound),
        (status = 409, response = crate::api::openapi::Conflict),
        (status = 500, response = crate::api::openapi::Internal),
        (status = 503, response = crate::api::openapi::Unavailable),
    )
)]
pub(crate) async fn rotate_secret(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<WebhookWithSecret>, AppError> {
    let caller = authenticate(&state, &headers).await?;
    caller.require(Scope::Write)?;
    let store = store(&state)?;
    let mut endpoint = stored(store.as_ref(), &id).await?;
    let now = state.scheduling.clock().now();
    endpoint.rotate(
        SigningSecret::generate().map_err(|e| AppError::internal(&e))?,
        now,
    );
    if !store.update_webhook(&endpoint).await? {
        return Err(AppError::not_found("No webhook endpoint has this id."));
    }
    tracing::info!(endpoint = %endpoint.id, by = ?caller.key(), "webhook secret rotated");
    Ok(Json(WebhookWithSecret {
        secret: endpoint.secret.expose().to_owned(),
        webhook: WebhookView::of(endpoint, now),
    }))
}

/// A delivery as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DeliveryView {
    /// The event's id: its `webhook-id`.
    event_id: String,
    /// The event's type.
    event_type: EventType,
    /// The booking it is about.
    token: String,
    /// `delivered`, `retrying` (the queue tries again) or `failed` (it will not).
    status: DeliveryStatus,
    /// How many attempts were made.
    attempts: u32,
    /// The HTTP status of the last answer; `null` if the receiver did not answer.
    response_status: Option<u16>,
    /// What went wrong in the last attempt; `null` once delivered.
    last_error: Option<String>,
    /// When the first attempt was made.
    first_attempt_at: DateTime<Utc>,
    /// When the last attempt was made.
    last_attempt_at: DateTime<Utc>,
    /// When it was delivered.
    delivered_at: Option<DateTime<Utc>>,
}

impl From<Delivery> for DeliveryView {
    fn from(delivery: Delivery) -> Self {
        Self {
            event_id: delivery.event_id,
            event_type: delivery.event_type,
            token: delivery.token,
            status: delivery.status,
            attempts: delivery.attempts,
            response_status: delivery.response_status,
            last_error: delivery.last_error,
            first_attempt_at: delivery.first_attempt_at,
            last_attempt_at: delivery.last_attempt_at,
            delivered_at: delivery.delivered_at,
        }
    }
}

/// `GET /api/v1/webhooks/{id}/deliveries`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DeliveryList {
    /// The deliveries, the most recently attempted first.
    deliveries: Vec<DeliveryView>,
}

/// The filters of `GET /api/v1/webhooks/{id}/deliveries`, read as text so that
/// a wrong one is answered 400 naming it.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct DeliveryParams {
    /// Only deliveries in this status.
    #[param(value_type = Option<DeliveryStatus>)]
    status: Option<String>,
    /// How many (1 to 200; 50 when left out).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    limit: Option<String>,
}

impl DeliveryParams {
    fn to_query(&self) -> Result<DeliveryQuery, AppError> {
        let status = given(&self.status)
            .map(|name| {
                DeliveryStatus::parse(&name).ok_or_else(|| {
                    AppError::bad_request("status must be one of delivered, retrying, failed.")
                })
            })
            .transpose()?;
        let limit = match given(&self.limit) {
            None => 50,
            Some(text) => text
                .parse::<u32>()
                .ok()
                .filter(|limit| (1..=MAX_DELIVERY_PAGE).contains(limit))
                .ok_or_else(|| {
                    AppError::bad_request("limit must be a whole number from 1 to 200.")
                })?,
        };
        Ok(DeliveryQuery { status, limit })
    }
}

/// The deliveries to an endpoint, with their status and last error (scope
/// `read`). `env` names the endpoint from `WEBHOOK_URL`. A delivery appears at
/// its first attempt; records are kept 30 days.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks/{id}/deliveries",
    tag = "recruiter",
    operation_id = "list_webhook_deliveries",
    params(("id" = String, Path, description = "The endpoint's id, or `env`."), DeliveryParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The deliveries.", body = DeliveryList),
        (status = 400, response = crate::api::openapi::BadRequest),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 404, response = crate::api::openapi::NotFound),
        (status = 409, response = crate::api::openapi::Conflict),
        (status = 500, response = crate::api::openapi::Internal),
        (status = 503, response = crate::api::openapi::Unavailable),
    )
)]
pub(crate) async fn deliveries(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    params: Result<Query<DeliveryParams>, QueryRejection>,
) -> Result<Json<DeliveryList>, AppError> {
    authenticate(&state, &headers).await?.require(Scope::Read)?;
    let Query(params) =
        params.map_err(|_| AppError::bad_request("The query string could not be read."))?;
    let query = params.to_query()?;
    let store = store(&state)?;
    let id = match EndpointId::parse(&id) {
        Some(id) if id.is_env() => id,
        _ => stored(store.as_ref(), &id).await?.id,
    };
    let deliveries = store.deliveries(&id, &query).await?;
    Ok(Json(DeliveryList {
        deliveries: deliveries.into_iter().map(DeliveryView::from).collect(),
    }))
}
