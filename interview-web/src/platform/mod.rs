//! Events sent to the HR platform as signed webhooks (Standard Webhooks): each
//! delivery is a `POST` of the event's JSON with `webhook-id`,
//! `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256>` over
//! `{id}.{timestamp}.{body}`, keyed with the endpoint's `whsec_` secret.
//!
//! A delivery has a total deadline; only a 2xx answer counts as delivered. The
//! receiver deduplicates by `webhook-id`, which stays the same on every attempt
//! of one event.

mod config;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use interview_core::Secret;
use interview_core::events::{EventType, PlatformEvent};
use sha2::Sha256;
use url::Url;

pub use config::{WebhookConfig, WebhookSecretError};

/// How long one delivery may take, connection included, by default.
pub const DEFAULT_DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// Where events go, with the secret that signs them.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    /// The receiver's URL (`https` in production).
    pub url: Url,
    /// The signing key, decoded from its `whsec_` form.
    key: Secret,
    /// The event types it wants; `None`: all of them.
    pub events: Option<Vec<EventType>>,
}

impl std::fmt::Debug for WebhookEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookEndpoint")
            .field("url", &self.url.as_str())
            .field("events", &self.events)
            .finish_non_exhaustive()
    }
}

impl WebhookEndpoint {
    /// An endpoint at `url` signing with `secret` (`whsec_` and base64, as
    /// Standard Webhooks writes it), for `events` (`None`: all).
    pub fn new(
        url: Url,
        secret: &Secret,
        events: Option<Vec<EventType>>,
    ) -> Result<Self, WebhookSecretError> {
        let key = config::decode_secret(secret.expose())?;
        Ok(Self {
            url,
            key: Secret::new(STANDARD.encode(key)),
            events,
        })
    }

    /// Whether the endpoint wants events of `kind`.
    pub fn wants(&self, kind: EventType) -> bool {
        self.events
            .as_ref()
            .is_none_or(|events| events.contains(&kind))
    }

    /// The `webhook-signature` of `body` sent as message `id` at `timestamp`.
    pub fn signature(&self, id: &str, timestamp: i64, body: &str) -> String {
        let key = STANDARD.decode(self.key.expose()).unwrap_or_default();
        // HMAC takes a key of any length: this cannot fail.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key) else {
            return String::new();
        };
        mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

/// Why a delivery did not count.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeliveryError {
    /// The receiver answered, but not with a 2xx.
    #[error("the receiver answered {0}")]
    Status(u16),
    /// The receiver could not be reached in time (connection refused, DNS,
    /// TLS, the deadline).
    #[error("the receiver could not be reached: {0}")]
    Unreachable(String),
}

/// Delivers events to endpoints over HTTP.
#[derive(Debug, Clone)]
pub struct WebhookSender {
    client: reqwest::Client,
    timeout: Duration,
}

impl WebhookSender {
    /// A sender whose deliveries each take at most `timeout`.
    pub fn new(timeout: Duration) -> Result<Self, DeliveryError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // A receiver's redirect is not followed: the signature was for its URL.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("interview-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| DeliveryError::Unreachable(error.to_string()))?;
        Ok(Self { client, timeout })
    }

    /// Delivers `event` to `endpoint`, signed at `now`; `Ok` on a 2xx answer.
    pub async fn deliver(
        &self,
        endpoint: &WebhookEndpoint,
        event: &PlatformEvent,
        now: DateTime<Utc>,
    ) -> Result<(), DeliveryError> {
        let body = event.body();
        let timestamp = now.timestamp();
        let signature = endpoint.signature(&event.id, timestamp, &body);
        let sent = self
            .client
            .post(endpoint.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", &event.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body);
        // The client's own timeout covers the whole exchange; this one also
        // bounds what it does not (name resolution).
        let response = match tokio::time::timeout(self.timeout, sent.send()).await {
            Ok(Ok(response)) => response,
            Ok(Err(error)) => {
                // reqwest's message can carry the URL; the host is enough.
                let host = endpoint.url.host_str().unwrap_or("the receiver");
                let why = if error.is_timeout() {
                    "timed out"
                } else if error.is_connect() {
                    "could not connect"
                } else {
                    "the request failed"
                };
                return Err(DeliveryError::Unreachable(format!("{host}: {why}")));
            }
            Err(_) => {
                return Err(DeliveryError::Unreachable(format!(
                    "timed out after {} s",
                    self.timeout.as_secs()
                )));
            }
        };
        let status = response.status();
        if status.is_success() {
            tracing::info!(event = %event.kind, id = %event.id, status = status.as_u16(), "webhook delivered");
            Ok(())
        } else {
            Err(DeliveryError::Status(status.as_u16()))
        }
    }
}
