//! The whole application's configuration, read from environment variables: each
//! crate's settings, read together so every problem is reported at once.
//!
//! | part | variables | defined in |
//! |---|---|---|
//! | the server | `PUBLIC_BASE_URL`, `BIND_ADDRESS`, `OPS_BIND_ADDRESS`, `DATA_DIR`, `ADMIN_API_TOKEN` | here |
//! | `ServeOptions` | `HTTP_*` | `interview-web` (feature `web`) |
//! | [`InterviewConfig`] | `INTERVIEW_*`, `MAX_UPLOAD_BYTES`, `MAX_RESUME_LENGTH` | `interview-core` |
//! | `StorageConfig` | `DATABASE_URL`, `SUPABASE_*` | `interview-storage` (feature `storage`) |
//! | `SmtpConfig` | `SMTP_*` | `interview-web` (feature `web`) |
//! | `RateLimits` | `RATE_LIMIT_*`, `TRUSTED_PROXIES`, `TRUSTED_PROXY_HEADER` | `interview-web` (feature `web`) |
//! | `LiveKitConfig` | `LIVEKIT_*` | `interview-livekit` (features `livekit`, `livekit-agent`) |
//! | `VoiceConfig` | `OPENAI_*`, `DEEPGRAM_API_KEY`, `ELEVENLABS_*`, `TAVUS_*` | `interview-voice` (feature `voice`) |
//!
//! A variable for a part this build leaves out is an error that names the feature.
//! Every variable is documented in `docs/configuration.md`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;

pub use interview_core::config::{
    ConfigError, ConfigErrors, DEFAULT_MAX_RESUME_LENGTH, Env, InterviewConfig, Selection,
};
#[cfg(any(feature = "livekit", feature = "livekit-agent"))]
pub use interview_livekit::LiveKitConfig;

/// The default `AGENT_DRAIN_TIMEOUT_SECS`: an hour, longer than any interview's
/// time limit, so a stop lets every running interview end on its own.
#[cfg(feature = "livekit-agent")]
pub const DEFAULT_AGENT_DRAIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3600);
#[cfg(feature = "storage")]
pub use interview_storage::config::{StorageConfig, SupabaseConfig};
#[cfg(feature = "voice")]
pub use interview_voice::config::VoiceConfig;
#[cfg(feature = "web")]
pub use interview_web::RateLimits;
#[cfg(feature = "web")]
pub use interview_web::notify::{MailBackend, SmtpConfig, SmtpSecurity};

use interview_core::Secret;
use url::Url;

