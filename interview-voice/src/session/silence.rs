//! Silence: when the candidate says nothing while the interviewer waits for an
//! answer, the interviewer checks in once, kindly; if the silence goes on, it
//! offers to continue later and ends politely, leaving the interview resumable
//! within its window ([`SessionEnd::Silent`]).
//!
//! Silence is counted by the session's clock, only while the interviewer waits:
//! not while it speaks or thinks, not while the candidate speaks (voice activity)
//! or their words are being transcribed, not while turns wait for an answer, and
//! not while the candidate is away or the interview is closing. The count starts
//! when the interviewer starts listening and starts again after any of those.

use super::report::SessionEnd;
use super::speech::Source;
use super::state::{LOG, ResponseKind, State};

/// What the interviewer says after the first silence.
pub(super) const CHECK_IN: &str = "Take your time — would you like me to repeat the question?";

/// What the interviewer says when the silence goes on after the check-in.
pub(super) const SILENT_CLOSE: &str = "It seems this may not be a good moment, and that's \
    perfectly fine. We can continue later: open your interview link again while your \
    interview window is open, and we'll pick up where we left off. Goodbye for now.";

/// The notice the room gets after that end (code `paused`): the interview is kept.
pub(super) const PAUSED: &str = "Your interview is kept: you can come back to it with the \
    same link while it is open.";

impl State {
    /// Whether the interviewer is waiting for the candidate, with nothing else
    /// going on.
    fn waiting_for_candidate(&self) -> bool {
        self.speaking.response.is_none()
            && self.hearing.pending.is_empty()
            && self.hearing.candidate_is_done()
            && !self.live.paused()
            && !self.outcome.is_winding_down()
    }

    /// Counts the candidate's silence, and checks in or closes when it is long.
    pub(super) async fn watch_silence(&mut self) {
        // The time limit comes first: past it, the interview closes instead.
        self.check_time().await;
        if !self.waiting_for_candidate() {
            self.silence.since = None;
            return;
        }
        let now = self.setup.clock.now();
        let since = *self.silence.since.get_or_insert(now);
        let silent = (now - since).to_std().unwrap_or_default();
        let config = self.setup.config.silence;
        if !self.silence.checked_in {
            if config.check_in_after.is_zero() || silent < config.check_in_after {
                return;
            }
            tracing::info!(target: LOG, silent_s = silent.as_secs(), "the candidate is silent: checking in");
            self.silence.checked_in = true;
            self.silence.since = None;
            self.start_response(
                Source::Fixed(CHECK_IN.to_owned()),
                ResponseKind::CheckIn,
                None,
                Vec::new(),
            )
            .await;
            return;
        }
        let close_after = if self.setup.engines.stt.is_some() {
            config.close_after
        } else {
            config.close_after_typed
        };
        if !close_after.is_zero() && silent >= close_after {
            tracing::info!(target: LOG, silent_s = silent.as_secs(), "the candidate is still silent: offering to continue later");
            self.silence.since = None;
            self.speak_close(SessionEnd::Silent).await;
        }
    }
}
