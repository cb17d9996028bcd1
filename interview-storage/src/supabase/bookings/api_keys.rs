//! The API keys of [`SupabaseBookingStore`] (`/rest/v1/interview_api_keys`).
//!
//! Revoking and recording a use are each one PATCH whose filters are the
//! condition (`revoked_at=is.null`; `last_used_at` empty or earlier), so PostgREST
//! runs each as one guarded UPDATE.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use interview_core::access::{ApiKey, ApiKeyId};
use interview_core::store::{ApiKeyStore, StoreError};
use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::SupabaseBookingStore;
use crate::record::{self, ApiKeyColumns};

const API_KEYS: &str = "/rest/v1/interview_api_keys";
const COLUMNS: &str = "id,name,scopes,secret_hash,created_at,last_used_at,revoked_at";

/// A row of `interview_api_keys` as PostgREST sends and receives it.
#[derive(Debug, Serialize, Deserialize)]
struct ApiKeyRow {
    id: String,
    name: String,
    scopes: String,
    secret_hash: String,
    created_at: String,
    last_used_at: Option<String>,
    revoked_at: Option<String>,
}

fn stored_time(at: DateTime<Utc>) -> String {
    record::format_timestamp(record::to_stored_precision(at))
}

impl ApiKeyRow {
    fn from_key(key: &ApiKey) -> Self {
        Self {
            id: key.id.to_string(),
            name: key.name.as_str().to_owned(),
            scopes: key.scopes.to_list(),
            secret_hash: key.secret_hash.to_hex(),
            created_at: stored_time(key.created_at),
            last_used_at: key.last_used_at.map(stored_time),
            revoked_at: key.revoked_at.map(stored_time),
        }
    }

    fn into_key(self) -> Result<ApiKey, StoreError> {
        let optional = |column: &str, text: Option<String>| {
            text.map(|text| record::parse_timestamp(column, &text))
                .transpose()
        };
        ApiKeyColumns {
            created_at: record::parse_timestamp("created_at", &self.created_at)?,
            last_used_at: optional("last_used_at", self.last_used_at)?,
            revoked_at: optional("revoked_at", self.revoked_at)?,
            id: self.id,
            name: self.name,
            scopes: self.scopes,
            secret_hash: self.secret_hash,
        }
        .into_api_key()
    }
}

#[derive(Debug, Deserialize)]
struct IdRow {
    #[allow(dead_code)]
    id: String,
}

/// `eq.{id}`: a key id is 16 hex digits, which need no quoting in a filter.
fn eq(id: &ApiKeyId) -> String {
    format!("eq.{id}")
}

#[async_trait]
impl ApiKeyStore for SupabaseBookingStore {
    async fn create_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        let request = self
            .write(Method::POST, API_KEYS, "return=representation")
            .query(&[("select", "id")])
            .json(&ApiKeyRow::from_key(key));
        let created: Vec<IdRow> = self.rows(request).await?;
        if created.len() != 1 {
            return Err(StoreError::Backend(
                "PostgREST did not return the created key".into(),
            ));
        }
        Ok(())
    }

    async fn api_key(&self, id: &ApiKeyId) -> Result<Option<ApiKey>, StoreError> {
        let rows: Vec<ApiKeyRow> = self
            .rows(
                self.read(API_KEYS)
                    .query(&[("select", COLUMNS), ("id", &eq(id))]),
            )
            .await?;
        rows.into_iter().next().map(ApiKeyRow::into_key).transpose()
    }

    async fn api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        let rows: Vec<ApiKeyRow> = self
            .rows(
                self.read(API_KEYS)
                    .query(&[("select", COLUMNS), ("order", "created_at.asc,id.asc")]),
            )
            .await?;
        rows.into_iter().map(ApiKeyRow::into_key).collect()
    }

    async fn revoke_api_key(&self, id: &ApiKeyId, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let request = self
            .write(Method::PATCH, API_KEYS, "return=representation")
            .query(&[
                ("id", eq(id).as_str()),
                ("revoked_at", "is.null"),
                ("select", "id"),
            ])
            .json(&serde_json::json!({ "revoked_at": stored_time(at) }));
        let revoked: Vec<IdRow> = self.rows(request).await?;
        Ok(revoked.len() == 1)
    }

    async fn touch_api_key(&self, id: &ApiKeyId, at: DateTime<Utc>) -> Result<(), StoreError> {
        let at = stored_time(at);
        // The timestamp holds `.` and `:`, which a value inside `or=(...)` must
        // have quoted.
        let later_only = format!("(last_used_at.is.null,last_used_at.lt.\"{at}\")");
        let request = self
            .write(Method::PATCH, API_KEYS, "return=representation")
            .query(&[
                ("id", eq(id).as_str()),
                ("or", later_only.as_str()),
                ("select", "id"),
            ])
            .json(&serde_json::json!({ "last_used_at": at }));
        // No row back: no such key, or a later use is recorded.
        let _: Vec<IdRow> = self.rows(request).await?;
        Ok(())
    }
}
