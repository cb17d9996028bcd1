//! The end of the interview: queued turns recorded, the transcript flushed to the
//! store, the evaluation, the booking's status, and the report.

use std::time::Duration;

use interview_core::interview::{AgentState, Speaker, evaluate, evaluation_request};
use interview_core::{BookingStatus, BookingToken};
use tokio::task::JoinHandle;

use super::metrics::MetricsSummary;
use super::run::{LOG, Run};
use super::{SessionEnd, SessionReport};

impl Run {
    pub(super) async fn finish(
        mut self,
        end: SessionEnd,
        booking: Option<BookingToken>,
        writer_task: Option<JoinHandle<usize>>,
        mut store_failures: usize,
    ) -> SessionReport {
        self.stop_response(false).await;
        for turn in std::mem::take(&mut self.pending) {
            if !turn.recorded {
                self.record(Speaker::Candidate, &turn.text, turn.at, false)
                    .await;
            }
        }
        self.set_state(AgentState::Ended).await;
        let duration = self.elapsed();

        // Every line is stored before the evaluation and the status change.
        self.writer = None;
        if let Some(task) = writer_task {
            store_failures += task.await.unwrap_or(1);
        }

        let store = self.session.store.clone();
        let answered = self
            .transcript
            .iter()
            .any(|e| e.speaker == Speaker::Candidate);
        let (evaluation, evaluation_error) = if answered {
            let request = evaluation_request(
                &self.config.persona,
                &self.transcript,
                self.resume.as_ref(),
                &self.config.competencies,
            );
            let created_at = self.session.clock.now();
            match evaluate(
                self.session.engines.llm.as_ref(),
                request,
                &self.config.competencies,
                &self.transcript,
                created_at,
            )
            .await
            {
                Ok(evaluation) => (Some(evaluation), None),
                Err(error) => {
                    tracing::warn!(target: LOG, %error, "no evaluation");
                    (None, Some(error.to_string()))
                }
            }
        } else {
            (None, Some("the candidate gave no answers".to_owned()))
        };
        if let Some(token) = &booking {
            if let Some(evaluation) = &evaluation
                && let Err(error) = store.save_evaluation(token, evaluation).await
            {
                store_failures += 1;
                tracing::warn!(target: LOG, %error, "could not store the evaluation");
            }
            if let Err(error) = store.set_status(token, BookingStatus::Completed).await {
                store_failures += 1;
                tracing::warn!(target: LOG, %error, "could not mark the booking completed");
            }
        }
        self.output.close().await;

        let metrics = MetricsSummary::of(&self.turns);
        let ms = |d: Option<Duration>| d.map(|d| d.as_secs_f64() * 1000.0);
        tracing::info!(
            target: LOG,
            ?end,
            turns = metrics.turns,
            voice_to_voice_p50_ms = ms(metrics.voice_to_voice.p50),
            voice_to_voice_p95_ms = ms(metrics.voice_to_voice.p95),
            first_token_p50_ms = ms(metrics.first_token.p50),
            transcript_p50_ms = ms(metrics.transcript.p50),
            engine_failures = self.engine_failures.len(),
            "interview summary"
        );
        SessionReport {
            end,
            transcript: self.transcript,
            evaluation,
            evaluation_error,
            turns: self.turns,
            metrics,
            engine_failures: self.engine_failures,
            interruptions: self.interruptions,
            store_failures,
            duration,
        }
    }
}
