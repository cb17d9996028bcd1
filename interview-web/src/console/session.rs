//! The console's sessions: a random id in an `HttpOnly`, `SameSite=Strict`
//! cookie, kept in this process's memory with the key it was opened with and a
//! CSRF token for its forms.
//!
//! A session holds the key's id, not its rights: every request asks the store
//! again, so a revoked key's sessions end at once. Sessions live 8 hours, and
//! at most [`MAX_SESSIONS`] exist at once (the oldest is dropped for a new one).
//! They do not survive a restart and are not shared between instances: behind a
//! load balancer, route `/console` to one instance or sign in again.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, TimeDelta, Utc};
use interview_core::access::{ApiKeyId, constant_time_eq};
use interview_core::random;

/// The cookie's name.
pub(crate) const COOKIE: &str = "interview_console";
/// How long a session lasts from sign-in.
pub(crate) const SESSION_LIFETIME: TimeDelta = TimeDelta::hours(8);
/// The most sessions kept at once.
pub(crate) const MAX_SESSIONS: usize = 10_000;

/// Who signed in: the admin token, or an issued key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Holder {
    /// `ADMIN_API_TOKEN`.
    Admin,
    /// An issued key, by id.
    Key(ApiKeyId),
}

/// One signed-in browser.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) holder: Holder,
    /// The token every form of this session carries.
    pub(crate) csrf: String,
    pub(crate) expires_at: DateTime<Utc>,
}

impl Session {
    /// Whether `presented` is this session's CSRF token.
    pub(crate) fn csrf_matches(&self, presented: &str) -> bool {
        constant_time_eq(self.csrf.as_bytes(), presented.as_bytes())
    }
}

/// Every open session, by id.
#[derive(Default)]
pub(crate) struct Sessions {
    open: Mutex<HashMap<String, Session>>,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions")
            .field("open", &self.lock().len())
            .finish()
    }
}

impl Sessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Opens a session for `holder` at `now`; its id, for the cookie.
    pub(crate) fn open(
        &self,
        holder: Holder,
        now: DateTime<Utc>,
    ) -> Result<String, random::RandomnessError> {
        let id = random::hex_string(32)?;
        let session = Session {
            holder,
            csrf: random::hex_string(32)?,
            expires_at: now + SESSION_LIFETIME,
        };
        let mut open = self.lock();
        open.retain(|_, session| session.expires_at > now);
        if open.len() >= MAX_SESSIONS
            && let Some(oldest) = open
                .iter()
                .min_by_key(|(_, session)| session.expires_at)
                .map(|(id, _)| id.clone())
        {
            open.remove(&oldest);
        }
        open.insert(id.clone(), session);
        Ok(id)
    }

    /// The live session with `id` at `now`.
    pub(crate) fn get(&self, id: &str, now: DateTime<Utc>) -> Option<Session> {
        let mut open = self.lock();
        match open.get(id) {
            Some(session) if session.expires_at > now => Some(session.clone()),
            Some(_) => {
                open.remove(id);
                None
            }
            None => None,
        }
    }

    /// Ends the session with `id`.
    pub(crate) fn close(&self, id: &str) {
        self.lock().remove(id);
    }

    /// How many sessions are open (expired ones may still be counted).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 1, 1, 9, 0, 0).unwrap()
    }

    #[test]
    fn sessions_expire_and_close() {
        let sessions = Sessions::default();
        let id = sessions.open(Holder::Admin, now()).unwrap();
        let session = sessions.get(&id, now()).unwrap();
        assert!(session.csrf_matches(&session.csrf));
        assert!(!session.csrf_matches("nope"));
        assert!(sessions.get(&id, now() + SESSION_LIFETIME).is_none());
        let id = sessions.open(Holder::Admin, now()).unwrap();
        sessions.close(&id);
        assert!(sessions.get(&id, now()).is_none());
    }

    #[test]
    fn the_number_of_sessions_is_bounded() {
        let sessions = Sessions::default();
        let first = sessions.open(Holder::Admin, now()).unwrap();
        for n in 1..=MAX_SESSIONS {
            sessions
                .open(Holder::Admin, now() + TimeDelta::seconds(n as i64))
                .unwrap();
        }
        assert_eq!(sessions.len(), MAX_SESSIONS);
        assert!(
            sessions.get(&first, now()).is_none(),
            "the oldest went first"
        );
    }
}
