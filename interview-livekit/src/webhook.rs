//! LiveKit's webhooks, verified and read.
//!
//! LiveKit signs each webhook: the `Authorization` header is a JWT (HS256, signed
//! with the API secret, issued by the API key) whose `sha256` claim is the base64
//! SHA-256 digest of the exact body. [`WebhookVerifier::verify`] refuses anything
//! unsigned, signed with another key, expired (beyond 60 s of leeway) or altered,
//! and reads the room's [`RoomMetadata`] out of the event.

use livekit_api::access_token::TokenVerifier;
use livekit_api::webhooks::{WebhookError as ReceiveError, WebhookReceiver};

use crate::metadata::RoomMetadata;
use crate::tokens::ApiKey;

/// Why a webhook was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// No signature, another key's, an expired one, or a body that does not match
    /// it: the request is not from LiveKit (answer 401).
    #[error("the webhook signature is missing or invalid: {0}")]
    Unauthorized(String),
    /// Signed, but the body is not a webhook event (answer 400).
    #[error("the signed body is not a LiveKit webhook event: {0}")]
    NotAnEvent(String),
}

/// A verified webhook event, as far as interviews care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    /// The event's name: `room_started`, `room_finished`, `participant_joined`, ...
    pub event: String,
    /// The event's id (unique per event; LiveKit may deliver one more than once).
    pub id: String,
    /// The room's name, when the event is about a room.
    pub room_name: String,
    /// What the web layer put in the room's metadata.
    pub metadata: RoomMetadata,
}

/// Checks webhooks against a project's API key.
#[derive(Debug, Clone)]
pub struct WebhookVerifier {
    api_key: ApiKey,
}

impl WebhookVerifier {
    /// Accepts webhooks signed with `api_key`.
    pub fn new(api_key: ApiKey) -> Self {
        Self { api_key }
    }

    /// Verifies `body` against `authorization` (the `Authorization` header: the bare
    /// JWT LiveKit sends, or with a `Bearer ` prefix) and reads the event.
    pub fn verify(&self, body: &[u8], authorization: &str) -> Result<WebhookEvent, WebhookError> {
        let jwt = authorization
            .strip_prefix("Bearer ")
            .unwrap_or(authorization)
            .trim();
        let receiver = WebhookReceiver::new(TokenVerifier::with_api_key(
            &self.api_key.key,
            self.api_key.secret.expose(),
        ));
        // A body that is not UTF-8 changes here and so fails the digest check.
        let event = match receiver.receive(&String::from_utf8_lossy(body), jwt) {
            Ok(event) => event,
            Err(ReceiveError::InvalidData(error)) => {
                return Err(WebhookError::NotAnEvent(error.to_string()));
            }
            Err(error) => return Err(WebhookError::Unauthorized(error.to_string())),
        };
        let room = event.room.unwrap_or_default();
        Ok(WebhookEvent {
            event: event.event,
            id: event.id,
            metadata: RoomMetadata::parse(Some(&room.metadata)),
            room_name: room.name,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use base64::Engine as _;
    use interview_core::{BookingToken, Secret};
    use livekit_api::access_token::AccessToken;
    use sha2::{Digest, Sha256};

    use super::*;

    const KEY: &str = "APIwebhook";
    const SECRET: &str = "webhook-test-secret-0123456789abcdef";
    const TOKEN: &str = "0123456789abcdef0123456789abcdef";

    fn verifier() -> WebhookVerifier {
        WebhookVerifier::new(ApiKey::new(KEY, Secret::new(SECRET)))
    }

    fn sign(body: &str, secret: &str) -> String {
        let digest =
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body.as_bytes()));
        AccessToken::with_api_key(KEY, secret)
            .with_sha256(&digest)
            .with_ttl(Duration::from_secs(300))
            .to_jwt()
            .unwrap()
    }

    fn room_started() -> String {
        let metadata = RoomMetadata {
            resume_text: Some("Rust".to_owned()),
            booking_token: Some(BookingToken::parse(TOKEN).unwrap()),
        };
        serde_json::json!({
            "event": "room_started",
            "id": "EV_1",
            "room": {"sid": "RM_1", "name": "interview_1", "metadata": metadata.encode()},
        })
        .to_string()
    }

    #[test]
    fn a_signed_event_is_read_with_its_room_metadata() {
        let body = room_started();
        let event = verifier()
            .verify(body.as_bytes(), &sign(&body, SECRET))
            .unwrap();
        assert_eq!(event.event, "room_started");
        assert_eq!(event.id, "EV_1");
        assert_eq!(event.room_name, "interview_1");
        assert_eq!(event.metadata.booking_token.unwrap().as_str(), TOKEN);
        assert_eq!(event.metadata.resume_text.as_deref(), Some("Rust"));
        let bearer = format!("Bearer {}", sign(&body, SECRET));
        assert!(verifier().verify(body.as_bytes(), &bearer).is_ok());
    }

    #[test]
    fn another_key_an_altered_body_or_no_signature_is_unauthorized() {
        let body = room_started();
        let foreign = sign(&body, "another-secret-0123456789abcdefghij");
        for (body, authorization) in [
            (body.clone(), foreign.as_str()),
            (format!("{body} "), &sign(&body, SECRET)),
            (body.clone(), ""),
            (body.clone(), "not a jwt"),
        ] {
            assert!(
                matches!(
                    verifier().verify(body.as_bytes(), authorization),
                    Err(WebhookError::Unauthorized(_))
                ),
                "{authorization}"
            );
        }
    }

    #[test]
    fn a_signed_body_that_is_not_an_event_is_not_an_event() {
        let body = "[1, 2, 3]";
        assert!(matches!(
            verifier().verify(body.as_bytes(), &sign(body, SECRET)),
            Err(WebhookError::NotAnEvent(_))
        ));
    }
}
