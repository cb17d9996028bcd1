//! What every handler shares.

use std::sync::Arc;

use interview_core::Secret;
use interview_core::audio::AudioFormat;
use interview_core::service::SchedulingService;
use interview_core::transport::InterviewRunner;

use crate::limits::{Limits, RateLimits};
use crate::live::LiveRooms;

#[cfg(feature = "livekit")]
use interview_livekit::LiveKitRooms;

/// The router's shared state: the scheduling service, LiveKit when configured, and the
/// in-process interviewer for the local transport.
#[derive(Clone)]
pub struct AppState {
    pub(crate) scheduling: Arc<SchedulingService>,
    pub(crate) runner: Option<Arc<dyn InterviewRunner>>,
    pub(crate) live: LiveRooms,
    pub(crate) local_output_format: AudioFormat,
    pub(crate) admin_token: Option<Secret>,
    pub(crate) limits: Arc<Limits>,
    /// The console's signed-in browsers.
    pub(crate) console: Arc<crate::console::Sessions>,
    #[cfg(feature = "livekit")]
    pub(crate) livekit: Option<Arc<LiveKitRooms>>,
}

impl AppState {
    /// State over a scheduling service, without LiveKit (connection details answer 503).
    pub fn new(scheduling: Arc<SchedulingService>) -> Self {
        Self {
            scheduling,
            runner: None,
            live: LiveRooms::default(),
            local_output_format: AudioFormat::PCM_24K,
            admin_token: None,
            limits: Arc::new(Limits::new(RateLimits::default())),
            console: Arc::default(),
            #[cfg(feature = "livekit")]
            livekit: None,
        }
    }

    /// Holds interviews in-process over the local WebSocket transport with `runner`,
    /// sending the interviewer's speech to the page as `output_format`.
    pub fn with_interview_runner(
        mut self,
        runner: Arc<dyn InterviewRunner>,
        output_format: AudioFormat,
    ) -> Self {
        self.runner = Some(runner);
        self.local_output_format = output_format;
        self
    }

    /// Accepts `token` as a key with every scope on `/api/v1` and the console,
    /// and serves the older admin route (`/api/admin/interviews/{token}`).
    pub fn with_admin_token(mut self, token: Secret) -> Self {
        self.admin_token = Some(token);
        self
    }

    /// Limits the public routes per client as `limits` says (the default:
    /// [`RateLimits::default`]), with fresh budgets.
    pub fn with_rate_limits(mut self, limits: RateLimits) -> Self {
        self.limits = Arc::new(Limits::new(limits));
        self
    }

    /// The rate limits in force.
    pub fn rate_limits(&self) -> &RateLimits {
        self.limits.settings()
    }

    /// Whether interviews can run in-process over the local transport.
    pub fn local_interviews_enabled(&self) -> bool {
        self.runner.is_some()
    }

    /// Serves LiveKit connection details from `rooms`.
    #[cfg(feature = "livekit")]
    pub fn with_livekit(mut self, rooms: LiveKitRooms) -> Self {
        self.livekit = Some(Arc::new(rooms));
        self
    }

    /// The scheduling service.
    pub fn scheduling(&self) -> &SchedulingService {
        &self.scheduling
    }

    /// Whether interviews run over LiveKit (otherwise the local transport).
    pub fn livekit_enabled(&self) -> bool {
        #[cfg(feature = "livekit")]
        {
            self.livekit.is_some()
        }
        #[cfg(not(feature = "livekit"))]
        {
            false
        }
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("scheduling", &self.scheduling)
            .field("livekit", &self.livekit_enabled())
            .field("local_interviews", &self.runner.is_some())
            .finish()
    }
}
