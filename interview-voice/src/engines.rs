//! Which engines an interview runs on: one policy, [`EnginePlan`], that both builds
//! the engines and reports them, so what an application prints at start is what
//! its interviews use.
//!
//! - Speech-to-text: the role's own server (`STT_BASE_URL`) alone, else Deepgram,
//!   then OpenAI (the next takes over when one fails); none when nothing is
//!   configured (the candidate types).
//! - Interviewer: the role's own server (`LLM_BASE_URL`), else the OpenAI-compatible
//!   model at `OPENAI_BASE_URL`, else the offline interviewer.
//! - Voice: the role's own server (`TTS_BASE_URL`), else ElevenLabs, then OpenAI;
//!   then espeak-ng, each taking over from the one before.
//!
//! A role's own server is the only network engine of that role: a self-hosted
//! set-up never falls back to a third party. `*_MODEL` (and `TTS_VOICE`) apply to
//! the role's OpenAI-compatible engine, its own server's or OpenAI's.
//! - Avatar: Tavus, in LiveKit rooms only.
//!
//! A vendor whose key is set but whose cargo feature is not compiled in is left
//! out, and both the report and the log say so.

use std::sync::Arc;

use interview_core::config::Selection;
use interview_core::engine::{AvatarProvider, LlmEngine, SttEngine, TtsEngine};

use crate::config::{EngineName, RoleConfig, VoiceConfig};
use crate::fallback::{FallbackStt, FallbackTts};
use crate::offline::{EspeakTts, OfflineInterviewer};
use crate::session::Engines;

/// A role with a server of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Stt,
    Llm,
    Tts,
}

/// A vendor the configuration can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Vendor {
    Deepgram,
    OpenAi,
    ElevenLabs,
    Tavus,
    /// The role's own OpenAI-compatible server (`*_BASE_URL`).
    Server(Role),
}

impl Vendor {
    /// Whether this build includes the vendor's engines.
    fn built(self) -> bool {
        match self {
            Self::Deepgram => cfg!(feature = "deepgram"),
            Self::OpenAi | Self::Server(_) => cfg!(feature = "openai"),
            Self::ElevenLabs => cfg!(feature = "elevenlabs"),
            // The avatar joins LiveKit rooms, so it needs the job handler too.
            Self::Tavus => cfg!(all(feature = "tavus", feature = "livekit")),
        }
    }

    /// The variable that configures the vendor.
    fn variable(self) -> &'static str {
        match self {
            Self::Deepgram => "DEEPGRAM_API_KEY",
            Self::OpenAi => "OPENAI_API_KEY",
            Self::ElevenLabs => "ELEVENLABS_API_KEY",
            Self::Tavus => "TAVUS_API_KEY",
            Self::Server(Role::Stt) => "STT_BASE_URL",
            Self::Server(Role::Llm) => "LLM_BASE_URL",
            Self::Server(Role::Tts) => "TTS_BASE_URL",
        }
    }

    /// The cargo features that build it.
    fn features(self) -> &'static str {
        match self {
            Self::Deepgram => "`deepgram`",
            Self::OpenAi | Self::Server(_) => "`openai`",
            Self::ElevenLabs => "`elevenlabs`",
            Self::Tavus => "`tavus` and LiveKit agent",
        }
    }
}

