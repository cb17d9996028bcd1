//! The HR platform's webhook endpoints, as the recruiter API manages them, and the
//! record of each delivery to them.
//!
//! An endpoint is a URL, the event types it wants and the `whsec_` secret that
//! signs what it receives (Standard Webhooks). The secret is kept as it is: the
//! server signs with it on every delivery, so unlike an API key it cannot be stored
//! as a hash. After a rotation the previous secret keeps signing beside the new one
//! for [`ROTATION_OVERLAP`], so the receiver can switch without losing a message.
//!
//! A [`Delivery`] is one event's delivery to one endpoint: its attempts, its last
//! answer or error, and whether it is done. The job that delivers it writes it after
//! every attempt ([`Delivery::after_attempt`]).

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::Secret;
use crate::events::{EventType, PlatformEvent};
use crate::random::{self, RandomnessError};

/// The id of the endpoint `WEBHOOK_URL` configures (not stored, not managed
/// through the API; its deliveries are recorded like the others').
pub const ENV_ENDPOINT_ID: &str = "env";

/// How many endpoints may be stored.
pub const MAX_ENDPOINTS: usize = 50;

/// The longest endpoint URL, in bytes.
pub const MAX_URL_BYTES: usize = 2000;

/// The longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 200;

/// How long a rotated-out secret keeps signing beside the new one.
pub const ROTATION_OVERLAP: TimeDelta = TimeDelta::hours(24);

/// How many times a delivery is attempted at most (about a day with the queue's
/// default backoff).
pub const MAX_DELIVERY_ATTEMPTS: u32 = crate::jobs::DEFAULT_MAX_ATTEMPTS;

/// How long a delivery's record is kept after its last attempt (the sweeper
/// deletes older ones).
pub const DELIVERY_RECORD_TTL: TimeDelta = TimeDelta::days(30);

/// The shortest signing key accepted, in bytes (Standard Webhooks asks for 24 to
/// 64).
const MIN_KEY_BYTES: usize = 24;
/// The longest.
const MAX_KEY_BYTES: usize = 64;
/// The size of a generated key.
const GENERATED_KEY_BYTES: usize = 32;
/// Random bytes in a generated endpoint id.
const ID_BYTES: usize = 12;

/// An endpoint's id: `we_` and 24 lowercase hex digits, or [`ENV_ENDPOINT_ID`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct EndpointId(String);

impl EndpointId {
    /// A new random id.
    pub fn generate() -> Result<Self, RandomnessError> {
        Ok(Self(format!("we_{}", random::hex_string(ID_BYTES)?)))
    }

    /// The id of the environment's endpoint.
    pub fn env() -> Self {
        Self(ENV_ENDPOINT_ID.to_owned())
    }

    /// Parses an id: `env`, or `we_` and 24 characters of `0-9a-f`.
    pub fn parse(input: &str) -> Option<Self> {
        let valid = input == ENV_ENDPOINT_ID
            || input.strip_prefix("we_").is_some_and(|hex| {
                hex.len() == ID_BYTES * 2
                    && hex
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            });
        valid.then(|| Self(input.to_owned()))
    }

    /// Whether this is the environment's endpoint.
    pub fn is_env(&self) -> bool {
        self.0 == ENV_ENDPOINT_ID
    }

    /// The id's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EndpointId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A `whsec_` secret that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be whsec_ followed by the base64 of 24 to 64 random bytes")]
pub struct SigningSecretError;

/// The key that signs an endpoint's deliveries, in its Standard Webhooks form:
/// `whsec_` and the base64 of 24 to 64 bytes. Debug and Display never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningSecret(Secret);

impl SigningSecret {
    /// Parses a secret (surrounding spaces ignored).
    pub fn parse(input: &str) -> Result<Self, SigningSecretError> {
        let input = input.trim();
        decode(input)?;
        Ok(Self(Secret::new(input)))
    }

    /// A new secret of 32 random bytes.
    pub fn generate() -> Result<Self, RandomnessError> {
        let mut key = [0_u8; GENERATED_KEY_BYTES];
        random::fill(&mut key)?;
        Ok(Self(Secret::new(format!("whsec_{}", STANDARD.encode(key)))))
    }

