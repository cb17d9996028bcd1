//! Where uploaded resume files are kept.

use async_trait::async_trait;
use bytes::Bytes;

use super::DocumentKind;
use crate::error::BoxError;

/// A stored resume: the key it is kept under and the URL it can be fetched from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResume {
    /// The store's own name for the file (`{timestamp}_{random}.{ext}`).
    pub key: String,
    /// Where the file can be fetched (a path on this server, or a public URL).
    pub url: String,
}

/// Failures of a [`ResumeStore`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResumeStoreError {
    /// The key is not one this store could have made (path traversal, bad characters).
    #[error("invalid resume key")]
    InvalidKey,
    /// The store cannot be reached; worth retrying later.
    #[error("the resume store is unavailable")]
    Unavailable(#[source] BoxError),
    /// Any other failure of the backend.
    #[error("the resume store failed")]
    Backend(#[source] BoxError),
}

/// Keeps uploaded resume files.
///
/// Implementations: a local folder (the default) and Supabase Storage in
/// `interview-storage`, and `InMemoryResumeStore` behind `test-utils`.
#[async_trait]
pub trait ResumeStore: Send + Sync {
    /// Stores a file under a new unique name, never overwriting another.
    async fn put(&self, bytes: Bytes, kind: DocumentKind)
    -> Result<StoredResume, ResumeStoreError>;

    /// The file stored under `key`, or `None`.
    async fn get(&self, key: &str) -> Result<Option<Bytes>, ResumeStoreError>;

    /// Deletes the file stored under `key` (an upload no booking claimed). A file
    /// that is not there is no error: deleting twice is deleting once.
    async fn delete(&self, key: &str) -> Result<(), ResumeStoreError>;
}
