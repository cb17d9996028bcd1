//! The rows of webhook endpoints and deliveries, with their checked conversion
//! into domain types (see the parent module).

use chrono::{DateTime, Utc};
use interview_core::events::EventType;
use interview_core::store::StoreError;
use interview_core::webhooks::{
    Delivery, DeliveryStatus, EndpointId, PreviousSecret, SigningSecret, WebhookEndpoint,
    parse_endpoint_url,
};

use super::corrupt;

/// The event types an endpoint wants as stored: their names joined by commas;
/// `None` (SQL `NULL`) for all of them.
pub(crate) fn events_text(events: Option<&[EventType]>) -> Option<String> {
    events.map(|events| {
        events
            .iter()
            .map(|kind| kind.as_str())
            .collect::<Vec<_>>()
            .join(",")
    })
}

/// An endpoint row with its columns still unparsed.
#[derive(Debug, Clone)]
pub(crate) struct EndpointColumns {
    pub(crate) id: String,
    pub(crate) url: String,
    pub(crate) events: Option<String>,
    pub(crate) description: String,
    pub(crate) secret: String,
    pub(crate) previous_secret: Option<String>,
    pub(crate) previous_secret_until: Option<DateTime<Utc>>,
    pub(crate) disabled: bool,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
}

impl EndpointColumns {
    /// Parses the columns into a [`WebhookEndpoint`].
    pub(crate) fn into_endpoint(self) -> Result<WebhookEndpoint, StoreError> {
        let events = self
            .events
            .map(|text| {
                text.split(',')
                    .filter(|name| !name.is_empty())
                    .map(|name| {
                        EventType::parse(name).ok_or_else(|| corrupt("events", "not an event type"))
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        let secret = |column: &str, text: &str| {
            SigningSecret::parse(text).map_err(|_| corrupt(column, "not a whsec_ secret"))
        };
        let previous_secret = match (self.previous_secret, self.previous_secret_until) {
            (Some(text), Some(until)) => Some(PreviousSecret {
                secret: secret("previous_secret", &text)?,
                until,
            }),
            (None, _) => None,
            (Some(_), None) => {
                return Err(corrupt(
                    "previous_secret_until",
                    "missing beside a previous secret",
                ));
            }
        };
        Ok(WebhookEndpoint {
            id: EndpointId::parse(&self.id).ok_or_else(|| corrupt("id", "not an endpoint id"))?,
            url: parse_endpoint_url(&self.url)
                .map_err(|_| corrupt("url", "not an endpoint URL"))?,
            events,
            description: self.description,
            secret: secret("secret", &self.secret)?,
            previous_secret,
            disabled: self.disabled,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// A delivery row with its columns still unparsed.
#[derive(Debug, Clone)]
pub(crate) struct DeliveryColumns {
    pub(crate) endpoint_id: String,
    pub(crate) event_id: String,
    pub(crate) event_type: String,
    pub(crate) token: String,
    pub(crate) status: String,
    pub(crate) attempts: i64,
    pub(crate) response_status: Option<i64>,
    pub(crate) last_error: Option<String>,
    pub(crate) first_attempt_at: DateTime<Utc>,
    pub(crate) last_attempt_at: DateTime<Utc>,
    pub(crate) delivered_at: Option<DateTime<Utc>>,
}

impl DeliveryColumns {
    /// Parses the columns into a [`Delivery`].
    pub(crate) fn into_delivery(self) -> Result<Delivery, StoreError> {
        Ok(Delivery {
            endpoint_id: EndpointId::parse(&self.endpoint_id)
                .ok_or_else(|| corrupt("endpoint_id", "not an endpoint id"))?,
            event_id: self.event_id,
            event_type: EventType::parse(&self.event_type)
                .ok_or_else(|| corrupt("event_type", "not an event type"))?,
            token: self.token,
            status: DeliveryStatus::parse(&self.status)
                .ok_or_else(|| corrupt("status", "not a delivery status"))?,
            attempts: u32::try_from(self.attempts)
                .map_err(|_| corrupt("attempts", "out of range"))?,
            response_status: self
                .response_status
                .map(|status| {
                    u16::try_from(status).map_err(|_| corrupt("response_status", "out of range"))
                })
                .transpose()?,
            last_error: self.last_error,
            first_attempt_at: self.first_attempt_at,
            last_attempt_at: self.last_attempt_at,
            delivered_at: self.delivered_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hand_edited_row_is_corrupt_not_a_panic() {
        let now = Utc::now();
        let columns = EndpointColumns {
            id: EndpointId::generate().unwrap().to_string(),
            url: "https://hr.example.com/hooks".into(),
            events: events_text(Some(&[
                EventType::BookingCreated,
                EventType::EvaluationReady,
            ])),
            description: String::new(),
            secret: SigningSecret::generate().unwrap().expose().to_owned(),
            previous_secret: None,
            previous_secret_until: None,
            disabled: false,
            created_at: now,
            updated_at: now,
        };
        let endpoint = columns.clone().into_endpoint().unwrap();
        assert_eq!(
            endpoint.events,
            Some(vec![EventType::BookingCreated, EventType::EvaluationReady])
        );
        for (broken, column) in [
            (
                EndpointColumns {
                    events: Some("booking.deleted".into()),
                    ..columns.clone()
                },
                "events",
            ),
            (
                EndpointColumns {
                    secret: "plain".into(),
                    ..columns.clone()
                },
                "secret",
            ),
            (
                EndpointColumns {
                    url: "ftp://x".into(),
                    ..columns.clone()
                },
                "url",
            ),
            (
                EndpointColumns {
                    previous_secret: Some(columns.secret.clone()),
                    ..columns.clone()
                },
                "previous_secret_until",
            ),
        ] {
            let error = broken.into_endpoint().unwrap_err().to_string();
            assert!(error.contains(column), "{error}");
            assert!(!error.contains(&columns.secret[6..]), "{error}");
        }
    }
}
