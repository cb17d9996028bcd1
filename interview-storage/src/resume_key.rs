//! The names resume stores give files: `{timestamp}_{random}.{ext}`.
//!
//! The timestamp (Unix seconds) keeps a folder listing in upload order; the random
//! part is 32 hex digits from the operating system's generator (as a booking token),
//! so names are unguessable and never collide in practice. Keys are checked against
//! exactly this shape before they reach a path or a URL.

use chrono::{DateTime, Utc};
use interview_core::BookingToken;
use interview_core::resume::DocumentKind;

/// A new key for a file of `kind` stored at `now`.
pub(crate) fn new_key(
    now: DateTime<Utc>,
    kind: DocumentKind,
) -> Result<String, interview_core::RandomnessError> {
    let random = interview_core::random::hex_string(16)?;
    // Times before 1970 do not happen on a working clock; 0 keeps the shape valid.
    let seconds = now.timestamp().max(0);
    Ok(format!("{seconds}_{random}.{}", kind.extension()))
}

/// Whether `key` has exactly the shape [`new_key`] makes: 1 to 20 digits, `_`, 32
/// lowercase hex digits, `.`, and `pdf`, `docx` or `doc`. Nothing else (no `/`, `\`,
/// `..`, NUL, upper case or spaces) passes.
pub(crate) fn is_valid_key(key: &str) -> bool {
    let Some((stem, extension)) = key.split_once('.') else {
        return false;
    };
    let Some((seconds, random)) = stem.split_once('_') else {
        return false;
    };
    matches!(extension, "pdf" | "docx" | "doc")
        && (1..=20).contains(&seconds.len())
        && seconds.bytes().all(|b| b.is_ascii_digit())
        && BookingToken::parse(random).is_ok()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn new_keys_are_valid_and_distinct() {
        let now = Utc.with_ymd_and_hms(2030, 1, 15, 9, 0, 0).unwrap();
        let a = new_key(now, DocumentKind::Pdf).unwrap();
        let b = new_key(now, DocumentKind::Docx).unwrap();
        assert!(a.starts_with("1894698000_") && a.ends_with(".pdf"), "{a}");
        assert!(b.ends_with(".docx"));
        assert_ne!(a, b);
        assert!(is_valid_key(&a) && is_valid_key(&b));
    }

    #[test]
    fn anything_else_is_refused() {
        let random = "0123456789abcdef0123456789abcdef";
        assert!(is_valid_key(&format!("1_{random}.doc")));
        for bad in [
            String::new(),
            "../../etc/passwd".into(),
            format!("1_{random}.pdf/../x"),
            format!("../1_{random}.pdf"),
            format!("1_{random}.exe"),
            format!("1_{random}.PDF"),
            format!("1_{}.pdf", random.to_uppercase()),
            format!("1_{random}0.pdf"),
            format!("_{random}.pdf"),
            format!("x_{random}.pdf"),
            format!("1_{random}.pdf\0"),
            format!("1_{random}.pdf.pdf"),
            format!("1 _{random}.pdf"),
            format!("123456789012345678901_{random}.pdf"),
            format!("1\\{random}.pdf"),
        ] {
            assert!(!is_valid_key(&bad), "{bad:?}");
        }
    }
}