/// The engines a configuration selects, for each role in the order they take over.
#[derive(Debug, Clone)]
pub struct EnginePlan {
    config: VoiceConfig,
    stt: Vec<Vendor>,
    llm: Option<Vendor>,
    tts: Vec<Vendor>,
    /// Whether espeak-ng stands last behind the voice (always, unless
    /// `TTS_ENGINES` leaves it out).
    espeak: bool,
    avatar: Option<Vendor>,
    /// Vendors configured but not built, by role.
    missing: Vec<(&'static str, Vendor)>,
    livekit: bool,
}

impl EnginePlan {
    /// The plan for `config`; `livekit` says whether interviews run in LiveKit
    /// rooms (the avatar appears only there).
    pub fn new(config: &VoiceConfig, livekit: bool) -> Self {
        let mut missing = Vec::new();
        let mut usable = |role: &'static str, vendor: Vendor, configured: bool| {
            if configured && !vendor.built() {
                missing.push((role, vendor));
            }
            configured && vendor.built()
        };
        // A role's own server fills it alone.
        let own = |role: Role, server: bool, vendors: Vec<(Vendor, bool)>| {
            if server {
                vec![(Vendor::Server(role), true)]
            } else {
                vendors
            }
        };
        // An explicit chain (`STT_ENGINES`, `TTS_ENGINES`, checked when read).
        let named = |role: Role, chain: &[EngineName]| -> Vec<(Vendor, bool)> {
            chain
                .iter()
                .filter_map(|engine| match engine {
                    EngineName::Server => Some(Vendor::Server(role)),
                    EngineName::Deepgram => Some(Vendor::Deepgram),
                    EngineName::OpenAi => Some(Vendor::OpenAi),
                    EngineName::ElevenLabs => Some(Vendor::ElevenLabs),
                    EngineName::Espeak => None,
                })
                .map(|vendor| (vendor, true))
                .collect()
        };
        let stt = match &config.stt_engines {
            Some(chain) => named(Role::Stt, chain),
            None => own(
                Role::Stt,
                config.stt.server.is_some(),
                vec![
                    (Vendor::Deepgram, config.deepgram.is_some()),
                    (Vendor::OpenAi, config.openai.is_some()),
                ],
            ),
        }
        .into_iter()
        .filter(|(vendor, configured)| usable("speech-to-text", *vendor, *configured))
        .map(|(vendor, _)| vendor)
        .collect();
        let llm = own(
            Role::Llm,
            config.llm.server.is_some(),
            vec![(Vendor::OpenAi, config.openai.is_some())],
        )
        .into_iter()
        .find(|(vendor, configured)| usable("interviewer", *vendor, *configured))
        .map(|(vendor, _)| vendor);
        let tts = match &config.tts_engines {
            Some(chain) => named(Role::Tts, chain),
            None => own(
                Role::Tts,
                config.tts.server.is_some(),
                vec![
                    (Vendor::ElevenLabs, config.elevenlabs.is_some()),
                    (Vendor::OpenAi, config.openai.is_some()),
                ],
            ),
        }
        .into_iter()
        .filter(|(vendor, configured)| usable("text-to-speech", *vendor, *configured))
        .map(|(vendor, _)| vendor)
        .collect();
        let avatar = usable("avatar", Vendor::Tavus, config.tavus.is_some() && livekit)
            .then_some(Vendor::Tavus);
        Self {
            config: config.clone(),
            stt,
            llm,
            tts,
            espeak: config
                .tts_engines
                .as_ref()
                .is_none_or(|chain| chain.contains(&EngineName::Espeak)),
            avatar,
            missing,
            livekit,
        }
    }

