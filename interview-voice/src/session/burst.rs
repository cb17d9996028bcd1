//! A burst of answers is one turn. Answers that come while the interviewer speaks
//! wait in the queue and are answered together once it has been heard (the
//! `answer` stage); an answer that comes while the interviewer is still working on
//! its reply to the previous ones, before a word of it was played, joins them: the
//! unspoken reply is dropped and the whole burst answered at once.

use interview_core::engine::Role;
use interview_core::interview::AgentState;

use super::state::{LOG, ResponseKind, State};

impl State {
    /// After a turn was queued while a response is under way: if that response is
    /// an answer not yet audible, answers it again together with the new turn.
    pub(super) async fn merge_into_unspoken_answer(&mut self) {
        let unspoken = self.speaking.agent_state == Some(AgentState::Thinking)
            && matches!(
                self.speaking.response.as_ref().map(|r| &r.kind),
                Some(ResponseKind::Answer)
            );
        if !unspoken || self.outcome.is_winding_down() {
            return;
        }
        let Some(response) = self.stop_response(false).await else {
            return;
        };
        tracing::info!(
            target: LOG,
            turns = response.answering.len() + self.hearing.pending.len(),
            "more answers came before the reply was spoken: one reply to them all"
        );
        // The model is asked again, with the burst as one message.
        if matches!(self.record.history.last(), Some(m) if m.role == Role::User) {
            self.record.history.pop();
        }
        let mut burst = response.answering;
        for turn in &mut burst {
            turn.recorded = true;
            turn.clock.queued = true;
        }
        burst.append(&mut self.hearing.pending);
        self.hearing.pending = burst;
        self.answer_pending().await;
        if self.speaking.response.is_none() {
            // The candidate is still mid-sentence: their turn is answered when it ends.
            self.set_state(AgentState::Listening).await;
        }
    }
}
