//! What every capability's error enum shares.

/// A boxed error from an implementation (a driver, an HTTP client, a parser), kept as
/// the `source` of a capability's error so its details reach logs but not users.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;
