//! Every LiveKit access token the product mints, in one place: the candidate
//! browser's participant token, the agent worker's token, and the video avatar's.
//!
//! Tokens are JWTs signed (HS256) with the project's API secret and issued by its
//! API key. Each grants only what its bearer needs.

use std::time::Duration;

use interview_core::Secret;
use livekit_api::access_token::{AccessToken, VideoGrants};
use livekit_protocol::RoomConfiguration;

/// A token could not be signed (an empty API key, for example).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the LiveKit token could not be made: {0}")]
pub struct TokenError(String);

/// The participant kind of the avatar's token.
pub const AVATAR_KIND: &str = "agent";
/// The token attribute naming the participant the avatar publishes for.
pub const PUBLISH_ON_BEHALF_ATTRIBUTE: &str = "lk.publish_on_behalf";

/// The project key and secret tokens are signed with.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// The API key (the tokens' issuer).
    pub key: String,
    /// The API secret (the signing key).
    pub secret: Secret,
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKey")
            .field("key", &self.key)
            .field("secret", &self.secret)
            .finish()
    }
}

impl ApiKey {
    /// A key and its secret.
    pub fn new(key: impl Into<String>, secret: Secret) -> Self {
        Self {
            key: key.into(),
            secret,
        }
    }

    fn token(&self) -> AccessToken {
        AccessToken::with_api_key(&self.key, self.secret.expose())
    }
}

/// A candidate's token for `room` (created by the token with `room_config`, which
/// dispatches the agent): join only that room, publish, subscribe and send data;
/// nothing else (no admin, no room creation or listing, not an agent).
pub fn participant_token(
    api_key: &ApiKey,
    identity: &str,
    name: &str,
    room_config: RoomConfiguration,
    ttl: Duration,
) -> Result<Secret, TokenError> {
    let grants = VideoGrants {
        room_join: true,
        room: room_config.name.clone(),
        can_publish: Some(true),
        can_subscribe: Some(true),
        can_publish_data: Some(true),
        ..Default::default()
    };
    api_key
        .token()
        .with_identity(identity)
        .with_name(name)
        .with_grants(grants)
        .with_room_config(room_config)
        .with_ttl(ttl)
        .to_jwt()
        .map(Secret::new)
        .map_err(|e| TokenError(e.to_string()))
}

/// A token that lets its bearer register as an agent worker (a video grant with
/// `agent: true` and nothing else).
pub fn worker_token(api_key: &ApiKey, ttl: Duration) -> Result<Secret, TokenError> {
    api_key
        .token()
        .with_grants(VideoGrants {
            agent: true,
            ..Default::default()
        })
        .with_ttl(ttl)
        .to_jwt()
        .map(Secret::new)
        .map_err(|e| TokenError(e.to_string()))
}

/// A video avatar's token for `room_name`, as LiveKit's Tavus plugin makes it:
/// identity and name `identity`, kind `agent`, grants `roomJoin` and `room`, and the
/// attribute `lk.publish_on_behalf` = `agent_identity` (the interviewer it speaks for).
pub fn avatar_token(
    api_key: &ApiKey,
    room_name: &str,
    identity: &str,
    agent_identity: &str,
    ttl: Duration,
) -> Result<Secret, TokenError> {
    api_key
        .token()
        .with_identity(identity)
        .with_name(identity)
        .with_kind(AVATAR_KIND)
        .with_grants(VideoGrants {
            room_join: true,
            room: room_name.to_owned(),
            ..Default::default()
        })
        .with_attributes([(PUBLISH_ON_BEHALF_ATTRIBUTE, agent_identity)])
        .with_ttl(ttl)
        .to_jwt()
        .map(Secret::new)
        .map_err(|e| TokenError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use livekit_api::access_token::TokenVerifier;

    use super::*;

    const SECRET: &str = "a-secret-long-enough-for-hs256-0123456789";

    fn key() -> ApiKey {
        ApiKey::new("APIkey123", Secret::new(SECRET))
    }

    #[test]
    fn the_worker_token_is_an_agent_grant_and_nothing_more() {
        let token = worker_token(&key(), Duration::from_secs(60)).unwrap();
        let claims = TokenVerifier::with_api_key("APIkey123", SECRET)
            .verify(token.expose())
            .unwrap();
        assert_eq!(claims.iss, "APIkey123");
        assert!(claims.video.agent);
        assert!(!claims.video.room_join && !claims.video.room_admin);
        assert_eq!(claims.exp - claims.nbf, 60);
    }

    #[test]
    fn an_empty_key_is_an_error_and_the_secret_never_shows() {
        let empty = ApiKey::new("", Secret::new(SECRET));
        assert!(worker_token(&empty, Duration::from_secs(60)).is_err());
        assert!(!format!("{:?}", key()).contains(SECRET));
    }
}
