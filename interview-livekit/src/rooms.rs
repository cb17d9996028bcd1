//! Letting a candidate's browser into an interview room: connection details with a
//! participant token for the booking's room, whose configuration dispatches the
//! interviewer agent and carries the [`RoomMetadata`].
//!
//! A booking has one room. Its name is derived from the booking's token, so every
//! request for connection details (a reload, a reconnection after a network drop)
//! gets a token for the same room: LiveKit creates the room, and dispatches the
//! agent, only on the first join; later tokens join the room that exists. The name
//! is a hash, so it does not give away the token, the interview link's credential.

use std::time::Duration;

use crate::config::LiveKitConfig;
use interview_core::{Booking, BookingToken};
use livekit_protocol::{RoomAgentDispatch, RoomConfiguration};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::metadata::RoomMetadata;
use crate::tokens::{ApiKey, TokenError, participant_token};

/// The default lifetime of a participant token: long enough to join, short enough
/// that a leaked token is soon useless. Joining once is all it is for.
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(10 * 60);

/// What the browser needs to join the interview room (the original's JSON shape).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionDetails {
    /// The LiveKit server URL.
    pub server_url: String,
    /// The booking's room: `interview_` and 128 bits of a hash of its token.
    pub room_name: String,
    /// The candidate's display name.
    pub participant_name: String,
    /// The participant JWT.
    pub participant_token: String,
}

/// Why connection details could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LiveKitError {
    /// The token could not be signed.
    #[error(transparent)]
    Token(#[from] TokenError),
}

/// Mints LiveKit participant tokens for interview rooms.
#[derive(Clone)]
pub struct LiveKitRooms {
    server_url: String,
    api_key: ApiKey,
    agent_name: String,
    token_ttl: Duration,
}

impl std::fmt::Debug for LiveKitRooms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveKitRooms")
            .field("server_url", &self.server_url)
            .field("api_key", &self.api_key)
            .field("agent_name", &self.agent_name)
            .finish()
    }
}

impl LiveKitRooms {
    /// Rooms on the server of `config`, dispatching its agent.
    pub fn new(config: &LiveKitConfig) -> Self {
        Self {
            server_url: config.url.as_str().trim_end_matches('/').to_owned(),
            api_key: config.api_key(),
            agent_name: config.agent_name.clone(),
            token_ttl: DEFAULT_TOKEN_TTL,
        }
    }

    /// Changes the participant token's lifetime.
    pub fn with_token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = ttl;
        self
    }

    /// The agent name rooms dispatch.
    pub fn agent_name(&self) -> &str {
        &self.agent_name
    }

    /// The key tokens are issued under (and webhooks must be signed by).
    pub fn api_key(&self) -> &ApiKey {
        &self.api_key
    }

    /// The server URL browsers connect to.
    pub fn server_url(&self) -> &str {
        &self.server_url
    }

    /// Connection details for `booking`'s candidate: the booking's room
    /// ([`room_name`]), a token allowed to join only that room, publish, subscribe
    /// and send data, and a room configuration that dispatches the agent with the
    /// booking's [`RoomMetadata`] (the dispatch's own metadata names the booking
    /// too) when the join creates the room.
    pub fn connection_details(&self, booking: &Booking) -> Result<ConnectionDetails, LiveKitError> {
        let room_name = room_name(&booking.token);
        // One identity per booking: a second tab takes the first one's place in the
        // room (LiveKit disconnects the older connection) instead of joining beside it.
        let identity = candidate_identity(&booking.token);
        let room_config = RoomConfiguration {
            name: room_name.clone(),
            metadata: RoomMetadata::for_booking(booking).encode(),
            agents: vec![RoomAgentDispatch {
                agent_name: self.agent_name.clone(),
                metadata: RoomMetadata::token_only(&booking.token).encode(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let participant_token = participant_token(
            &self.api_key,
            &identity,
            booking.name.as_str(),
            room_config,
            self.token_ttl,
        )?;
        Ok(ConnectionDetails {
            server_url: self.server_url.clone(),
            room_name,
            participant_name: booking.name.to_string(),
            participant_token: participant_token.expose().to_owned(),
        })
    }
}

/// The name of the booking's room: `interview_` and the first 128 bits of the
/// SHA-256 of `interview-room:` and its token, in hex.
pub fn room_name(token: &BookingToken) -> String {
    format!("interview_{}", derived(token, "interview-room"))
}

/// The candidate's identity in the booking's room, the same on every join.
pub fn candidate_identity(token: &BookingToken) -> String {
    format!("candidate_{}", derived(token, "interview-candidate"))
}

/// 128 bits of the SHA-256 of `purpose:` and the token, in hex: stable for the
/// booking, and telling nothing of the token.
fn derived(token: &BookingToken, purpose: &str) -> String {
    let digest = Sha256::digest(format!("{purpose}:{}", token.as_str()).as_bytes());
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_booking_has_one_room_that_does_not_reveal_its_token() {
        let token = BookingToken::parse("0123456789abcdef0123456789abcdef").unwrap();
        let name = room_name(&token);
        assert_eq!(name, room_name(&token));
        assert_eq!(name.len(), "interview_".len() + 32);
        assert!(!name.contains(token.as_str()) && !name.contains(&token.as_str()[..8]));
        let other = BookingToken::parse("fedcba9876543210fedcba9876543210").unwrap();
        assert_ne!(room_name(&other), name);
        let identity = candidate_identity(&token);
        assert_eq!(identity, candidate_identity(&token));
        assert_ne!(identity[10..], name[10..], "unrelated to the room's name");
    }
}
