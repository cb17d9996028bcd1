//! The room and the clock: who joins and leaves, the connection dropping, typed
//! answers handed to the `hearing` stage, and the time limit.

use interview_core::transport::RoomEvent;

use super::report::SessionEnd;
use super::state::{LOG, State};

impl State {
    pub(super) async fn on_event(&mut self, event: RoomEvent) {
        self.check_time().await;
        let local = self.setup.local_identity.as_str();
        match event {
            RoomEvent::ParticipantJoined { identity, .. } if identity != local => {
                self.hearing.candidate.get_or_insert(identity);
            }
            RoomEvent::ParticipantLeft { identity }
                if identity != local
                    && self
                        .hearing
                        .candidate
                        .as_ref()
                        .is_none_or(|c| *c == identity) =>
            {
                self.leave(SessionEnd::CandidateLeft).await;
            }
            RoomEvent::Disconnected { reason } => {
                tracing::info!(target: LOG, %reason, "the room disconnected");
                self.leave(SessionEnd::Disconnected).await;
            }
            RoomEvent::Text { identity, text } if identity != local => {
                self.on_typed(identity, &text).await;
            }
            _ => {}
        }
    }

    /// The interview ends now, without a closing line: there is no one to hear it.
    pub(super) async fn leave(&mut self, end: SessionEnd) {
        if self.outcome.ending.is_none() {
            tracing::info!(target: LOG, ?end, "the interview ends");
            self.stop_response(false).await;
            self.outcome.ending = Some(end);
        }
    }

    /// Past the time limit, the interviewer closes politely: at once if it is
    /// silent, else after what it is saying.
    pub(super) async fn check_time(&mut self) {
        if self.outcome.is_winding_down() {
            return;
        }
        if self.elapsed() < self.setup.config.max_duration {
            return;
        }
        tracing::info!(target: LOG, "the time limit is reached");
        self.outcome.closing = Some(SessionEnd::TimeLimit);
        if self.speaking.response.is_none() {
            self.speak_close(SessionEnd::TimeLimit).await;
        }
    }
}