    /// The key's bytes, what the HMAC takes.
    pub fn key(&self) -> Vec<u8> {
        // Parsed or generated: it decodes.
        decode(self.0.expose()).unwrap_or_default()
    }

    /// The secret as the receiver configures it (`whsec_...`): for the one answer
    /// that hands it over, and the store.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

fn decode(secret: &str) -> Result<Vec<u8>, SigningSecretError> {
    let encoded = secret.strip_prefix("whsec_").ok_or(SigningSecretError)?;
    let key = STANDARD.decode(encoded).map_err(|_| SigningSecretError)?;
    if (MIN_KEY_BYTES..=MAX_KEY_BYTES).contains(&key.len()) {
        Ok(key)
    } else {
        Err(SigningSecretError)
    }
}

impl fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningSecret([redacted])")
    }
}

/// An endpoint URL that cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointUrlError {
    /// Not an absolute `http` or `https` URL with a host.
    #[error("must be an http or https URL with a host")]
    NotHttp,
    /// Longer than [`MAX_URL_BYTES`].
    #[error("must be at most {MAX_URL_BYTES} bytes long")]
    TooLong,
    /// It carries a user name or password: they would show wherever the URL is
    /// listed; the signature authenticates the sender instead.
    #[error("must not carry a user name or password (the signature authenticates deliveries)")]
    Credentials,
    /// It has a fragment, which is never sent.
    #[error("must not have a #fragment")]
    Fragment,
}

/// Parses an endpoint's URL.
pub fn parse_endpoint_url(input: &str) -> Result<Url, EndpointUrlError> {
    let input = input.trim();
    if input.len() > MAX_URL_BYTES {
        return Err(EndpointUrlError::TooLong);
    }
    let url = Url::parse(input).map_err(|_| EndpointUrlError::NotHttp)?;
    if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
        return Err(EndpointUrlError::NotHttp);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(EndpointUrlError::Credentials);
    }
    if url.fragment().is_some() {
        return Err(EndpointUrlError::Fragment);
    }
    Ok(url)
}

/// Checks an endpoint's description: at most [`MAX_DESCRIPTION_CHARS`]
/// characters, no control characters; returned trimmed.
pub fn parse_description(input: &str) -> Result<String, &'static str> {
    let trimmed = input.trim();
    if trimmed.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err("must be at most 200 characters long");
    }
    if trimmed.chars().any(char::is_control) {
        return Err("must not contain control characters");
    }
    Ok(trimmed.to_owned())
}

/// A secret rotated out, still signing until `until`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviousSecret {
    /// The secret.
    pub secret: SigningSecret,
    /// When it stops signing.
    pub until: DateTime<Utc>,
}

/// Where the HR platform wants events, with the secret that signs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    /// Its id.
    pub id: EndpointId,
    /// The receiver's URL.
    pub url: Url,
    /// The event types it wants; `None`: all of them, those added later included.
    pub events: Option<Vec<EventType>>,
    /// What it is, for people ("ATS production").
    pub description: String,
    /// The secret that signs its deliveries.
    pub secret: SigningSecret,
    /// The secret before the last rotation, while it still signs.
    pub previous_secret: Option<PreviousSecret>,
    /// A disabled endpoint gets no new events; deliveries already queued stop at
    /// their next attempt.
    pub disabled: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed (its secret included).
    pub updated_at: DateTime<Utc>,
}

impl WebhookEndpoint {
    /// A new enabled endpoint with a fresh id, created at `now`.
    pub fn new(
        url: Url,
        events: Option<Vec<EventType>>,
        description: String,
        secret: SigningSecret,
        now: DateTime<Utc>,
    ) -> Result<Self, RandomnessError> {
        Ok(Self {
            id: EndpointId::generate()?,
            url,
            events: events.map(normalise_events),
            description,
            secret,
            previous_secret: None,
            disabled: false,
            created_at: now,
            updated_at: now,
        })
    }

    /// Whether the endpoint takes events of `kind` now.
    pub fn wants(&self, kind: EventType) -> bool {
        !self.disabled && crate::events::wanted(self.events.as_deref(), kind)
    }

