//! Building the whole application from a [`Config`]: the wiring that
//! `examples/full_stack.rs` uses and that an integrator can reuse.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use interview_core::clock::{Clock, SystemClock};
use interview_core::notify::NotifyError;
use interview_core::resume::ResumeExtractor;
use interview_core::service::SchedulingService;
use interview_core::store::{BookingStore, StoreError};
use interview_storage::config::OpenError;
use interview_web::AppState;
use interview_web::ops::{OpsRouter, PrometheusHandle, StartupCheck};
use interview_web::server::{ServeOptions, serve};
use tokio::net::TcpListener;

use crate::config::Config;

/// Why the application could not be built. Each variant's cause is its
/// `source`: print it with [`interview_core::error::ErrorChain`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BootstrapError {
    /// The data folder could not be created.
    #[error("the data folder {path} cannot be created")]
    DataDir {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The booking store could not be opened.
    #[error("the booking store cannot be opened")]
    Store(#[from] StoreError),
    /// A configured position could not be saved: its slug belongs to another
    /// stored position, or the store failed.
    #[error("the position {id:?} cannot be saved")]
    Position {
        /// The position's id.
        id: String,
        /// Why.
        source: StoreError,
    },
    /// The notifier could not be set up.
    #[error("the e-mail notifier cannot be set up")]
    Notifier(#[from] NotifyError),
    /// The configuration asks for something this build does not include.
    #[error("{0}")]
    NotInThisBuild(String),
    /// The webhook sender could not be set up (its HTTP client).
    #[error("webhooks to the HR platform cannot be set up: {0}")]
    Webhooks(String),
}

impl From<OpenError> for BootstrapError {
    fn from(error: OpenError) -> Self {
        match error {
            OpenError::Store(error) => Self::Store(error),
            other => Self::NotInThisBuild(other.to_string()),
        }
    }
}

/// The parts of a running application.
///
/// Keep it for as long as the router serves: it owns the job queue's worker
/// (invitations, reminders, webhooks), which stops when it is dropped. Jobs
/// waiting then stay in the database for the next start.
pub struct Application {
    /// The router's state.
    pub state: AppState,
    /// The configuration it was built from.
    pub config: Config,
    /// The interview every transport holds: the local WebSocket's runner and the
    /// agent worker's jobs each clone it.
    #[cfg(feature = "voice")]
    #[cfg_attr(not(feature = "livekit-agent"), allow(dead_code))]
    session: interview_voice::session::InterviewSession,
    /// The scheduling service the router serves, for background work.
    scheduling: Arc<SchedulingService>,
    /// What the start-up check of the engines' servers found, once asked.
    #[cfg(feature = "voice")]
    engine_probes: tokio::sync::OnceCell<Vec<interview_voice::engines::EngineProbe>>,
    /// The worker running the booking database's job queue (invitations and
    /// reminders); `None` for a store without one (Supabase). Dropping it stops it.
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    jobs_worker: Option<interview_storage::queue::JobWorker>,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("state", &self.state)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Application {
    /// Opens the stores, picks the notifier and extractor, and builds the state the
    /// router serves, all as `config` says.
    pub async fn build(config: Config) -> Result<Self, BootstrapError> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    /// [`Application::build`] with a given clock (tests, simulations).
    pub async fn build_with_clock(
        config: Config,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, BootstrapError> {
        #[cfg(feature = "voice")]
        let engines = config.engine_plan().engines();
        Self::assemble(
            config,
            clock,
            #[cfg(feature = "voice")]
            engines,
        )
        .await
    }

    /// [`Application::build_with_clock`] with the interview's engines given instead of
    /// chosen from the configuration (tests, or an integrator's own engines).
    #[cfg(feature = "voice")]
    pub async fn build_with_engines(
        config: Config,
        clock: Arc<dyn Clock>,
        engines: interview_voice::session::Engines,
    ) -> Result<Self, BootstrapError> {
        Self::assemble(config, clock, engines).await
    }

    async fn assemble(
        config: Config,
        clock: Arc<dyn Clock>,
        #[cfg(feature = "voice")] engines: interview_voice::session::Engines,
    ) -> Result<Self, BootstrapError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|source| BootstrapError::DataDir {
            path: config.data_dir.clone(),
            source,
        })?;
        #[cfg(any(feature = "sqlite", feature = "postgres"))]
        let (bookings, queue) = config.storage.bookings().open_with_queue().await?;
        #[cfg(not(any(feature = "sqlite", feature = "postgres")))]
        let bookings = booking_store(&config).await?;
        define_positions(bookings.clone(), &config.interview.positions).await?;
        let resumes = config.storage.resumes().open(clock.clone())?;
        let notifier = config.mail().open()?;
        #[allow(unused_mut)]
        let mut scheduling = SchedulingService::new(
            bookings.clone(),
            resumes,
            extractor(&config),
            notifier,
            clock.clone(),
            config.scheduling_settings(),
        );
        #[cfg(any(feature = "sqlite", feature = "postgres"))]
        if let Some(queue) = &queue {
            scheduling = scheduling.with_jobs(queue.jobs());
            if let Some(endpoint) = &config.webhook.endpoint {
                scheduling = scheduling.with_event_subscribers(vec![
                    interview_core::service::EventSubscriber {
                        id: endpoint.id.to_string(),
                        events: endpoint.events.clone(),
                    },
                ]);
            }
        }
        let scheduling = Arc::new(scheduling);
        // Invitations and reminders go out from the queue, retried until the mail
        // server takes them.
        #[cfg(any(feature = "sqlite", feature = "postgres"))]
        let jobs_worker = match &queue {
            Some(queue) => Some(queue.start_worker(
                Arc::new(ApplicationJobs::new(
                    scheduling.clone(),
                    queue.jobs(),
                    &config.webhook,
                )?),
                &config.worker_settings(),
            )),
            None => None,
        };
        #[allow(unused_mut)]
        let mut state = AppState::new(scheduling.clone());
        // Interviews in the browser over the local transport, held in-process.
        // The session tells the HR platform when an interview starts, ends and is
        // evaluated, through the scheduling service's queue.
        #[cfg(feature = "voice")]
        let session = interview_voice::session::InterviewSession::new(
            interview_voice::session::SessionConfig::from_interview_config(&config.interview),
            engines,
            bookings,
            clock,
        )
        .with_events(scheduling.clone());
        #[cfg(feature = "voice")]
        {
            let runner = interview_voice::runner::SessionRunner::new(session.clone());
            state = state.with_interview_runner(
                Arc::new(runner),
                interview_core::audio::AudioFormat::PCM_24K,
            );
        }

        state = state.with_rate_limits(config.rate_limits.clone());
        if let Some(token) = &config.admin_api_token {
            state = state.with_admin_token(token.clone());
        }
        #[cfg(feature = "livekit")]
        if let Some(livekit) = &config.livekit {
            state = state.with_livekit(interview_livekit::LiveKitRooms::new(livekit));
        }
        #[cfg(all(feature = "livekit-agent", not(feature = "livekit")))]
        if config.livekit.is_some() {
            return Err(BootstrapError::NotInThisBuild(
                "the configuration asks for LiveKit rooms for candidates, which this build \
                 does not include (feature `livekit`)"
                    .to_owned(),
            ));
        }
        Ok(Self {
            state,
            config,
            #[cfg(feature = "voice")]
            session,
            scheduling,
            #[cfg(feature = "voice")]
            engine_probes: tokio::sync::OnceCell::new(),
            #[cfg(any(feature = "sqlite", feature = "postgres"))]
            jobs_worker,
        })
    }

    /// Stops the job queue's worker: it takes no new job, and the jobs in hand
    /// finish and are recorded. Call it on shutdown; without a queue it does
    /// nothing.
    pub async fn stop_job_worker(&mut self) {
        #[cfg(any(feature = "sqlite", feature = "postgres"))]
        if let Some(worker) = self.jobs_worker.take()
            && let Err(error) = worker.stop().await
        {
            tracing::warn!(%error, "the job queue's worker stopped with an error");
        }
    }

    /// Starts the background task that deletes uploaded resumes no booking claimed
    /// within `UNCLAIMED_UPLOAD_TTL_MINUTES` and, with `RETENTION_DAYS`, erases
    /// interviews past their retention. Stop it on shutdown.
    pub fn start_sweeper(&self) -> crate::sweeper::Sweeper {
        crate::sweeper::Sweeper::start(self.scheduling.clone())
    }

    /// Starts a LiveKit agent worker in this process when LiveKit is configured
    /// (`None` otherwise): it registers under `LIVEKIT_AGENT_NAME` and holds the
    /// interviews LiveKit dispatches with the same engines and booking store as the
    /// local transport. With Tavus configured (feature `tavus`), each job puts the
    /// Tavus avatar in the room, falling back to plain TTS audio when it does not
    /// start. With `RECORDING_*`, each interview is recorded with LiveKit Egress.
    /// Drain it on shutdown.
    #[cfg(feature = "livekit-agent")]
    pub fn start_agent_worker(
        &self,
    ) -> Option<Result<interview_livekit::Worker, interview_livekit::WorkerError>> {
        let livekit = self.config.livekit.as_ref()?;
        let mut handler = interview_voice::runner::InterviewJobHandler::new(self.session.clone());
        if let Some(avatar) = self.config.engine_plan().avatar() {
            handler = handler.with_avatar(avatar, livekit);
        }
        if let Some(recording) = &self.config.recording {
            handler = handler.with_recording(interview_livekit::recording::Recorder::new(
                livekit,
                recording.clone(),
            ));
        }
        Some(interview_livekit::Worker::start(
            interview_livekit::WorkerOptions::new(livekit),
            handler,
        ))
    }

    /// The start-up check of each role's OpenAI-compatible server (reachable, and
    /// listing the configured model where it lists models), run once, each within
    /// 5 s; each problem is logged at `warn`. Empty when no role has such a server.
    #[cfg(feature = "voice")]
    pub async fn engine_probes(&self) -> &[interview_voice::engines::EngineProbe] {
        self.engine_probes
            .get_or_init(|| async {
                let probes = self
                    .config
                    .engine_plan()
                    .probe(std::time::Duration::from_secs(5))
                    .await;
                for probe in probes.iter().filter(|probe| probe.problem.is_some()) {
                    tracing::warn!(role = probe.role, url = %probe.url, problem = probe.problem.as_deref().unwrap_or_default(), "an engine's server failed its start-up check");
                }
                probes
            })
            .await
    }

    /// The router to serve.
    pub fn router(&self) -> interview_web::axum::Router {
        interview_web::router(self.state.clone())
    }

    /// The operations router: `/livez`, `/readyz` (the database, the offline
    /// voice's start-up check when interviews speak with it, and the engines'
    /// servers' start-up check when a role has an OpenAI-compatible one) and
    /// `/metrics` from `metrics` when given.
    pub async fn ops_router(
        &self,
        metrics: Option<PrometheusHandle>,
    ) -> interview_web::axum::Router {
        #[allow(unused_mut)]
        let mut ops = OpsRouter::new(&self.state);
        #[cfg(feature = "voice")]
        if self.config.engine_plan().voice_is_offline() {
            let check = if interview_voice::offline::EspeakTts::new()
                .is_available()
                .await
            {
                StartupCheck::passed()
            } else {
                StartupCheck::failed("espeak-ng, the offline voice, cannot be run")
            };
            ops = ops.with_check("voice", check);
        }
        // The engines' servers as the start-up check found them.
        #[cfg(feature = "voice")]
        {
            let probes = self.engine_probes().await;
            if !probes.is_empty() {
                let problems: Vec<String> = probes
                    .iter()
                    .filter(|probe| probe.problem.is_some())
                    .map(ToString::to_string)
                    .collect();
                let check = if problems.is_empty() {
                    StartupCheck::passed()
                } else {
                    StartupCheck::failed(problems.join("; "))
                };
                ops = ops.with_check("engines", check);
            }
        }
        if let Some(metrics) = metrics {
            ops = ops.with_metrics(metrics);
        }
        ops.into_router()
    }

    /// Serves the application on `public` and the operations router on `ops` until
    /// `shutdown` completes; then stops accepting, lets requests in flight finish
    /// (up to `HTTP_SHUTDOWN_TIMEOUT_SECS`) and returns. The operations listener
    /// answers until the public server has stopped.
    pub async fn serve(
        &self,
        public: TcpListener,
        ops: TcpListener,
        metrics: Option<PrometheusHandle>,
        shutdown: impl Future<Output = ()> + Send,
    ) {
        let ops_router = self.ops_router(metrics).await;
        let ops_options = ServeOptions {
            max_connections: ServeOptions::ops().max_connections,
            ..self.config.serve.clone()
        };
        let (stop_ops, ops_stopped) = tokio::sync::oneshot::channel::<()>();
        let ops_server = tokio::spawn(serve(ops, ops_router, ops_options, async move {
            let _ = ops_stopped.await;
        }));
        serve(public, self.router(), self.config.serve.clone(), shutdown).await;
        let _ = stop_ops.send(());
        let _ = ops_server.await;
    }
}

/// Resolves when the process is asked to stop: Ctrl-C (SIGINT) or, on Unix, SIGTERM
/// (what `docker stop`, Kubernetes and systemd send).
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!("Ctrl-C: shutting down"),
        () = terminate => tracing::info!("SIGTERM: shutting down"),
    }
}

