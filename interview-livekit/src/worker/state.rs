//! What the worker's layers share: the options, the handler, the jobs held and
//! running, the messages waiting for the server, and the signals to stop.

use std::collections::HashMap;
use std::sync::Arc;

use livekit_protocol::worker_message::Message as WorkerMessage;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use url::Url;

use super::job::JobHandler;
use super::options::WorkerOptions;

/// A job accepted whose assignment has not come yet.
pub(super) struct Pending {
    pub(super) identity: String,
    pub(super) deadline: Instant,
}

/// The worker's jobs and connection, watched by the handle and the status reports.
#[derive(Default)]
pub(super) struct State {
    pub(super) worker_id: Option<String>,
    pub(super) connected: bool,
    pub(super) draining: bool,
    /// Running jobs, by id, with their cancellation.
    pub(super) running: HashMap<String, CancellationToken>,
    /// Accepted jobs waiting for their assignment, by id.
    pub(super) pending: HashMap<String, Pending>,
}

impl State {
    pub(super) fn idle(&self) -> bool {
        self.running.is_empty() && self.pending.is_empty()
    }

    /// Releases the slots of accepted jobs whose assignment is overdue; whether any was.
    pub(super) fn expire_pending(&mut self, now: Instant) -> bool {
        let before = self.pending.len();
        self.pending.retain(|job_id, pending| {
            let keep = pending.deadline > now;
            if !keep {
                tracing::warn!(
                    job_id,
                    "no assignment came for an accepted job: slot released"
                );
            }
            keep
        });
        self.pending.len() != before
    }

    /// What a status report says; a new report is sent when it changes.
    pub(super) fn summary(&self) -> (usize, usize, bool) {
        (self.running.len(), self.pending.len(), self.draining)
    }
}

/// Everything the handle, the connection loop and the dispatcher share.
pub(super) struct Shared {
    pub(super) options: WorkerOptions,
    pub(super) agent_url: Url,
    pub(super) tls: Option<Arc<rustls::ClientConfig>>,
    pub(super) instance_id: String,
    pub(super) handler: Arc<dyn JobHandler>,
    pub(super) state: watch::Sender<State>,
    /// Messages for the server that must survive a reconnection (job status).
    pub(super) outbox: mpsc::UnboundedSender<WorkerMessage>,
    /// The parent of every job's cancellation: cancelled to stop jobs at once.
    pub(super) force: CancellationToken,
    /// Cancelled when the worker is to close its connection and stop.
    pub(super) close: CancellationToken,
}
