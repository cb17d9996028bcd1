//! `/api/v1`: the HR platform's API, behind a bearer key ([`super::auth`]).
//!
//! | route | scope | what it does |
//! |---|---|---|
//! | `GET /api/v1/positions` | read | every position, archived ones included, by title: `{"positions": [...]}` |
//! | `GET /api/v1/positions/{id}` | read | one position |
//! | `GET /api/v1/interviews/{token}` | read | a booking (its status, its evaluation status) with its transcript and evaluation |
//!
//! A position is written as a `POSITIONS_FILE` entry is (`PositionDraft`), with
//! every field filled in.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use interview_core::position::{PositionDraft, Slug};
use serde::Serialize;

use super::admin::InterviewRecord;
use super::auth::{Scope, authenticate};
use crate::AppState;
use crate::error::AppError;

/// `GET /api/v1/positions`.
#[derive(Debug, Serialize)]
pub(crate) struct PositionList {
    positions: Vec<PositionDraft>,
}

pub(crate) async fn list_positions(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<PositionList>, AppError> {
    authenticate(&state, &headers)?.require(Scope::Read)?;
    let positions = state.scheduling.bookings().positions().await?;
    Ok(Json(PositionList {
        positions: positions.iter().map(|p| p.to_draft()).collect(),
    }))
}

pub(crate) async fn get_position(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<PositionDraft>, AppError> {
    authenticate(&state, &headers)?.require(Scope::Read)?;
    let missing = || AppError::not_found("No position has this id.");
    let id = Slug::parse(&id).ok_or_else(missing)?;
    let position = state
        .scheduling
        .bookings()
        .position(&id)
        .await?
        .ok_or_else(missing)?;
    Ok(Json(position.to_draft()))
}

pub(crate) async fn get_interview(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Json<InterviewRecord>, AppError> {
    authenticate(&state, &headers)?.require(Scope::Read)?;
    Ok(Json(InterviewRecord::read(&state, &token).await?))
}
