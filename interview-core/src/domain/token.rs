//! The unguessable token in an interview link.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Field, FieldError};
use crate::random::{self, RandomnessError};

/// The number of random bytes behind a token.
const TOKEN_BYTES: usize = 16;
/// The length of a token's text: two lowercase hex digits per byte.
pub const TOKEN_LEN: usize = TOKEN_BYTES * 2;

/// A booking's token: 32 lowercase hex characters encoding 16 bytes (128 bits) from
/// the operating system's random number generator.
///
/// The token is the only credential an interview link carries, so `Debug` shows
/// just its first characters; `Display` writes it whole (for URLs).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(value_type = String, description = "The token of an interview link: 32 lowercase hexadecimal characters.")
)]
pub struct BookingToken(String);

impl BookingToken {
    /// A new token from 16 bytes of OS randomness.
    pub fn generate() -> Result<Self, RandomnessError> {
        random::hex_string(TOKEN_BYTES).map(Self)
    }

    /// Parses a token: exactly 32 characters of `0-9a-f`. Anything else is refused
    /// before it reaches a store, so a lookup never sees attacker-shaped input.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let well_formed = input.len() == TOKEN_LEN
            && input
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if well_formed {
            Ok(Self(input.to_owned()))
        } else {
            Err(FieldError::new(
                Field::Token,
                "This interview link is not valid.",
            ))
        }
    }

    /// The token's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first six characters: enough to tell bookings apart in logs and spans,
    /// far too few to open the interview (what `Debug` shows).
    pub fn short(&self) -> &str {
        &self.0[..6]
    }
}

impl fmt::Debug for BookingToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BookingToken({}…)", self.short())
    }
}

impl fmt::Display for BookingToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for BookingToken {
    type Err = FieldError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for BookingToken {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Parses like [`BookingToken::parse`] (stored job payloads carry tokens); the error
/// never repeats the text it refused.
impl<'de> Deserialize<'de> for BookingToken {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(|_| {
            serde::de::Error::custom("a booking token is 32 lowercase hexadecimal characters")
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn generated_tokens_are_32_lowercase_hex_and_distinct() {
        let tokens: HashSet<String> = (0..1000)
            .map(|_| BookingToken::generate().unwrap().as_str().to_owned())
            .collect();
        assert_eq!(tokens.len(), 1000);
        for token in &tokens {
            assert_eq!(token.len(), 32);
            assert!(
                token
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            );
            assert_eq!(BookingToken::parse(token).unwrap().as_str(), token);
        }
    }

    #[test]
    fn generated_tokens_use_every_hex_digit() {
        // 16 random bytes per token; over 200 tokens every digit shows up unless the
        // encoding is broken (probability of a miss is far below 1e-100).
        let all: String = (0..200)
            .map(|_| BookingToken::generate().unwrap().to_string())
            .collect();
        for digit in "0123456789abcdef".chars() {
            assert!(all.contains(digit), "digit {digit} never appears");
        }
    }

    #[test]
    fn parse_rejects_anything_else() {
        let good = "0123456789abcdef0123456789abcdef";
        assert!(BookingToken::parse(good).is_ok());
        for bad in [
            "",
            "0123456789abcdef0123456789abcde",
            "0123456789abcdef0123456789abcdef0",
            "0123456789ABCDEF0123456789ABCDEF",
            "0123456789abcdef0123456789abcdeg",
            "../../etc/passwd0123456789abcdef",
            "0123456789abcdef0123456789abcd\u{e9}",
            " 0123456789abcdef0123456789abcdef",
        ] {
            let err = BookingToken::parse(bad).unwrap_err();
            assert_eq!(err.field, Field::Token, "{bad:?}");
        }
    }

    #[test]
    fn debug_does_not_reveal_the_whole_token() {
        let token = BookingToken::parse("0123456789abcdef0123456789abcdef").unwrap();
        assert_eq!(format!("{token:?}"), "BookingToken(012345…)");
        assert_eq!(token.to_string(), "0123456789abcdef0123456789abcdef");
    }
}
