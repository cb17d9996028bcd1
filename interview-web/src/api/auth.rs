//! Who is calling the HR platform's API: a bearer key in `Authorization` (or the
//! console's session, which holds one), and the scopes it grants.
//!
//! `ADMIN_API_TOKEN` grants every scope, compared in constant time. Keys issued
//! through `/api/v1/api-keys` name their id in their secret; the store's key is
//! found by it and checked against the secret's hash in constant time, revoked
//! keys refused at once (nothing is cached).

use axum::http::{HeaderMap, header};
use chrono::TimeDelta;
use interview_core::access::{ApiKeyId, PresentedKey, Scope, Scopes, constant_time_eq};

use crate::AppState;
use crate::error::AppError;

/// How stale a key's recorded last use may get before a request writes it again:
/// one write per key per minute, not one per request.
const LAST_USE_GRANULARITY: TimeDelta = TimeDelta::minutes(1);

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Principal {
    scopes: Scopes,
    /// The issued key it used; `None` for `ADMIN_API_TOKEN`.
    key: Option<ApiKeyId>,
}

impl Principal {
    /// The holder of `ADMIN_API_TOKEN`: every scope.
    pub(crate) fn admin() -> Self {
        Self {
            scopes: Scopes::all(),
            key: None,
        }
    }

    /// `Ok` when the caller has `scope`, else 403.
    pub(crate) fn require(&self, scope: Scope) -> Result<(), AppError> {
        if self.scopes.contains(scope) {
            Ok(())
        } else {
            Err(AppError::forbidden(format!(
                "This key may not do that: it needs the \u{201c}{scope}\u{201d} scope."
            )))
        }
    }

    /// Whether the caller holds every scope in `scopes` (a key may only hand out,
    /// or take away, what it has itself).
    pub(crate) fn covers(&self, scopes: &Scopes) -> bool {
        scopes.iter().all(|scope| self.scopes.contains(scope))
    }

    /// The issued key the caller used, if any.
    pub(crate) fn key(&self) -> Option<&ApiKeyId> {
        self.key.as_ref()
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
pub(crate) async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Principal, AppError> {
    let presented = bearer(headers).unwrap_or_default();
    principal_for(state, presented).await?.ok_or_else(|| {
        AppError::unauthorized(
            "A valid API key is required: send it as Authorization: Bearer <key>.",
        )
    })
}

/// Who `secret` lets in: the admin, an active issued key, or nobody (`None`).
pub(crate) async fn principal_for(
    state: &AppState,
    secret: &str,
) -> Result<Option<Principal>, AppError> {
    if let Some(admin) = &state.admin_token
        && constant_time_eq(secret.as_bytes(), admin.expose().as_bytes())
    {
        return Ok(Some(Principal::admin()));
    }
    let Some(presented) = PresentedKey::parse(secret) else {
        return Ok(None);
    };
    key_principal(state, presented.id(), Some(&presented)).await
}

/// The principal of the issued key `id` if it is active (and accepts
/// `presented`, when given); records its use.
pub(crate) async fn key_principal(
    state: &AppState,
    id: &ApiKeyId,
    presented: Option<&PresentedKey<'_>>,
) -> Result<Option<Principal>, AppError> {
    let store = state.scheduling.bookings();
    let Some(key) = store.api_key(id).await? else {
        return Ok(None);
    };
    let valid = match presented {
        Some(presented) => key.accepts(presented),
        None => key.revoked_at.is_none(),
    };
    if !valid {
        return Ok(None);
    }
    let now = state.scheduling.clock().now();
    if key
        .last_used_at
        .is_none_or(|last| now - last >= LAST_USE_GRANULARITY)
        && let Err(error) = store.touch_api_key(&key.id, now).await
    {
        // The request is authorised either way; the time of use is a courtesy.
        tracing::warn!(key = %key.id, %error, "could not record an API key's use");
    }
    Ok(Some(Principal {
        scopes: key.scopes,
        key: Some(key.id),
    }))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

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
