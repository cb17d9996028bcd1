//! Field-level validation errors, shaped for forms: every rule that failed, each
//! tied to the field the user has to fix.

use std::fmt;

use serde::Serialize;

/// An input field of the booking flow, named as in the JSON API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Field {
    /// The candidate's name.
    Name,
    /// The candidate's e-mail address.
    Email,
    /// The candidate's phone number.
    Phone,
    /// The interview's date and time.
    Datetime,
    /// The candidate's IANA time zone.
    TimeZone,
    /// The uploaded resume file.
    Resume,
    /// The URL of the stored resume.
    ResumeUrl,
    /// The resume's extracted text.
    ResumeText,
    /// An interview token.
    Token,
    /// The position applied for.
    Position,
}

impl Field {
    /// The field's name in the JSON API (`"timeZone"`, `"resumeUrl"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Datetime => "datetime",
            Self::TimeZone => "timeZone",
            Self::Resume => "resume",
            Self::ResumeUrl => "resumeUrl",
            Self::ResumeText => "resumeText",
            Self::Token => "token",
            Self::Position => "position",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rule that one field broke, with a message fit to show next to that field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[error("{field}: {message}")]
pub struct FieldError {
    /// The field to fix.
    pub field: Field,
    /// What is wrong, in words a candidate understands.
    pub message: String,
}

impl FieldError {
    /// A new error for `field`.
    pub fn new(field: Field, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// Every field error found in one request (never empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ValidationErrors(Vec<FieldError>);

impl ValidationErrors {
    /// Errors from a list; `None` when the list is empty (nothing was wrong).
    pub fn from_vec(errors: Vec<FieldError>) -> Option<Self> {
        if errors.is_empty() {
            None
        } else {
            Some(Self(errors))
        }
    }

    /// All errors, in field order of the form.
    pub fn errors(&self) -> &[FieldError] {
        &self.0
    }

    /// The first error (there is always one): the one to show when only one fits.
    pub fn first(&self) -> &FieldError {
        // Invariant: constructed only from a non-empty list.
        &self.0[0]
    }

    /// The error for `field`, if that field was wrong.
    pub fn for_field(&self, field: Field) -> Option<&FieldError> {
        self.0.iter().find(|e| e.field == field)
    }
}

impl From<FieldError> for ValidationErrors {
    fn from(error: FieldError) -> Self {
        Self(vec![error])
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}
