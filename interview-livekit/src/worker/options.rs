//! How a worker registers and how much work it takes.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::config::LiveKitConfig;
use interview_core::Secret;
use interview_core::backoff::Backoff;
use url::Url;

use crate::tokens::ApiKey;

/// What a worker knows of its own load when it reports it or answers a job offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerLoad {
    /// Jobs running now.
    pub running: usize,
    /// Jobs accepted whose assignment has not arrived yet.
    pub reserved: usize,
    /// The most jobs the worker runs at once.
    pub max_jobs: usize,
}

type LoadFn = Arc<dyn Fn(WorkerLoad) -> f32 + Send + Sync>;

/// How a worker connects, registers and takes jobs. Start from
/// [`WorkerOptions::new`] and change what you need with the `with_` methods.
#[derive(Clone)]
pub struct WorkerOptions {
    pub(crate) server_url: Url,
    pub(crate) api_key: ApiKey,
    pub(crate) agent_name: String,
    pub(crate) version: String,
    pub(crate) participant_name: String,
    pub(crate) max_jobs: usize,
    pub(crate) load_threshold: f32,
    pub(crate) load: Option<LoadFn>,
    pub(crate) status_interval: Duration,
    pub(crate) heartbeat_interval: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) assignment_timeout: Duration,
    pub(crate) termination_grace: Duration,
    pub(crate) backoff: Backoff,
    pub(crate) max_reconnect_attempts: Option<u32>,
    pub(crate) token_ttl: Duration,
}

impl fmt::Debug for WorkerOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkerOptions")
            .field("server_url", &self.server_url.as_str())
            .field("api_key", &self.api_key)
            .field("agent_name", &self.agent_name)
            .field("max_jobs", &self.max_jobs)
            .field("load_threshold", &self.load_threshold)
            .field("custom_load", &self.load.is_some())
            .finish_non_exhaustive()
    }
}

/// The default [`WorkerOptions::with_max_jobs`].
pub const DEFAULT_MAX_JOBS: usize = 8;
/// The default [`WorkerOptions::with_status_interval`] (as the official agents).
pub const DEFAULT_STATUS_INTERVAL: Duration = Duration::from_millis(2500);
/// The default [`WorkerOptions::with_assignment_timeout`] (as the official agents).
pub const DEFAULT_ASSIGNMENT_TIMEOUT: Duration = Duration::from_millis(7500);

impl WorkerOptions {
    /// Options for the server, key and agent name of `config`.
    pub fn new(config: &LiveKitConfig) -> Self {
        Self::from_parts(
            config.url.clone(),
            &config.api_key,
            config.api_secret.clone(),
            &config.agent_name,
        )
    }

    /// Options for the server at `server_url` (`wss://`, `ws://`, `https://` or
    /// `http://`), with an API key and secret, registering as `agent_name`.
    pub fn from_parts(
        server_url: Url,
        api_key: &str,
        api_secret: Secret,
        agent_name: &str,
    ) -> Self {
        Self {
            server_url,
            api_key: ApiKey::new(api_key, api_secret),
            agent_name: agent_name.to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            participant_name: "Interviewer".to_owned(),
            max_jobs: DEFAULT_MAX_JOBS,
            load_threshold: 1.0,
            load: None,
            status_interval: DEFAULT_STATUS_INTERVAL,
            heartbeat_interval: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            assignment_timeout: DEFAULT_ASSIGNMENT_TIMEOUT,
            termination_grace: Duration::from_secs(10),
            backoff: Backoff::default(),
            max_reconnect_attempts: None,
            token_ttl: Duration::from_secs(60 * 60),
        }
    }

    /// The version reported at registration (default: this crate's version).
    pub fn with_version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// The agent's display name in rooms (default `Interviewer`).
    pub fn with_participant_name(mut self, name: impl Into<String>) -> Self {
        self.participant_name = name.into();
        self
    }

    /// The most jobs run at once (default 8, at least 1). Past it, job offers are
    /// refused and the worker reports itself full.
    pub fn with_max_jobs(mut self, max_jobs: usize) -> Self {
        self.max_jobs = max_jobs.max(1);
        self
    }

    /// The load at which job offers are refused and the worker reports itself
    /// full (default 1.0).
    pub fn with_load_threshold(mut self, threshold: f32) -> Self {
        self.load_threshold = threshold;
        self
    }

    /// How load is measured (default: running jobs over the job limit). The
    /// function must be quick: it runs on every job offer and status report.
    pub fn with_load(mut self, load: impl Fn(WorkerLoad) -> f32 + Send + Sync + 'static) -> Self {
        self.load = Some(Arc::new(load));
        self
    }

    /// How often the worker reports its load and job count (default 2.5 s).
    pub fn with_status_interval(mut self, interval: Duration) -> Self {
        self.status_interval = interval.max(Duration::from_millis(1));
        self
    }

    /// How often the connection is pinged; a connection silent for two intervals
    /// is considered dead and replaced (default 30 s).
    pub fn with_heartbeat_interval(mut self, interval: Duration) -> Self {
        self.heartbeat_interval = interval.max(Duration::from_millis(1));
        self
    }

    /// How long connecting and registering may take (default 10 s).
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long an accepted job's slot is held for its assignment (default 7.5 s).
    pub fn with_assignment_timeout(mut self, timeout: Duration) -> Self {
        self.assignment_timeout = timeout;
        self
    }

    /// How long a cancelled job may take to stop before it is aborted (default 10 s).
    pub fn with_termination_grace(mut self, grace: Duration) -> Self {
        self.termination_grace = grace;
        self
    }

    /// The delays between reconnection attempts.
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Gives up after this many failed connection attempts in a row (default:
    /// never; a worker waits out outages).
    pub fn with_max_reconnect_attempts(mut self, attempts: u32) -> Self {
        self.max_reconnect_attempts = Some(attempts);
        self
    }

    /// The agent name the worker registers under.
    pub fn agent_name(&self) -> &str {
        &self.agent_name
    }

    /// The LiveKit server URL.
    pub fn server_url(&self) -> &Url {
        &self.server_url
    }

    /// The load for `load`, by the configured measure.
    pub(crate) fn measure(&self, load: WorkerLoad) -> f32 {
        match &self.load {
            Some(measure) => measure(load),
            None => load.running as f32 / load.max_jobs.max(1) as f32,
        }
    }
}