    /// Each role, what fills it, and the variable that decided it.
    pub fn selections(&self) -> Vec<Selection> {
        let openai_base = self
            .config
            .openai
            .as_ref()
            .map(|openai| openai.base_url.to_string())
            .unwrap_or_default();
        let server = |role: &RoleConfig| {
            role.server
                .as_ref()
                .map(|server| server.base_url.to_string())
                .unwrap_or_default()
        };
        let model = |role: &RoleConfig| {
            role.model
                .as_ref()
                .map(|model| format!(", model {model}"))
                .unwrap_or_default()
        };
        let stt = match self.stt.first() {
            Some(Vendor::Server(_)) => Selection::new(
                "speech-to-text",
                format!(
                    "OpenAI-compatible at {}{}",
                    server(&self.config.stt),
                    model(&self.config.stt)
                ),
                "STT_BASE_URL is set",
            ),
            Some(Vendor::OpenAi) => Selection::new(
                "speech-to-text",
                format!(
                    "OpenAI-compatible at {openai_base}{}",
                    model(&self.config.stt)
                ),
                "OPENAI_API_KEY is set",
            ),
            Some(vendor) => Selection::new("speech-to-text", "Deepgram", set(*vendor)),
            None => Selection::new(
                "speech-to-text",
                "none: the candidate answers by typing",
                "neither DEEPGRAM_API_KEY nor OPENAI_API_KEY is set",
            ),
        };
        let llm = match self.llm {
            Some(Vendor::Server(_)) => Selection::new(
                "interviewer",
                format!(
                    "OpenAI-compatible LLM at {}{}",
                    server(&self.config.llm),
                    model(&self.config.llm)
                ),
                "LLM_BASE_URL is set",
            ),
            Some(vendor) => Selection::new(
                "interviewer",
                format!(
                    "OpenAI-compatible LLM at {openai_base}{}",
                    model(&self.config.llm)
                ),
                set(vendor),
            ),
            None => Selection::new(
                "interviewer",
                "offline scripted interviewer",
                "OPENAI_API_KEY is not set",
            ),
        };
        let tts = match self.tts.first() {
            Some(Vendor::ElevenLabs) => {
                Selection::new("text-to-speech", "ElevenLabs", set(Vendor::ElevenLabs))
            }
            Some(Vendor::Server(_)) => Selection::new(
                "text-to-speech",
                format!(
                    "OpenAI-compatible at {}{}",
                    server(&self.config.tts),
                    model(&self.config.tts)
                ),
                "TTS_BASE_URL is set",
            ),
            Some(vendor) => Selection::new(
                "text-to-speech",
                format!("OpenAI{}", model(&self.config.tts)),
                set(*vendor),
            ),
            None => Selection::new(
                "text-to-speech",
                "offline espeak-ng",
                "neither ELEVENLABS_API_KEY nor OPENAI_API_KEY is set",
            ),
        };
        let avatar = match (self.avatar, &self.config.tavus) {
            (Some(vendor), _) => Selection::new("avatar", "Tavus", set(vendor)),
            (None, Some(_)) if !self.livekit => Selection::new(
                "avatar",
                "none",
                "Tavus needs LiveKit, and LIVEKIT_URL is not set",
            ),
            (None, _) => Selection::new("avatar", "none", "TAVUS_API_KEY is not set"),
        };
        let mut selections = vec![stt, llm, tts, avatar];
        // An explicit chain decided the role: say so, and name the chain.
        for (index, variable, chain) in [
            (0, "STT_ENGINES", &self.config.stt_engines),
            (2, "TTS_ENGINES", &self.config.tts_engines),
        ] {
            if let Some(chain) = chain {
                let names: Vec<&str> = chain.iter().map(|engine| engine.as_str()).collect();
                selections[index]
                    .provider
                    .push_str(&format!(", then in turn: {}", names.join(", ")));
                selections[index].reason = format!("{variable} is set");
            }
        }
        for selection in &mut selections {
            for (_, vendor) in self.missing.iter().filter(|(r, _)| *r == selection.role) {
                selection.provider.push_str(&not_built(*vendor));
            }
        }
        selections
    }

    /// Builds the engines, with the offline ones as the last resort; logs each
    /// configured vendor this build leaves out.
    pub fn engines(&self) -> Engines {
        self.warn_missing();
        let built: Vec<(Vendor, VendorEngines)> = [
            Vendor::Deepgram,
            Vendor::OpenAi,
            Vendor::ElevenLabs,
            Vendor::Server(Role::Stt),
            Vendor::Server(Role::Llm),
            Vendor::Server(Role::Tts),
        ]
        .into_iter()
        .map(|vendor| (vendor, self.vendor_engines(vendor)))
        .collect();
        let of = |vendor: &Vendor| {
            built
                .iter()
                .find(|(v, _)| v == vendor)
                .map(|(_, engines)| engines)
        };
        let stt: Vec<Arc<dyn SttEngine>> =
            self.stt.iter().filter_map(|v| of(v)?.stt.clone()).collect();
        let llm = self.llm.and_then(|v| of(&v)?.llm.clone());
        let mut tts: Vec<Arc<dyn TtsEngine>> =
            self.tts.iter().filter_map(|v| of(v)?.tts.clone()).collect();
        // espeak-ng last, unless the chain leaves it out (never no voice at all).
        if self.espeak || tts.is_empty() {
            tts.push(Arc::new(EspeakTts::new()));
        }
        Engines {
            stt: match stt.len() {
                0 | 1 => stt.into_iter().next(),
                _ => Some(Arc::new(FallbackStt::new(stt))),
            },
            llm: llm.unwrap_or_else(|| Arc::new(OfflineInterviewer::new())),
            tts: match tts.len() {
                1 => tts.remove(0),
                _ => Arc::new(FallbackTts::new(tts)),
            },
        }
    }

