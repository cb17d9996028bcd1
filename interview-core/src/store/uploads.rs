//! Resumes this server stored, and which booking (if any) each belongs to.
//!
//! `upload-resume` records every file it stores with the text the server extracted
//! from it. A booking names its resume by the URL the upload returned; the store
//! then *claims* the upload for the booking, atomically, so one upload belongs to
//! one booking at most, and the booking takes the server's text, never the
//! client's. Uploads that no booking claims are *retired* by the sweeper (from then
//! on nothing can claim them), their files deleted, and their records forgotten.
//!
//! ```text
//! recorded ──claim──> claimed (kept with its booking)
//!     │
//!     └──retire──> retired ──file deleted──> forgotten
//! ```

use std::fmt;

use chrono::{DateTime, Utc};

use crate::BookingToken;
use crate::resume::DocumentKind;

/// A resume file this server stored, as the booking store records it.
#[derive(Clone, PartialEq, Eq)]
pub struct UploadRecord {
    /// The resume store's key for the file.
    pub key: String,
    /// The URL the resume store issued for it (a path on this server such as
    /// `/resumes/{key}`, or the storage service's public URL).
    pub url: String,
    /// The file's format, detected from its bytes.
    pub kind: DocumentKind,
    /// The text the server extracted from the file, when extraction worked.
    pub resume_text: Option<String>,
    /// Why extraction failed, when it did: the extraction error's fixed reason
    /// (`no_text`, `encrypted`, `corrupt`, ...), never the candidate's content.
    pub extraction_error: Option<String>,
    /// When the file was stored.
    pub uploaded_at: DateTime<Utc>,
    /// The booking that claimed it, if one did.
    pub claimed_by: Option<BookingToken>,
}

impl fmt::Debug for UploadRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The resume's text is personal data: only its length is shown.
        let text = self
            .resume_text
            .as_ref()
            .map(|text| format!("[{} characters]", text.chars().count()));
        f.debug_struct("UploadRecord")
            .field("key", &self.key)
            .field("kind", &self.kind)
            .field("resume_text", &text)
            .field("extraction_error", &self.extraction_error)
            .field("uploaded_at", &self.uploaded_at)
            .field(
                "claimed_by",
                &self.claimed_by.as_ref().map(BookingToken::short),
            )
            .finish_non_exhaustive()
    }
}

/// The name a [`DocumentKind`] is stored under: `pdf`, `docx` or `doc`.
pub fn kind_name(kind: DocumentKind) -> &'static str {
    kind.extension()
}

/// The [`DocumentKind`] stored as `name` ([`kind_name`]'s inverse).
pub fn parse_kind_name(name: &str) -> Option<DocumentKind> {
    [DocumentKind::Pdf, DocumentKind::Docx, DocumentKind::Doc]
        .into_iter()
        .find(|kind| kind_name(*kind) == name)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn kind_names_round_trip() {
        for kind in [DocumentKind::Pdf, DocumentKind::Docx, DocumentKind::Doc] {
            assert_eq!(parse_kind_name(kind_name(kind)), Some(kind));
        }
        assert_eq!(parse_kind_name("exe"), None);
        assert_eq!(parse_kind_name("PDF"), None);
    }

    #[test]
    fn debug_shows_neither_the_text_nor_the_whole_token() {
        let token = BookingToken::parse("0123456789abcdef0123456789abcdef").unwrap();
        let record = UploadRecord {
            key: "1_ab.pdf".into(),
            url: "/resumes/1_ab.pdf".into(),
            kind: DocumentKind::Pdf,
            resume_text: Some("Jane Doe, jane@example.com".into()),
            extraction_error: None,
            uploaded_at: Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap(),
            claimed_by: Some(token.clone()),
        };
        let debug = format!("{record:?}");
        assert!(!debug.contains("Jane"), "{debug}");
        assert!(debug.contains("[26 characters]"), "{debug}");
        assert!(!debug.contains(token.as_str()), "{debug}");
    }
}
