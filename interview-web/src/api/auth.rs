//! Who is calling the HR platform's API: a bearer key in `Authorization`, compared
//! in constant time, with the scopes it grants.
//!
//! `ADMIN_API_TOKEN` is the one key today and grants every scope.

use axum::http::{HeaderMap, header};

use crate::AppState;
use crate::error::AppError;

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Read positions and interviews.
    Read,
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Principal {
    scopes: &'static [Scope],
}

impl Principal {
    /// The holder of `ADMIN_API_TOKEN`: every scope.
    const ADMIN: Self = Self {
        scopes: &[Scope::Read],
    };

    /// `Ok` when the caller has `scope`, else 403.
    pub(crate) fn require(&self, scope: Scope) -> Result<(), AppError> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(AppError::forbidden("This key may not do that."))
        }
    }
}

/// The credentials of an `Authorization: Bearer …` header; the scheme's case
/// does not matter (RFC 9110), the credentials' does.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, credentials) = value.split_once(' ')?;
    let credentials = credentials.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !credentials.is_empty()).then_some(credentials)
}

/// The caller of an `/api/v1` request, or 401 with a `WWW-Authenticate`
/// challenge.
pub(crate) fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Principal, AppError> {
    let presented = bearer(headers).unwrap_or_default();
    match &state.admin_token {
        Some(admin) if constant_time_eq(presented.as_bytes(), admin.expose().as_bytes()) => {
            Ok(Principal::ADMIN)
        }
        _ => Err(AppError::unauthorized(
            "A valid API key is required: send it as Authorization: Bearer <key>.",
        )),
    }
}

/// Compares without stopping at the first difference, so the time taken does not
/// tell how much of a guessed key was right.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn compares_whole_strings() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
    }

    #[test]
    fn the_scheme_is_read_in_any_case() {
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::AUTHORIZATION, HeaderValue::from_static(value));
            bearer(&headers).map(str::to_owned)
        };
        for value in [
            "Bearer key1",
            "bearer key1",
            "BEARER  key1 ",
            " Bearer key1",
        ] {
            assert_eq!(with(value).as_deref(), Some("key1"), "{value:?}");
        }
        for value in ["Basic key1", "Bearer", "Bearer ", "Bearerkey1", "key1"] {
            assert_eq!(with(value), None, "{value:?}");
        }
        assert_eq!(bearer(&HeaderMap::new()), None);
    }
}