    /// Whether the only voice is the offline one (espeak-ng, a system package).
    pub fn voice_is_offline(&self) -> bool {
        self.tts.is_empty()
    }

    /// The video avatar for LiveKit jobs, when configured, in a LiveKit set-up,
    /// and built.
    pub fn avatar(&self) -> Option<Arc<dyn AvatarProvider>> {
        self.avatar?;
        #[cfg(feature = "tavus")]
        if let Some(tavus) = &self.config.tavus {
            return Some(Arc::new(crate::providers::tavus::TavusAvatar::from_config(
                tavus,
            )));
        }
        None
    }

    fn warn_missing(&self) {
        for (role, vendor) in &self.missing {
            tracing::warn!(
                role,
                "{} is set, but this build has no {} feature: left out",
                vendor.variable(),
                vendor.features()
            );
        }
    }

    /// What `vendor` provides, built once so its roles share one client.
    fn vendor_engines(&self, vendor: Vendor) -> VendorEngines {
        match vendor {
            #[cfg(feature = "deepgram")]
            Vendor::Deepgram => VendorEngines {
                stt: self.config.deepgram.as_ref().map(|deepgram| {
                    Arc::new(crate::providers::deepgram::DeepgramStt::from_config(
                        deepgram,
                    )) as Arc<dyn SttEngine>
                }),
                ..VendorEngines::default()
            },
            #[cfg(feature = "openai")]
            Vendor::OpenAi => {
                use crate::providers::openai::OpenAi;
                let Some(client) = self.config.openai.as_ref().map(OpenAi::from_config) else {
                    return VendorEngines::default();
                };
                VendorEngines {
                    stt: Some(self.openai_stt(&client)),
                    llm: Some(self.openai_llm(&client)),
                    tts: Some(self.openai_tts(&client)),
                }
            }
            #[cfg(feature = "openai")]
            Vendor::Server(role) => {
                use crate::providers::openai::OpenAi;
                let config = match role {
                    Role::Stt => &self.config.stt,
                    Role::Llm => &self.config.llm,
                    Role::Tts => &self.config.tts,
                };
                let Some(client) = config.server.as_ref().map(OpenAi::compatible) else {
                    return VendorEngines::default();
                };
                match role {
                    Role::Stt => VendorEngines {
                        stt: Some(self.openai_stt(&client)),
                        ..VendorEngines::default()
                    },
                    Role::Llm => VendorEngines {
                        llm: Some(self.openai_llm(&client)),
                        ..VendorEngines::default()
                    },
                    Role::Tts => VendorEngines {
                        tts: Some(self.openai_tts(&client)),
                        ..VendorEngines::default()
                    },
                }
            }
            #[cfg(feature = "elevenlabs")]
            Vendor::ElevenLabs => VendorEngines {
                tts: self.config.elevenlabs.as_ref().map(|elevenlabs| {
                    Arc::new(crate::providers::elevenlabs::ElevenLabsTts::from_config(
                        elevenlabs,
                    )) as Arc<dyn TtsEngine>
                }),
                ..VendorEngines::default()
            },
            _ => VendorEngines::default(),
        }
    }
}

#[cfg(feature = "openai")]
impl EnginePlan {
    /// OpenAI-compatible speech-to-text on `client`, with `STT_MODEL`.
    fn openai_stt(&self, client: &crate::providers::openai::OpenAi) -> Arc<dyn SttEngine> {
        let mut stt = client.stt();
        if let Some(model) = &self.config.stt.model {
            stt = stt.with_model(model.clone());
        }
        Arc::new(stt)
    }

