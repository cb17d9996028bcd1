//! Configuration from environment variables: the original's names, plus our own.
//!
//! Every variable is documented in `docs/configuration.md`. An empty variable counts
//! as unset. Errors name the variable and say what is wrong; all of them are
//! reported at once. Secrets are [`Secret`]s, so `Debug` never prints them.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use chrono::TimeDelta;
use url::Url;

use crate::service::{DEFAULT_MAX_RESUME_BYTES, SchedulingSettings};
use crate::{EmailAddress, InterviewWindow, Secret};

/// One variable that is missing or wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    /// The environment variable.
    pub variable: &'static str,
    /// What is wrong with it.
    pub problem: String,
}

/// Every configuration problem found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "invalid configuration:")?;
        for error in &self.0 {
            writeln!(f, "  - {error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// Supabase: bookings through PostgREST and resumes in Storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupabaseConfig {
    /// `SUPABASE_URL`, e.g. `https://abc.supabase.co`.
    pub url: Url,
    /// `SUPABASE_SERVICE_ROLE_KEY`.
    pub service_role_key: Secret,
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// TLS from the first byte (port 465).
    Tls,
    /// Plain connection upgraded with STARTTLS (ports 587 and 25).
    StartTls,
    /// No encryption: only for a local relay or a test server.
    None,
}

/// An SMTP server for invitations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    /// `SMTP_HOST`.
    pub host: String,
    /// `SMTP_PORT` (default 587).
    pub port: u16,
    /// `SMTP_SECURITY` (`tls`, `starttls` or `none`; default `tls` on port 465,
    /// `starttls` otherwise).
    pub security: SmtpSecurity,
    /// `SMTP_USER` and `SMTP_PASSWORD`, when the server needs a login.
    pub credentials: Option<(String, Secret)>,
    /// `SMTP_FROM` (default `SMTP_USER` when that is an address).
    pub from: EmailAddress,
    /// `SMTP_CA_CERT`: a PEM file of an extra certificate authority to trust, for a
    /// relay with a private certificate. The public roots are trusted either way.
    pub ca_certificate: Option<PathBuf>,
}

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

/// Interview rules and limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterviewConfig {
    /// `INTERVIEW_OPENS_BEFORE_MINUTES` (5) and `INTERVIEW_CLOSES_AFTER_MINUTES` (60).
    pub window: InterviewWindow,
    /// `MAX_UPLOAD_BYTES` (5 MiB).
    pub max_upload_bytes: usize,
    /// `MAX_RESUME_LENGTH`: the most resume characters given to the interviewer (8000).
    pub max_resume_length: usize,
    /// `INTERVIEW_COMPANY`: who is interviewing, as named in invitations and by the
    /// interviewer.
    pub company: String,
    /// `INTERVIEW_POSITION`: the position the interviews are for.
    pub position: String,
}

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `PUBLIC_BASE_URL`: where candidates reach the server (links in e-mails).
    pub public_base_url: Url,
    /// `BIND_ADDRESS`: where the server listens.
    pub bind_address: SocketAddr,
    /// `DATA_DIR`: the SQLite database, local resumes and the e-mail outbox.
    pub data_dir: PathBuf,
    /// `DATABASE_URL`: `sqlite:...` or `postgres://...`; may hold a password.
    pub database_url: Option<Secret>,
    /// `SUPABASE_URL` + `SUPABASE_SERVICE_ROLE_KEY`.
    pub supabase: Option<SupabaseConfig>,
    /// `SMTP_*`.
    pub smtp: Option<SmtpConfig>,
    /// `LIVEKIT_*`.
    pub livekit: Option<LiveKitConfig>,
    /// `OPENAI_*`.
    pub openai: Option<OpenAiConfig>,
    /// `ELEVENLABS_*`.
    pub elevenlabs: Option<ElevenLabsConfig>,
    /// `DEEPGRAM_API_KEY`.
    pub deepgram: Option<DeepgramConfig>,
    /// `TAVUS_*`.
    pub tavus: Option<TavusConfig>,
    /// Interview rules and limits.
    pub interview: InterviewConfig,
    /// `ADMIN_API_TOKEN`: the bearer token of the read-only admin API (bookings,
    /// transcripts, evaluations); the API is off when unset.
    pub admin_api_token: Option<Secret>,
}

