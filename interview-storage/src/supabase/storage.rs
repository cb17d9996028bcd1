//! [`ResumeStore`] in Supabase Storage (`/storage/v1/object/resumes/{name}`).

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use interview_core::clock::{Clock, SystemClock};
use interview_core::resume::{DocumentKind, ResumeStore, ResumeStoreError, StoredResume};
use reqwest::Method;
use serde::Deserialize;

use super::{SupabaseClient, SupabaseError, send, storage_error};
use crate::resume_key;

/// The bucket resumes are uploaded to (created by `docs/supabase.sql`).
pub const RESUME_BUCKET: &str = "resumes";
/// Fresh names to try if Storage says one exists (it never happens by chance).
const NAME_ATTEMPTS: usize = 3;

/// A [`ResumeStore`] in the `resumes` bucket of a Supabase project. Uploads never
/// overwrite (`x-upsert: false`); the URL is the bucket's public URL.
#[derive(Debug, Clone)]
pub struct SupabaseResumeStore {
    client: SupabaseClient,
    clock: Arc<dyn Clock>,
}

/// Storage's upload answer; only `Key` is required.
#[derive(Deserialize)]
struct UploadAnswer {
    #[serde(rename = "Key")]
    key: String,
}

fn resume_error(error: SupabaseError) -> ResumeStoreError {
    if error.is_transient() {
        ResumeStoreError::Unavailable(Box::new(error))
    } else {
        ResumeStoreError::Backend(Box::new(error))
    }
}

impl SupabaseResumeStore {
    /// A store in the project `client` talks to.
    pub fn new(client: SupabaseClient) -> Self {
        Self {
            client,
            clock: Arc::new(SystemClock),
        }
    }

    /// Uses `clock` for the timestamp in new names.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The public URL of a stored file.
    pub fn public_url(&self, key: &str) -> String {
        format!(
            "{}/storage/v1/object/public/{RESUME_BUCKET}/{key}",
            self.client.url()
        )
    }
}

#[async_trait]
impl ResumeStore for SupabaseResumeStore {
    async fn put(
        &self,
        bytes: Bytes,
        kind: DocumentKind,
    ) -> Result<StoredResume, ResumeStoreError> {
        let mut last_error = None;
        for _ in 0..NAME_ATTEMPTS {
            let key = resume_key::new_key(self.clock.now(), kind)
                .map_err(|e| ResumeStoreError::Backend(Box::new(e)))?;
            let request = self
                .client
                .request(
                    Method::POST,
                    &format!("/storage/v1/object/{RESUME_BUCKET}/{key}"),
                )
                .header(reqwest::header::CONTENT_TYPE, kind.mime_type())
                .header(reqwest::header::CACHE_CONTROL, "max-age=3600")
                .header("x-upsert", "false")
                .body(bytes.clone());
            let (status, body) = send(request).await.map_err(resume_error)?;
            if status.is_success() {
                let answer: UploadAnswer = serde_json::from_slice(&body).map_err(|_| {
                    ResumeStoreError::Backend(Box::new(SupabaseError::UnexpectedResponse {
                        status: status.as_u16(),
                    }))
                })?;
                if answer.key != format!("{RESUME_BUCKET}/{key}") {
                    tracing::warn!(stored = %answer.key, %key, "Storage stored the resume under another key");
                }
                return Ok(StoredResume {
                    url: self.public_url(&key),
                    key,
                });
            }
            let error = storage_error(status, &body);
            match &error {
                SupabaseError::Storage { status_code, .. } if status_code == "409" => {
                    tracing::warn!(%key, "resume name already taken; trying another");
                    last_error = Some(error);
                }
                _ => return Err(resume_error(error)),
            }
        }
        Err(ResumeStoreError::Backend(Box::new(last_error.unwrap_or(
            SupabaseError::UnexpectedResponse { status: 409 },
        ))))
    }

    async fn get(&self, key: &str) -> Result<Option<Bytes>, ResumeStoreError> {
        if !resume_key::is_valid_key(key) {
            return Err(ResumeStoreError::InvalidKey);
        }
        let request = self.client.request(
            Method::GET,
            &format!("/storage/v1/object/{RESUME_BUCKET}/{key}"),
        );
        let (status, body) = send(request).await.map_err(resume_error)?;
        if status.is_success() {
            return Ok(Some(body));
        }
        let error = storage_error(status, &body);
        match &error {
            // Storage says "not found" in the body, often with HTTP 400.
            SupabaseError::Storage { status_code, .. } if status_code == "404" => Ok(None),
            _ if status.as_u16() == 404 => Ok(None),
            _ => Err(resume_error(error)),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), ResumeStoreError> {
        if !resume_key::is_valid_key(key) {
            return Err(ResumeStoreError::InvalidKey);
        }
        let request = self.client.request(
            Method::DELETE,
            &format!("/storage/v1/object/{RESUME_BUCKET}/{key}"),
        );
        let (status, body) = send(request).await.map_err(resume_error)?;
        if status.is_success() {
            return Ok(());
        }
        let error = storage_error(status, &body);
        match &error {
            // Already gone: what deleting was for.
            SupabaseError::Storage { status_code, .. } if status_code == "404" => Ok(()),
            _ if status.as_u16() == 404 => Ok(()),
            _ => Err(resume_error(error)),
        }
    }
}
