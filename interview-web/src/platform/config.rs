//! `WEBHOOK_*`: the delivery deadline, and one endpoint from the environment for
//! simple set-ups.

use std::time::Duration;

use chrono::DateTime;
use interview_core::config::Env;
use interview_core::events::EventType;
use interview_core::webhooks::{EndpointId, SigningSecret, WebhookEndpoint, parse_endpoint_url};

use super::DEFAULT_DELIVERY_TIMEOUT;

/// How events reach the HR platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookConfig {
    /// `WEBHOOK_URL`, `WEBHOOK_SECRET` and `WEBHOOK_EVENTS`: the endpoint
    /// `env`, beside those the API creates.
    pub endpoint: Option<WebhookEndpoint>,
    /// `WEBHOOK_TIMEOUT_SECS` (default 10, 1 to 60): one delivery's deadline, for
    /// every endpoint.
    pub timeout: Duration,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            endpoint: None,
            timeout: DEFAULT_DELIVERY_TIMEOUT,
        }
    }
}

impl WebhookConfig {
    /// The variables; mistakes are recorded in `env`, each naming its variable.
    pub fn from_env(env: &mut Env<'_>) -> Self {
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
        Self {
            endpoint: endpoint_from_env(env),
            timeout,
        }
    }
}

/// The endpoint `WEBHOOK_URL` names, or `None`.
fn endpoint_from_env(env: &mut Env<'_>) -> Option<WebhookEndpoint> {
    let url = env.get("WEBHOOK_URL");
    let secret = env.get("WEBHOOK_SECRET");
    let Some(url) = url else {
        for name in ["WEBHOOK_SECRET", "WEBHOOK_EVENTS"] {
            if env.get(name).is_some() {
                env.error("WEBHOOK_URL", format!("is required when {name} is set"));
            }
        }
        return None;
    };
    let url = match parse_endpoint_url(&url) {
        Ok(url) => Some(url),
        Err(error) => {
            env.error("WEBHOOK_URL", error.to_string());
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
    let secret = match SigningSecret::parse(&secret) {
        Ok(secret) => Some(secret),
        Err(error) => {
            env.error("WEBHOOK_SECRET", error.to_string());
            None
        }
    };
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
    let mut endpoint = WebhookEndpoint {
        id: EndpointId::env(),
        url: url?,
        events: None,
        description: "WEBHOOK_URL".to_owned(),
        secret: secret?,
        previous_secret: None,
        disabled: false,
        created_at: DateTime::UNIX_EPOCH,
        updated_at: DateTime::UNIX_EPOCH,
    };
    endpoint.set_events(events);
    Some(endpoint)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<WebhookConfig, String> {
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
        .unwrap();
        let endpoint = config.endpoint.as_ref().unwrap();
        assert!(endpoint.id.is_env());
        assert!(endpoint.wants(EventType::BookingCreated));
        assert!(!endpoint.wants(EventType::BookingCancelled));
        assert_eq!(config.timeout, DEFAULT_DELIVERY_TIMEOUT);
        assert!(!format!("{config:?}").contains("MfKQ9r8"));
        assert_eq!(read(&[]).unwrap(), WebhookConfig::default());
        // The deadline applies to the endpoints the API creates, too.
        assert_eq!(
            read(&[("WEBHOOK_TIMEOUT_SECS", "3")]).unwrap().timeout,
            Duration::from_secs(3)
        );
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
            (vec![("WEBHOOK_TIMEOUT_SECS", "0")], "WEBHOOK_TIMEOUT_SECS"),
            (
                vec![
                    ("WEBHOOK_URL", "https://user:pw@hr.example.com"),
                    ("WEBHOOK_SECRET", SECRET),
                ],
                "WEBHOOK_URL",
            ),
        ] {
            let error = read(&vars).unwrap_err();
            assert!(error.contains(variable), "{vars:?}: {error}");
            assert!(!error.contains("MfKQ9r8"), "{error}");
        }
    }
}
