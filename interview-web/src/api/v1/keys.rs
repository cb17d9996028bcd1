//! API keys: issue, list, revoke.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use interview_core::access::{ApiKey, ApiKeyId, KeyName, Scope, Scopes};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::body;
use crate::AppState;
use crate::api::auth::authenticate;
use crate::error::AppError;

/// A key as the API shows it: never its secret or its hash.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct KeyView {
    /// The key's id (part of its secret, not a secret itself).
    id: ApiKeyId,
    /// What the key is for.
    name: KeyName,
    /// What it may do.
    scopes: Scopes,
    /// When it was issued.
    created_at: DateTime<Utc>,
    /// When it was last used (to the minute); `null` if never.
    last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked; `null` while it works.
    revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiKey> for KeyView {
    fn from(key: ApiKey) -> Self {
        Self {
            id: key.id,
            name: key.name,
            scopes: key.scopes,
            created_at: key.created_at,
            last_used_at: key.last_used_at,
            revoked_at: key.revoked_at,
        }
    }
}

/// `GET /api/v1/api-keys`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct KeyList {
    /// Every key, revoked ones included.
    api_keys: Vec<KeyView>,
}

/// The keys, never their secrets (scope `read`).
#[utoipa::path(
    get,
    path = "/api/v1/api-keys",
    tag = "recruiter",
    operation_id = "list_api_keys",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The keys.", body = KeyList),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 500, response = crate::api::openapi::Internal),
        (status = 503, response = crate::api::openapi::Unavailable),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<KeyList>, AppError> {
    authenticate(&state, &headers).await?.require(Scope::Read)?;
    let keys = state.scheduling.bookings().api_keys().await?;
    Ok(Json(KeyList {
        api_keys: keys.into_iter().map(KeyView::from).collect(),
    }))
}

/// The body of `POST /api/v1/api-keys`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewKey {
    /// What the key is for.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// What it may do: `read`, `write`, `erase`.
    #[schema(value_type = Vec<Scope>, min_items = 1)]
    pub scopes: Vec<String>,
}

/// A key just issued: the only answer that holds its secret.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct IssuedKeyView {
    #[serde(flatten)]
    key: KeyView,
    /// The key itself, for `Authorization: Bearer`; it is not shown again.
    secret: String,
}

/// Issues a key (scope `write`, and every scope it hands out).
#[utoipa::path(
    post,
    path = "/api/v1/api-keys",
    tag = "recruiter",
    operation_id = "create_api_key",
    request_body = NewKey,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Issued: `secret` is shown in this answer only.", body = IssuedKeyView),
        (status = 400, response = crate::api::openapi::BadRequest),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
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
    request: Result<Json<NewKey>, JsonRejection>,
) -> Result<impl IntoResponse, AppError> {
    let caller = authenticate(&state, &headers).await?;
    caller.require(Scope::Write)?;
    let request = body(request)?;
    let name = KeyName::parse(&request.name).map_err(AppError::unprocessable)?;
    let scopes: Option<Vec<Scope>> = request.scopes.iter().map(|s| Scope::parse(s)).collect();
    let scopes = scopes.and_then(Scopes::new).ok_or_else(|| {
        AppError::unprocessable("scopes must list one or more of read, write, erase.")
    })?;
    if !caller.covers(&scopes) {
        return Err(AppError::forbidden(
            "A key can only issue keys with scopes it has itself.",
        ));
    }
    let issued = ApiKey::issue(name, scopes, state.scheduling.clock().now())
        .map_err(|e| AppError::internal(&e))?;
    state
        .scheduling
        .bookings()
        .create_api_key(&issued.key)
        .await?;
    tracing::info!(key = %issued.key.id, scopes = %issued.key.scopes.to_list(), by = ?caller.key(), "API key issued");
    Ok((
        StatusCode::CREATED,
        Json(IssuedKeyView {
            secret: issued.secret.expose().to_owned(),
            key: issued.key.into(),
        }),
    ))
}

/// Revokes a key at once (scope `write`, and every scope the key has).
#[utoipa::path(
    delete,
    path = "/api/v1/api-keys/{id}",
    tag = "recruiter",
    operation_id = "revoke_api_key",
    params(("id" = String, Path, description = "The key's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Revoked (or already revoked): the key as it is now.", body = KeyView),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 404, response = crate::api::openapi::NotFound),
        (status = 500, response = crate::api::openapi::Internal),
        (status = 503, response = crate::api::openapi::Unavailable),
    )
)]
pub(crate) async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<KeyView>, AppError> {
    let caller = authenticate(&state, &headers).await?;
    caller.require(Scope::Write)?;
    let missing = || AppError::not_found("No API key has this id.");
    let id = ApiKeyId::parse(&id).ok_or_else(missing)?;
    let store = state.scheduling.bookings();
    let key = store.api_key(&id).await?.ok_or_else(missing)?;
    if !caller.covers(&key.scopes) {
        return Err(AppError::forbidden(
            "A key can only revoke keys whose scopes it has itself.",
        ));
    }
    let now = state.scheduling.clock().now();
    if store.revoke_api_key(&id, now).await? {
        tracing::info!(key = %id, by = ?caller.key(), "API key revoked");
    }
    let key = store.api_key(&id).await?.ok_or_else(missing)?;
    Ok(Json(key.into()))
}
