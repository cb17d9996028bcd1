//! Turning a resume file into text.
//!
//! [`ResumeExtractor`] is the capability; [`DocumentExtractor`] (features `pdf`,
//! `docx`, `doc`) is the implementation that reads real files, within
//! [`ExtractLimits`]; [`clean_text`] is the clean-up every extractor applies.

mod clean;
#[cfg(feature = "doc")]
mod doc;
#[cfg(feature = "docx")]
mod docx;
#[cfg(feature = "extract")]
mod extractor;
#[cfg(feature = "extract")]
mod limits;
#[cfg(feature = "pdf")]
mod pdf;

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;

use super::{DocumentKind, UnsupportedDocument};
use crate::error::BoxError;

pub use clean::clean_text;
#[cfg(feature = "extract")]
pub use extractor::DocumentExtractor;
#[cfg(feature = "extract")]
pub use limits::ExtractLimits;

/// Why a resume's text could not be extracted, in terms the candidate can act on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExtractError {
    /// The file is not a supported document.
    #[error(transparent)]
    Unsupported(#[from] UnsupportedDocument),
    /// This extractor cannot read this kind (for example a legacy DOC without a
    /// DOC reader): the candidate should upload a PDF or DOCX.
    #[error("{0} files cannot be read here; please upload a PDF or DOCX")]
    KindNotSupported(DocumentKind),
    /// The file is larger than allowed.
    #[error("the file is {size} bytes; the limit is {limit} bytes")]
    TooLarge {
        /// The file's size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The document is password-protected.
    #[error("the document is encrypted or password-protected")]
    Encrypted,
    /// The document holds no text (for example a scanned image).
    #[error("the document has no extractable text (is it a scanned image?)")]
    NoText,
    /// The file is damaged or truncated.
    #[error("the document is damaged or incomplete: {0}")]
    Corrupt(String),
    /// Reading the document would exceed a resource limit (decompressed size, pages,
    /// text length).
    #[error("the document exceeds a limit: {0}")]
    LimitExceeded(String),
    /// Extraction did not finish in time.
    #[error("reading the document took longer than {0:?}")]
    TimedOut(Duration),
    /// The parser failed unexpectedly (a caught panic, a worker that died).
    #[error("the document could not be read")]
    Failed(#[source] BoxError),
}

/// Extracts clean text from a resume.
///
/// Implementations must not panic or hang on hostile input: they bound time and
/// memory and report [`ExtractError`]s instead.
#[async_trait]
pub trait ResumeExtractor: Send + Sync {
    /// The text of a document already identified as `kind` by
    /// [`DocumentKind::sniff`].
    async fn extract(&self, bytes: Bytes, kind: DocumentKind) -> Result<String, ExtractError>;
}
