//! What every handler shares.

use std::sync::Arc;

use interview_core::service::SchedulingService;

#[cfg(feature = "livekit")]
use crate::livekit::LiveKitRooms;

/// The router's shared state: the scheduling service and, when configured, LiveKit.
#[derive(Clone, Debug)]
pub struct AppState {
    pub(crate) scheduling: Arc<SchedulingService>,
    #[cfg(feature = "livekit")]
    pub(crate) livekit: Option<Arc<LiveKitRooms>>,
}

impl AppState {
    /// State over a scheduling service, without LiveKit (connection details answer 503).
    pub fn new(scheduling: Arc<SchedulingService>) -> Self {
        Self {
            scheduling,
            #[cfg(feature = "livekit")]
            livekit: None,
        }
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
