//! What every capability's error enum shares.

/// A boxed error from an implementation (a driver, an HTTP client, a parser), kept as
/// the `source` of a capability's error so its details reach logs but not users.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Displays an error followed by each of its sources, `: `-separated, for logs and
/// operators' messages: "the booking store is unavailable: cannot connect to
/// PostgreSQL at db:5432/hr: Connection refused (os error 111)". Never for an answer
/// to a candidate: sources carry internals.
pub struct ErrorChain<'a>(pub &'a (dyn std::error::Error + 'a));

impl std::fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut said = self.0.to_string();
        f.write_str(&said)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            let text = cause.to_string();
            // Many errors quote their source in their own message; say it once.
            if !said.ends_with(&text) {
                write!(f, ": {text}")?;
            }
            said = text;
            source = cause.source();
        }
        Ok(())
    }
}

impl std::fmt::Debug for ErrorChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("the booking store is unavailable")]
    struct Outer(#[source] std::io::Error);

    #[derive(Debug, thiserror::Error)]
    #[error("cannot connect: {0}")]
    struct Quoting(#[source] std::io::Error);

    #[test]
    fn a_cause_its_parent_already_quoted_is_said_once() {
        let error = Outer2(Quoting(std::io::Error::other("connection refused")));
        assert_eq!(
            ErrorChain(&error).to_string(),
            "the store is down: cannot connect: connection refused"
        );
    }

    #[derive(Debug, thiserror::Error)]
    #[error("the store is down")]
    struct Outer2(#[source] Quoting);

    #[test]
    fn chains_are_joined() {
        let error = Outer(std::io::Error::other("connection refused"));
        assert_eq!(
            ErrorChain(&error).to_string(),
            "the booking store is unavailable: connection refused"
        );
    }
}
