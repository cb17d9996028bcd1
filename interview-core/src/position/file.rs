//! `POSITIONS_FILE`: the positions defined at start-up, in TOML.
//!
//! ```toml
//! [[positions]]
//! id = "backend-engineer"
//! title = "Backend Engineer"
//! company = "Acme"
//! language = "en-GB"
//! phone_region = "GB"
//! description = "You will build our payments platform in Rust."
//! knowledge = "The team is 8 engineers in London; hybrid, two office days a week."
//!
//! [[positions.competencies]]
//! name = "System design"
//! rubric = { 1 = "No design beyond one box.", 3 = "Sound design with trade-offs named.", 5 = "Designs for failure and scale, and says what they would measure." }
//!
//! [[positions.plan]]
//! stage = "introduction"
//! minutes = 2
//! # ... more stages, ending with wrap_up
//! ```
//!
//! See `docs/configuration.md` for every field.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;

use super::{Position, PositionDefaults, PositionDraft, PositionErrors};

/// The largest positions file read.
pub const MAX_POSITIONS_FILE_BYTES: u64 = 1024 * 1024;

/// The most positions one file defines.
pub const MAX_POSITIONS_IN_FILE: usize = 500;

/// A positions file, parsed and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionsFile {
    /// The positions, in the file's order.
    pub positions: Vec<Position>,
}

