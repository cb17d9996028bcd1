//! What the candidate follows on the page besides the transcript: captions, sent
//! sentence by sentence as each starts to play (so a candidate who cannot hear
//! reads along, not a whole line behind), and where the interview stands (the
//! stage and the time left).

use std::time::Duration;

use chrono::{DateTime, Utc};
use interview_core::interview::{
    CaptionMessage, InterviewPlan, LiveMessage, ProgressMessage, Stage,
};

use super::state::{LOG, State};

/// How often the progress is sent again when nothing changed (the page counts
/// down in between).
const PROGRESS_EVERY: Duration = Duration::from_secs(30);

/// The progress the room was last told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ToldProgress {
    /// The stage's index in the plan.
    index: usize,
    /// When it was sent.
    at: DateTime<Utc>,
    /// The candidate's connection it was sent to (when it began), so a page that
    /// comes back is told at once.
    stretch: Option<DateTime<Utc>>,
}

impl State {
    /// The interview's current stage and its index in [`State::plan`]: the one
    /// place the room's progress reads it.
    pub(super) fn current_stage(&self) -> Option<(usize, Stage)> {
        self.record
            .pace
            .stage()
            .map(|stage| (self.record.pace.stage_index(), stage))
    }

    /// The interview's plan.
    pub(super) fn plan(&self) -> &InterviewPlan {
        self.record.pace.plan()
    }

    /// Shows the room one sentence of the interviewer's line `line` as it starts
    /// to play.
    pub(super) async fn caption(&self, line: u64, sentence: &str) {
        let message = CaptionMessage {
            line,
            text: sentence.to_owned(),
        };
        if let Err(error) = self
            .setup
            .output
            .publish(&LiveMessage::Caption(message))
            .await
        {
            tracing::debug!(target: LOG, %error, "could not send a caption");
        }
    }

    /// Tells the room the stage and the time left: when the interview starts or
    /// the candidate comes back, when the stage changes, and every
    /// [`PROGRESS_EVERY`] otherwise.
    pub(super) async fn publish_progress(&mut self) {
        if self.live.paused() || self.outcome.ending.is_some() {
            return;
        }
        let Some((index, stage)) = self.current_stage() else {
            return;
        };
        let now = self.setup.clock.now();
        let stretch = self.live.active_since;
        let due = match self.speaking.told_progress {
            None => true,
            Some(told) => {
                told.index != index
                    || told.stretch != stretch
                    || (now - told.at).to_std().unwrap_or_default() >= PROGRESS_EVERY
            }
        };
        if !due {
            return;
        }
        self.speaking.told_progress = Some(ToldProgress {
            index,
            at: now,
            stretch,
        });
        let message = ProgressMessage::new(self.plan(), index, stage, self.elapsed());
        if let Err(error) = self
            .setup
            .output
            .publish(&LiveMessage::Progress(message))
            .await
        {
            tracing::debug!(target: LOG, %error, "could not send the progress");
        }
    }
}
