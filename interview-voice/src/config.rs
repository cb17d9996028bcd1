//! The vendor engines' settings: `OPENAI_*`, `DEEPGRAM_API_KEY`, `ELEVENLABS_*` and
//! `TAVUS_*`. Always built, whichever vendor features are on, so a key set for a
//! vendor this build lacks is reported instead of silently ignored
//! ([`EnginePlan`](crate::engines::EnginePlan) says so).

use interview_core::Secret;
use interview_core::config::Env;
use url::Url;

/// The default `OPENAI_BASE_URL`.
pub const DEFAULT_OPENAI_BASE_URL: &str = "https://api.openai.com/v1";

/// OpenAI, or any OpenAI-compatible server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenAiConfig {
    /// `OPENAI_API_KEY`.
    pub api_key: Secret,
    /// `OPENAI_BASE_URL` (default `https://api.openai.com/v1`).
    pub base_url: Url,
}

/// ElevenLabs text-to-speech.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElevenLabsConfig {
    /// `ELEVENLABS_API_KEY`.
    pub api_key: Secret,
    /// `ELEVENLABS_VOICE_ID`, when not the engine's default voice.
    pub voice_id: Option<String>,
}

/// Deepgram speech-to-text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeepgramConfig {
    /// `DEEPGRAM_API_KEY`.
    pub api_key: Secret,
}

/// Tavus video avatar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TavusConfig {
    /// `TAVUS_API_KEY`.
    pub api_key: Secret,
    /// `TAVUS_PERSONA_ID`.
    pub persona_id: String,
    /// `TAVUS_REPLICA_ID`, when not the persona's default.
    pub replica_id: Option<String>,
}

/// Every vendor the configuration names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VoiceConfig {
    /// `OPENAI_*`.
    pub openai: Option<OpenAiConfig>,
    /// `DEEPGRAM_API_KEY`.
    pub deepgram: Option<DeepgramConfig>,
    /// `ELEVENLABS_*`.
    pub elevenlabs: Option<ElevenLabsConfig>,
    /// `TAVUS_*`.
    pub tavus: Option<TavusConfig>,
}

impl VoiceConfig {
    /// Reads every vendor's variables; a vendor without its key is `None`.
    pub fn from_env(env: &mut Env<'_>) -> Self {
        let openai_base = env.url("OPENAI_BASE_URL", &["https", "http"]);
        let openai = env.get("OPENAI_API_KEY").and_then(|key| {
            Some(OpenAiConfig {
                api_key: Secret::new(key),
                base_url: openai_base.or_else(|| Url::parse(DEFAULT_OPENAI_BASE_URL).ok())?,
            })
        });
        let elevenlabs = env.get("ELEVENLABS_API_KEY").map(|key| ElevenLabsConfig {
            api_key: Secret::new(key),
            voice_id: env.get("ELEVENLABS_VOICE_ID"),
        });
        let deepgram = env.get("DEEPGRAM_API_KEY").map(|key| DeepgramConfig {
            api_key: Secret::new(key),
        });
        let tavus = env
            .group(&["TAVUS_API_KEY", "TAVUS_PERSONA_ID"])
            .and_then(|_| {
                Some(TavusConfig {
                    api_key: Secret::new(env.get("TAVUS_API_KEY")?),
                    persona_id: env.get("TAVUS_PERSONA_ID")?,
                    replica_id: env.get("TAVUS_REPLICA_ID"),
                })
            });
        Self {
            openai,
            deepgram,
            elevenlabs,
            tavus,
        }
    }
}

#[cfg(test)]
mod tests {
    use interview_core::config::ConfigErrors;

    use super::*;

    fn voice(vars: &[(&str, &str)]) -> Result<VoiceConfig, ConfigErrors> {
        Env::read_pairs(vars, |env| Some(VoiceConfig::from_env(env)))
    }

    #[test]
    fn nothing_set_means_no_vendor_and_blank_keys_count_as_unset() {
        assert_eq!(voice(&[]).unwrap(), VoiceConfig::default());
        assert_eq!(
            voice(&[("OPENAI_API_KEY", "  ")]).unwrap(),
            VoiceConfig::default()
        );
    }

    #[test]
    fn every_vendor_is_read_and_no_key_is_printed() {
        let config = voice(&[
            ("OPENAI_API_KEY", "sk-openai-secret"),
            ("ELEVENLABS_API_KEY", "el-secret"),
            ("ELEVENLABS_VOICE_ID", "v1"),
            ("DEEPGRAM_API_KEY", "dg-secret"),
            ("TAVUS_API_KEY", "tavus-secret"),
            ("TAVUS_PERSONA_ID", "p123"),
        ])
        .unwrap();
        assert_eq!(
            config.openai.as_ref().unwrap().base_url.as_str(),
            "https://api.openai.com/v1"
        );
        assert_eq!(
            config.elevenlabs.as_ref().unwrap().voice_id.as_deref(),
            Some("v1")
        );
        assert_eq!(config.tavus.as_ref().unwrap().persona_id, "p123");
        assert!(config.deepgram.is_some());
        let debug = format!("{config:?}");
        for secret in ["sk-openai-secret", "el-secret", "dg-secret", "tavus-secret"] {
            assert!(!debug.contains(secret), "{secret} leaked into Debug");
        }
    }

    #[test]
    fn the_openai_base_url_can_point_at_a_compatible_server() {
        let config = voice(&[
            ("OPENAI_API_KEY", "k"),
            ("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1"),
        ])
        .unwrap();
        assert_eq!(
            config.openai.unwrap().base_url.as_str(),
            "http://127.0.0.1:11434/v1"
        );
        let errors = voice(&[("OPENAI_BASE_URL", "ftp://x")]).unwrap_err();
        assert_eq!(errors.0[0].variable, "OPENAI_BASE_URL");
    }

    #[test]
    fn a_tavus_key_without_a_persona_is_named() {
        let errors = voice(&[("TAVUS_API_KEY", "k")]).unwrap_err();
        assert_eq!(errors.0[0].variable, "TAVUS_PERSONA_ID");
    }
}
