//! [`ResumeStore`] in a local folder: the default, no service to run.
//!
//! Files are named `{timestamp}_{random}.{ext}` and created with `create_new`, so a
//! name that exists is never overwritten. Keys given to [`LocalResumeStore::get`] must
//! have exactly that shape, so no key can reach outside the folder. The web layer
//! serves the files under `/resumes/{key}`.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use interview_core::clock::{Clock, SystemClock};
use interview_core::resume::{DocumentKind, ResumeStore, ResumeStoreError, StoredResume};
use tokio::io::AsyncWriteExt;

use crate::resume_key;

/// The URL path under which the web layer serves stored resumes.
pub const URL_PREFIX: &str = "/resumes/";

/// How many fresh names to try if one is taken (it never happens by chance: the names
/// carry 128 random bits; a second try covers a file placed there by hand).
const NAME_ATTEMPTS: usize = 3;

/// A [`ResumeStore`] that keeps files in a folder, created on first upload.
#[derive(Debug, Clone)]
pub struct LocalResumeStore {
    dir: PathBuf,
    clock: Arc<dyn Clock>,
}

impl LocalResumeStore {
    /// A store in `dir` (for example `$DATA_DIR/resumes`).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            clock: Arc::new(SystemClock),
        }
    }

    /// Uses `clock` for the timestamp in new names.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The folder files are kept in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file a key names, or `None` if the key is not one this store makes.
    pub fn path_of(&self, key: &str) -> Option<PathBuf> {
        resume_key::is_valid_key(key).then(|| self.dir.join(key))
    }

    async fn write_new(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .await?;
        let written = async {
            file.write_all(bytes).await?;
            file.sync_all().await
        }
        .await;
        if let Err(error) = written {
            // Never leave a half-written file behind under a valid name.
            drop(file);
            let _ = tokio::fs::remove_file(path).await;
            return Err(error);
        }
        Ok(())
    }
}

fn backend(error: impl std::error::Error + Send + Sync + 'static) -> ResumeStoreError {
    ResumeStoreError::Backend(Box::new(error))
}

#[async_trait]
impl ResumeStore for LocalResumeStore {
    async fn put(
        &self,
        bytes: Bytes,
        kind: DocumentKind,
    ) -> Result<StoredResume, ResumeStoreError> {
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(backend)?;
        let mut last_error = None;
        for _ in 0..NAME_ATTEMPTS {
            let key = resume_key::new_key(self.clock.now(), kind).map_err(backend)?;
            match self.write_new(&self.dir.join(&key), &bytes).await {
                Ok(()) => {
                    return Ok(StoredResume {
                        url: format!("{URL_PREFIX}{key}"),
                        key,
                    });
                }
                Err(error) if error.kind() == ErrorKind::AlreadyExists => {
                    tracing::warn!(%key, "resume name already taken; trying another");
                    last_error = Some(error);
                }
                Err(error) => return Err(backend(error)),
            }
        }
        Err(backend(last_error.unwrap_or_else(|| {
            std::io::Error::new(ErrorKind::AlreadyExists, "no free resume name")
        })))
    }

    async fn get(&self, key: &str) -> Result<Option<Bytes>, ResumeStoreError> {
        let path = self.path_of(key).ok_or(ResumeStoreError::InvalidKey)?;
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Some(Bytes::from(bytes))),
            Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
            Err(error) => Err(backend(error)),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), ResumeStoreError> {
        let path = self.path_of(key).ok_or(ResumeStoreError::InvalidKey)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == ErrorKind::NotFound => Ok(()),
            Err(error) => Err(backend(error)),
        }
    }
}