    /// An OpenAI-compatible model on `client`, with `LLM_MODEL`, capping answers
    /// with the field `LLM_MAX_TOKENS_FIELD` names (by default the one OpenAI
    /// reads for OpenAI, the older one for any other server).
    fn openai_llm(&self, client: &crate::providers::openai::OpenAi) -> Arc<dyn LlmEngine> {
        use crate::config::MaxTokensField;
        let mut llm = client.llm();
        if let Some(model) = &self.config.llm.model {
            llm = llm.with_model(model.clone());
        }
        let field = self.config.llm_max_tokens_field.unwrap_or(
            if client.base_url().host_str() == Some("api.openai.com") {
                MaxTokensField::MaxCompletionTokens
            } else {
                MaxTokensField::MaxTokens
            },
        );
        if field == MaxTokensField::MaxTokens {
            llm = llm.with_legacy_max_tokens();
        }
        Arc::new(llm)
    }

    /// OpenAI-compatible speech on `client`, with `TTS_MODEL` and `TTS_VOICE`.
    fn openai_tts(&self, client: &crate::providers::openai::OpenAi) -> Arc<dyn TtsEngine> {
        let mut tts = client.tts();
        if let Some(model) = &self.config.tts.model {
            tts = tts.with_model(model.clone());
        }
        if let Some(voice) = &self.config.tts_voice {
            tts = tts.with_voice(voice.clone());
        }
        Arc::new(tts)
    }
}

/// What the start-up check found for one role's OpenAI-compatible server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineProbe {
    /// The role (`speech-to-text`, `interviewer`, `text-to-speech`).
    pub role: &'static str,
    /// The server's base URL.
    pub url: String,
    /// What is wrong; `None` when it answered (and lists the model, when it lists
    /// models at all).
    pub problem: Option<String>,
}

impl std::fmt::Display for EngineProbe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.problem {
            None => write!(f, "{} at {}: reachable", self.role, self.url),
            Some(problem) => write!(f, "{} at {}: {problem}", self.role, self.url),
        }
    }
}

impl EnginePlan {
    /// Asks the OpenAI-compatible server of each role that has one (its own, or
    /// OpenAI's) for its models (`GET {base}/models`), each within `timeout`: a
    /// server that cannot be reached, refuses the key, or lists models without the
    /// configured one is a problem; one without a model list (404) is reachable.
    pub async fn probe(&self, timeout: std::time::Duration) -> Vec<EngineProbe> {
        #[cfg(feature = "openai")]
        {
            use crate::providers::openai::{
                DEFAULT_CHAT_MODEL, DEFAULT_STT_MODEL, DEFAULT_TTS_MODEL, OpenAi,
            };
            let roles = [
                (
                    "speech-to-text",
                    self.stt.first().copied(),
                    &self.config.stt,
                    DEFAULT_STT_MODEL,
                ),
                (
                    "interviewer",
                    self.llm,
                    &self.config.llm,
                    DEFAULT_CHAT_MODEL,
                ),
                (
                    "text-to-speech",
                    self.tts.first().copied(),
                    &self.config.tts,
                    DEFAULT_TTS_MODEL,
                ),
            ];
            let mut probes = Vec::new();
            for (role, vendor, settings, default_model) in roles {
                let client = match vendor {
                    Some(Vendor::Server(_)) => settings.server.as_ref().map(OpenAi::compatible),
                    Some(Vendor::OpenAi) => self.config.openai.as_ref().map(OpenAi::from_config),
                    _ => None,
                };
                let Some(client) = client else {
                    continue;
                };
                let model = settings.model.as_deref().unwrap_or(default_model);
                let problem = match tokio::time::timeout(timeout, client.models()).await {
                    Err(_) => Some(format!("no answer within {} s", timeout.as_secs())),
                    Ok(Err(error))
                        if matches!(
                            error.kind,
                            interview_core::engine::VendorErrorKind::BadRequest { status: 404 }
                        ) =>
                    {
                        None
                    }
                    Ok(Err(error)) => Some(error.to_string()),
                    Ok(Ok(models)) if !models.is_empty() && !models.iter().any(|m| m == model) => {
                        Some(format!("it does not list the model {model}"))
                    }
                    Ok(Ok(_)) => None,
                };
                probes.push(EngineProbe {
                    role,
                    url: client.base_url().to_string(),
                    problem,
                });
            }
            probes
        }
        #[cfg(not(feature = "openai"))]
        {
            let _ = timeout;
            Vec::new()
        }
    }
}