    /// The secrets that sign a delivery at `now`: the current one, then the
    /// previous one while it overlaps.
    pub fn signing_secrets(&self, now: DateTime<Utc>) -> Vec<&SigningSecret> {
        std::iter::once(&self.secret)
            .chain(
                self.previous_secret
                    .as_ref()
                    .filter(|previous| previous.until > now)
                    .map(|previous| &previous.secret),
            )
            .collect()
    }

    /// Replaces the secret with `secret` at `now`; the current one keeps signing
    /// for [`ROTATION_OVERLAP`].
    pub fn rotate(&mut self, secret: SigningSecret, now: DateTime<Utc>) {
        let previous = std::mem::replace(&mut self.secret, secret);
        self.previous_secret = Some(PreviousSecret {
            secret: previous,
            until: now + ROTATION_OVERLAP,
        });
        self.updated_at = now;
    }

    /// Sets the event types (sorted, each once; `None`: all).
    pub fn set_events(&mut self, events: Option<Vec<EventType>>) {
        self.events = events.map(normalise_events);
    }
}

/// Event types in [`EventType::ALL`]'s order, each once.
fn normalise_events(events: Vec<EventType>) -> Vec<EventType> {
    EventType::ALL
        .into_iter()
        .filter(|kind| events.contains(kind))
        .collect()
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// The receiver answered 2xx.
    Delivered,
    /// The last attempt failed; the queue tries again.
    Retrying,
    /// It will not be tried again: its attempts ran out, or its endpoint was
    /// disabled or deleted.
    Failed,
}

impl DeliveryStatus {
    /// Every status.
    pub const ALL: [Self; 3] = [Self::Delivered, Self::Retrying, Self::Failed];

    /// The status's name (`delivered`, `retrying`, `failed`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::Retrying => "retrying",
            Self::Failed => "failed",
        }
    }

    /// The status named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == name)
    }
}

impl fmt::Display for DeliveryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One event's delivery to one endpoint, as its attempts left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The endpoint.
    pub endpoint_id: EndpointId,
    /// The event's id (its `webhook-id`).
    pub event_id: String,
    /// The event's type.
    pub event_type: EventType,
    /// The booking it is about.
    pub token: String,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// How many attempts were made.
    pub attempts: u32,
    /// The HTTP status of the last answer, if the receiver answered.
    pub response_status: Option<u16>,
    /// What went wrong in the last attempt; `None` once delivered.
    pub last_error: Option<String>,
    /// When the first attempt was made.
    pub first_attempt_at: DateTime<Utc>,
    /// When the last attempt was made.
    pub last_attempt_at: DateTime<Utc>,
    /// When it was delivered.
    pub delivered_at: Option<DateTime<Utc>>,
}

/// How one attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The receiver answered 2xx with this status.
    Delivered(u16),
    /// It did not count: the receiver's status if it answered, and why.
    Failed {
        /// The HTTP status, if the receiver answered.
        status: Option<u16>,
        /// What went wrong, without secrets or personal data.
        error: String,
        /// Whether no attempt will follow.
        last: bool,
    },
}

impl Delivery {
    /// The record after an attempt at `at` that ended as `outcome`, following
    /// `previous` (the record so far, if an attempt was made before).
    pub fn after_attempt(
        previous: Option<Delivery>,
        endpoint_id: &EndpointId,
        event: &PlatformEvent,
        at: DateTime<Utc>,
        outcome: AttemptOutcome,
    ) -> Self {
        let (attempts, first_attempt_at) = previous
            .map(|previous| (previous.attempts, previous.first_attempt_at))
            .unwrap_or((0, at));
        let attempts = attempts.saturating_add(1);
        let base = Self {
            endpoint_id: endpoint_id.clone(),
            event_id: event.id.clone(),
            event_type: event.kind,
            token: event.data.token.clone(),
            status: DeliveryStatus::Delivered,
            attempts,
            response_status: None,
            last_error: None,
            first_attempt_at,
            last_attempt_at: at,
            delivered_at: None,
        };
        match outcome {
            AttemptOutcome::Delivered(status) => Self {
                response_status: Some(status),
                delivered_at: Some(at),
                ..base
            },
            AttemptOutcome::Failed {
                status,
                error,
                last,
            } => Self {
                status: if last {
                    DeliveryStatus::Failed
                } else {
                    DeliveryStatus::Retrying
                },
                response_status: status,
                last_error: Some(error),
                ..base
            },
        }
    }
}

