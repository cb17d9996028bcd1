//! The environment parser every crate's settings are read with.
//!
//! Each crate describes its own variables (a store's, a mail server's, an engine
//! vendor's `from_env`) with the helpers of [`Env`]; the application
//! reads them all in one pass with [`Env::read`], so every problem in the
//! configuration is reported at once. An empty variable counts as unset, values are
//! trimmed, and errors name the variable and never quote a secret.

use std::collections::HashMap;
use std::fmt;

use url::Url;

use crate::rate::Rate;

/// One variable that is missing or wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    /// The environment variable.
    pub variable: &'static str,
    /// What is wrong with it.
    pub problem: String,
}

/// Every configuration problem found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "invalid configuration:")?;
        for error in &self.0 {
            writeln!(f, "  - {error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// Variables being read, and the problems found so far.
pub struct Env<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    errors: Vec<ConfigError>,
}

impl fmt::Debug for Env<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values may be secrets: only the problems are shown.
        f.debug_struct("Env")
            .field("errors", &self.errors)
            .finish_non_exhaustive()
    }
}

impl<'a> Env<'a> {
    /// Variables found through `lookup`.
    pub fn new(lookup: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Self {
            lookup,
            errors: Vec::new(),
        }
    }

    /// Reads a configuration with `read` from the variables `lookup` finds: the
    /// value when `read` gives one and no problem was recorded, else every problem.
    pub fn read<T>(
        lookup: impl Fn(&str) -> Option<String>,
        read: impl FnOnce(&mut Env<'_>) -> Option<T>,
    ) -> Result<T, ConfigErrors> {
        let mut env = Env::new(&lookup);
        let value = read(&mut env);
        match value {
            Some(value) if env.errors.is_empty() => Ok(value),
            _ => Err(ConfigErrors(env.errors)),
        }
    }

    /// [`Env::read`] over the process environment.
    pub fn read_process<T>(
        read: impl FnOnce(&mut Env<'_>) -> Option<T>,
    ) -> Result<T, ConfigErrors> {
        Self::read(|name| std::env::var(name).ok(), read)
    }

    /// [`Env::read`] over a map (tests, or a parsed `.env` file).
    pub fn read_map<T>(
        vars: &HashMap<String, String>,
        read: impl FnOnce(&mut Env<'_>) -> Option<T>,
    ) -> Result<T, ConfigErrors> {
        Self::read(|name| vars.get(name).cloned(), read)
    }

    /// [`Env::read`] over name and value pairs (tests, examples).
    pub fn read_pairs<T>(
        vars: &[(&str, &str)],
        read: impl FnOnce(&mut Env<'_>) -> Option<T>,
    ) -> Result<T, ConfigErrors> {
        Self::read(
            |name| {
                vars.iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| (*value).to_owned())
            },
            read,
        )
    }

    /// The variable's trimmed value; unset and empty are the same.
    pub fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    /// Records a problem with `variable`.
    pub fn error(&mut self, variable: &'static str, problem: impl Into<String>) {
        self.errors.push(ConfigError {
            variable,
            problem: problem.into(),
        });
    }

    /// The problems recorded so far.
    pub fn errors(&self) -> &[ConfigError] {
        &self.errors
    }

    /// The variable parsed by `parse`; a value it refuses is recorded as expected to
    /// be `expected` (the value is quoted: do not use this for secrets).
    pub fn parse<T>(
        &mut self,
        name: &'static str,
        expected: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let value = self.get(name)?;
        let parsed = parse(&value);
        if parsed.is_none() {
            self.error(name, format!("expected {expected}, got {value:?}"));
        }
        parsed
    }

    /// The variable as a URL with one of `schemes` and a host.
    pub fn url(&mut self, name: &'static str, schemes: &[&str]) -> Option<Url> {
        let value = self.get(name)?;
        match Url::parse(&value) {
            Ok(url) if schemes.contains(&url.scheme()) && url.has_host() => Some(url),
            Ok(url) => {
                self.error(
                    name,
                    format!(
                        "must be a {} URL, got scheme {:?}",
                        schemes.join(" or "),
                        url.scheme()
                    ),
                );
                None
            }
            Err(e) => {
                self.error(name, format!("is not a URL ({e})"));
                None
            }
        }
    }

    /// Variables that only make sense together: `Some(())` when all are set, `None`
    /// when none are; an error naming the missing ones when only some are.
    pub fn group(&mut self, names: &[&'static str]) -> Option<()> {
        let missing: Vec<&'static str> = names
            .iter()
            .copied()
            .filter(|n| self.get(n).is_none())
            .collect();
        if missing.is_empty() {
            return Some(());
        }
        if missing.len() < names.len() {
            let set: Vec<&str> = names
                .iter()
                .copied()
                .filter(|n| !missing.contains(n))
                .collect();
            for name in missing {
                self.error(
                    name,
                    format!("is required when {} is set", set.join(" and ")),
                );
            }
        }
        None
    }

    /// A whole number of minutes from 0 to a week, `default` when unset.
    pub fn minutes(&mut self, name: &'static str, default: i64) -> i64 {
        self.parse(name, "a whole number of minutes from 0 to 10080", |v| {
            v.parse::<i64>().ok().filter(|m| (0..=10_080).contains(m))
        })
        .unwrap_or(default)
    }

    /// A positive whole number, `default` when unset.
    pub fn positive(&mut self, name: &'static str, default: usize) -> usize {
        self.parse(name, "a positive whole number", |v| {
            v.parse::<usize>().ok().filter(|n| *n > 0)
        })
        .unwrap_or(default)
    }

    /// A [`Rate`] written `N/PERIOD` (`10/10m`, `3/24h`), `default` when unset;
    /// `off` or `0` turns the limit off (`None`).
    pub fn rate(&mut self, name: &'static str, default: Option<Rate>) -> Option<Rate> {
        let Some(value) = self.get(name) else {
            return default;
        };
        match Rate::parse_setting(&value) {
            Ok(rate) => rate,
            Err(error) => {
                self.error(name, format!("{error}, got {value:?}"));
                default
            }
        }
    }

    /// Records that the first of `names` that is set asks for `what`, which this
    /// build of the application does not include (its cargo feature is off).
    pub fn not_in_build(&mut self, names: &[&'static str], what: &str) {
        if let Some(name) = names.iter().copied().find(|n| self.get(n).is_some()) {
            self.error(
                name,
                format!("is set, but this build does not include {what}"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(vars: &[(&str, &str)], read: impl FnOnce(&mut Env<'_>)) -> Vec<String> {
        match Env::read_pairs(vars, |env| {
            read(env);
            Some(())
        }) {
            Ok(()) => Vec::new(),
            Err(errors) => errors.0.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn empty_values_count_as_unset_and_values_are_trimmed() {
        let lookup = |name: &str| match name {
            "EMPTY" => Some("   ".to_owned()),
            "PADDED" => Some("  value \n".to_owned()),
            _ => None,
        };
        let env = Env::new(&lookup);
        assert_eq!(env.get("EMPTY"), None);
        assert_eq!(env.get("PADDED").as_deref(), Some("value"));
        assert_eq!(env.get("UNSET"), None);
    }

    #[test]
    fn partial_groups_name_each_missing_variable() {
        assert_eq!(
            problems(&[("A", "1")], |env| {
                env.group(&["A", "B", "C"]);
            }),
            [
                "B: is required when A is set",
                "C: is required when A is set"
            ]
        );
        assert!(problems(&[], |env| assert!(env.group(&["A", "B"]).is_none())).is_empty());
    }

    #[test]
    fn numbers_and_urls_out_of_range_are_reported_with_what_was_expected() {
        let found = problems(
            &[("M", "-5"), ("N", "0"), ("U", "ftp://x.com"), ("V", "nope")],
            |env| {
                assert_eq!(env.minutes("M", 5), 5);
                assert_eq!(env.positive("N", 7), 7);
                assert!(env.url("U", &["https"]).is_none());
                assert!(env.url("V", &["https"]).is_none());
            },
        );
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(found[0].starts_with("M: expected a whole number of minutes"));
        assert!(found[2].contains("must be a https URL"));
        assert!(found[3].starts_with("V: is not a URL"));
    }

    #[test]
    fn a_variable_for_a_feature_not_built_is_named() {
        assert_eq!(
            problems(&[("B", "x")], |env| env
                .not_in_build(&["A", "B"], "B support")),
            ["B: is set, but this build does not include B support"]
        );
        assert!(problems(&[], |env| env.not_in_build(&["A"], "A")).is_empty());
    }
}