/// The booking store `config` selects (Supabase, PostgreSQL, a SQLite URL, or the
/// SQLite file in the data folder), opened with its migrations applied. Agent
/// workers use it to record transcripts where the web application reads them.
pub async fn booking_store(config: &Config) -> Result<Arc<dyn BookingStore>, BootstrapError> {
    Ok(config.storage.bookings().open().await?)
}

/// Saves the configured positions (`POSITIONS_FILE`, or the default position) in
/// the store, replacing earlier versions with the same id. Positions stored
/// earlier and not configured now stay as they are: bookings may refer to them.
///
/// A position the store refuses (its slug belongs to another stored position) is
/// an error. A store that cannot be reached now (Supabase is reached lazily) is
/// not: the positions are saved in the background as soon as it answers.
pub async fn define_positions(
    store: Arc<dyn BookingStore>,
    positions: &[interview_core::position::Position],
) -> Result<(), BootstrapError> {
    for (index, position) in positions.iter().enumerate() {
        match store.save_position(position).await {
            Ok(()) => {}
            Err(StoreError::Unavailable(error)) => {
                tracing::warn!(
                    error = %interview_core::error::ErrorChain(error.as_ref()),
                    "the booking store is unreachable: the positions are saved once it answers"
                );
                tokio::spawn(save_positions_later(store, positions[index..].to_vec()));
                return Ok(());
            }
            Err(source) => {
                return Err(BootstrapError::Position {
                    id: position.id.to_string(),
                    source,
                });
            }
        }
    }
    Ok(())
}

