//! Letting a candidate's browser into an interview room: connection details with a
//! participant token for a fresh room whose configuration dispatches the
//! interviewer agent and carries the [`RoomMetadata`].

use std::time::Duration;

use crate::config::LiveKitConfig;
use interview_core::{Booking, RandomnessError, random};
use livekit_protocol::{RoomAgentDispatch, RoomConfiguration};
use serde::Serialize;

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
    /// The room's name: `interview_` and 128 random bits.
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
    /// The operating system's random number generator failed.
    #[error("no randomness for the room name")]
    Randomness(#[from] RandomnessError),
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

    /// Connection details for `booking`'s candidate: a new room (its name has 128
    /// random bits, so it never exists already and the dispatch is honoured), a
    /// token allowed to join only that room, publish, subscribe and send data, and
    /// a room configuration that dispatches the agent with the booking's
    /// [`RoomMetadata`] (the dispatch's own metadata names the booking too).
    pub fn connection_details(&self, booking: &Booking) -> Result<ConnectionDetails, LiveKitError> {
        let room_name = format!("interview_{}", random::hex_string(16)?);
        let identity = format!("candidate_{}", random::hex_string(8)?);
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
