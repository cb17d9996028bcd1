//! A video avatar in a LiveKit interview job (Tavus), and the fallback to plain
//! text-to-speech audio when it does not start.
//!
//! The avatar joins the job's room as its own participant, with a token minted the
//! way LiveKit's Tavus plugin does ([`crate::tokens::avatar_token`]):
//! identity and name `tavus-avatar-agent`, kind `agent`, allowed to join only that
//! room, and publishing on behalf of the interviewer (`lk.publish_on_behalf`).
//! [`start_avatar`] asks the [`AvatarProvider`] to start it and never fails: a
//! provider error gives [`AvatarStart::FellBack`], and the interview goes on with
//! the agent's published audio track. [`run_with_avatar`] wraps a job's interview:
//! it starts the avatar, runs the interview, and stops the avatar at the end.
//!
//! Sending the agent's audio to the avatar (byte streams and RPCs inside the room)
//! needs the room media transport: see `rtc::avatar` (feature `rtc`).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::config::LiveKitConfig;
use interview_core::engine::{AvatarError, AvatarProvider, AvatarRoom, AvatarSession};

use crate::tokens::{ApiKey, avatar_token};

/// The identity (and name) the avatar joins the room under, as LiveKit's Tavus
/// plugin names it.
pub const AVATAR_IDENTITY: &str = "tavus-avatar-agent";
/// How long to wait, by default, for the avatar to publish its video before
/// speaking on the agent's own audio track instead.
pub const DEFAULT_VIDEO_TIMEOUT: Duration = Duration::from_secs(20);
/// How long the avatar's token is valid, by default (an interview is shorter).
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(2 * 3600);

/// How the avatar joins and when the agent gives up waiting for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvatarOptions {
    /// The avatar's identity and name in the room (default [`AVATAR_IDENTITY`]).
    pub identity: String,
    /// How long the agent waits for the avatar's video track before it speaks on
    /// its own published audio track instead (default [`DEFAULT_VIDEO_TIMEOUT`]).
    pub video_timeout: Duration,
    /// How long the avatar's token is valid (default [`DEFAULT_TOKEN_TTL`]).
    pub token_ttl: Duration,
}

impl Default for AvatarOptions {
    fn default() -> Self {
        Self {
            identity: AVATAR_IDENTITY.to_owned(),
            video_timeout: DEFAULT_VIDEO_TIMEOUT,
            token_ttl: DEFAULT_TOKEN_TTL,
        }
    }
}

/// An avatar provider and the LiveKit project key that signs its tokens.
#[derive(Clone)]
pub struct AvatarSetup {
    /// Starts and stops the avatar.
    pub provider: Arc<dyn AvatarProvider>,
    /// The LiveKit project's key (it signs the avatar's token).
    pub api_key: ApiKey,
    /// Identity and timeouts.
    pub options: AvatarOptions,
}

impl std::fmt::Debug for AvatarSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AvatarSetup")
            .field("provider", &self.provider.name())
            .field("api_key", &self.api_key)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl AvatarSetup {
    /// `provider`, with tokens signed by `livekit`'s key and the default options.
    pub fn new(provider: Arc<dyn AvatarProvider>, livekit: &LiveKitConfig) -> Self {
        Self {
            provider,
            api_key: livekit.api_key(),
            options: AvatarOptions::default(),
        }
    }

    /// Where the avatar should join: `room_name` at `livekit_url` (the URL the
    /// agent joined at), with a token publishing on behalf of `agent_identity`.
    pub fn room(
        &self,
        livekit_url: &str,
        room_name: &str,
        agent_identity: &str,
    ) -> Result<AvatarRoom, AvatarError> {
        let token = avatar_token(
            &self.api_key,
            room_name,
            &self.options.identity,
            agent_identity,
            self.options.token_ttl,
        )
        .map_err(|e| AvatarError::NotConfigured(format!("no token for the avatar: {e}")))?;
        Ok(AvatarRoom {
            livekit_url: websocket_url(livekit_url),
            room_name: room_name.to_owned(),
            token,
        })
    }
}

