//! Positions: list, read, create, change, archive.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use interview_core::access::Scope;
use interview_core::position::{Position, PositionDefaults, PositionDraft, PositionErrors, Slug};
use interview_core::store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::api::auth::authenticate;
use crate::error::AppError;

use super::body;

/// `GET /api/v1/positions`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PositionList {
    /// Every position, archived ones included, by title.
    positions: Vec<PositionDraft>,
}

/// Every position (scope `read`).
#[utoipa::path(
    get,
    path = "/api/v1/positions",
    tag = "recruiter",
    operation_id = "list_positions",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The positions.", body = PositionList),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 500, response = crate::api::openapi::Internal),
        (status = 503, response = crate::api::openapi::Unavailable),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<PositionList>, AppError> {
    authenticate(&state, &headers).await?.require(Scope::Read)?;
    let positions = state.scheduling.bookings().positions().await?;
    Ok(Json(PositionList {
        positions: positions.iter().map(Position::to_draft).collect(),
    }))
}

/// One position (scope `read`).
#[utoipa::path(
    get,
    path = "/api/v1/positions/{id}",
    tag = "recruiter",
    operation_id = "read_position",
    params(("id" = String, Path, description = "The position's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The position.", body = PositionDraft),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 404, response = crate::api::openapi::NotFound),
        (status = 500, response = crate::api::openapi::Internal),
        (status = 503, response = crate::api::openapi::Unavailable),
    )
)]
pub(crate) async fn read(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<PositionDraft>, AppError> {
    authenticate(&state, &headers).await?.require(Scope::Read)?;
    Ok(Json(stored(&state, &id).await?.to_draft()))
}

/// Creates a position from its draft (scope `write`).
#[utoipa::path(
    post,
    path = "/api/v1/positions",
    tag = "recruiter",
    operation_id = "create_position",
    request_body = PositionDraft,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created: the position with every default filled in.", body = PositionDraft),
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
    draft: Result<Json<PositionDraft>, JsonRejection>,
) -> Result<impl IntoResponse, AppError> {
    let draft = body(draft)?;
    authenticate(&state, &headers)
        .await?
        .require(Scope::Write)?;
    let position = parse(&state, &draft)?;
    let store = state.scheduling.bookings();
    if store.position(&position.id).await?.is_some() {
        return Err(AppError::conflict(
            "A position with this id exists: change it with PATCH /api/v1/positions/{id}.",
        ));
    }
    save(&state, &position).await?;
    tracing::info!(position = %position.id, "position created");
    Ok((StatusCode::CREATED, Json(position.to_draft())))
}

/// Changes a position (scope `write`): a JSON merge patch (RFC 7396) of its
/// draft. Fields sent replace the stored ones, `null` resets a field to its
/// default, the rest stays; `{"archived": true}` archives it. The id cannot change.
#[utoipa::path(
    patch,
    path = "/api/v1/positions/{id}",
    tag = "recruiter",
    operation_id = "update_position",
    params(("id" = String, Path, description = "The position's id.")),
    request_body = PositionPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed: the position as it is now.", body = PositionDraft),
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
    patch: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<PositionDraft>, AppError> {
    let patch = body(patch)?;
    authenticate(&state, &headers)
        .await?
        .require(Scope::Write)?;
    let current = stored(&state, &id).await?;
    if !patch.is_object() {
        return Err(AppError::unprocessable(
            "Send the fields to change as a JSON object.",
        ));
    }
    let mut draft = serde_json::to_value(current.to_draft()).map_err(|e| AppError::internal(&e))?;
    merge_patch(&mut draft, &patch);
    let draft: PositionDraft = serde_json::from_value(draft).map_err(|error| {
        AppError::unprocessable(format!("The position cannot take these fields: {error}."))
    })?;
    if draft.id != current.id.as_str() {
        return Err(AppError::unprocessable(
            "A position's id cannot change; create a new position instead.",
        ));
    }
    let position = parse(&state, &draft)?;
    save(&state, &position).await?;
    tracing::info!(position = %position.id, archived = position.archived, "position changed");
    Ok(Json(position.to_draft()))
}

/// The body of `PATCH /api/v1/positions/{id}`: any of a position's fields.
#[derive(ToSchema)]
#[schema(value_type = Object, example = json!({"title": "Senior Backend Engineer", "archived": false}))]
#[allow(dead_code)] // describes the JSON object the handler merges
pub(crate) struct PositionPatch(serde_json::Map<String, serde_json::Value>);

/// The stored position with `id`, or 404.
async fn stored(state: &AppState, id: &str) -> Result<Position, AppError> {
    let missing = || AppError::not_found("No position has this id.");
    let id = Slug::parse(id).ok_or_else(missing)?;
    state
        .scheduling
        .bookings()
        .position(&id)
        .await?
        .ok_or_else(missing)
}

fn parse(state: &AppState, draft: &PositionDraft) -> Result<Position, AppError> {
    let defaults = PositionDefaults {
        company: None,
        phone_region: state.scheduling.settings().rules.phone_region,
    };
    Position::parse(draft, &defaults).map_err(|errors: PositionErrors| {
        AppError::unprocessable(format!("The position is not valid: {errors}."))
    })
}

async fn save(state: &AppState, position: &Position) -> Result<(), AppError> {
    match state.scheduling.bookings().save_position(position).await {
        Err(StoreError::Conflict) => Err(AppError::conflict(
            "Another position has this slug: choose another.",
        )),
        other => Ok(other?),
    }
}

/// RFC 7396: objects merge key by key, `null` removes, anything else replaces.
fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    let serde_json::Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = serde_json::Value::Object(serde_json::Map::new());
    }
    if let serde_json::Value::Object(target) = target {
        for (key, value) in patch {
            if value.is_null() {
                target.remove(key);
            } else {
                merge_patch(
                    target.entry(key.clone()).or_insert(serde_json::Value::Null),
                    value,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::merge_patch;

    #[test]
    fn merge_patch_follows_rfc_7396() {
        // The RFC's own example (section 3).
        let mut target = json!({
            "title": "Goodbye!",
            "author": {"givenName": "John", "familyName": "Doe"},
            "tags": ["example", "sample"],
            "content": "This will be unchanged"
        });
        merge_patch(
            &mut target,
            &json!({
                "title": "Hello!",
                "phoneNumber": "+01-234-567-8901",
                "author": {"familyName": null},
                "tags": ["example"]
            }),
        );
        assert_eq!(
            target,
            json!({
                "title": "Hello!",
                "author": {"givenName": "John"},
                "tags": ["example"],
                "content": "This will be unchanged",
                "phoneNumber": "+01-234-567-8901"
            })
        );
    }
}
