//! LiveKit connection details: a participant token for a fresh room whose
//! configuration dispatches the interviewer agent and carries the resume.

use std::time::Duration;

use interview_core::config::LiveKitConfig;
use interview_core::{Booking, Secret};
use livekit_api::access_token::{AccessToken, VideoGrants};
use livekit_protocol::{RoomAgentDispatch, RoomConfiguration};
use serde::Serialize;

use crate::random_hex;

/// LiveKit's limit on room metadata (docs.livekit.io: 64 KiB).
pub const MAX_ROOM_METADATA_BYTES: usize = 64 * 1024;

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
    Randomness,
    /// The token could not be signed.
    #[error("the LiveKit token could not be made: {0}")]
    Token(String),
}

/// Mints LiveKit participant tokens for interview rooms.
#[derive(Clone)]
pub struct LiveKitRooms {
    server_url: String,
    api_key: String,
    api_secret: Secret,
    agent_name: String,
    token_ttl: Duration,
}

impl std::fmt::Debug for LiveKitRooms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveKitRooms")
            .field("server_url", &self.server_url)
            .field("api_key", &self.api_key)
            .field("api_secret", &self.api_secret)
            .field("agent_name", &self.agent_name)
            .finish()
    }
}

impl LiveKitRooms {
    /// Rooms on the server of `config`, dispatching its agent.
    pub fn new(config: &LiveKitConfig) -> Self {
        Self {
            server_url: config.url.as_str().trim_end_matches('/').to_owned(),
            api_key: config.api_key.clone(),
            api_secret: config.api_secret.clone(),
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

    /// The API key tokens are issued under (and webhooks must be signed by).
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// The API secret, for verifying webhooks.
    pub(crate) fn api_secret(&self) -> &Secret {
        &self.api_secret
    }

    /// The server URL browsers connect to.
    pub fn server_url(&self) -> &str {
        &self.server_url
    }

    /// Connection details for `booking`'s candidate: a new room (its name has 128
    /// random bits, so it never exists already and the dispatch is honoured), a
    /// token allowed to join only that room, publish, subscribe and send data, and
    /// a room configuration that dispatches the agent with the resume as metadata.
    pub fn connection_details(&self, booking: &Booking) -> Result<ConnectionDetails, LiveKitError> {
        let room_name = format!(
            "interview_{}",
            random_hex(16).ok_or(LiveKitError::Randomness)?
        );
        let identity = format!(
            "candidate_{}",
            random_hex(8).ok_or(LiveKitError::Randomness)?
        );
        let metadata = room_metadata(booking.resume_text.as_deref(), booking.token.as_str());
        let room_config = RoomConfiguration {
            name: room_name.clone(),
            metadata: metadata.clone(),
            agents: vec![RoomAgentDispatch {
                agent_name: self.agent_name.clone(),
                metadata: serde_json::json!({ "booking_token": booking.token.as_str() })
                    .to_string(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let grants = VideoGrants {
            room_join: true,
            room: room_name.clone(),
            can_publish: Some(true),
            can_subscribe: Some(true),
            can_publish_data: Some(true),
            ..Default::default()
        };
        let participant_token = AccessToken::with_api_key(&self.api_key, self.api_secret.expose())
            .with_identity(&identity)
            .with_name(booking.name.as_str())
            .with_grants(grants)
            .with_room_config(room_config)
            .with_ttl(self.token_ttl)
            .to_jwt()
            .map_err(|e| LiveKitError::Token(e.to_string()))?;
        Ok(ConnectionDetails {
            server_url: self.server_url.clone(),
            room_name,
            participant_name: booking.name.to_string(),
            participant_token,
        })
    }
}

/// The room metadata the agent reads: `{"resume_text": ..., "booking_token": ...}`,
/// with the resume cut (on a character boundary) so the JSON stays within LiveKit's
/// 64 KiB limit however much escaping the text needs.
pub fn room_metadata(resume_text: Option<&str>, booking_token: &str) -> String {
    let encode = |text: Option<&str>| {
        serde_json::json!({ "resume_text": text, "booking_token": booking_token }).to_string()
    };
    let full = encode(resume_text);
    let Some(text) = resume_text else {
        return full;
    };
    if full.len() <= MAX_ROOM_METADATA_BYTES {
        return full;
    }
    // The longest prefix (in characters) whose encoding fits: binary search, since
    // escaping makes the encoded length grow unevenly.
    let boundaries: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect();
    let (mut low, mut high) = (0, boundaries.len() - 1);
    while low < high {
        let mid = (low + high).div_ceil(2);
        if encode(Some(&text[..boundaries[mid]])).len() <= MAX_ROOM_METADATA_BYTES {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    tracing::info!(
        kept_bytes = boundaries[low],
        total_bytes = text.len(),
        "resume text truncated to fit LiveKit's room metadata limit"
    );
    encode(Some(&text[..boundaries[low]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn small_resumes_are_kept_whole() {
        let metadata = room_metadata(Some("Rust engineer"), TOKEN);
        let parsed: serde_json::Value = serde_json::from_str(&metadata).unwrap();
        assert_eq!(parsed["resume_text"], "Rust engineer");
        assert_eq!(parsed["booking_token"], TOKEN);
        let none: serde_json::Value = serde_json::from_str(&room_metadata(None, TOKEN)).unwrap();
        assert!(none["resume_text"].is_null());
    }

    #[test]
    fn large_resumes_are_cut_to_fit_even_when_escaping_expands_them() {
        for unit in ["a", "é", "\u{1}", "\"", "日本", "😀"] {
            let text = unit.repeat(200_000);
            let metadata = room_metadata(Some(&text), TOKEN);
            assert!(
                metadata.len() <= MAX_ROOM_METADATA_BYTES,
                "{unit:?}: {}",
                metadata.len()
            );
            let parsed: serde_json::Value = serde_json::from_str(&metadata).unwrap();
            let kept = parsed["resume_text"].as_str().unwrap();
            assert!(text.starts_with(kept));
            // The cut is tight: one more character would not fit.
            let one_more = &text[..kept.len() + unit.chars().next().unwrap().len_utf8()];
            assert!(
                serde_json::json!({"resume_text": one_more, "booking_token": TOKEN})
                    .to_string()
                    .len()
                    > MAX_ROOM_METADATA_BYTES
            );
        }
    }
}