/// The provider chosen for one role, and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The role ("bookings", "e-mail", "speech-to-text", ...).
    pub role: &'static str,
    /// What fills it.
    pub provider: String,
    /// Which variable decided it.
    pub reason: String,
}

impl fmt::Display for Selection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:<15} {} ({})", self.role, self.provider, self.reason)
    }
}

/// The default `BIND_ADDRESS`.
pub const DEFAULT_BIND_ADDRESS: &str = "127.0.0.1:3000";
/// The default `LIVEKIT_AGENT_NAME`, as in the original.
pub const DEFAULT_AGENT_NAME: &str = "my-interviewer";
/// The default `OPENAI_BASE_URL`.
pub const DEFAULT_OPENAI_BASE_URL: &str = "https://api.openai.com/v1";
/// The default `MAX_RESUME_LENGTH`.
pub const DEFAULT_MAX_RESUME_LENGTH: usize = 8000;

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigErrors> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads variables from a map (tests, or a parsed `.env` file).
    pub fn from_map(vars: &HashMap<String, String>) -> Result<Self, ConfigErrors> {
        Self::from_lookup(|name| vars.get(name).cloned())
    }

    /// Reads variables through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigErrors> {
        let mut env = Env {
            lookup: &lookup,
            errors: Vec::new(),
        };
        let bind_address = env
            .parse("BIND_ADDRESS", "an address such as 127.0.0.1:3000", |v| {
                v.parse::<SocketAddr>().ok()
            })
            .or_else(|| DEFAULT_BIND_ADDRESS.parse().ok());
        // Links must name a host a browser can reach, not 0.0.0.0.
        let default_base = bind_address.map(|addr| {
            if addr.ip().is_unspecified() {
                format!("http://localhost:{}", addr.port())
            } else {
                format!("http://{addr}")
            }
        });
        let public_base_url = env
            .url("PUBLIC_BASE_URL", &["http", "https"])
            .or_else(|| default_base.and_then(|base| Url::parse(&base).ok()));
        let data_dir = env
            .get("DATA_DIR")
            .map_or_else(|| PathBuf::from("data"), PathBuf::from);
        let database_url = env.get("DATABASE_URL").map(Secret::new);
        if let Some(url) = &database_url {
            let scheme_ok = ["sqlite:", "postgres://", "postgresql://"]
                .iter()
                .any(|prefix| url.expose().starts_with(prefix));
            if !scheme_ok {
                env.error(
                    "DATABASE_URL",
                    "must start with sqlite:, postgres:// or postgresql://",
                );
            }
        }

        let supabase = env
            .group(&["SUPABASE_URL", "SUPABASE_SERVICE_ROLE_KEY"])
            .and_then(|_| {
                Some(SupabaseConfig {
                    url: env.url("SUPABASE_URL", &["https", "http"])?,
                    service_role_key: Secret::new(env.get("SUPABASE_SERVICE_ROLE_KEY")?),
                })
            });
        let smtp = smtp_config(&mut env);
        let livekit = env
            .group(&["LIVEKIT_URL", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET"])
            .and_then(|_| {
                Some(LiveKitConfig {
                    url: env.url("LIVEKIT_URL", &["wss", "ws", "https", "http"])?,
                    api_key: env.get("LIVEKIT_API_KEY")?,
                    api_secret: Secret::new(env.get("LIVEKIT_API_SECRET")?),
                    agent_name: env
                        .get("LIVEKIT_AGENT_NAME")
                        .unwrap_or_else(|| DEFAULT_AGENT_NAME.to_owned()),
                })
            });
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

        let opens = env.minutes("INTERVIEW_OPENS_BEFORE_MINUTES", 5);
        let closes = env.minutes("INTERVIEW_CLOSES_AFTER_MINUTES", 60);
        let window = InterviewWindow::new(TimeDelta::minutes(opens), TimeDelta::minutes(closes))
            .unwrap_or_default();
        let max_upload_bytes = env.positive("MAX_UPLOAD_BYTES", DEFAULT_MAX_RESUME_BYTES);
        let max_resume_length = env.positive("MAX_RESUME_LENGTH", DEFAULT_MAX_RESUME_LENGTH);
        let company = env
            .get("INTERVIEW_COMPANY")
            .unwrap_or_else(|| "the hiring team".to_owned());
        let position = env
            .get("INTERVIEW_POSITION")
            .unwrap_or_else(|| "Software Engineer".to_owned());

        let admin_api_token = env.get("ADMIN_API_TOKEN").map(Secret::new);
        if admin_api_token
            .as_ref()
            .is_some_and(|token| token.expose().chars().count() < 24)
        {
            env.error("ADMIN_API_TOKEN", "must be at least 24 characters long");
        }

        match (env.errors.is_empty(), public_base_url, bind_address) {
            (true, Some(public_base_url), Some(bind_address)) => Ok(Self {
                public_base_url,
                bind_address,
                data_dir,
                database_url,
                supabase,
                smtp,
                livekit,
                openai,
                elevenlabs,
                deepgram,
                tavus,
                interview: InterviewConfig {
                    window,
                    max_upload_bytes,
                    max_resume_length,
                    company,
                    position,
                },
                admin_api_token,
            }),
            _ => Err(ConfigErrors(env.errors)),
        }
    }

    /// Which provider the configuration selects for each role, and why: what
    /// `full_stack` prints at start, so a missing variable is visible at once.
    pub fn selections(&self) -> Vec<Selection> {
        let pick = |role, provider: String, reason: &str| Selection {
            role,
            provider,
            reason: reason.to_owned(),
        };
        let database = match (&self.supabase, &self.database_url) {
            (Some(supabase), _) => pick(
                "bookings",
                format!("Supabase at {}", supabase.url),
                "SUPABASE_URL is set",
            ),
            (None, Some(url)) if url.expose().starts_with("sqlite:") => pick(
                "bookings",
                "SQLite".to_owned(),
                "DATABASE_URL is a sqlite: URL",
            ),
            (None, Some(_)) => pick("bookings", "PostgreSQL".to_owned(), "DATABASE_URL is set"),
            (None, None) => pick(
                "bookings",
                format!(
                    "SQLite at {}",
                    self.data_dir.join("interviews.db").display()
                ),
                "neither DATABASE_URL nor SUPABASE_URL is set",
            ),
        };
        let resumes = match &self.supabase {
            Some(_) => pick(
                "resumes",
                "Supabase Storage".to_owned(),
                "SUPABASE_URL is set",
            ),
            None => pick(
                "resumes",
                format!("local folder {}", self.data_dir.join("resumes").display()),
                "SUPABASE_URL is not set",
            ),
        };
        let email = match &self.smtp {
            Some(smtp) => pick(
                "e-mail",
                format!("SMTP {}:{}", smtp.host, smtp.port),
                "SMTP_HOST is set",
            ),
            None => pick(
                "e-mail",
                format!("outbox folder {}", self.data_dir.join("outbox").display()),
                "SMTP_HOST is not set",
            ),
        };
        let media = match &self.livekit {
            Some(livekit) => pick(
                "media",
                format!("LiveKit at {}", livekit.url),
                "LIVEKIT_URL is set",
            ),
            None => pick(
                "media",
                "WebSocket to this server".to_owned(),
                "LIVEKIT_URL is not set",
            ),
        };
        let stt = match (&self.deepgram, &self.openai) {
            (Some(_), _) => pick(
                "speech-to-text",
                "Deepgram".to_owned(),
                "DEEPGRAM_API_KEY is set",
            ),
            (None, Some(openai)) => pick(
                "speech-to-text",
                format!("OpenAI-compatible at {}", openai.base_url),
                "OPENAI_API_KEY is set",
            ),
            (None, None) => pick(
                "speech-to-text",
                "none: the candidate answers by typing".to_owned(),
                "neither DEEPGRAM_API_KEY nor OPENAI_API_KEY is set",
            ),
        };
        let llm = match &self.openai {
            Some(openai) => pick(
                "interviewer",
                format!("OpenAI-compatible LLM at {}", openai.base_url),
                "OPENAI_API_KEY is set",
            ),
            None => pick(
                "interviewer",
                "offline scripted interviewer".to_owned(),
                "OPENAI_API_KEY is not set",
            ),
        };
        let tts = match (&self.elevenlabs, &self.openai) {
            (Some(_), _) => pick(
                "text-to-speech",
                "ElevenLabs".to_owned(),
                "ELEVENLABS_API_KEY is set",
            ),
            (None, Some(_)) => pick(
                "text-to-speech",
                "OpenAI".to_owned(),
                "OPENAI_API_KEY is set",
            ),
            (None, None) => pick(
                "text-to-speech",
                "offline espeak-ng".to_owned(),
                "neither ELEVENLABS_API_KEY nor OPENAI_API_KEY is set",
            ),
        };
        let avatar = match &self.tavus {
            Some(_) if self.livekit.is_some() => {
                pick("avatar", "Tavus".to_owned(), "TAVUS_API_KEY is set")
            }
            Some(_) => pick(
                "avatar",
                "none".to_owned(),
                "Tavus needs LiveKit, and LIVEKIT_URL is not set",
            ),
            None => pick("avatar", "none".to_owned(), "TAVUS_API_KEY is not set"),
        };
        vec![database, resumes, email, media, stt, llm, tts, avatar]
    }

    /// The scheduling service's settings from this configuration.
    pub fn scheduling_settings(&self) -> SchedulingSettings {
        let mut settings = SchedulingSettings::new(&self.public_base_url);
        settings.window = self.interview.window;
        settings.max_resume_bytes = self.interview.max_upload_bytes;
        settings.organization = self.interview.company.clone();
        settings
    }
}

