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

/// Why a resume's text could not be extracted.
///
/// `Display` is a sentence for the candidate: what went wrong with their file and
/// what to do about it. It never carries a parser's words (offsets, object numbers,
/// "cross reference table"): those are in [`ExtractError::detail`] and, for
/// [`ExtractError::Failed`], in [`std::error::Error::source`], for logs only.
///
/// ```
/// use interview_core::resume::ExtractError;
///
/// let error = ExtractError::Corrupt("failed parsing cross reference table".into());
/// assert!(!error.to_string().contains("cross reference"));
/// assert_eq!(error.detail().as_deref(), Some("failed parsing cross reference table"));
/// assert_eq!(error.reason(), "corrupt");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExtractError {
    /// The file is not a supported document.
    #[error("{}. Please upload your resume as a PDF or DOCX.", capitalized(&.0.to_string()))]
    Unsupported(#[from] UnsupportedDocument),
    /// This extractor cannot read this kind (for example a legacy DOC without a
    /// DOC reader): the candidate should upload a PDF or DOCX.
    #[error("{0} files cannot be read here. Please upload your resume as a PDF or DOCX.")]
    KindNotSupported(DocumentKind),
    /// The file is larger than allowed.
    #[error(
        "This file is {} and the limit is {}. Please upload a smaller file, for example a PDF without large images.",
        human_size(*size),
        human_size(*limit)
    )]
    TooLarge {
        /// The file's size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The document is password-protected.
    #[error(
        "This document is protected with a password. Please remove the protection (or save it as a new PDF) and upload it again."
    )]
    Encrypted,
    /// The document holds no text (for example a scanned image).
    #[error(
        "We found no text in this document; it may be a scanned image. Please upload a PDF or DOCX whose text can be selected."
    )]
    NoText,
    /// The file is damaged or truncated; the string says how, for logs.
    #[error(
        "We could not read this document; it may be damaged or incomplete. Please upload it again, or export it as a new PDF or DOCX."
    )]
    Corrupt(String),
    /// Reading the document would exceed a resource limit (decompressed size, pages,
    /// text length, nesting); the string says which, for logs.
    #[error(
        "This document is too large or too complex to read (too many pages, too much text or too much compressed content). Please upload a shorter version as a PDF or DOCX."
    )]
    LimitExceeded(String),
    /// Extraction did not finish in time.
    #[error(
        "Reading this document took too long. Please export it as a new PDF or DOCX and upload that."
    )]
    TimedOut(Duration),
    /// The parser failed unexpectedly (a caught panic, a worker that died); the
    /// source says how, for logs.
    #[error(
        "We could not read this document. Please export it as a new PDF or DOCX and upload that."
    )]
    Failed(#[source] BoxError),
}

impl ExtractError {
    /// What went wrong in the parser's or the limit's own words, for logs: never
    /// show it to the candidate (it can name offsets, objects and internals).
    /// `None` when the candidate's sentence is all there is to say.
    pub fn detail(&self) -> Option<String> {
        match self {
            Self::Unsupported(unsupported) => Some(unsupported.to_string()),
            Self::KindNotSupported(kind) => Some(format!("no reader for {kind} in this build")),
            Self::TooLarge { size, limit } => Some(format!(
                "the file is {size} bytes; the limit is {limit} bytes"
            )),
            Self::Encrypted | Self::NoText => None,
            Self::Corrupt(detail) | Self::LimitExceeded(detail) => Some(detail.clone()),
            Self::TimedOut(after) => Some(format!("extraction took longer than {after:?}")),
            Self::Failed(source) => Some(source.to_string()),
        }
    }

    /// A short, fixed name for this kind of failure, for metric labels and log
    /// fields: `unsupported`, `kind_not_supported`, `too_large`, `encrypted`,
    /// `no_text`, `corrupt`, `limit_exceeded`, `timed_out` or `failed`.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Unsupported(_) => "unsupported",
            Self::KindNotSupported(_) => "kind_not_supported",
            Self::TooLarge { .. } => "too_large",
            Self::Encrypted => "encrypted",
            Self::NoText => "no_text",
            Self::Corrupt(_) => "corrupt",
            Self::LimitExceeded(_) => "limit_exceeded",
            Self::TimedOut(_) => "timed_out",
            Self::Failed(_) => "failed",
        }
    }
}

/// `"this file is a PNG image"` -> `"This file is a PNG image"`.
fn capitalized(sentence: &str) -> String {
    let mut chars = sentence.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A size as people read it, in binary units as the limit is set (5 MiB is
/// `"5 MB"`): `"6.2 MB"`, `"840 KB"`, `"12 bytes"`.
fn human_size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    match bytes {
        0..KIB => format!("{bytes} bytes"),
        KIB..MIB => format!("{} KB", bytes / KIB),
        _ => {
            let tenths = bytes.saturating_mul(10) / MIB;
            if tenths.is_multiple_of(10) {
                format!("{} MB", tenths / 10)
            } else {
                format!("{}.{} MB", tenths / 10, tenths % 10)
            }
        }
    }
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