/// The default `BIND_ADDRESS`.
pub const DEFAULT_BIND_ADDRESS: &str = "127.0.0.1:3000";
/// The default `OPS_BIND_ADDRESS`: the health and metrics listener, on loopback.
pub const DEFAULT_OPS_BIND_ADDRESS: &str = "127.0.0.1:9090";

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `PUBLIC_BASE_URL`: where candidates reach the server (links in e-mails).
    pub public_base_url: Url,
    /// `BIND_ADDRESS`: where the server listens.
    pub bind_address: SocketAddr,
    /// `OPS_BIND_ADDRESS`: where `/livez`, `/readyz` and `/metrics` are served; keep
    /// it off the public network.
    pub ops_bind_address: SocketAddr,
    /// `HTTP_*`: the server's timeouts and connection limit.
    #[cfg(feature = "web")]
    pub serve: interview_web::server::ServeOptions,
    /// `DATA_DIR`: the SQLite database, local resumes and the e-mail outbox.
    pub data_dir: PathBuf,
    /// `ADMIN_API_TOKEN`: the full-access key of `/api/v1` and the console
    /// (every scope), which issues the narrower keys; also the key of the older
    /// admin route, which is off when unset.
    pub admin_api_token: Option<Secret>,
    /// Interview rules and limits.
    pub interview: InterviewConfig,
    /// `DATABASE_URL` and `SUPABASE_*`: where bookings and resumes are kept.
    #[cfg(feature = "storage")]
    pub storage: StorageConfig,
    /// `SMTP_*`: the mail server for invitations, if any.
    #[cfg(feature = "web")]
    pub smtp: Option<SmtpConfig>,
    /// `RATE_LIMIT_*` and `TRUSTED_PROXIES`: per-client limits on the public routes.
    #[cfg(feature = "web")]
    pub rate_limits: RateLimits,
    /// `LIVEKIT_*`: the LiveKit project interviews run in, if any.
    #[cfg(any(feature = "livekit", feature = "livekit-agent"))]
    pub livekit: Option<LiveKitConfig>,
    /// `AGENT_DRAIN_TIMEOUT_SECS` (default 3600, 1 to 86400): how long a stopping
    /// agent worker lets running interviews finish before it cancels them.
    #[cfg(feature = "livekit-agent")]
    pub agent_drain_timeout: std::time::Duration,
    /// `RECORDING_*`: where LiveKit Egress records interviews, if anywhere.
    #[cfg(feature = "livekit-agent")]
    pub recording: Option<interview_livekit::recording::RecordingConfig>,
    /// The vendor engines' keys.
    #[cfg(feature = "voice")]
    pub voice: VoiceConfig,
    /// `WEBHOOK_*`: the deadline of every delivery to the HR platform, and the
    /// endpoint from the environment, if any (others are created through
    /// `/api/v1/webhooks`).
    #[cfg(feature = "web")]
    pub webhook: interview_web::platform::WebhookConfig,
    /// `JOB_RETRY_INITIAL_SECS`: the delay before a failed job's first retry (15;
    /// each later one doubles, up to an hour).
    pub job_retry_initial: std::time::Duration,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigErrors> {
        Env::read_process(Self::read)
    }

    /// Reads variables from a map (tests, or a parsed `.env` file).
    pub fn from_map(vars: &HashMap<String, String>) -> Result<Self, ConfigErrors> {
        Env::read_map(vars, Self::read)
    }

    /// Reads variables through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigErrors> {
        Env::read(lookup, Self::read)
    }

    /// Reads every part; `None` when a required value could not be made.
    pub fn read(env: &mut Env<'_>) -> Option<Self> {
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
        let ops_bind_address = env
            .parse(
                "OPS_BIND_ADDRESS",
                "an address such as 127.0.0.1:9090",
                |v| v.parse::<SocketAddr>().ok(),
            )
            .or_else(|| DEFAULT_OPS_BIND_ADDRESS.parse().ok());
        if ops_bind_address.is_some() && ops_bind_address == bind_address {
            env.error(
                "OPS_BIND_ADDRESS",
                "must differ from BIND_ADDRESS: health checks need a port of their own",
            );
        }
        #[cfg(feature = "web")]
        let serve = interview_web::server::ServeOptions::from_env(env);
        let public_base_url = env
            .url("PUBLIC_BASE_URL", &["http", "https"])
            .or_else(|| default_base.and_then(|base| Url::parse(&base).ok()));
        let data_dir = env
            .get("DATA_DIR")
            .map_or_else(|| PathBuf::from("data"), PathBuf::from);
        let admin_api_token = env.get("ADMIN_API_TOKEN").map(Secret::new);
        if admin_api_token
            .as_ref()
            .is_some_and(|token| token.expose().chars().count() < 24)
        {
            env.error("ADMIN_API_TOKEN", "must be at least 24 characters long");
        }
        let interview = InterviewConfig::from_env(env);

        #[cfg(feature = "storage")]
        let storage = StorageConfig::from_env(env, &data_dir);
        #[cfg(not(feature = "storage"))]
        env.not_in_build(
            &["DATABASE_URL", "SUPABASE_URL"],
            "a booking store (feature `storage`)",
        );
        #[cfg(feature = "web")]
        let smtp = SmtpConfig::from_env(env);
        #[cfg(not(feature = "web"))]
        env.not_in_build(&["SMTP_HOST"], "invitations by e-mail (feature `web`)");
        #[cfg(feature = "web")]
        let rate_limits = RateLimits::from_env(env);
        #[cfg(feature = "web")]
        let webhook = interview_web::platform::WebhookConfig::from_env(env);
        let job_retry_initial = env
            .parse(
                "JOB_RETRY_INITIAL_SECS",
                "a whole number of seconds from 1 to 300",
                |v| v.parse::<u64>().ok().filter(|s| (1..=300).contains(s)),
            )
            .map_or(
                interview_core::jobs::DEFAULT_JOB_BACKOFF.initial,
                std::time::Duration::from_secs,
            );
        #[cfg(any(feature = "livekit", feature = "livekit-agent"))]
        let livekit = LiveKitConfig::from_env(env);
        #[cfg(feature = "livekit-agent")]
        let agent_drain_timeout = env
            .parse(
                "AGENT_DRAIN_TIMEOUT_SECS",
                "a whole number of seconds from 1 to 86400",
                |v| v.parse::<u64>().ok().filter(|s| (1..=86_400).contains(s)),
            )
            .map_or(DEFAULT_AGENT_DRAIN_TIMEOUT, std::time::Duration::from_secs);
        #[cfg(feature = "livekit-agent")]
        let recording = interview_livekit::recording::RecordingConfig::from_env(env);
        #[cfg(not(any(feature = "livekit", feature = "livekit-agent")))]
        env.not_in_build(&["LIVEKIT_URL"], "LiveKit (feature `livekit`)");
        #[cfg(feature = "voice")]
        let voice = VoiceConfig::from_env(env);
        #[cfg(not(feature = "voice"))]
        env.not_in_build(
            &[
                "OPENAI_API_KEY",
                "DEEPGRAM_API_KEY",
                "ELEVENLABS_API_KEY",
                "TAVUS_API_KEY",
            ],
            "the voice engines (feature `voice`)",
        );

        Some(Self {
            public_base_url: public_base_url?,
            bind_address: bind_address?,
            ops_bind_address: ops_bind_address?,
            #[cfg(feature = "web")]
            serve,
            data_dir,
            admin_api_token,
            interview,
            #[cfg(feature = "storage")]
            storage,
            #[cfg(feature = "web")]
            smtp,
            #[cfg(feature = "web")]
            rate_limits,
            #[cfg(any(feature = "livekit", feature = "livekit-agent"))]
            livekit,
            #[cfg(feature = "livekit-agent")]
            agent_drain_timeout,
            #[cfg(feature = "livekit-agent")]
            recording,
            #[cfg(feature = "voice")]
            voice,
            #[cfg(feature = "web")]
            webhook,
            job_retry_initial,
        })
    }

    /// Whether interviews run in LiveKit rooms (else over the local WebSocket).
    pub fn livekit_configured(&self) -> bool {
        #[cfg(any(feature = "livekit", feature = "livekit-agent"))]
        {
            self.livekit.is_some()
        }
        #[cfg(not(any(feature = "livekit", feature = "livekit-agent")))]
        {
            false
        }
    }

    /// The engines this configuration selects: the plan the application builds
    /// them from and reports them by.
    #[cfg(feature = "voice")]
    pub fn engine_plan(&self) -> interview_voice::engines::EnginePlan {
        interview_voice::engines::EnginePlan::new(&self.voice, self.livekit_configured())
    }

    /// How invitations are delivered.
    #[cfg(feature = "web")]
    pub fn mail(&self) -> MailBackend {
        MailBackend::choose(self.smtp.as_ref(), &self.data_dir)
    }

    /// Which provider fills each role, and the variable that decided it: what
    /// `full_stack` prints at start, made by the same choices the application is
    /// built from.
    pub fn selections(&self) -> Vec<Selection> {
        let mut selections = Vec::new();
        #[cfg(feature = "storage")]
        {
            selections.push(self.storage.bookings().selection());
            selections.push(self.storage.resumes().selection());
        }
        #[cfg(feature = "web")]
        selections.push(self.mail().selection());
        selections.push(self.media());
        #[cfg(feature = "voice")]
        selections.extend(self.engine_plan().selections());
        selections
    }

    /// Where interviews' audio goes.
    fn media(&self) -> Selection {
        #[cfg(any(feature = "livekit", feature = "livekit-agent"))]
        if let Some(livekit) = &self.livekit {
            return Selection::new(
                "media",
                format!("LiveKit at {}", livekit.url),
                "LIVEKIT_URL is set",
            );
        }
        Selection::new(
            "media",
            "WebSocket to this server",
            "LIVEKIT_URL is not set",
        )
    }

    /// How the job queue's worker runs: retries start after
    /// `JOB_RETRY_INITIAL_SECS` and double up to an hour.
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    pub fn worker_settings(&self) -> interview_storage::queue::WorkerSettings {
        let mut settings = interview_storage::queue::WorkerSettings::default();
        settings.backoff.initial = self.job_retry_initial;
        settings
    }

    /// The scheduling service's settings from this configuration.
    pub fn scheduling_settings(&self) -> interview_core::service::SchedulingSettings {
        self.interview.scheduling_settings(&self.public_base_url)
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

    #[test]
    fn defaults_need_no_variables() {
        let config = config(&[]).unwrap();
        assert_eq!(config.bind_address.to_string(), "127.0.0.1:3000");
        assert_eq!(config.ops_bind_address.to_string(), "127.0.0.1:9090");
        #[cfg(feature = "web")]
        assert_eq!(config.serve, interview_web::server::ServeOptions::default());
        assert_eq!(config.public_base_url.as_str(), "http://127.0.0.1:3000/");
        assert_eq!(config.data_dir, PathBuf::from("data"));
        assert_eq!(config.interview, InterviewConfig::default());
        assert!(config.admin_api_token.is_none());
        assert_eq!(config.rate_limits, RateLimits::default());
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
    fn every_problem_of_every_part_is_reported_at_once() {
        let errors = config(&[
            ("PUBLIC_BASE_URL", "ftp://x.com"),
            ("BIND_ADDRESS", "localhost"),
            ("ADMIN_API_TOKEN", "short"),
            ("INTERVIEW_OPENS_BEFORE_MINUTES", "-5"),
            ("DATABASE_URL", "mysql://x"),
            ("SMTP_PASSWORD", "pw"),
            ("LIVEKIT_URL", "not a url"),
            ("LIVEKIT_API_KEY", "k"),
            ("LIVEKIT_API_SECRET", "s"),
            ("TAVUS_API_KEY", "k"),
            ("RATE_LIMIT_UPLOADS", "lots"),
            ("TRUSTED_PROXIES", "the load balancer"),
            ("INVITATIONS_PER_ADDRESS", "3 a day"),
        ])
        .unwrap_err();
        let variables: Vec<&str> = errors.0.iter().map(|e| e.variable).collect();
        for expected in [
            "PUBLIC_BASE_URL",
            "BIND_ADDRESS",
            "ADMIN_API_TOKEN",
            "INTERVIEW_OPENS_BEFORE_MINUTES",
            "DATABASE_URL",
            "SMTP_HOST",
            "LIVEKIT_URL",
            "TAVUS_PERSONA_ID",
            "RATE_LIMIT_UPLOADS",
            "TRUSTED_PROXIES",
            "INVITATIONS_PER_ADDRESS",
        ] {
            assert!(
                variables.contains(&expected),
                "{expected} not reported in {variables:?}"
            );
        }
    }

    #[test]
    #[cfg(feature = "web")]
    fn server_bounds_are_read_and_bad_ones_reported() {
        let read = config(&[
            ("OPS_BIND_ADDRESS", "0.0.0.0:9100"),
            ("HTTP_HEADER_READ_TIMEOUT_SECS", "5"),
            ("HTTP_IDLE_TIMEOUT_SECS", "120"),
            ("HTTP_MAX_CONNECTIONS", "4096"),
            ("HTTP_SHUTDOWN_TIMEOUT_SECS", "10"),
        ])
        .unwrap();
        assert_eq!(read.ops_bind_address.to_string(), "0.0.0.0:9100");
        assert_eq!(read.serve.header_read_timeout.as_secs(), 5);
        assert_eq!(read.serve.idle_timeout.as_secs(), 120);
        assert_eq!(read.serve.max_connections, 4096);
        assert_eq!(read.serve.shutdown_timeout.as_secs(), 10);

        let errors = config(&[
            ("BIND_ADDRESS", "127.0.0.1:9090"),
            ("HTTP_HEADER_READ_TIMEOUT_SECS", "0"),
            ("HTTP_IDLE_TIMEOUT_SECS", "1.5"),
            ("HTTP_MAX_CONNECTIONS", "-1"),
            ("HTTP_SHUTDOWN_TIMEOUT_SECS", "forever"),
        ])
        .unwrap_err();
        let shown = errors.to_string();
        for expected in [
            "OPS_BIND_ADDRESS",
            "HTTP_HEADER_READ_TIMEOUT_SECS",
            "HTTP_IDLE_TIMEOUT_SECS",
            "HTTP_MAX_CONNECTIONS",
            "HTTP_SHUTDOWN_TIMEOUT_SECS",
        ] {
            assert!(
                shown.contains(expected),
                "{expected} not reported in {shown}"
            );
        }
        assert!(shown.contains("from 1 to 3600"), "{shown}");
    }

    #[test]
    fn secrets_never_appear_in_debug_or_errors() {
        let config = config(&[
            ("SUPABASE_URL", "https://abc.supabase.co"),
            ("SUPABASE_SERVICE_ROLE_KEY", "service-role-secret"),
            ("SMTP_HOST", "smtp.example.com"),
            ("SMTP_USER", "hr@example.com"),
            ("SMTP_PASSWORD", "smtp-secret"),
            ("LIVEKIT_URL", "wss://proj.livekit.cloud"),
            ("LIVEKIT_API_KEY", "APIabc"),
            ("LIVEKIT_API_SECRET", "livekit-secret"),
            ("OPENAI_API_KEY", "sk-openai-secret"),
            (
                "DATABASE_URL",
                "postgres://app:db-secret@localhost/interviews",
            ),
            ("ADMIN_API_TOKEN", "admin-secret-0123456789abcdef"),
        ])
        .unwrap();
        let debug = format!("{config:?}");
        for secret in [
            "service-role-secret",
            "smtp-secret",
            "livekit-secret",
            "sk-openai-secret",
            "db-secret",
            "admin-secret",
        ] {
            assert!(!debug.contains(secret), "{secret} leaked into Debug");
        }
        let shown: Vec<String> = config
            .selections()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert!(!shown.join("\n").contains("secret"), "{shown:?}");
    }
}
