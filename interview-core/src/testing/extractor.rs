//! A [`ResumeExtractor`] that answers what it is told to.

use std::sync::Mutex;

use async_trait::async_trait;
use bytes::Bytes;

use super::lock;
use crate::resume::{DocumentKind, ExtractError, ResumeExtractor};

type Answer = Box<dyn Fn(&[u8], DocumentKind) -> Result<String, ExtractError> + Send + Sync>;

/// An extractor with a scripted answer; it records the kinds it was asked about.
pub struct ScriptedExtractor {
    answer: Answer,
    calls: Mutex<Vec<(DocumentKind, usize)>>,
}

impl std::fmt::Debug for ScriptedExtractor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScriptedExtractor")
            .field("calls", &*lock(&self.calls))
            .finish_non_exhaustive()
    }
}

impl ScriptedExtractor {
    /// Always extracts `text`.
    pub fn text(text: impl Into<String>) -> Self {
        let text = text.into();
        Self::with(move |_, _| Ok(text.clone()))
    }

    /// Always fails with the error `error` makes.
    pub fn failing(error: impl Fn() -> ExtractError + Send + Sync + 'static) -> Self {
        Self::with(move |_, _| Err(error()))
    }

    /// Answers with `answer(bytes, kind)`.
    pub fn with(
        answer: impl Fn(&[u8], DocumentKind) -> Result<String, ExtractError> + Send + Sync + 'static,
    ) -> Self {
        Self {
            answer: Box::new(answer),
            calls: Mutex::new(Vec::new()),
        }
    }

    /// The (kind, byte count) of every call so far.
    pub fn calls(&self) -> Vec<(DocumentKind, usize)> {
        lock(&self.calls).clone()
    }
}

#[async_trait]
impl ResumeExtractor for ScriptedExtractor {
    async fn extract(&self, bytes: Bytes, kind: DocumentKind) -> Result<String, ExtractError> {
        lock(&self.calls).push((kind, bytes.len()));
        (self.answer)(&bytes, kind)
    }
}
