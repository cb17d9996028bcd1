//! The recordings of [`SupabaseBookingStore`] (`/rest/v1/interview_recordings`).
//!
//! A recording of an erased booking is refused by the trigger docs/supabase.sql
//! puts on the table (with the foreign key's error, as for no booking at all);
//! `interview_erase` deletes a booking's recordings with the rest.

use async_trait::async_trait;
use interview_core::BookingToken;
use interview_core::store::{Recording, RecordingStore, StoreError};
use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::super::{postgrest_error, send};
use super::{SupabaseBookingStore, eq, store_error};
use crate::record;

const RECORDINGS: &str = "/rest/v1/interview_recordings";

/// A row of `interview_recordings` as PostgREST sends and receives it.
#[derive(Debug, Serialize, Deserialize)]
struct RecordingRow {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    token: Option<String>,
    id: String,
    location: String,
    started_at: String,
}

#[async_trait]
impl RecordingStore for SupabaseBookingStore {
    async fn add_recording(
        &self,
        token: &BookingToken,
        recording: &Recording,
    ) -> Result<(), StoreError> {
        let row = RecordingRow {
            token: Some(token.to_string()),
            id: recording.id.clone(),
            location: recording.location.clone(),
            started_at: record::format_timestamp(record::to_stored_precision(recording.started_at)),
        };
        // A second note of the same recording changes nothing.
        let request = self
            .write(
                Method::POST,
                RECORDINGS,
                "return=minimal,resolution=ignore-duplicates",
            )
            .query(&[("on_conflict", "token,id")])
            .json(&[row]);
        let (status, body) = send(request).await.map_err(store_error)?;
        if status.is_success() {
            Ok(())
        } else {
            Err(store_error(postgrest_error(status, &body)))
        }
    }

    async fn recordings(&self, token: &BookingToken) -> Result<Vec<Recording>, StoreError> {
        let rows: Vec<RecordingRow> = self
            .rows(self.read(RECORDINGS).query(&[
                ("select", "id,location,started_at"),
                ("token", eq(token).as_str()),
                ("order", "started_at.asc,id.asc"),
            ]))
            .await?;
        rows.into_iter()
            .map(|row| {
                Ok(Recording {
                    started_at: record::parse_timestamp("started_at", &row.started_at)?,
                    id: row.id,
                    location: row.location,
                })
            })
            .collect()
    }
}