fn smtp_config(env: &mut Env<'_>) -> Option<SmtpConfig> {
    let host = env.get("SMTP_HOST");
    let related = [
        "SMTP_PORT",
        "SMTP_USER",
        "SMTP_PASSWORD",
        "SMTP_FROM",
        "SMTP_SECURITY",
    ];
    let Some(host) = host else {
        if let Some(set) = related.iter().find(|name| env.get(name).is_some()) {
            env.error("SMTP_HOST", format!("is required when {set} is set"));
        }
        return None;
    };
    let port = env
        .parse("SMTP_PORT", "a port number from 1 to 65535", |v| {
            v.parse::<u16>().ok().filter(|p| *p != 0)
        })
        .unwrap_or(587);
    let security = match env
        .get("SMTP_SECURITY")
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None => {
            if port == 465 {
                SmtpSecurity::Tls
            } else {
                SmtpSecurity::StartTls
            }
        }
        Some("tls") => SmtpSecurity::Tls,
        Some("starttls") => SmtpSecurity::StartTls,
        Some("none") => SmtpSecurity::None,
        Some(_) => {
            env.error("SMTP_SECURITY", "must be tls, starttls or none");
            SmtpSecurity::StartTls
        }
    };
    let credentials = env.group(&["SMTP_USER", "SMTP_PASSWORD"]).and_then(|_| {
        Some((
            env.get("SMTP_USER")?,
            Secret::new(env.get("SMTP_PASSWORD")?),
        ))
    });
    let from = match env.get("SMTP_FROM") {
        Some(from) => EmailAddress::parse(&from)
            .map_err(|e| {
                env.error(
                    "SMTP_FROM",
                    format!("is not an e-mail address ({})", e.message),
                )
            })
            .ok(),
        None => {
            let user_address = credentials
                .as_ref()
                .and_then(|(user, _)| EmailAddress::parse(user).ok());
            if user_address.is_none() {
                env.error(
                    "SMTP_FROM",
                    "is required when SMTP_USER is not an e-mail address",
                );
            }
            user_address
        }
    };
    let ca_certificate = env.get("SMTP_CA_CERT").map(PathBuf::from);
    if let Some(path) = &ca_certificate
        && !path.is_file()
    {
        env.error(
            "SMTP_CA_CERT",
            format!("{} is not a readable file", path.display()),
        );
    }
    Some(SmtpConfig {
        host,
        port,
        security,
        credentials,
        from: from?,
        ca_certificate,
    })
}

