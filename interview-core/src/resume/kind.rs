//! Telling a file's type from its bytes, never from its name or the client's word.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The resume formats accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocumentKind {
    /// Portable Document Format.
    Pdf,
    /// Office Open XML word processing (Word 2007 and later).
    Docx,
    /// Legacy Word binary format (Word 97-2003), in an OLE2 compound file.
    Doc,
}

/// A file that is not a PDF, DOCX or DOC, with what it looks like instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("this file is {detected}, not a PDF, DOC or DOCX document")]
pub struct UnsupportedDocument {
    /// What the file looks like ("a PNG image", "an empty file", ...).
    pub detected: &'static str,
}

const OLE2_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

impl DocumentKind {
    /// Detects the format from the file's first bytes.
    ///
    /// A ZIP archive counts as DOCX only if its entries name `word/` parts; other
    /// ZIP-based files (an XLSX, a plain archive) are refused with what they are.
    pub fn sniff(bytes: &[u8]) -> Result<Self, UnsupportedDocument> {
        let unsupported = |detected| Err(UnsupportedDocument { detected });
        // PDF readers accept the header anywhere in the first kilobyte.
        let head = &bytes[..bytes.len().min(1024)];
        if find(head, b"%PDF-").is_some() {
            return Ok(Self::Pdf);
        }
        if bytes.starts_with(OLE2_MAGIC) {
            return Ok(Self::Doc);
        }
        if bytes.starts_with(ZIP_MAGIC) {
            return if find(bytes, b"word/").is_some() {
                Ok(Self::Docx)
            } else if find(bytes, b"xl/").is_some() {
                unsupported("an Excel spreadsheet")
            } else if find(bytes, b"ppt/").is_some() {
                unsupported("a PowerPoint presentation")
            } else {
                unsupported("a ZIP archive")
            };
        }
        let detected = if bytes.is_empty() {
            "an empty file"
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            "a PNG image"
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            "a JPEG image"
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            "a GIF image"
        } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
            "a WebP image"
        } else if bytes.starts_with(b"{\\rtf") {
            "an RTF document"
        } else if bytes.starts_with(b"\x1f\x8b") {
            "a gzip archive"
        } else if bytes.starts_with(b"MZ") || bytes.starts_with(b"\x7fELF") {
            "a program"
        } else if std::str::from_utf8(head).is_ok() {
            if head.trim_ascii_start().starts_with(b"<") {
                "an HTML or XML file"
            } else {
                "a plain text file"
            }
        } else {
            "an unknown type of file"
        };
        unsupported(detected)
    }

    /// The file name extension for this kind (`"pdf"`, `"docx"`, `"doc"`).
    pub fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Docx => "docx",
            Self::Doc => "doc",
        }
    }

    /// The MIME type to serve this kind with.
    pub fn mime_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Doc => "application/msword",
        }
    }
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pdf => "PDF",
            Self::Docx => "DOCX",
            Self::Doc => "DOC",
        })
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognizes_the_accepted_kinds() {
        assert_eq!(
            DocumentKind::sniff(b"%PDF-1.7\n...").unwrap(),
            DocumentKind::Pdf
        );
        assert_eq!(
            DocumentKind::sniff(b"\xef\xbb\xbf%PDF-1.4").unwrap(),
            DocumentKind::Pdf
        );
        let mut doc = OLE2_MAGIC.to_vec();
        doc.extend_from_slice(&[0; 504]);
        assert_eq!(DocumentKind::sniff(&doc).unwrap(), DocumentKind::Doc);
        let docx =
            b"PK\x03\x04\x14\x00\x00\x00\x08\x00....[Content_Types].xml....word/document.xml";
        assert_eq!(DocumentKind::sniff(docx).unwrap(), DocumentKind::Docx);
    }

    #[test]
    fn says_what_a_refused_file_is() {
        for (bytes, detected) in [
            (&b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"[..], "a PNG image"),
            (b"\xff\xd8\xff\xe0\0\x10JFIF", "a JPEG image"),
            (b"", "an empty file"),
            (b"Jane Doe\nRust engineer", "a plain text file"),
            (b"<html><body>cv</body></html>", "an HTML or XML file"),
            (b"PK\x03\x04....xl/workbook.xml", "an Excel spreadsheet"),
            (b"PK\x03\x04....notes.txt", "a ZIP archive"),
            (b"{\\rtf1\\ansi", "an RTF document"),
            (b"\x00\xff\x10\x80\x81", "an unknown type of file"),
        ] {
            let err = DocumentKind::sniff(bytes).unwrap_err();
            assert_eq!(err.detected, detected);
            assert!(err.to_string().contains(detected));
        }
    }

    #[test]
    fn names_and_types() {
        assert_eq!(DocumentKind::Docx.extension(), "docx");
        assert_eq!(DocumentKind::Pdf.mime_type(), "application/pdf");
        assert_eq!(DocumentKind::Doc.to_string(), "DOC");
    }
}
