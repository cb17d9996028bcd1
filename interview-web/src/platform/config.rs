//! `WEBHOOK_*`: one endpoint from the environment, for simple set-ups.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use interview_core::Secret;
use interview_core::config::Env;
use interview_core::events::EventType;
use url::Url;

use super::{DEFAULT_DELIVERY_TIMEOUT, WebhookEndpoint};

/// The shortest signing key accepted, in bytes (Standard Webhooks asks for
/// 24 to 64).
const MIN_KEY_BYTES: usize = 24;
/// The longest.
const MAX_KEY_BYTES: usize = 64;

/// A `whsec_` secret that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be whsec_ followed by the base64 of 24 to 64 random bytes")]
pub struct WebhookSecretError;

/// The key bytes of a `whsec_…` secret.
pub(super) fn decode_secret(secret: &str) -> Result<Vec<u8>, WebhookSecretError> {
    let encoded = secret
        .trim()
        .strip_prefix("whsec_")
        .ok_or(WebhookSecretError)?;
    let key = STANDARD.decode(encoded).map_err(|_| WebhookSecretError)?;
    if (MIN_KEY_BYTES..=MAX_KEY_BYTES).contains(&key.len()) {
        Ok(key)
    } else {
        Err(WebhookSecretError)
    }
}

/// Where the HR platform wants events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookConfig {
    /// `WEBHOOK_URL`, `WEBHOOK_SECRET` and `WEBHOOK_EVENTS`.
    pub endpoint: WebhookEndpoint,
    /// `WEBHOOK_TIMEOUT_SECS` (default 10, 1 to 60): one delivery's deadline.
    pub timeout: Duration,
}

impl WebhookConfig {
    /// The variables, or `None` without `WEBHOOK_URL`; mistakes are recorded in
    /// `env`, each naming its variable.
    pub fn from_env(env: &mut Env<'_>) -> Option<Self> {
        let url = env.get("WEBHOOK_URL");
        let secret = env.get("WEBHOOK_SECRET").map(Secret::new);
        let Some(url) = url else {
            for name in ["WEBHOOK_SECRET", "WEBHOOK_EVENTS", "WEBHOOK_TIMEOUT_SECS"] {
                if env.get(name).is_some() {
                    env.error("WEBHOOK_URL", format!("is required when {name} is set"));
                }
            }
            return None;
        };
        let url = match Url::parse(url.trim()) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => Some(url),
            _ => {
                env.error("WEBHOOK_URL", "must be an http or https URL");
                None
            }
        };
        let Some(secret) = secret else {
            env.error(
                "WEBHOOK_SECRET",
                "is required with WEBHOOK_URL (whsec_ and base64)",
            );
            return None;
        };
        if decode_secret(secret.expose()).is_err() {
            env.error("WEBHOOK_SECRET", WebhookSecretError.to_string());
        }
        let events = env.get("WEBHOOK_EVENTS").map(|list| {
            let mut events = Vec::new();
            for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                match EventType::parse(name) {
                    Some(kind) => events.push(kind),
                    None => env.error(
                        "WEBHOOK_EVENTS",
                        format!(
                            "{name:?} is not an event type (booking.created, booking.rescheduled, \
                             booking.cancelled, interview.started, interview.completed, \
                             evaluation.ready, evaluation.failed)"
                        ),
                    ),
                }
            }
            events
        });
        let timeout = env
            .parse(
                "WEBHOOK_TIMEOUT_SECS",
                "a whole number of seconds from 1 to 60",
                |v| {
                    v.parse::<u64>()
                        .ok()
                        .filter(|s| (1..=60).contains(s))
                        .map(Duration::from_secs)
                },
            )
            .unwrap_or(DEFAULT_DELIVERY_TIMEOUT);
        let endpoint = WebhookEndpoint::new(url?, &secret, events).ok()?;
        Some(Self { endpoint, timeout })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<Option<WebhookConfig>, String> {
        Env::read_pairs(vars, |env| Some(WebhookConfig::from_env(env))).map_err(|e| e.to_string())
    }

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    #[test]
    fn an_endpoint_is_read_with_its_events() {
        let config = read(&[
            ("WEBHOOK_URL", "https://hr.example.com/hooks"),
            ("WEBHOOK_SECRET", SECRET),
            ("WEBHOOK_EVENTS", "booking.created, evaluation.ready"),
        ])
        .unwrap()
        .unwrap();
        assert!(config.endpoint.wants(EventType::BookingCreated));
        assert!(!config.endpoint.wants(EventType::BookingCancelled));
        assert_eq!(config.timeout, DEFAULT_DELIVERY_TIMEOUT);
        assert!(!format!("{config:?}").contains("MfKQ9r8"));
        assert!(read(&[]).unwrap().is_none());
    }

    #[test]
    fn mistakes_name_their_variable() {
        for (vars, variable) in [
            (vec![("WEBHOOK_SECRET", SECRET)], "WEBHOOK_URL"),
            (
                vec![("WEBHOOK_URL", "https://hr.example.com")],
                "WEBHOOK_SECRET",
            ),
            (
                vec![
                    ("WEBHOOK_URL", "ftp://hr.example.com"),
                    ("WEBHOOK_SECRET", SECRET),
                ],
                "WEBHOOK_URL",
            ),
            (
                vec![
                    ("WEBHOOK_URL", "https://hr.example.com"),
                    ("WEBHOOK_SECRET", "plain"),
                ],
                "WEBHOOK_SECRET",
            ),
            (
                vec![
                    ("WEBHOOK_URL", "https://hr.example.com"),
                    ("WEBHOOK_SECRET", "whsec_c2hvcnQ="),
                ],
                "WEBHOOK_SECRET",
            ),
            (
                vec![
                    ("WEBHOOK_URL", "https://hr.example.com"),
                    ("WEBHOOK_SECRET", SECRET),
                    ("WEBHOOK_EVENTS", "booking.deleted"),
                ],
                "WEBHOOK_EVENTS",
            ),
            (
                vec![
                    ("WEBHOOK_URL", "https://hr.example.com"),
                    ("WEBHOOK_SECRET", SECRET),
                    ("WEBHOOK_TIMEOUT_SECS", "0"),
                ],
                "WEBHOOK_TIMEOUT_SECS",
            ),
        ] {
            let error = read(&vars).unwrap_err();
            assert!(error.contains(variable), "{vars:?}: {error}");
            assert!(!error.contains("MfKQ9r8"), "{error}");
        }
    }
}