/// Why a positions file was refused. Each message names the file's problem in
/// terms its author can fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PositionsFileError {
    /// The file could not be read.
    #[error("cannot read the positions file: {0}")]
    Read(#[source] std::io::Error),
    /// The file is larger than [`MAX_POSITIONS_FILE_BYTES`].
    #[error("the positions file is {0} bytes; at most 1 MiB is read")]
    TooLarge(u64),
    /// The file is not valid TOML, or has fields no position has.
    #[error("the positions file is not valid: {0}")]
    Syntax(String),
    /// The file defines no position.
    #[error("the positions file defines no position: add a [[positions]] table")]
    Empty,
    /// The file defines more than [`MAX_POSITIONS_IN_FILE`] positions.
    #[error("the positions file defines {0} positions; at most 500 are allowed")]
    TooMany(usize),
    /// A position is invalid.
    #[error("positions[{index}] ({id}): {errors}")]
    Invalid {
        /// Its place in the file (0-based).
        index: usize,
        /// Its id as written.
        id: String,
        /// What is wrong.
        errors: PositionErrors,
    },
    /// Two positions share an id or a slug.
    #[error("positions[{index}]: the {what} {value:?} is already used by an earlier position")]
    Duplicate {
        /// The later position's place in the file (0-based).
        index: usize,
        /// `"id"` or `"slug"`.
        what: &'static str,
        /// The shared value.
        value: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileShape {
    #[serde(default)]
    positions: Vec<PositionDraft>,
}

impl PositionsFile {
    /// Reads and parses the file at `path`.
    pub fn read(path: &Path, defaults: &PositionDefaults) -> Result<Self, PositionsFileError> {
        let size = std::fs::metadata(path)
            .map_err(PositionsFileError::Read)?
            .len();
        if size > MAX_POSITIONS_FILE_BYTES {
            return Err(PositionsFileError::TooLarge(size));
        }
        let text = std::fs::read_to_string(path).map_err(PositionsFileError::Read)?;
        Self::parse(&text, defaults)
    }

    /// Parses a file's text.
    pub fn parse(text: &str, defaults: &PositionDefaults) -> Result<Self, PositionsFileError> {
        if text.len() as u64 > MAX_POSITIONS_FILE_BYTES {
            return Err(PositionsFileError::TooLarge(text.len() as u64));
        }
        let shape: FileShape = toml::from_str(text)
            .map_err(|error| PositionsFileError::Syntax(error.to_string().trim().to_owned()))?;
        if shape.positions.is_empty() {
            return Err(PositionsFileError::Empty);
        }
        if shape.positions.len() > MAX_POSITIONS_IN_FILE {
            return Err(PositionsFileError::TooMany(shape.positions.len()));
        }
        let mut ids = HashSet::new();
        let mut slugs = HashSet::new();
        let mut positions = Vec::with_capacity(shape.positions.len());
        for (index, draft) in shape.positions.iter().enumerate() {
            let position =
                Position::parse(draft, defaults).map_err(|errors| PositionsFileError::Invalid {
                    index,
                    id: draft.id.clone(),
                    errors,
                })?;
            if !ids.insert(position.id.clone()) {
                return Err(PositionsFileError::Duplicate {
                    index,
                    what: "id",
                    value: position.id.to_string(),
                });
            }
            if !slugs.insert(position.slug.clone()) {
                return Err(PositionsFileError::Duplicate {
                    index,
                    what: "slug",
                    value: position.slug.to_string(),
                });
            }
            positions.push(position);
        }
        Ok(Self { positions })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &str = r#"
[[positions]]
id = "backend-engineer"
title = "Backend Engineer"
company = "Acme"
language = "en-GB"
phone_region = "GB"
description = "Build our payments platform in Rust."
knowledge = "The team is 8 engineers in London."

[[positions.competencies]]
name = "System design"
rubric = { 1 = "No design.", 3 = "Sound design.", 5 = "Designs for failure." }

[[positions.plan]]
stage = "introduction"
minutes = 2

[[positions.plan]]
stage = "technical"
minutes = 20
competencies = ["System design"]

[[positions.plan]]
stage = "wrap_up"
minutes = 3

[[positions]]
id = "support"
title = "Customer Support Specialist"
duration_minutes = 20
"#;

    #[test]
    fn a_file_with_two_positions_parses() {
        let file = PositionsFile::parse(TWO, &PositionDefaults::default()).unwrap();
        let [backend, support] = file.positions.as_slice() else {
            panic!("two positions expected");
        };
        assert_eq!(backend.company.as_deref(), Some("Acme"));
        assert_eq!(backend.phone_region.code(), "GB");
        assert_eq!(backend.duration().as_secs(), 25 * 60);
        assert_eq!(
            backend.competencies[0].rubric.excellent,
            "Designs for failure."
        );
        assert_eq!(support.slug.as_str(), "support");
        assert_eq!(support.duration().as_secs(), 20 * 60);
        assert_eq!(support.competencies.len(), 5);
    }

    #[test]
    fn the_documented_example_parses() {
        let doc = include_str!("../../../docs/configuration.md");
        let section = &doc[doc.find("## Positions").unwrap()..];
        let start = section.find("```toml\n").unwrap() + "```toml\n".len();
        let example = &section[start..start + section[start..].find("```").unwrap()];
        let file = PositionsFile::parse(example, &PositionDefaults::default()).unwrap();
        let position = &file.positions[0];
        assert_eq!(position.slug.as_str(), "backend");
        assert_eq!(position.duration().as_secs(), 25 * 60);
        assert_eq!(position.language.to_string(), "en-GB");
        assert_eq!(position.plan[1].competencies, ["System design"]);
    }

    #[test]
    fn mistakes_name_the_position_and_the_field() {
        let defaults = PositionDefaults::default();
        let error = |text: &str| {
            PositionsFile::parse(text, &defaults)
                .unwrap_err()
                .to_string()
        };
        assert!(error("").contains("defines no position"));
        assert!(error("[[positions]]\nid = \"a\"\ntitel = \"x\"\n").contains("titel"));
        assert!(error("[[positions]\n").contains("not valid"));
        let invalid = error("[[positions]]\nid = \"a\"\nlanguage = \"??\"\n");
        assert!(
            invalid.starts_with("positions[0] (a): language:"),
            "{invalid}"
        );
        let twice = error("[[positions]]\nid = \"a\"\n[[positions]]\nid = \"b\"\nslug = \"a\"\n");
        assert!(twice.contains("positions[1]: the slug \"a\""), "{twice}");
    }
}
