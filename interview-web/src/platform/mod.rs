//! Events sent to the HR platform as signed webhooks (Standard Webhooks): each
//! delivery is a `POST` of the event's JSON with `webhook-id`,
//! `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256>` over
//! `{id}.{timestamp}.{body}`, keyed with the endpoint's `whsec_` secret (for a
//! day after a rotation, a second signature with the previous secret follows,
//! space-separated, as the specification allows).
//!
//! A delivery has a total deadline; only a 2xx answer counts as delivered. The
//! receiver deduplicates by `webhook-id`, which stays the same on every attempt
//! of one event. [`WebhookDispatcher`] runs the queue's delivery jobs and
//! records each attempt; the endpoints themselves are
//! [`interview_core::webhooks`]' and the recruiter API manages them
//! (`/api/v1/webhooks`).

mod config;
mod dispatch;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use interview_core::events::PlatformEvent;
use interview_core::webhooks::{SigningSecret, WebhookEndpoint};
use sha2::Sha256;

pub use config::WebhookConfig;
pub use dispatch::WebhookDispatcher;

/// How long one delivery may take, connection included, by default.
pub const DEFAULT_DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// The `v1,<base64>` signature of `body` sent as message `id` at `timestamp`,
/// keyed with `secret`.
pub fn sign(secret: &SigningSecret, id: &str, timestamp: i64, body: &str) -> String {
    // HMAC takes a key of any length: this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&secret.key()) else {
        return String::new();
    };
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The `webhook-signature` header for `endpoint` at `now`: one signature per
/// secret that signs (after a rotation, the new and the previous one),
/// separated by spaces.
pub fn signature_header(
    endpoint: &WebhookEndpoint,
    id: &str,
    timestamp: i64,
    body: &str,
    now: DateTime<Utc>,
) -> String {
    endpoint
        .signing_secrets(now)
        .into_iter()
        .map(|secret| sign(secret, id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
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

    /// Delivers `event` to `endpoint`, signed at `now`: the 2xx status the
    /// receiver answered, or why it did not count.
    pub async fn deliver(
        &self,
        endpoint: &WebhookEndpoint,
        event: &PlatformEvent,
        now: DateTime<Utc>,
    ) -> Result<u16, DeliveryError> {
        let body = event.body();
        let timestamp = now.timestamp();
        let signature = signature_header(endpoint, &event.id, timestamp, &body, now);
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
            tracing::info!(event = %event.kind, id = %event.id, endpoint = %endpoint.id, status = status.as_u16(), "webhook delivered");
            Ok(status.as_u16())
        } else {
            Err(DeliveryError::Status(status.as_u16()))
        }
    }
}