/// `url` with an `http(s)` scheme turned into `ws(s)` (Tavus wants a WebSocket URL).
fn websocket_url(url: &str) -> String {
    if let Some(rest) = url.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = url.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        url.to_owned()
    }
}

/// What became of the avatar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AvatarStart {
    /// The avatar is starting: the agent's audio goes to it.
    Started(AvatarSession),
    /// It did not start: the agent speaks on its own audio track.
    FellBack {
        /// Why, for logs.
        reason: String,
    },
}

impl AvatarStart {
    /// The running avatar, if it started.
    pub fn session(&self) -> Option<&AvatarSession> {
        match self {
            Self::Started(session) => Some(session),
            Self::FellBack { .. } => None,
        }
    }
}

/// Starts the avatar in `room` with `provider`. A failure is logged and gives
/// [`AvatarStart::FellBack`]: the interview then goes on with plain TTS audio.
pub async fn start_avatar(provider: &dyn AvatarProvider, room: &AvatarRoom) -> AvatarStart {
    match provider.start(room).await {
        Ok(session) => {
            tracing::info!(
                avatar = provider.name(),
                id = %session.id,
                room = %room.room_name,
                "avatar started: the interviewer's audio goes to it"
            );
            AvatarStart::Started(session)
        }
        Err(error) => fell_back(provider, &room.room_name, &error),
    }
}

fn fell_back(provider: &dyn AvatarProvider, room: &str, error: &AvatarError) -> AvatarStart {
    tracing::warn!(
        avatar = provider.name(),
        room,
        %error,
        "the avatar did not start: falling back to plain text-to-speech audio"
    );
    AvatarStart::FellBack {
        reason: error.to_string(),
    }
}

/// Stops a running avatar, logging a failure (the vendor ends it on its own once
/// the room empties).
pub async fn stop_avatar(provider: &dyn AvatarProvider, session: &AvatarSession) {
    match provider.stop(session).await {
        Ok(()) => tracing::info!(avatar = provider.name(), id = %session.id, "avatar stopped"),
        Err(error) => tracing::warn!(
            avatar = provider.name(),
            id = %session.id,
            %error,
            "stopping the avatar failed"
        ),
    }
}