struct Env<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    errors: Vec<ConfigError>,
}

impl Env<'_> {
    /// The variable's trimmed value; unset and empty are the same.
    fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    fn error(&mut self, variable: &'static str, problem: impl Into<String>) {
        self.errors.push(ConfigError {
            variable,
            problem: problem.into(),
        });
    }

    fn parse<T>(
        &mut self,
        name: &'static str,
        expected: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let value = self.get(name)?;
        let parsed = parse(&value);
        if parsed.is_none() {
            self.error(name, format!("expected {expected}, got {value:?}"));
        }
        parsed
    }

    fn url(&mut self, name: &'static str, schemes: &[&str]) -> Option<Url> {
        let value = self.get(name)?;
        match Url::parse(&value) {
            Ok(url) if schemes.contains(&url.scheme()) && url.has_host() => Some(url),
            Ok(url) => {
                self.error(
                    name,
                    format!(
                        "must be a {} URL, got scheme {:?}",
                        schemes.join(" or "),
                        url.scheme()
                    ),
                );
                None
            }
            Err(e) => {
                self.error(name, format!("is not a URL ({e})"));
                None
            }
        }
    }

    /// Variables that only make sense together: `Some(())` when all are set, `None`
    /// when none are; an error naming the missing ones when only some are.
    fn group(&mut self, names: &[&'static str]) -> Option<()> {
        let missing: Vec<&'static str> = names
            .iter()
            .copied()
            .filter(|n| self.get(n).is_none())
            .collect();
        if missing.is_empty() {
            return Some(());
        }
        if missing.len() < names.len() {
            let set: Vec<&str> = names
                .iter()
                .copied()
                .filter(|n| !missing.contains(n))
                .collect();
            for name in missing {
                self.error(
                    name,
                    format!("is required when {} is set", set.join(" and ")),
                );
            }
        }
        None
    }

    fn minutes(&mut self, name: &'static str, default: i64) -> i64 {
        self.parse(name, "a whole number of minutes from 0 to 10080", |v| {
            v.parse::<i64>().ok().filter(|m| (0..=10_080).contains(m))
        })
        .unwrap_or(default)
    }

    fn positive(&mut self, name: &'static str, default: usize) -> usize {
        self.parse(name, "a positive whole number", |v| {
            v.parse::<usize>().ok().filter(|n| *n > 0)
        })
        .unwrap_or(default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigErrors> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_map(&map)
    }

    fn problems(vars: &[(&str, &str)]) -> Vec<(String, String)> {
        config(vars)
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| (e.variable.to_owned(), e.problem))
            .collect()
    }

    #[test]
    fn defaults_need_no_variables() {
        let config = config(&[]).unwrap();
        assert_eq!(config.bind_address.to_string(), "127.0.0.1:3000");
        assert_eq!(config.public_base_url.as_str(), "http://127.0.0.1:3000/");
        assert_eq!(config.data_dir, PathBuf::from("data"));
        assert!(config.database_url.is_none());
        assert!(config.supabase.is_none() && config.smtp.is_none() && config.livekit.is_none());
        assert!(config.openai.is_none() && config.elevenlabs.is_none());
        assert!(config.deepgram.is_none() && config.tavus.is_none());
        assert_eq!(config.interview.window, InterviewWindow::DEFAULT);
        assert_eq!(config.interview.max_upload_bytes, 5 * 1024 * 1024);
        assert_eq!(config.interview.max_resume_length, 8000);
        let everywhere = super::Config::from_map(&HashMap::from([(
            "BIND_ADDRESS".to_owned(),
            "0.0.0.0:8080".to_owned(),
        )]))
        .unwrap();
        assert_eq!(
            everywhere.public_base_url.as_str(),
            "http://localhost:8080/"
        );
    }

    #[test]
    fn reads_the_original_variables() {
        let config = config(&[
            ("PUBLIC_BASE_URL", "https://jobs.example.com"),
            ("SUPABASE_URL", "https://abc.supabase.co"),
            ("SUPABASE_SERVICE_ROLE_KEY", "service-role-secret"),
            ("SMTP_HOST", "smtp.example.com"),
            ("SMTP_PORT", "465"),
            ("SMTP_USER", "hr@example.com"),
            ("SMTP_PASSWORD", "smtp-secret"),
            ("LIVEKIT_URL", "wss://proj.livekit.cloud"),
            ("LIVEKIT_API_KEY", "APIabc"),
            ("LIVEKIT_API_SECRET", "livekit-secret"),
            ("OPENAI_API_KEY", "sk-openai-secret"),
            ("ELEVENLABS_API_KEY", "el-secret"),
            ("DEEPGRAM_API_KEY", "dg-secret"),
            ("TAVUS_API_KEY", "tavus-secret"),
            ("TAVUS_PERSONA_ID", "p123"),
            ("INTERVIEW_OPENS_BEFORE_MINUTES", "10"),
            ("INTERVIEW_CLOSES_AFTER_MINUTES", "90"),
            (
                "DATABASE_URL",
                "postgres://app:db-secret@localhost/interviews",
            ),
            ("ADMIN_API_TOKEN", "admin-secret-0123456789abcdef"),
        ])
        .unwrap();
        let smtp = config.smtp.as_ref().unwrap();
        assert_eq!((smtp.port, smtp.security), (465, SmtpSecurity::Tls));
        assert_eq!(smtp.from.as_str(), "hr@example.com");
        assert_eq!(smtp.credentials.as_ref().unwrap().1.expose(), "smtp-secret");
        let livekit = config.livekit.as_ref().unwrap();
        assert_eq!(livekit.agent_name, "my-interviewer");
        assert_eq!(livekit.url.scheme(), "wss");
        assert_eq!(
            config.openai.as_ref().unwrap().base_url.as_str(),
            "https://api.openai.com/v1"
        );
        assert_eq!(config.tavus.as_ref().unwrap().persona_id, "p123");
        assert_eq!(
            config.interview.window,
            InterviewWindow::new(TimeDelta::minutes(10), TimeDelta::minutes(90)).unwrap()
        );

        let debug = format!("{config:?}");
        for secret in [
            "service-role-secret",
            "smtp-secret",
            "livekit-secret",
            "sk-openai-secret",
            "el-secret",
            "dg-secret",
            "tavus-secret",
            "db-secret",
            "admin-secret",
        ] {
            assert!(!debug.contains(secret), "{secret} leaked into Debug");
        }
        let settings = config.scheduling_settings();
        assert_eq!(settings.window, config.interview.window);
    }

    #[test]
    fn selections_name_the_deciding_variable() {
        let defaults = config(&[]).unwrap().selections();
        let find = |selections: &[Selection], role: &str| {
            selections.iter().find(|s| s.role == role).unwrap().clone()
        };
        let bookings = find(&defaults, "bookings");
        assert!(
            bookings.provider.starts_with("SQLite at data"),
            "{bookings}"
        );
        assert!(bookings.reason.contains("DATABASE_URL"));
        assert!(
            find(&defaults, "e-mail")
                .reason
                .contains("SMTP_HOST is not set")
        );
        assert!(
            find(&defaults, "speech-to-text")
                .provider
                .contains("typing")
        );
        let tavus_only = config(&[("TAVUS_API_KEY", "k"), ("TAVUS_PERSONA_ID", "p")])
            .unwrap()
            .selections();
        assert!(find(&tavus_only, "avatar").reason.contains("needs LiveKit"));
        let postgres = config(&[("DATABASE_URL", "postgres://u:pw-secret@h/db")])
            .unwrap()
            .selections();
        let shown = find(&postgres, "bookings").to_string();
        assert!(
            shown.contains("PostgreSQL") && !shown.contains("pw-secret"),
            "{shown}"
        );
    }

    #[test]
    fn empty_values_count_as_unset() {
        let config = config(&[("SMTP_HOST", ""), ("OPENAI_API_KEY", "  ")]).unwrap();
        assert!(config.smtp.is_none());
        assert!(config.openai.is_none());
    }

    #[test]
    fn partial_groups_name_the_missing_variable() {
        assert_eq!(
            problems(&[
                ("LIVEKIT_URL", "wss://x.livekit.cloud"),
                ("LIVEKIT_API_KEY", "k")
            ]),
            [(
                "LIVEKIT_API_SECRET".to_owned(),
                "is required when LIVEKIT_URL and LIVEKIT_API_KEY is set".to_owned()
            )]
        );
        assert_eq!(
            problems(&[("SUPABASE_SERVICE_ROLE_KEY", "k")])[0].0,
            "SUPABASE_URL"
        );
        assert_eq!(problems(&[("TAVUS_API_KEY", "k")])[0].0, "TAVUS_PERSONA_ID");
        assert_eq!(
            problems(&[("SMTP_PASSWORD", "p")]),
            [(
                "SMTP_HOST".to_owned(),
                "is required when SMTP_PASSWORD is set".to_owned()
            )]
        );
    }

    #[test]
    fn wrong_values_are_named_and_all_reported() {
        let found = problems(&[
            ("SMTP_HOST", "smtp.example.com"),
            ("SMTP_PORT", "abc"),
            ("SMTP_USER", "hr"),
            ("SMTP_PASSWORD", "pw"),
            ("PUBLIC_BASE_URL", "ftp://x.com"),
            ("LIVEKIT_URL", "not a url"),
            ("LIVEKIT_API_KEY", "k"),
            ("LIVEKIT_API_SECRET", "s"),
            ("INTERVIEW_OPENS_BEFORE_MINUTES", "-5"),
            ("MAX_UPLOAD_BYTES", "0"),
            ("DATABASE_URL", "mysql://x"),
            ("BIND_ADDRESS", "localhost"),
            ("ADMIN_API_TOKEN", "short"),
        ]);
        let variables: Vec<&str> = found.iter().map(|(v, _)| v.as_str()).collect();
        for expected in [
            "SMTP_PORT",
            "SMTP_FROM",
            "PUBLIC_BASE_URL",
            "LIVEKIT_URL",
            "INTERVIEW_OPENS_BEFORE_MINUTES",
            "MAX_UPLOAD_BYTES",
            "DATABASE_URL",
            "BIND_ADDRESS",
            "ADMIN_API_TOKEN",
        ] {
            assert!(
                variables.contains(&expected),
                "{expected} not reported in {found:?}"
            );
        }
        let port = found.iter().find(|(v, _)| v == "SMTP_PORT").unwrap();
        assert!(port.1.contains("\"abc\""), "{}", port.1);
        let text = config(&[
            ("SMTP_HOST", "h"),
            ("SMTP_PORT", "99999"),
            ("SMTP_FROM", "a@b.co"),
        ])
        .unwrap_err()
        .to_string();
        assert!(text.contains("SMTP_PORT: expected a port number"), "{text}");
    }

    #[test]
    fn secrets_never_appear_in_errors() {
        let text = config(&[
            ("SMTP_HOST", "h"),
            ("SMTP_USER", "not-an-address"),
            ("SMTP_PASSWORD", "hunter2-secret"),
        ])
        .unwrap_err()
        .to_string();
        assert!(text.contains("SMTP_FROM"));
        assert!(!text.contains("hunter2-secret"));
    }

    #[test]
    fn smtp_security_follows_the_port_unless_set() {
        let smtp = |vars: &[(&str, &str)]| config(vars).unwrap().smtp.unwrap();
        let base = [("SMTP_HOST", "h"), ("SMTP_FROM", "a@b.co")];
        assert_eq!(smtp(&base).port, 587);
        assert_eq!(smtp(&base).security, SmtpSecurity::StartTls);
        assert!(smtp(&base).credentials.is_none());
        assert!(smtp(&base).ca_certificate.is_none());
        assert_eq!(
            problems(&[base[0], base[1], ("SMTP_CA_CERT", "/nonexistent/ca.pem")])[0].0,
            "SMTP_CA_CERT"
        );
        let local = [
            base[0],
            base[1],
            ("SMTP_PORT", "1025"),
            ("SMTP_SECURITY", "NONE"),
        ];
        assert_eq!(smtp(&local).security, SmtpSecurity::None);
        assert_eq!(
            problems(&[base[0], base[1], ("SMTP_SECURITY", "ssl")])[0].0,
            "SMTP_SECURITY"
        );
    }

    #[test]
    fn openai_base_url_can_point_at_a_compatible_server() {
        let config = config(&[
            ("OPENAI_API_KEY", "k"),
            ("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1"),
        ])
        .unwrap();
        assert_eq!(
            config.openai.unwrap().base_url.as_str(),
            "http://127.0.0.1:11434/v1"
        );
    }
}
