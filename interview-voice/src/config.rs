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

/// An OpenAI-compatible server that one role uses (a self-hosted model server:
/// vLLM, Ollama, llama.cpp's server, a faster-whisper server, a Kokoro server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompatibleServer {
    /// `LLM_BASE_URL`, `STT_BASE_URL` or `TTS_BASE_URL`: the part before
    /// `/chat/completions`, `/audio/transcriptions` or `/audio/speech`.
    pub base_url: Url,
    /// `LLM_API_KEY`, `STT_API_KEY` or `TTS_API_KEY`; `None` for a server that
    /// needs none (no `Authorization` header is sent).
    pub api_key: Option<Secret>,
}

/// One role's settings: the server of its own, if any, and its model (which also
/// applies to OpenAI when the role has no server of its own).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleConfig {
    /// The role's own OpenAI-compatible server: it alone fills the role.
    pub server: Option<CompatibleServer>,
    /// `LLM_MODEL`, `STT_MODEL` or `TTS_MODEL`.
    pub model: Option<String>,
}

/// An engine a role's chain can name (`STT_ENGINES`, `TTS_ENGINES`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineName {
    /// The role's own OpenAI-compatible server (`*_BASE_URL`).
    Server,
    /// Deepgram (speech-to-text).
    Deepgram,
    /// OpenAI (`OPENAI_*`).
    OpenAi,
    /// ElevenLabs (text-to-speech).
    ElevenLabs,
    /// espeak-ng, the offline voice (text-to-speech; last in its chain).
    Espeak,
}

impl EngineName {
    /// The name as the chain variables write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Server => "server",
            Self::Deepgram => "deepgram",
            Self::OpenAi => "openai",
            Self::ElevenLabs => "elevenlabs",
            Self::Espeak => "espeak",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        match name {
            "server" => Some(Self::Server),
            "deepgram" => Some(Self::Deepgram),
            "openai" => Some(Self::OpenAi),
            "elevenlabs" => Some(Self::ElevenLabs),
            "espeak" => Some(Self::Espeak),
            _ => None,
        }
    }
}

/// Reads a role's chain: names from `allowed`, each once, each configured
/// (`configured` says whether it is), espeak only last.
fn chain(
    env: &mut Env<'_>,
    variable: &'static str,
    allowed: &[(&str, EngineName)],
    configured: impl Fn(EngineName) -> bool,
) -> Option<Vec<EngineName>> {
    let text = env.get(variable)?;
    let names: Vec<&str> = allowed.iter().map(|(name, _)| *name).collect();
    let mut engines = Vec::new();
    for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let name = name.to_ascii_lowercase();
        let Some(engine) = EngineName::parse(&name)
            .filter(|engine| allowed.iter().any(|(_, allowed)| allowed == engine))
        else {
            env.error(
                variable,
                format!("{name:?} is not one of {}", names.join(", ")),
            );
            return None;
        };
        if engines.contains(&engine) {
            env.error(variable, format!("names {name} twice"));
            return None;
        }
        if !configured(engine) {
            env.error(variable, format!("names {name}, which is not configured"));
            return None;
        }
        engines.push(engine);
    }
    if engines.is_empty() {
        env.error(variable, "names no engine");
        return None;
    }
    if engines[..engines.len() - 1].contains(&EngineName::Espeak) {
        env.error(variable, "must name espeak last (it never fails over)");
        return None;
    }
    Some(engines)
}

/// Which field of a chat request caps the answer's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxTokensField {
    /// `max_completion_tokens` (OpenAI's current name).
    MaxCompletionTokens,
    /// `max_tokens` (what most OpenAI-compatible servers read).
    MaxTokens,
}

/// The variables of one role.
struct RoleVariables {
    role: &'static str,
    base_url: &'static str,
    api_key: &'static str,
    model: &'static str,
}

const LLM_VARIABLES: RoleVariables = RoleVariables {
    role: "the language model",
    base_url: "LLM_BASE_URL",
    api_key: "LLM_API_KEY",
    model: "LLM_MODEL",
};
const STT_VARIABLES: RoleVariables = RoleVariables {
    role: "speech-to-text",
    base_url: "STT_BASE_URL",
    api_key: "STT_API_KEY",
    model: "STT_MODEL",
};
const TTS_VARIABLES: RoleVariables = RoleVariables {
    role: "text-to-speech",
    base_url: "TTS_BASE_URL",
    api_key: "TTS_API_KEY",
    model: "TTS_MODEL",
};

/// The longest model or voice name accepted.
const MAX_NAME_CHARS: usize = 200;

