//! The upload records of [`SupabaseBookingStore`] (`/rest/v1/interview_uploads`).
//!
//! Each claim, release and retirement is one PATCH whose filters are the condition
//! (`claimed_by=is.null`, `retired=is.false`): PostgREST runs it as one UPDATE, so
//! of racing callers exactly one changes the row, and only changed rows come back.

use chrono::{DateTime, Utc};
use interview_core::BookingToken;
use interview_core::store::{StoreError, UploadRecord, uploads};
use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::{SupabaseBookingStore, store_error};
use crate::record::{self, UploadColumns};
use crate::supabase::{postgrest_error, send};

const UPLOADS: &str = "/rest/v1/interview_uploads";
const COLUMNS: &str = "key,url,kind,resume_text,extraction_error,uploaded_at,claimed_by";

/// A row of `interview_uploads` as PostgREST sends and receives it.
#[derive(Debug, Serialize, Deserialize)]
struct UploadRow {
    key: String,
    url: String,
    kind: String,
    resume_text: Option<String>,
    extraction_error: Option<String>,
    uploaded_at: String,
    claimed_by: Option<String>,
}

impl UploadRow {
    fn from_upload(upload: &UploadRecord) -> Self {
        Self {
            key: upload.key.clone(),
            url: upload.url.clone(),
            kind: uploads::kind_name(upload.kind).to_owned(),
            resume_text: upload.resume_text.clone(),
            extraction_error: upload.extraction_error.clone(),
            uploaded_at: record::format_timestamp(record::to_stored_precision(upload.uploaded_at)),
            claimed_by: upload.claimed_by.as_ref().map(ToString::to_string),
        }
    }

    fn into_upload(self) -> Result<UploadRecord, StoreError> {
        UploadColumns {
            uploaded_at: record::parse_timestamp("uploaded_at", &self.uploaded_at)?,
            key: self.key,
            url: self.url,
            kind: self.kind,
            resume_text: self.resume_text,
            extraction_error: self.extraction_error,
            claimed_by: self.claimed_by,
        }
        .into_upload()
    }
}

#[derive(Debug, Deserialize)]
struct KeyRow {
    key: String,
}

/// `eq.{value}`: PostgREST's equality filter (the value is taken verbatim).
fn eq(value: &str) -> String {
    format!("eq.{value}")
}

/// `in.("a","b")`: PostgREST's list filter, each value quoted so that commas,
/// dots and parentheses in it are not read as syntax.
fn in_list(values: &[String]) -> String {
    let quoted: Vec<String> = values
        .iter()
        .map(|value| format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    format!("in.({})", quoted.join(","))
}

impl SupabaseBookingStore {
    pub(super) async fn insert_upload(&self, upload: &UploadRecord) -> Result<(), StoreError> {
        let request = self
            .write(Method::POST, UPLOADS, "return=minimal")
            .json(&UploadRow::from_upload(upload));
        let (status, body) = send(request).await.map_err(store_error)?;
        if !status.is_success() {
            return Err(store_error(postgrest_error(status, &body)));
        }
        Ok(())
    }

    pub(super) async fn find_upload(&self, key: &str) -> Result<Option<UploadRecord>, StoreError> {
        let rows: Vec<UploadRow> = self
            .rows(
                self.read(UPLOADS)
                    .query(&[("select", COLUMNS), ("key", &eq(key))]),
            )
            .await?;
        rows.into_iter()
            .next()
            .map(UploadRow::into_upload)
            .transpose()
    }

    pub(super) async fn claim_upload_row(
        &self,
        key: &str,
        token: &BookingToken,
    ) -> Result<Option<UploadRecord>, StoreError> {
        let request = self
            .write(Method::PATCH, UPLOADS, "return=representation")
            .query(&[
                ("key", eq(key).as_str()),
                ("claimed_by", "is.null"),
                ("retired", "is.false"),
                ("select", COLUMNS),
            ])
            .json(&serde_json::json!({ "claimed_by": token.as_str() }));
        let rows: Vec<UploadRow> = self.rows(request).await?;
        rows.into_iter()
            .next()
            .map(UploadRow::into_upload)
            .transpose()
    }

    pub(super) async fn release_upload_row(
        &self,
        key: &str,
        token: &BookingToken,
    ) -> Result<bool, StoreError> {
        let request = self
            .write(Method::PATCH, UPLOADS, "return=representation")
            .query(&[
                ("key", eq(key).as_str()),
                ("claimed_by", eq(token.as_str()).as_str()),
                ("select", "key"),
            ])
            .json(&serde_json::json!({ "claimed_by": null }));
        let rows: Vec<KeyRow> = self.rows(request).await?;
        Ok(rows.len() == 1)
    }

    pub(super) async fn retire_uploads(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        // PostgREST updates no "first n rows": read the oldest keys, then retire
        // those still unclaimed in one PATCH; a key claimed in between stays claimed.
        let candidates: Vec<KeyRow> = self
            .rows(self.read(UPLOADS).query(&[
                ("select", "key"),
                ("claimed_by", "is.null"),
                (
                    "uploaded_at",
                    &format!("lt.{}", record::format_timestamp(before)),
                ),
                ("order", "uploaded_at.asc,key.asc"),
                ("limit", &limit.to_string()),
            ]))
            .await?;
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = candidates.into_iter().map(|row| row.key).collect();
        let request = self
            .write(Method::PATCH, UPLOADS, "return=representation")
            .query(&[
                ("key", in_list(&keys).as_str()),
                ("claimed_by", "is.null"),
                ("select", "key"),
            ])
            .json(&serde_json::json!({ "retired": true }));
        let retired: Vec<KeyRow> = self.rows(request).await?;
        // The PATCH answers in no set order: keep the candidates' (oldest first).
        let retired: std::collections::HashSet<String> =
            retired.into_iter().map(|row| row.key).collect();
        Ok(keys
            .into_iter()
            .filter(|key| retired.contains(key))
            .collect())
    }

    pub(super) async fn delete_upload_row(&self, key: &str) -> Result<bool, StoreError> {
        let request = self
            .write(Method::DELETE, UPLOADS, "return=representation")
            .query(&[
                ("key", eq(key).as_str()),
                ("retired", "is.true"),
                ("claimed_by", "is.null"),
                ("select", "key"),
            ]);
        let deleted: Vec<KeyRow> = self.rows(request).await?;
        Ok(deleted.len() == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_filters_quote_every_value() {
        assert_eq!(
            in_list(&["1_ab.pdf".into(), "a\"b,c\\d".into()]),
            r#"in.("1_ab.pdf","a\"b,c\\d")"#
        );
    }
}
