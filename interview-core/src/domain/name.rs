//! A person's name as candidates write it, in any script.

use std::fmt;

use serde::{Serialize, Serializer};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::{Field, FieldError};

/// The longest name accepted, in characters (Unicode scalar values after NFC).
pub const MAX_NAME_CHARS: usize = 100;

/// A candidate's name: letters of any script (with their combining marks), spaces,
/// hyphens and apostrophes; trimmed, inner whitespace collapsed to one space,
/// Unicode NFC; 1 to [`MAX_NAME_CHARS`] characters; starts with a letter.
///
/// ```
/// use interview_core::PersonName;
/// assert_eq!(PersonName::parse("  José   Núñez ").unwrap().as_str(), "José Núñez");
/// assert!(PersonName::parse("O'Brien-Smith").is_ok());
/// assert!(PersonName::parse("R2D2").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(value_type = String, description = "A candidate's name, as they wrote it (spaces tidied).")
)]
pub struct PersonName(String);

impl PersonName {
    /// Parses and normalizes a name.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let normalized: String = input.nfc().collect();
        let collapsed = normalized.split_whitespace().collect::<Vec<_>>().join(" ");
        if collapsed.is_empty() {
            return Err(FieldError::new(Field::Name, "Please enter your name."));
        }
        let length = collapsed.chars().count();
        if length > MAX_NAME_CHARS {
            return Err(FieldError::new(
                Field::Name,
                format!("Name must be at most {MAX_NAME_CHARS} characters (it has {length})."),
            ));
        }
        if let Some(bad) = collapsed.chars().find(|&c| !is_name_char(c)) {
            let shown = if bad.is_control() {
                format!("U+{:04X}", u32::from(bad))
            } else {
                format!("\u{201c}{bad}\u{201d}")
            };
            return Err(FieldError::new(
                Field::Name,
                format!(
                    "Name may contain only letters, spaces, hyphens and apostrophes; {shown} is not allowed."
                ),
            ));
        }
        if !collapsed.chars().next().is_some_and(char::is_alphabetic) {
            return Err(FieldError::new(
                Field::Name,
                "Name must start with a letter.",
            ));
        }
        Ok(Self(collapsed))
    }

    /// The normalized name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_name_char(c: char) -> bool {
    c.is_alphabetic()
        || is_combining_mark(c)
        || c == ' '
        || matches!(c, '-' | '\u{2010}' | '\'' | '\u{2019}' | '\u{02bc}')
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for PersonName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for PersonName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_names_in_many_scripts() {
        for name in [
            "O'Brien-Smith",
            "José Núñez",
            "Zoë",
            "Анна Каренина",
            "प्रिया शर्मा",
            "李小龙",
            "محمد",
            "D\u{2019}Angelo",
            "A",
        ] {
            let parsed = PersonName::parse(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(parsed.as_str(), name);
        }
    }

    #[test]
    fn trims_collapses_whitespace_and_normalizes_to_nfc() {
        assert_eq!(
            PersonName::parse("\t Mary \n  Ann  ").unwrap().as_str(),
            "Mary Ann"
        );
        // "e" + combining acute accent becomes the precomposed "é".
        let decomposed = "Jose\u{301}";
        assert_eq!(PersonName::parse(decomposed).unwrap().as_str(), "Jos\u{e9}");
    }

    #[test]
    fn rejects_digits_symbols_and_controls() {
        for bad in [
            "R2D2", "Bob!", "a@b", "Ann\u{0}", "<script>", "Jo_hn", "Dr. Who",
        ] {
            let err = PersonName::parse(bad).unwrap_err();
            assert_eq!(err.field, Field::Name, "{bad}");
            assert!(
                err.message.contains("only letters"),
                "{bad}: {}",
                err.message
            );
        }
    }

    #[test]
    fn rejects_empty_and_blank() {
        for bad in ["", "   ", "\n\t"] {
            assert_eq!(
                PersonName::parse(bad).unwrap_err().message,
                "Please enter your name."
            );
        }
    }

    #[test]
    fn must_start_with_a_letter() {
        for bad in ["-Ann", "'Ann", "\u{301}Ann"] {
            let err = PersonName::parse(bad).unwrap_err();
            assert!(
                err.message.contains("start with a letter"),
                "{bad}: {}",
                err.message
            );
        }
    }

    #[test]
    fn length_limit_is_exactly_one_hundred_characters() {
        let hundred = "é".repeat(100);
        assert_eq!(
            PersonName::parse(&hundred)
                .unwrap()
                .as_str()
                .chars()
                .count(),
            100
        );
        let err = PersonName::parse(&"é".repeat(101)).unwrap_err();
        assert!(err.message.contains("at most 100"), "{}", err.message);
        // Surrounding whitespace does not count.
        assert!(PersonName::parse(&format!("  {hundred}  ")).is_ok());
    }
}