/// Which deliveries to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryQuery {
    /// Only deliveries in this status.
    pub status: Option<DeliveryStatus>,
    /// At most this many (1 to [`MAX_DELIVERY_PAGE`]).
    pub limit: u32,
}

/// The most deliveries one listing returns.
pub const MAX_DELIVERY_PAGE: u32 = 200;

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_900_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn ids_parse_and_generate() {
        let id = EndpointId::generate().unwrap();
        assert_eq!(EndpointId::parse(id.as_str()), Some(id.clone()));
        assert!(id.as_str().starts_with("we_") && id.as_str().len() == 27);
        assert!(EndpointId::parse("env").unwrap().is_env());
        for bad in ["", "we_", "we_XYZ", "we_0123456789abcdef0123456", "../x"] {
            assert_eq!(EndpointId::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn secrets_are_checked_and_never_shown() {
        let secret = SigningSecret::generate().unwrap();
        assert_eq!(secret.key().len(), 32);
        assert_eq!(SigningSecret::parse(secret.expose()).unwrap(), secret);
        assert!(!format!("{secret:?}").contains(&secret.expose()[6..]));
        for bad in [
            "plain",
            "whsec_c2hvcnQ=",
            "whsec_not base64",
            &format!("whsec_{}", STANDARD.encode([0_u8; 65])),
        ] {
            assert_eq!(SigningSecret::parse(bad), Err(SigningSecretError), "{bad}");
        }
    }

    #[test]
    fn urls_are_checked() {
        assert!(parse_endpoint_url(" https://hr.example.com/hooks?x=1 ").is_ok());
        assert!(parse_endpoint_url("http://127.0.0.1:8080/").is_ok());
        for (bad, error) in [
            ("ftp://hr.example.com", EndpointUrlError::NotHttp),
            ("/hooks", EndpointUrlError::NotHttp),
            (
                "https://user:pw@hr.example.com",
                EndpointUrlError::Credentials,
            ),
            ("https://hr.example.com/#x", EndpointUrlError::Fragment),
            (
                &format!("https://hr.example.com/{}", "a".repeat(MAX_URL_BYTES)),
                EndpointUrlError::TooLong,
            ),
        ] {
            assert_eq!(parse_endpoint_url(bad), Err(error), "{bad}");
        }
        assert!(parse_description(&"é".repeat(200)).is_ok());
        assert!(parse_description(&"é".repeat(201)).is_err());
        assert!(parse_description("a\u{7}b").is_err());
    }

    #[test]
    fn a_rotated_secret_signs_beside_the_new_one_for_a_day() {
        let mut endpoint = WebhookEndpoint::new(
            parse_endpoint_url("https://hr.example.com").unwrap(),
            Some(vec![
                EventType::EvaluationReady,
                EventType::BookingCreated,
                EventType::BookingCreated,
            ]),
            String::new(),
            SigningSecret::generate().unwrap(),
            at(0),
        )
        .unwrap();
        assert_eq!(
            endpoint.events,
            Some(vec![EventType::BookingCreated, EventType::EvaluationReady])
        );
        let old = endpoint.secret.clone();
        let new = SigningSecret::generate().unwrap();
        endpoint.rotate(new.clone(), at(10));
        assert_eq!(endpoint.signing_secrets(at(11)), vec![&new, &old]);
        let day = ROTATION_OVERLAP.num_seconds();
        assert_eq!(endpoint.signing_secrets(at(10 + day)), vec![&new]);
        assert!(endpoint.wants(EventType::BookingCreated));
        assert!(!endpoint.wants(EventType::BookingCancelled));
        endpoint.disabled = true;
        assert!(!endpoint.wants(EventType::BookingCreated));
    }
}
