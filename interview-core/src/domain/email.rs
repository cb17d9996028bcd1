//! An e-mail address that is safe to put in a mail header.

use std::fmt;

use serde::{Serialize, Serializer};

use super::{Field, FieldError};

/// The longest address accepted (RFC 5321's path limit less the angle brackets).
pub const MAX_EMAIL_CHARS: usize = 254;

/// An e-mail address in the common `local@domain.tld` form.
///
/// The rules are the practical subset that every SMTP server accepts: an ASCII
/// local part of the RFC 5322 "atext" characters and single dots (at most 64
/// characters), and a domain of at least two dot-separated labels of letters, digits
/// and inner hyphens, whose last label is not numeric. The domain is lower-cased.
/// No quoted local parts, comments, IP literals or line breaks: whatever is accepted
/// can be written into a header without escaping.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(value_type = String, description = "An e-mail address.")
)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Parses an address, trimming surrounding whitespace.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let invalid = |why: &str| {
            FieldError::new(
                Field::Email,
                format!("Please enter a valid e-mail address ({why})."),
            )
        };
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(FieldError::new(
                Field::Email,
                "Please enter your e-mail address.",
            ));
        }
        if trimmed.chars().count() > MAX_EMAIL_CHARS {
            return Err(invalid("it is longer than 254 characters"));
        }
        let Some((local, domain)) = trimmed.rsplit_once('@') else {
            return Err(invalid("it has no @"));
        };
        if local.is_empty() {
            return Err(invalid("nothing before the @"));
        }
        if local.len() > 64 {
            return Err(invalid(
                "the part before the @ is longer than 64 characters",
            ));
        }
        if !local
            .split('.')
            .all(|atom| !atom.is_empty() && atom.chars().all(is_atext))
        {
            return Err(invalid(
                "the part before the @ has a character or dot that is not allowed",
            ));
        }
        let domain = domain.to_ascii_lowercase();
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 {
            return Err(invalid("the domain needs a dot, as in example.com"));
        }
        if !labels.iter().all(|label| is_dns_label(label)) {
            return Err(invalid("the domain is not a valid host name"));
        }
        if labels
            .last()
            .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
        {
            return Err(invalid("the domain is not a valid host name"));
        }
        Ok(Self(format!("{local}@{domain}")))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after the `@`.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, domain)| domain)
    }
}

fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c)
}

fn is_dns_label(label: &str) -> bool {
    (1..=63).contains(&label.len())
        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for EmailAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for EmailAddress {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_addresses_and_lowercases_the_domain() {
        for (input, expected) in [
            ("ann@example.com", "ann@example.com"),
            (
                "  Ann.Lee+jobs@Mail.Example.CO.uk ",
                "Ann.Lee+jobs@mail.example.co.uk",
            ),
            (
                "o'brien@xn--bcher-kva.example",
                "o'brien@xn--bcher-kva.example",
            ),
            ("a_b-c@sub-domain.io", "a_b-c@sub-domain.io"),
        ] {
            assert_eq!(EmailAddress::parse(input).unwrap().as_str(), expected);
        }
        assert_eq!(
            EmailAddress::parse("x@Example.com").unwrap().domain(),
            "example.com"
        );
    }

    #[test]
    fn rejects_malformed_addresses_with_a_reason() {
        for (input, reason) in [
            ("", "enter your e-mail"),
            ("ann.example.com", "no @"),
            ("@example.com", "nothing before"),
            ("ann@localhost", "needs a dot"),
            ("ann@-bad.com", "not a valid host"),
            ("ann@exa mple.com", "not a valid host"),
            ("ann@example..com", "not a valid host"),
            ("ann@1.2.3.4", "not a valid host"),
            ("ann..lee@example.com", "not allowed"),
            (".ann@example.com", "not allowed"),
            ("ann lee@example.com", "not allowed"),
            ("ann@example.com\r\nBcc: x@evil.com", "not allowed"),
            ("ann@exam\r\nple.com", "not a valid host"),
            ("jos\u{e9}@example.com", "not allowed"),
        ] {
            let err = EmailAddress::parse(input).unwrap_err();
            assert_eq!(err.field, Field::Email);
            assert!(err.message.contains(reason), "{input:?}: {}", err.message);
        }
    }

    #[test]
    fn length_limits() {
        let local = "a".repeat(64);
        assert!(EmailAddress::parse(&format!("{local}@example.com")).is_ok());
        assert!(EmailAddress::parse(&format!("a{local}@example.com")).is_err());
        let long_domain = format!("{}.com", vec!["a".repeat(63); 4].join("."));
        let err = EmailAddress::parse(&format!("ann@{long_domain}")).unwrap_err();
        assert!(err.message.contains("254"), "{}", err.message);
    }
}
