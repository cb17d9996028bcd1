//! A ten-digit phone number, as the original form requires.

use std::fmt;

use serde::{Serialize, Serializer};

use super::{Field, FieldError};

/// A phone number of exactly ten digits.
///
/// Formatting characters are stripped (`"(555) 123-4567"` becomes `5551234567`), as
/// in the original form. Letters are refused rather than silently dropped, since
/// `"555-CALL-NOW"` stripped of letters is not the number the candidate meant.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

/// The number of digits a phone number must have.
pub const PHONE_DIGITS: usize = 10;

impl PhoneNumber {
    /// Parses a phone number.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        if input.chars().any(char::is_alphabetic) {
            return Err(FieldError::new(
                Field::Phone,
                "Phone number may contain only digits and separators.",
            ));
        }
        let digits: String = input.chars().filter(char::is_ascii_digit).collect();
        if digits.is_empty() {
            return Err(FieldError::new(
                Field::Phone,
                "Please enter your phone number.",
            ));
        }
        if digits.len() != PHONE_DIGITS {
            return Err(FieldError::new(
                Field::Phone,
                format!(
                    "Phone number must have exactly {PHONE_DIGITS} digits (it has {}).",
                    digits.len()
                ),
            ));
        }
        Ok(Self(digits))
    }

    /// The ten digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for PhoneNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for PhoneNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_formatting() {
        for input in [
            "(555) 123-4567",
            "555.123.4567",
            " 555 123 4567 ",
            "5551234567",
        ] {
            assert_eq!(PhoneNumber::parse(input).unwrap().as_str(), "5551234567");
        }
    }

    #[test]
    fn exactly_ten_digits() {
        let nine = PhoneNumber::parse("555123456").unwrap_err();
        assert!(nine.message.contains("it has 9"), "{}", nine.message);
        let eleven = PhoneNumber::parse("+1 555 123 4567").unwrap_err();
        assert!(eleven.message.contains("it has 11"), "{}", eleven.message);
        assert_eq!(nine.field, Field::Phone);
    }

    #[test]
    fn refuses_letters_and_empty_input() {
        assert!(
            PhoneNumber::parse("555-CALL-NOW")
                .unwrap_err()
                .message
                .contains("only digits")
        );
        assert!(
            PhoneNumber::parse(" - ")
                .unwrap_err()
                .message
                .contains("enter your phone")
        );
        // Non-ASCII digits are not phone digits.
        assert!(PhoneNumber::parse("٥٥٥١٢٣٤٥٦٧").is_err());
    }
}
