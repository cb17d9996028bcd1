//! The end of the session: queued turns recorded, the transcript flushed to the
//! store, and then, if the interview is complete, the evaluation; the booking's
//! status and evaluation status; the report.
//!
//! Only the interviewer's goodbye, the time limit and the window's end (with at
//! least one answer given) complete an interview. Any other end (the connection
//! gone, the engines failing) leaves it interrupted: the candidate can come back
//! within the window and carry on.

use std::time::Duration;

use interview_core::interview::{
    AgentState, EvaluateError, Evaluation, LiveMessage, NoticeMessage, Speaker, evaluate,
    evaluation_request,
};
use interview_core::store::{Claim, Lease, Transition};
use interview_core::{BookingStatus, EvaluationStatus};

use super::metrics::MetricsSummary;
use super::report::{SessionEnd, SessionReport};
use super::state::{LOG, State};

/// What became of the evaluation.
struct Judged {
    evaluation: Option<Evaluation>,
    /// Why there is none, for the report.
    error: Option<String>,
    /// What to store; `None` leaves it pending (the interview can resume).
    status: Option<EvaluationStatus>,
}

impl State {
    pub(super) async fn finish(mut self, end: SessionEnd) -> SessionReport {
        self.stop_response(false).await;
        for turn in std::mem::take(&mut self.hearing.pending) {
            if !turn.recorded {
                self.record(Speaker::Candidate, &turn.text, turn.at, false)
                    .await;
            }
        }
        self.set_state(AgentState::Ended).await;
        let duration = self.elapsed();

        // Every line is stored before the evaluation and the status change.
        self.record.writer = None;
        if let Some(task) = self.record.writer_task.take() {
            self.outcome.store_failures += task.await.unwrap_or(1);
        }

        let answered = self
            .record
            .transcript
            .iter()
            .any(|e| e.speaker == Speaker::Candidate);
        // A window that closed on a candidate who never answered ends nothing: an
        // interview without answers is never completed by an absence.
        let completes = end.completes() && (end != SessionEnd::WindowClosed || answered);
        let judged = {
            use tracing::Instrument;
            let span = tracing::info_span!(target: LOG, "evaluation");
            self.judge(end, completes, answered).instrument(span).await
        };
        self.store_outcome(end, completes, duration, &judged).await;
        if end == SessionEnd::Silent {
            // The page says the interview can be taken up again, not that it is over.
            let notice = NoticeMessage::ending("paused", super::silence::PAUSED);
            if let Err(error) = self
                .setup
                .output
                .publish(&LiveMessage::Notice(notice))
                .await
            {
                tracing::debug!(target: LOG, %error, "could not send the notice");
            }
        }
        self.setup.output.close().await;

        let State {
            record, outcome, ..
        } = self;
        let metrics = MetricsSummary::of(&outcome.turns);
        let ms = |d: Option<Duration>| d.map(|d| d.as_secs_f64() * 1000.0);
        tracing::info!(
            target: LOG,
            ?end,
            completes,
            turns = metrics.turns,
            voice_to_voice_p50_ms = ms(metrics.voice_to_voice.p50),
            voice_to_voice_p95_ms = ms(metrics.voice_to_voice.p95),
            first_token_p50_ms = ms(metrics.first_token.p50),
            transcript_p50_ms = ms(metrics.transcript.p50),
            engine_failures = outcome.engine_failures.len(),
            stage = record.pace.stage().map(|s| s.title()),
            covered_percent = record.pace.coverage().percent(),
            "interview summary"
        );
        let stage = record.pace.stage();
        let covered = record
            .pace
            .coverage()
            .covered()
            .into_iter()
            .map(str::to_owned)
            .collect();
        SessionReport {
            stage,
            covered,
            end,
            transcript: record.transcript,
            evaluation: judged.evaluation,
            evaluation_error: judged.error,
            turns: outcome.turns,
            metrics,
            engine_failures: outcome.engine_failures,
            interruptions: outcome.interruptions,
            store_failures: outcome.store_failures,
            duration,
        }
    }