/// Starts the avatar (in `room`, or falls back at once when the room could not
/// be described, for example an unusable token key), runs `interview` with the
/// outcome, and stops the avatar once `interview` has finished.
pub async fn run_with_avatar<F, Fut, T>(
    provider: &dyn AvatarProvider,
    room: Result<AvatarRoom, AvatarError>,
    interview: F,
) -> T
where
    F: FnOnce(AvatarStart) -> Fut,
    Fut: Future<Output = T>,
{
    let start = match &room {
        Ok(room) => start_avatar(provider, room).await,
        Err(error) => fell_back(provider, "", error),
    };
    let session = start.session().cloned();
    let output = interview(start).await;
    if let Some(session) = session {
        stop_avatar(provider, &session).await;
    }
    output
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};

    use interview_core::Secret;
    use interview_core::testing::ScriptedAvatar;
    use livekit_api::access_token::TokenVerifier;
    use url::Url;

    use super::*;

    fn livekit() -> LiveKitConfig {
        LiveKitConfig {
            url: Url::parse("wss://project.livekit.cloud").unwrap(),
            api_key: "APIkey123".to_owned(),
            api_secret: Secret::new("a-secret-long-enough-for-hs256-0123456789"),
            agent_name: "interviewer".to_owned(),
        }
    }

    fn setup() -> AvatarSetup {
        AvatarSetup::new(Arc::new(ScriptedAvatar::new()), &livekit())
    }

    #[test]
    fn the_avatar_token_carries_each_claim_of_the_plugin() {
        let room = setup()
            .room("wss://project.livekit.cloud", "interview-42", "agent-AJ_1")
            .unwrap();
        let claims = TokenVerifier::with_api_key("APIkey123", livekit().api_secret.expose())
            .verify(room.token.expose())
            .unwrap();
        assert_eq!(claims.iss, "APIkey123");
        assert_eq!(claims.sub, "tavus-avatar-agent");
        assert_eq!(claims.name, "tavus-avatar-agent");
        assert_eq!(claims.kind, "agent");
        assert!(claims.video.room_join);
        assert_eq!(claims.video.room, "interview-42");
        assert!(!claims.video.room_admin);
        assert!(!claims.video.room_create);
        assert!(!claims.video.agent);
        assert_eq!(claims.attributes.len(), 1);
        assert_eq!(
            claims
                .attributes
                .get("lk.publish_on_behalf")
                .map(String::as_str),
            Some("agent-AJ_1")
        );
        assert!(claims.exp > claims.nbf);
        assert!(claims.exp - claims.nbf <= 2 * 3600);
    }

    #[test]
    fn a_token_signed_with_another_secret_does_not_verify() {
        let room = setup().room("wss://x", "r", "agent").unwrap();
        assert!(
            TokenVerifier::with_api_key("APIkey123", "another-secret-0123456789abcdef")
                .verify(room.token.expose())
                .is_err()
        );
    }

    #[test]
    fn an_empty_key_is_not_configured() {
        let mut config = livekit();
        config.api_key.clear();
        let setup = AvatarSetup::new(Arc::new(ScriptedAvatar::new()), &config);
        let error = setup.room("wss://x", "r", "agent").unwrap_err();
        assert!(matches!(error, AvatarError::NotConfigured(_)), "{error}");
    }

    #[test]
    fn the_avatar_room_uses_a_websocket_url() {
        let setup = setup();
        let room = setup
            .room("https://project.livekit.cloud", "r1", "agent-1")
            .unwrap();
        assert_eq!(room.livekit_url, "wss://project.livekit.cloud");
        assert_eq!(room.room_name, "r1");
        assert_eq!(
            setup
                .room("ws://localhost:7880", "r1", "a")
                .unwrap()
                .livekit_url,
            "ws://localhost:7880"
        );
        assert!(!format!("{setup:?}").contains("a-secret"));
    }

    fn room() -> AvatarRoom {
        AvatarRoom {
            livekit_url: "wss://x".to_owned(),
            room_name: "r1".to_owned(),
            token: Secret::new("jwt"),
        }
    }

    #[tokio::test]
    async fn a_failing_avatar_falls_back_and_is_never_stopped() {
        let avatar = ScriptedAvatar::failing();
        let ran = AtomicBool::new(false);
        let outcome = run_with_avatar(&avatar, Ok(room()), |start| async {
            ran.store(true, Ordering::SeqCst);
            start
        })
        .await;
        assert!(ran.load(Ordering::SeqCst));
        match outcome {
            AvatarStart::FellBack { reason } => assert!(reason.contains("scripted failure")),
            AvatarStart::Started(session) => panic!("started {session:?}"),
        }
        assert!(avatar.stopped().is_empty());
    }

    #[tokio::test]
    async fn a_started_avatar_is_stopped_once_the_interview_ends() {
        let avatar = ScriptedAvatar::new();
        let outcome = run_with_avatar(&avatar, Ok(room()), |start| async {
            assert!(
                avatar.stopped().is_empty(),
                "not stopped during the interview"
            );
            start
        })
        .await;
        let session = outcome.session().cloned().unwrap();
        assert_eq!(avatar.started(), vec![room()]);
        assert_eq!(avatar.stopped(), vec![session]);
    }

    #[tokio::test]
    async fn an_unusable_token_falls_back_without_calling_the_vendor() {
        let avatar = ScriptedAvatar::new();
        let outcome = run_with_avatar(
            &avatar,
            Err(AvatarError::NotConfigured("no key".to_owned())),
            |start| async { start },
        )
        .await;
        assert!(matches!(outcome, AvatarStart::FellBack { .. }));
        assert!(avatar.started().is_empty());
        assert!(avatar.stopped().is_empty());
    }
}