/// Saves `positions` once the store answers, trying again with backoff.
async fn save_positions_later(
    store: Arc<dyn BookingStore>,
    positions: Vec<interview_core::position::Position>,
) {
    let backoff = interview_core::backoff::Backoff {
        max: std::time::Duration::from_secs(60),
        ..Default::default()
    };
    let mut attempt = 0;
    for position in &positions {
        loop {
            match store.save_position(position).await {
                Ok(()) => break,
                Err(StoreError::Unavailable(_)) => {
                    tokio::time::sleep(backoff.next_delay(attempt)).await;
                    attempt = attempt.saturating_add(1);
                }
                Err(error) => {
                    tracing::error!(position = position.id.as_str(), %error, "a configured position cannot be saved");
                    break;
                }
            }
        }
    }
    tracing::info!(
        count = positions.len(),
        "the configured positions are saved"
    );
}

#[cfg(any(feature = "pdf", feature = "docx", feature = "doc"))]
fn extractor(config: &Config) -> Arc<dyn ResumeExtractor> {
    let limits = interview_core::resume::ExtractLimits {
        max_input_bytes: config.interview.max_upload_bytes as u64,
        ..Default::default()
    };
    Arc::new(interview_core::resume::DocumentExtractor::new(limits))
}

/// Built without any document reader: uploads are stored, and their text is
/// reported as unreadable with a reason the candidate can act on.
#[cfg(not(any(feature = "pdf", feature = "docx", feature = "doc")))]
fn extractor(_config: &Config) -> Arc<dyn ResumeExtractor> {
    struct NoReader;

    #[async_trait::async_trait]
    impl ResumeExtractor for NoReader {
        async fn extract(
            &self,
            _bytes: bytes::Bytes,
            kind: interview_core::resume::DocumentKind,
        ) -> Result<String, interview_core::resume::ExtractError> {
            Err(interview_core::resume::ExtractError::KindNotSupported(kind))
        }
    }
    Arc::new(NoReader)
}