    /// The evaluation of a completed interview; none (still pending) for one that
    /// can resume.
    async fn judge(&self, end: SessionEnd, completes: bool, answered: bool) -> Judged {
        let not_available = |reason: &str| Judged {
            evaluation: None,
            error: Some(reason.to_owned()),
            status: Some(EvaluationStatus::NotAvailable(reason.to_owned())),
        };
        if !answered && (completes || end == SessionEnd::WindowClosed) {
            return not_available("the candidate gave no answers");
        }
        if !completes {
            return Judged {
                evaluation: None,
                error: None,
                status: None,
            };
        }
        if self.setup.engines.interviewer_is_offline() {
            return not_available(
                "the offline interviewer does not evaluate; configure a language model",
            );
        }
        let config = &self.setup.config;
        let rules = config.evaluation_rules();
        let request = evaluation_request(
            &config.persona,
            &self.record.transcript,
            self.record.resume.as_ref(),
            &rules,
        );
        match evaluate(
            self.setup.engines.llm.as_ref(),
            request,
            &rules,
            &self.record.transcript,
            self.setup.clock.now(),
        )
        .await
        {
            Ok(evaluation) => Judged {
                evaluation: Some(evaluation),
                error: None,
                status: Some(EvaluationStatus::Ready),
            },
            // Nothing the candidate said could be scored: not a failure to retry.
            Err(error @ EvaluateError::NothingAssessed { .. }) => not_available(&error.to_string()),
            Err(error) => {
                tracing::warn!(target: LOG, %error, "no evaluation");
                Judged {
                    evaluation: None,
                    error: Some(error.to_string()),
                    status: Some(EvaluationStatus::Failed(error.to_string())),
                }
            }
        }
    }

    /// Writes the evaluation, its status and the booking's new status.
    async fn store_outcome(
        &mut self,
        end: SessionEnd,
        completes: bool,
        elapsed: Duration,
        judged: &Judged,
    ) {
        let Some(token) = self.setup.booking.clone() else {
            return;
        };
        let store = self.setup.store.clone();
        let mut failures = 0;
        let saved = match (&judged.evaluation, &judged.status) {
            (Some(evaluation), _) => store.save_evaluation(&token, evaluation).await,
            (None, Some(status)) => store.set_evaluation_status(&token, status).await,
            (None, None) => Ok(()),
        };
        let mut published = Vec::new();
        match saved {
            Ok(()) => match &judged.status {
                Some(EvaluationStatus::Ready) => {
                    published.push(interview_core::events::EventType::EvaluationReady);
                }
                Some(EvaluationStatus::Failed(_)) => {
                    published.push(interview_core::events::EventType::EvaluationFailed);
                }
                _ => {}
            },
            Err(error) => {
                failures += 1;
                tracing::warn!(target: LOG, %error, "could not store the evaluation");
            }
        }
        let to = if completes {
            BookingStatus::Completed
        } else {
            BookingStatus::Interrupted
        };
        let moved = match (&self.live.holder, end) {
            // Someone else holds it, or no one ever did: nothing of ours to end.
            (_, SessionEnd::NotJoinable | SessionEnd::Superseded) => Ok(None),
            (Some(holder), _) if !self.live.paused() => {
                store.release(&token, holder, to, elapsed).await.map(Some)
            }
            // Paused: the interview is interrupted and anyone's to resume, so it is
            // completed only if this session can hold it again first.
            (Some(holder), _) if completes => {
                let now = self.setup.clock.now();
                let lease = Lease {
                    holder: holder.clone(),
                    until: now + self.setup.config.lease,
                };
                match store.claim(&token, &lease, now).await {
                    Ok(Claim::Claimed { .. }) => {
                        store.release(&token, holder, to, elapsed).await.map(Some)
                    }
                    Ok(_) => Ok(None),
                    Err(error) => Err(error),
                }
            }
            // Never held, because the store was down at the start.
            (None, _) if completes => store.transition(&token, to).await.map(Some),
            _ => Ok(None),
        };
        if to == BookingStatus::Completed && matches!(moved, Ok(Some(Transition::Moved { .. }))) {
            // The interview's end comes before its evaluation.
            published.insert(0, interview_core::events::EventType::InterviewCompleted);
        }
        if let Some(events) = &self.setup.events {
            for kind in published {
                events.publish(kind, &token).await;
            }
        }
        match moved {
            Ok(Some(Transition::Refused { current })) => {
                tracing::info!(target: LOG, %current, to = %to, "the booking's status was not changed");
            }
            Ok(_) => {}
            Err(error) => {
                failures += 1;
                tracing::warn!(target: LOG, %error, to = %to, "could not record the interview's status");
            }
        }
        self.outcome.store_failures += failures;
    }
}
