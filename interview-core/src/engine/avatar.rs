//! A video avatar that joins the interview room and speaks the agent's audio.

use async_trait::async_trait;

use super::VendorError;
use crate::Secret;

/// Where the avatar should join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvatarRoom {
    /// The LiveKit server URL (`wss://...`).
    pub livekit_url: String,
    /// The room's name.
    pub room_name: String,
    /// An access token for the avatar's own participant.
    pub token: Secret,
}

/// A running avatar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvatarSession {
    /// The vendor's id for it (a Tavus conversation id).
    pub id: String,
    /// The identity it joins the room under, when known.
    pub participant_identity: Option<String>,
}

/// Failures of an [`AvatarProvider`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AvatarError {
    /// The provider's settings are incomplete (no persona, no replica).
    #[error("avatar is not configured: {0}")]
    NotConfigured(String),
    /// The vendor failed.
    #[error(transparent)]
    Vendor(#[from] VendorError),
}

/// Starts and stops a video avatar. When starting fails, the session goes on
/// with plain text-to-speech audio.
#[async_trait]
pub trait AvatarProvider: Send + Sync {
    /// A short name for logs ("tavus").
    fn name(&self) -> &str;

    /// Starts an avatar that joins `room`.
    async fn start(&self, room: &AvatarRoom) -> Result<AvatarSession, AvatarError>;

    /// Ends a running avatar.
    async fn stop(&self, session: &AvatarSession) -> Result<(), AvatarError>;
}