/// Runs the queue's jobs: the scheduling service's mail, and deliveries to the
/// HR platform's webhook endpoints.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
struct ApplicationJobs {
    scheduling: Arc<SchedulingService>,
    webhooks: interview_web::platform::WebhookDispatcher,
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl ApplicationJobs {
    fn new(
        scheduling: Arc<SchedulingService>,
        store: Arc<dyn interview_core::jobs::JobStore>,
        config: &interview_web::platform::WebhookConfig,
    ) -> Result<Self, BootstrapError> {
        let sender = interview_web::platform::WebhookSender::new(config.timeout)
            .map_err(|error| BootstrapError::Webhooks(error.to_string()))?;
        let webhooks = interview_web::platform::WebhookDispatcher::new(
            sender,
            store,
            scheduling.clock().clone(),
        )
        .with_env_endpoint(config.endpoint.clone());
        Ok(Self {
            scheduling,
            webhooks,
        })
    }
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
#[async_trait::async_trait]
impl interview_core::jobs::JobHandler for ApplicationJobs {
    async fn run(
        &self,
        job: interview_core::jobs::Job,
    ) -> Result<(), interview_core::jobs::JobError> {
        match job {
            interview_core::jobs::Job::DeliverWebhook { endpoint_id, event } => {
                self.webhooks.deliver(&endpoint_id, &event).await
            }
            other => self.scheduling.run_job(other).await,
        }
    }
}