/// The engines one vendor provides.
#[derive(Default)]
struct VendorEngines {
    stt: Option<Arc<dyn SttEngine>>,
    llm: Option<Arc<dyn LlmEngine>>,
    tts: Option<Arc<dyn TtsEngine>>,
}

/// "`VARIABLE` is set".
fn set(vendor: Vendor) -> String {
    format!("{} is set", vendor.variable())
}

/// The note on a role whose configured vendor this build leaves out.
fn not_built(vendor: Vendor) -> String {
    format!(
        " [{} is set, but this build has no {} feature]",
        vendor.variable(),
        vendor.features()
    )
}

#[cfg(test)]
mod tests {
    use interview_core::config::Env;

    use super::*;

    fn plan(vars: &[(&str, &str)], livekit: bool) -> EnginePlan {
        let config = Env::read_pairs(vars, |env| Some(VoiceConfig::from_env(env))).unwrap();
        EnginePlan::new(&config, livekit)
    }

    fn shown(plan: &EnginePlan) -> Vec<String> {
        plan.selections().iter().map(ToString::to_string).collect()
    }

    #[test]
    fn with_nothing_configured_the_engines_are_offline_and_say_why() {
        let plan = plan(&[], false);
        let engines = plan.engines();
        assert!(engines.stt.is_none());
        assert_eq!(engines.llm.name(), "offline-interviewer");
        assert_eq!(engines.tts.name(), "espeak-ng");
        assert!(plan.avatar().is_none());
        assert_eq!(
            shown(&plan),
            [
                "speech-to-text  none: the candidate answers by typing (neither DEEPGRAM_API_KEY nor OPENAI_API_KEY is set)",
                "interviewer     offline scripted interviewer (OPENAI_API_KEY is not set)",
                "text-to-speech  offline espeak-ng (neither ELEVENLABS_API_KEY nor OPENAI_API_KEY is set)",
                "avatar          none (TAVUS_API_KEY is not set)",
            ]
        );
    }

    #[test]
    fn the_avatar_needs_livekit() {
        let tavus = [("TAVUS_API_KEY", "k"), ("TAVUS_PERSONA_ID", "p")];
        assert_eq!(
            shown(&plan(&tavus, false))[3],
            "avatar          none (Tavus needs LiveKit, and LIVEKIT_URL is not set)"
        );
        let in_rooms = plan(&tavus, true);
        if cfg!(all(feature = "tavus", feature = "livekit")) {
            assert_eq!(
                shown(&in_rooms)[3],
                "avatar          Tavus (TAVUS_API_KEY is set)"
            );
            assert_eq!(in_rooms.avatar().unwrap().name(), "tavus");
        } else {
            assert!(
                shown(&in_rooms)[3].contains("this build has no `tavus` and LiveKit agent feature")
            );
            assert!(in_rooms.avatar().is_none());
        }
    }

    #[cfg(all(feature = "openai", feature = "deepgram", feature = "elevenlabs"))]
    #[test]
    fn vendors_are_chained_in_order_and_the_first_is_shown() {
        let plan = plan(
            &[
                ("DEEPGRAM_API_KEY", "k"),
                ("ELEVENLABS_API_KEY", "k"),
                ("OPENAI_API_KEY", "k"),
                ("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1"),
            ],
            false,
        );
        assert_eq!(
            &shown(&plan)[..3],
            [
                "speech-to-text  Deepgram (DEEPGRAM_API_KEY is set)",
                "interviewer     OpenAI-compatible LLM at http://127.0.0.1:11434/v1 (OPENAI_API_KEY is set)",
                "text-to-speech  ElevenLabs (ELEVENLABS_API_KEY is set)",
            ]
        );
        let engines = plan.engines();
        assert_eq!(engines.stt.as_ref().unwrap().name(), "fallback");
        assert_ne!(engines.llm.name(), "offline-interviewer");
        assert_eq!(engines.tts.name(), "fallback");
    }

