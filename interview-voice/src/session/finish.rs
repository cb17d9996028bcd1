//! The end of the interview: queued turns recorded, the transcript flushed to the
//! store, the evaluation, the booking's status, and the report.

use std::time::Duration;

use interview_core::BookingStatus;
use interview_core::interview::{
    AgentState, EvaluationRules, Speaker, evaluate, evaluation_request,
};

use super::metrics::MetricsSummary;
use super::report::{SessionEnd, SessionReport};
use super::state::{LOG, State};

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

        let State {
            setup,
            record,
            mut outcome,
            ..
        } = self;
        let config = &setup.config;
        let answered = record
            .transcript
            .iter()
            .any(|e| e.speaker == Speaker::Candidate);
        let (evaluation, evaluation_error) = if answered {
            let rules = EvaluationRules::new(&config.competencies);
            let request = evaluation_request(
                &config.persona,
                &record.transcript,
                record.resume.as_ref(),
                &rules,
            );
            let created_at = setup.clock.now();
            match evaluate(
                setup.engines.llm.as_ref(),
                request,
                &rules,
                &record.transcript,
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
        if let Some(token) = &setup.booking {
            if let Some(evaluation) = &evaluation
                && let Err(error) = setup.store.save_evaluation(token, evaluation).await
            {
                outcome.store_failures += 1;
                tracing::warn!(target: LOG, %error, "could not store the evaluation");
            }
            if let Err(error) = setup
                .store
                .set_status(token, BookingStatus::Completed)
                .await
            {
                outcome.store_failures += 1;
                tracing::warn!(target: LOG, %error, "could not mark the booking completed");
            }
        }
        setup.output.close().await;

        let metrics = MetricsSummary::of(&outcome.turns);
        let ms = |d: Option<Duration>| d.map(|d| d.as_secs_f64() * 1000.0);
        tracing::info!(
            target: LOG,
            ?end,
            turns = metrics.turns,
            voice_to_voice_p50_ms = ms(metrics.voice_to_voice.p50),
            voice_to_voice_p95_ms = ms(metrics.voice_to_voice.p95),
            first_token_p50_ms = ms(metrics.first_token.p50),
            transcript_p50_ms = ms(metrics.transcript.p50),
            engine_failures = outcome.engine_failures.len(),
            "interview summary"
        );
        SessionReport {
            end,
            transcript: record.transcript,
            evaluation,
            evaluation_error,
            turns: outcome.turns,
            metrics,
            engine_failures: outcome.engine_failures,
            interruptions: outcome.interruptions,
            store_failures: outcome.store_failures,
            duration,
        }
    }
}