/// A model or voice name: 1 to 200 printable characters.
fn name(env: &mut Env<'_>, variable: &'static str) -> Option<String> {
    let value = env.get(variable)?;
    if value.chars().count() > MAX_NAME_CHARS || value.chars().any(char::is_control) {
        env.error(
            variable,
            "must be a name of at most 200 characters without control characters",
        );
        return None;
    }
    Some(value)
}

impl RoleConfig {
    fn from_env(env: &mut Env<'_>, variables: &RoleVariables) -> Self {
        let base_url = env.url(variables.base_url, &["https", "http"]);
        let api_key = env.get(variables.api_key).map(Secret::new);
        if api_key.is_some() && env.get(variables.base_url).is_none() {
            env.error(
                variables.api_key,
                format!(
                    "is the key of {}'s own server and needs {} (OpenAI's key is OPENAI_API_KEY)",
                    variables.role, variables.base_url
                ),
            );
        }
        Self {
            server: base_url.map(|base_url| CompatibleServer { base_url, api_key }),
            model: name(env, variables.model),
        }
    }
}

/// Every vendor the configuration names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VoiceConfig {
    /// `OPENAI_*`.
    pub openai: Option<OpenAiConfig>,
    /// `LLM_*`: the language model's own server and model.
    pub llm: RoleConfig,
    /// `STT_*`: speech-to-text's own server and model.
    pub stt: RoleConfig,
    /// `TTS_*`: text-to-speech's own server and model.
    pub tts: RoleConfig,
    /// `TTS_VOICE`: the voice OpenAI-compatible speech uses.
    pub tts_voice: Option<String>,
    /// `LLM_MAX_TOKENS_FIELD`: the request field that caps an answer's length;
    /// `None`: `max_completion_tokens` for OpenAI itself, `max_tokens` for any
    /// other server (llama.cpp's server ignores the newer field).
    pub llm_max_tokens_field: Option<MaxTokensField>,
    /// `STT_ENGINES`: speech-to-text's chain, in order (`server`, `deepgram`,
    /// `openai`); `None`: the role's own server alone, else Deepgram then OpenAI.
    pub stt_engines: Option<Vec<EngineName>>,
    /// `TTS_ENGINES`: the voice's chain, in order (`server`, `elevenlabs`,
    /// `openai`, `espeak`); `None`: the role's own server alone, else ElevenLabs
    /// then OpenAI, with espeak-ng last.
    pub tts_engines: Option<Vec<EngineName>>,
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
        let llm = RoleConfig::from_env(env, &LLM_VARIABLES);
        let stt = RoleConfig::from_env(env, &STT_VARIABLES);
        let tts = RoleConfig::from_env(env, &TTS_VARIABLES);
        let tts_voice = name(env, "TTS_VOICE");
        let llm_max_tokens_field = env.parse(
            "LLM_MAX_TOKENS_FIELD",
            "max_tokens or max_completion_tokens",
            |value| match value {
                "max_tokens" => Some(MaxTokensField::MaxTokens),
                "max_completion_tokens" => Some(MaxTokensField::MaxCompletionTokens),
                _ => None,
            },
        );
        // A model named for a role that has no OpenAI-compatible engine would be
        // silently unused.
        for (variable, named, role, variables) in [
            ("LLM_MODEL", llm.model.is_some(), &llm, &LLM_VARIABLES),
            ("STT_MODEL", stt.model.is_some(), &stt, &STT_VARIABLES),
            ("TTS_MODEL", tts.model.is_some(), &tts, &TTS_VARIABLES),
            ("TTS_VOICE", tts_voice.is_some(), &tts, &TTS_VARIABLES),
        ] {
            if named && role.server.is_none() && openai.is_none() {
                env.error(
                    variable,
                    format!(
                        "is set, but {} has no OpenAI-compatible server: set {} or OPENAI_API_KEY",
                        variables.role, variables.base_url
                    ),
                );
            }
        }
        let stt_engines = chain(
            env,
            "STT_ENGINES",
            &[
                ("server", EngineName::Server),
                ("deepgram", EngineName::Deepgram),
                ("openai", EngineName::OpenAi),
            ],
            |engine| match engine {
                EngineName::Server => stt.server.is_some(),
                EngineName::Deepgram => deepgram.is_some(),
                EngineName::OpenAi => openai.is_some(),
                _ => false,
            },
        );
        let tts_engines = chain(
            env,
            "TTS_ENGINES",
            &[
                ("server", EngineName::Server),
                ("elevenlabs", EngineName::ElevenLabs),
                ("openai", EngineName::OpenAi),
                ("espeak", EngineName::Espeak),
            ],
            |engine| match engine {
                EngineName::Server => tts.server.is_some(),
                EngineName::ElevenLabs => elevenlabs.is_some(),
                EngineName::OpenAi => openai.is_some(),
                EngineName::Espeak => true,
                EngineName::Deepgram => false,
            },
        );
        Self {
            openai,
            llm,
            stt,
            tts,
            tts_voice,
            llm_max_tokens_field,
            stt_engines,
            tts_engines,
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

    #[test]
    fn each_role_can_have_its_own_server_model_and_key() {
        let config = voice(&[
            ("LLM_BASE_URL", "http://127.0.0.1:8080/v1"),
            ("LLM_MODEL", "smollm2-135m"),
            ("STT_BASE_URL", "http://127.0.0.1:8000/v1"),
            ("STT_API_KEY", "stt-secret"),
            ("STT_MODEL", "Systran/faster-whisper-base"),
            ("TTS_BASE_URL", "http://127.0.0.1:8880/v1"),
            ("TTS_MODEL", "kokoro"),
            ("TTS_VOICE", "af_heart"),
        ])
        .unwrap();
        let llm = config.llm.server.as_ref().unwrap();
        assert_eq!(llm.base_url.as_str(), "http://127.0.0.1:8080/v1");
        assert!(
            llm.api_key.is_none(),
            "a server that needs no key gets none"
        );
        assert_eq!(config.llm.model.as_deref(), Some("smollm2-135m"));
        assert!(config.stt.server.as_ref().unwrap().api_key.is_some());
        assert_eq!(config.tts_voice.as_deref(), Some("af_heart"));
        assert!(config.openai.is_none());
        assert!(!format!("{config:?}").contains("stt-secret"));
        // With OpenAI, a model applies to OpenAI's engine for that role.
        let config = voice(&[("OPENAI_API_KEY", "sk-x"), ("LLM_MODEL", "gpt-4.1-mini")]).unwrap();
        assert!(config.llm.server.is_none());
        assert_eq!(config.llm.model.as_deref(), Some("gpt-4.1-mini"));
    }

    #[test]
    fn role_settings_that_cannot_be_used_name_their_variable() {
        for (vars, variable) in [
            (vec![("LLM_API_KEY", "k")], "LLM_API_KEY"),
            (vec![("STT_API_KEY", "k")], "STT_API_KEY"),
            (vec![("TTS_API_KEY", "k")], "TTS_API_KEY"),
            (
                vec![("LLM_BASE_URL", "ftp://models.internal")],
                "LLM_BASE_URL",
            ),
            (vec![("STT_BASE_URL", "not a url")], "STT_BASE_URL"),
            (vec![("TTS_BASE_URL", "/v1")], "TTS_BASE_URL"),
            (vec![("LLM_MODEL", "gpt-4o-mini")], "LLM_MODEL"),
            (vec![("STT_MODEL", "whisper-1")], "STT_MODEL"),
            (vec![("TTS_MODEL", "tts-1")], "TTS_MODEL"),
            (vec![("TTS_VOICE", "alloy")], "TTS_VOICE"),
            (
                vec![
                    ("OPENAI_API_KEY", "sk-x"),
                    ("LLM_MAX_TOKENS_FIELD", "tokens"),
                ],
                "LLM_MAX_TOKENS_FIELD",
            ),
            (
                vec![("OPENAI_API_KEY", "sk-x"), ("LLM_MODEL", "m\u{7}")],
                "LLM_MODEL",
            ),
        ] {
            let error = voice(&vars).unwrap_err().to_string();
            assert!(error.contains(variable), "{vars:?}: {error}");
            assert!(!error.contains("sk-x"), "{error}");
        }
        let long = "m".repeat(201);
        let error = voice(&[("OPENAI_API_KEY", "sk-x"), ("TTS_VOICE", &long)])
            .unwrap_err()
            .to_string();
        assert!(error.contains("TTS_VOICE"), "{error}");
    }

    #[test]
    fn a_roles_chain_is_read_in_order() {
        let config = voice(&[
            ("OPENAI_API_KEY", "sk-x"),
            ("DEEPGRAM_API_KEY", "dg"),
            ("STT_BASE_URL", "http://127.0.0.1:8000/v1"),
            ("STT_ENGINES", "server, Deepgram"),
            ("TTS_ENGINES", "openai,espeak"),
        ])
        .unwrap();
        assert_eq!(
            config.stt_engines,
            Some(vec![EngineName::Server, EngineName::Deepgram])
        );
        assert_eq!(
            config.tts_engines,
            Some(vec![EngineName::OpenAi, EngineName::Espeak])
        );
        assert_eq!(voice(&[]).unwrap().stt_engines, None);
    }
}
