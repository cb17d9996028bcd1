//! The positions of [`SupabaseBookingStore`] (`/rest/v1/interview_positions`).
//!
//! Saving is one upsert (`on_conflict=id`, `resolution=merge-duplicates`): PostgREST
//! runs it as one `INSERT ... ON CONFLICT (id) DO UPDATE`, so another position's
//! slug violates the slug's uniqueness (`23505`, a conflict) and nothing changes.

use chrono::Utc;
use interview_core::position::{Position, PositionId, Slug};
use interview_core::store::{PositionStore, StoreError};
use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::SupabaseBookingStore;
use crate::record::{self, PositionColumns, PositionDefinition, PositionRecord};

const POSITIONS: &str = "/rest/v1/interview_positions";
const COLUMNS: &str = "id,slug,archived,definition";

/// A row of `interview_positions` as the store writes it.
#[derive(Debug, Serialize)]
struct PositionWrite<'a> {
    id: &'a str,
    slug: &'a str,
    title: &'a str,
    archived: bool,
    definition: serde_json::Value,
    updated_at: String,
}

/// A row of `interview_positions` as the store reads it.
#[derive(Debug, Deserialize)]
struct PositionRow {
    id: String,
    slug: String,
    archived: bool,
    definition: serde_json::Value,
}

impl PositionRow {
    fn into_position(self) -> Result<Position, StoreError> {
        PositionRecord {
            id: self.id,
            slug: self.slug,
            archived: self.archived,
            definition: PositionDefinition::Value(self.definition),
        }
        .into_position()
    }
}

#[derive(Debug, Deserialize)]
struct IdRow {
    #[allow(dead_code)]
    id: String,
}

impl SupabaseBookingStore {
    /// The position whose `column` equals `value` (a slug-shaped text, which
    /// needs no quoting in a filter).
    async fn position_where(
        &self,
        column: &str,
        value: &str,
    ) -> Result<Option<Position>, StoreError> {
        let rows: Vec<PositionRow> = self
            .rows(
                self.read(POSITIONS)
                    .query(&[("select", COLUMNS), (column, &format!("eq.{value}"))]),
            )
            .await?;
        rows.into_iter()
            .next()
            .map(PositionRow::into_position)
            .transpose()
    }
}

#[async_trait::async_trait]
impl PositionStore for SupabaseBookingStore {
    async fn save_position(&self, position: &Position) -> Result<(), StoreError> {
        let columns = PositionColumns::of(position)?;
        let row = PositionWrite {
            id: columns.id,
            slug: columns.slug,
            title: columns.title,
            archived: columns.archived,
            definition: columns.definition,
            updated_at: record::format_timestamp(record::to_stored_precision(Utc::now())),
        };
        let request = self
            .write(
                Method::POST,
                POSITIONS,
                "return=representation,resolution=merge-duplicates",
            )
            .query(&[("on_conflict", "id"), ("select", "id")])
            .json(&row);
        let saved: Vec<IdRow> = self.rows(request).await?;
        if saved.len() != 1 {
            return Err(StoreError::Backend(Box::new(
                super::SupabaseError::UnexpectedResponse { status: 201 },
            )));
        }
        Ok(())
    }

    async fn position(&self, id: &PositionId) -> Result<Option<Position>, StoreError> {
        self.position_where("id", id.as_str()).await
    }

    async fn position_by_slug(&self, slug: &Slug) -> Result<Option<Position>, StoreError> {
        self.position_where("slug", slug.as_str()).await
    }

    async fn positions(&self) -> Result<Vec<Position>, StoreError> {
        // The title and id columns are declared COLLATE "C" (docs/supabase.sql):
        // byte order, as every backend sorts.
        let rows: Vec<PositionRow> = self
            .rows(
                self.read(POSITIONS)
                    .query(&[("select", COLUMNS), ("order", "title.asc,id.asc")]),
            )
            .await?;
        rows.into_iter().map(PositionRow::into_position).collect()
    }
}
