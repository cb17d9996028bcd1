//! The queue's `deliver_webhook` jobs: find the endpoint, deliver, and record
//! the attempt.

use std::sync::Arc;

use interview_core::clock::Clock;
use interview_core::events::PlatformEvent;
use interview_core::jobs::JobError;
use interview_core::store::WebhookStore;
use interview_core::webhooks::{
    AttemptOutcome, Delivery, EndpointId, MAX_DELIVERY_ATTEMPTS, WebhookEndpoint,
};

use super::{DeliveryError, WebhookSender};

/// Runs deliveries: to the endpoint from the environment (`env`) and to those
/// stored through the API, reading each endpoint (its URL, events and secrets)
/// when the attempt is made, so a rotated secret or a changed URL applies to
/// deliveries already queued. Every attempt is recorded as the endpoint's
/// [`Delivery`].
pub struct WebhookDispatcher {
    sender: WebhookSender,
    store: Arc<dyn WebhookStore>,
    clock: Arc<dyn Clock>,
    env: Option<WebhookEndpoint>,
}

impl std::fmt::Debug for WebhookDispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookDispatcher")
            .field("sender", &self.sender)
            .field("env", &self.env)
            .finish_non_exhaustive()
    }
}

impl WebhookDispatcher {
    /// A dispatcher that sends with `sender`, reads endpoints from and records
    /// deliveries in `store`, and signs at `clock`'s time.
    pub fn new(sender: WebhookSender, store: Arc<dyn WebhookStore>, clock: Arc<dyn Clock>) -> Self {
        Self {
            sender,
            store,
            clock,
            env: None,
        }
    }

    /// Also delivers to `endpoint`, the one `WEBHOOK_URL` configures.
    pub fn with_env_endpoint(mut self, endpoint: Option<WebhookEndpoint>) -> Self {
        self.env = endpoint;
        self
    }

    /// Delivers `event` to the endpoint `endpoint_id` once. A failure the queue
    /// should retry is [`JobError::Retry`]; a deleted or disabled endpoint, or
    /// the last allowed attempt, is [`JobError::Abandon`].
    pub async fn deliver(&self, endpoint_id: &str, event: &PlatformEvent) -> Result<(), JobError> {
        let Some(id) = EndpointId::parse(endpoint_id) else {
            return Err(JobError::abandon("the job names no webhook endpoint"));
        };
        let endpoint = if id.is_env() {
            self.env.clone()
        } else {
            self.store.webhook(&id).await.map_err(JobError::retry)?
        };
        let previous = self
            .store
            .delivery(&id, &event.id)
            .await
            .map_err(JobError::retry)?;
        let now = self.clock.now();
        let endpoint = match endpoint {
            Some(endpoint) if !endpoint.disabled => endpoint,
            stopped => {
                let why = if id.is_env() {
                    "WEBHOOK_URL is no longer configured"
                } else {
                    "the endpoint was deleted or disabled"
                };
                // A deleted endpoint's deliveries went with it; a disabled one's
                // show why they stopped.
                if stopped.is_some() {
                    self.record(Delivery::after_attempt(
                        previous,
                        &id,
                        event,
                        now,
                        AttemptOutcome::Failed {
                            status: None,
                            error: why.to_owned(),
                            last: true,
                        },
                    ))
                    .await;
                }
                return Err(JobError::abandon(why));
            }
        };
        let last = previous
            .as_ref()
            .map_or(0, |previous| previous.attempts)
            .saturating_add(1)
            >= MAX_DELIVERY_ATTEMPTS;
        let result = self.sender.deliver(&endpoint, event, now).await;
        let outcome = match &result {
            Ok(status) => AttemptOutcome::Delivered(*status),
            Err(error) => AttemptOutcome::Failed {
                status: match error {
                    DeliveryError::Status(status) => Some(*status),
                    DeliveryError::Unreachable(_) => None,
                },
                error: error.to_string(),
                last,
            },
        };
        self.record(Delivery::after_attempt(previous, &id, event, now, outcome))
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(error) if last => Err(JobError::abandon(format!("{error}; no attempt is left"))),
            Err(error) => Err(JobError::retry(error)),
        }
    }

    async fn record(&self, delivery: Delivery) {
        if let Err(error) = self.store.save_delivery(&delivery).await {
            // The delivery itself stands; only its record is missing.
            tracing::warn!(endpoint = %delivery.endpoint_id, id = %delivery.event_id, %error, "a webhook delivery was not recorded");
        }
    }
}