    #[cfg(feature = "openai")]
    #[test]
    fn openai_alone_fills_every_role_and_espeak_stays_as_the_last_voice() {
        let plan = plan(&[("OPENAI_API_KEY", "sk-test")], false);
        assert_eq!(
            &shown(&plan)[..3],
            [
                "speech-to-text  OpenAI-compatible at https://api.openai.com/v1 (OPENAI_API_KEY is set)",
                "interviewer     OpenAI-compatible LLM at https://api.openai.com/v1 (OPENAI_API_KEY is set)",
                "text-to-speech  OpenAI (OPENAI_API_KEY is set)",
            ]
        );
        let engines = plan.engines();
        assert!(engines.stt.is_some());
        assert_ne!(engines.llm.name(), "offline-interviewer");
        assert_ne!(
            engines.tts.name(),
            "espeak-ng",
            "a fallback chain, not espeak alone"
        );
    }

    #[cfg(not(feature = "deepgram"))]
    #[test]
    fn a_key_for_a_vendor_not_built_is_reported_and_left_out() {
        let plan = plan(&[("DEEPGRAM_API_KEY", "k")], false);
        assert!(plan.engines().stt.is_none());
        assert!(
            shown(&plan)[0]
                .contains("[DEEPGRAM_API_KEY is set, but this build has no `deepgram` feature]"),
            "{:?}",
            shown(&plan)
        );
    }

    #[test]
    fn a_roles_own_server_fills_it_alone_and_never_falls_back_to_a_vendor() {
        let plan = plan(
            &[
                ("STT_BASE_URL", "http://127.0.0.1:8000/v1"),
                ("STT_MODEL", "Systran/faster-whisper-base"),
                ("DEEPGRAM_API_KEY", "dg"),
                ("OPENAI_API_KEY", "sk-x"),
                ("ELEVENLABS_API_KEY", "el"),
            ],
            false,
        );
        let engines = plan.engines();
        // The candidate's voice goes to the self-hosted server only.
        assert_eq!(engines.stt.as_ref().unwrap().name(), "openai-compatible");
        // The other roles keep their vendors.
        assert_eq!(engines.llm.name(), "openai");
        assert_eq!(
            shown(&plan)[0],
            "speech-to-text  OpenAI-compatible at http://127.0.0.1:8000/v1, model Systran/faster-whisper-base (STT_BASE_URL is set)"
        );
        // Self-hosted everything: no vendor at all, espeak-ng still behind the voice.
        let plan = super::tests::plan(
            &[
                ("LLM_BASE_URL", "http://127.0.0.1:8080/v1"),
                ("TTS_BASE_URL", "http://127.0.0.1:8880/v1"),
            ],
            false,
        );
        let engines = plan.engines();
        assert!(engines.stt.is_none());
        assert_eq!(engines.llm.name(), "openai-compatible");
        assert!(!plan.voice_is_offline());
    }

    #[test]
    fn a_chain_named_in_the_configuration_is_the_chain() {
        let plan = plan(
            &[
                ("OPENAI_API_KEY", "sk-x"),
                ("DEEPGRAM_API_KEY", "dg"),
                ("ELEVENLABS_API_KEY", "el"),
                ("STT_ENGINES", "openai,deepgram"),
                ("TTS_ENGINES", "openai"),
            ],
            false,
        );
        let lines = shown(&plan);
        assert_eq!(
            lines[0],
            "speech-to-text  OpenAI-compatible at https://api.openai.com/v1, then in turn: openai, deepgram (STT_ENGINES is set)"
        );
        assert_eq!(
            lines[2],
            "text-to-speech  OpenAI, then in turn: openai (TTS_ENGINES is set)"
        );
        let engines = plan.engines();
        // OpenAI alone speaks: no ElevenLabs before it, no espeak-ng behind it.
        assert_eq!(engines.tts.name(), "openai");
        assert_eq!(engines.stt.as_ref().unwrap().name(), "fallback");
        // espeak-ng alone: the offline voice.
        let plan = super::tests::plan(
            &[("ELEVENLABS_API_KEY", "el"), ("TTS_ENGINES", "espeak")],
            false,
        );
        assert!(plan.voice_is_offline());
        assert_eq!(plan.engines().tts.name(), "espeak-ng");
    }
}
