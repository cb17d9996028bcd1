//! The room and the clock: who joins and leaves, the candidate's connection
//! dropping and coming back, the connection to the room ending, typed answers
//! handed to the `hearing` stage, the session's hold on the interview, the time
//! limit and the window's end.
//!
//! A candidate who leaves does not end the interview: the session pauses (the
//! interview is `interrupted` in the store and its time stops) and waits in the
//! room until they come back, when it says it is continuing and carries on where
//! it stopped, or until the window closes. Without a window to wait for (no
//! booking), leaving ends the session.

use interview_core::BookingStatus;
use interview_core::interview::AgentState;
use interview_core::store::{Claim, Lease, Transition};
use interview_core::transport::RoomEvent;

use super::report::SessionEnd;
use super::speech::Source;
use super::state::{LOG, ResponseKind, State, Utterance};

impl State {
    pub(super) async fn on_event(&mut self, event: RoomEvent) {
        self.check_time().await;
        let local = self.setup.local_identity.as_str();
        match event {
            RoomEvent::ParticipantJoined { identity, .. } if identity != local => {
                if self.live.paused() {
                    self.come_back(identity).await;
                } else {
                    self.hearing.candidate.get_or_insert(identity);
                }
            }
            RoomEvent::ParticipantLeft { identity }
                if identity != local
                    && self
                        .hearing
                        .candidate
                        .as_ref()
                        .is_none_or(|c| *c == identity) =>
            {
                self.candidate_left().await;
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

    /// The candidate left: the session waits for them until the window closes,
    /// unless there is no window, or the interview was already closing.
    async fn candidate_left(&mut self) {
        if self.live.paused() || self.outcome.ending.is_some() {
            return;
        }
        if let Some(end) = self.outcome.closing {
            // They left during the last words: the interview is over anyway.
            self.leave(end).await;
            return;
        }
        if self.live.deadline.is_none() {
            self.leave(SessionEnd::CandidateLeft).await;
            return;
        }
        self.stop_response(false).await;
        self.live.active_before = self.elapsed();
        self.live.active_since = None;
        self.hearing.candidate = None;
        self.hearing.utterance = Utterance {
            generation: self.hearing.utterance.generation + 1,
            ..Utterance::default()
        };
        self.hearing.detector.reset();
        tracing::info!(
            target: LOG,
            until = ?self.live.deadline,
            "the candidate left: the interview waits for them to come back"
        );
        if let (Some(token), Some(holder)) = (&self.setup.booking, &self.live.holder) {
            let elapsed = self.elapsed();
            match self
                .setup
                .store
                .release(token, holder, BookingStatus::Interrupted, elapsed)
                .await
            {
                Ok(Transition::Moved { .. }) => {}
                Ok(Transition::Refused { current }) => {
                    tracing::info!(target: LOG, %current, "the interview is no longer this session's");
                    self.outcome.ending = Some(SessionEnd::Superseded);
                }
                Err(error) => {
                    self.outcome.store_failures += 1;
                    tracing::warn!(target: LOG, %error, "could not mark the interview interrupted");
                }
            }
        }
        self.set_state(AgentState::Listening).await;
    }

    /// The candidate is back: hold the interview again, say so, and carry on.
    async fn come_back(&mut self, identity: String) {
        if self.outcome.ending.is_some() {
            return;
        }
        if let (Some(token), Some(holder)) = (&self.setup.booking, &self.live.holder) {
            let now = self.setup.clock.now();
            let lease = Lease {
                holder: holder.clone(),
                until: now + self.setup.config.lease,
            };
            match self.setup.store.claim(token, &lease, now).await {
                Ok(Claim::Claimed { .. }) => self.live.renewed_at = now,
                Ok(Claim::Busy { .. } | Claim::Refused { .. }) => {
                    tracing::info!(target: LOG, "another session holds the interview now");
                    self.leave(SessionEnd::Superseded).await;
                    return;
                }
                Err(error) => {
                    self.outcome.store_failures += 1;
                    tracing::warn!(target: LOG, %error, "could not hold the interview again");
                }
            }
        }
        tracing::info!(target: LOG, "the candidate is back: the interview continues");
        self.hearing.candidate = Some(identity);
        self.live.active_since = Some(self.setup.clock.now());
        let welcome = self
            .setup
            .config
            .persona
            .continuation_text(self.setup.first_name.as_deref());
        self.start_response(
            Source::Fixed(welcome),
            ResponseKind::Greeting,
            None,
            Vec::new(),
        )
        .await;
    }

    /// The clock: the session's hold on the interview renewed; while the candidate
    /// is away, the window's end; while they are here, the time limit and the
    /// window's end, after which the interviewer closes politely: at once if it is
    /// silent, else after what it is saying.
    pub(super) async fn check_time(&mut self) {
        if self.outcome.ending.is_some() {
            return;
        }
        let now = self.setup.clock.now();
        let past_deadline = self.live.deadline.is_some_and(|deadline| now > deadline);
        if self.live.paused() {
            if past_deadline {
                tracing::info!(target: LOG, "the window closed while the candidate was away");
                self.outcome.ending = Some(SessionEnd::WindowClosed);
            }
            return;
        }
        self.renew_hold(now).await;
        if self.outcome.is_winding_down() {
            return;
        }
        if self.elapsed() < self.setup.config.time_limit() && !past_deadline {
            return;
        }
        tracing::info!(target: LOG, past_deadline, "the time limit is reached");
        self.outcome.closing = Some(SessionEnd::TimeLimit);
        if self.speaking.response.is_none() {
            self.speak_close(SessionEnd::TimeLimit).await;
        }
    }

    /// Renews the lease every third of its length, recording the interview's time;
    /// a session that lost the interview to another ends.
    async fn renew_hold(&mut self, now: chrono::DateTime<chrono::Utc>) {
        let (Some(token), Some(holder)) = (&self.setup.booking, &self.live.holder) else {
            return;
        };
        let lease_length = self.setup.config.lease;
        if (now - self.live.renewed_at).to_std().unwrap_or_default() < lease_length / 3 {
            return;
        }
        let lease = Lease {
            holder: holder.clone(),
            until: now + lease_length,
        };
        let elapsed = self.elapsed();
        match self.setup.store.renew(token, &lease, elapsed).await {
            Ok(true) => self.live.renewed_at = now,
            Ok(false) => {
                tracing::warn!(target: LOG, "the interview is held by another session now");
                self.leave(SessionEnd::Superseded).await;
            }
            Err(error) => {
                // Tried again a third of a lease later. Renewing needs only that
                // no one else took the interview, so a late renewal still works.
                self.live.renewed_at = now;
                self.outcome.store_failures += 1;
                tracing::warn!(target: LOG, %error, "could not renew the hold on the interview");
            }
        }
    }
}
