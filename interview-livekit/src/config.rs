//! `LIVEKIT_*`: the LiveKit server or cloud project.

use interview_core::Secret;
use interview_core::config::Env;
use url::Url;

use crate::tokens::ApiKey;

/// The default `LIVEKIT_AGENT_NAME`, as in the original.
pub const DEFAULT_AGENT_NAME: &str = "my-interviewer";

/// A LiveKit server or cloud project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveKitConfig {
    /// `LIVEKIT_URL`, e.g. `wss://project.livekit.cloud`.
    pub url: Url,
    /// `LIVEKIT_API_KEY`.
    pub api_key: String,
    /// `LIVEKIT_API_SECRET`.
    pub api_secret: Secret,
    /// `LIVEKIT_AGENT_NAME` (default `my-interviewer`).
    pub agent_name: String,
}

impl LiveKitConfig {
    /// The variables that turn LiveKit on.
    pub const VARIABLES: &[&str] = &["LIVEKIT_URL", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET"];

    /// Reads `LIVEKIT_URL`, `LIVEKIT_API_KEY` and `LIVEKIT_API_SECRET` (all three or
    /// none) and `LIVEKIT_AGENT_NAME`; `None` when LiveKit is not configured.
    pub fn from_env(env: &mut Env<'_>) -> Option<Self> {
        env.group(Self::VARIABLES)?;
        Some(Self {
            url: env.url("LIVEKIT_URL", &["wss", "ws", "https", "http"])?,
            api_key: env.get("LIVEKIT_API_KEY")?,
            api_secret: Secret::new(env.get("LIVEKIT_API_SECRET")?),
            agent_name: env
                .get("LIVEKIT_AGENT_NAME")
                .unwrap_or_else(|| DEFAULT_AGENT_NAME.to_owned()),
        })
    }

    /// The project's key and secret, which sign every token.
    pub fn api_key(&self) -> ApiKey {
        ApiKey::new(self.api_key.clone(), self.api_secret.clone())
    }
}

#[cfg(test)]
mod tests {
    use interview_core::config::ConfigErrors;

    use super::*;

    fn livekit(vars: &[(&str, &str)]) -> Result<Option<LiveKitConfig>, ConfigErrors> {
        Env::read_pairs(vars, |env| Some(LiveKitConfig::from_env(env)))
    }

    #[test]
    fn the_original_variables_are_read_with_the_original_agent_name() {
        let config = livekit(&[
            ("LIVEKIT_URL", "wss://proj.livekit.cloud"),
            ("LIVEKIT_API_KEY", "APIabc"),
            ("LIVEKIT_API_SECRET", "livekit-secret"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(config.agent_name, "my-interviewer");
        assert_eq!(config.url.scheme(), "wss");
        assert_eq!(config.api_key().key, "APIabc");
        assert!(!format!("{config:?}").contains("livekit-secret"));
        assert_eq!(livekit(&[]).unwrap(), None);
    }

    #[test]
    fn a_partial_group_or_a_bad_url_is_named() {
        let errors = livekit(&[
            ("LIVEKIT_URL", "wss://x.livekit.cloud"),
            ("LIVEKIT_API_KEY", "k"),
        ])
        .unwrap_err();
        assert_eq!(
            errors.0[0].to_string(),
            "LIVEKIT_API_SECRET: is required when LIVEKIT_URL and LIVEKIT_API_KEY is set"
        );
        let errors = livekit(&[
            ("LIVEKIT_URL", "not a url"),
            ("LIVEKIT_API_KEY", "k"),
            ("LIVEKIT_API_SECRET", "s"),
        ])
        .unwrap_err();
        assert_eq!(errors.0[0].variable, "LIVEKIT_URL");
    }
}
