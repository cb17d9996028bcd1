//! Per-turn latency, measured from the end of the candidate's speech.

use std::time::Duration;

use tokio::time::Instant;

/// How one candidate turn was answered. Every duration is measured from the end
/// of the candidate's speech (the last frame the VAD called speech), or from the
/// arrival of a typed answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TurnMetrics {
    /// The turn was typed, not spoken (no endpointing, no speech-to-text).
    pub typed: bool,
    /// The turn waited for the interviewer to finish speaking (default mode), so
    /// its delays include that wait.
    pub queued: bool,
    /// End of speech -> the end of turn was decided (the silence wait).
    pub endpointing: Option<Duration>,
    /// End of speech -> the final transcript.
    pub transcript: Option<Duration>,
    /// End of speech -> the model's first token.
    pub first_token: Option<Duration>,
    /// End of speech -> the first synthesized audio was played: voice to voice.
    pub voice_to_voice: Option<Duration>,
}

/// Timestamps gathered while a turn is answered.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TurnClock {
    pub(crate) end_of_speech: Instant,
    pub(crate) end_of_turn: Option<Instant>,
    pub(crate) transcript: Option<Instant>,
    pub(crate) first_token: Option<Instant>,
    pub(crate) first_audio: Option<Instant>,
    pub(crate) typed: bool,
    pub(crate) queued: bool,
}

impl TurnClock {
    pub(crate) fn typed(at: Instant) -> Self {
        Self {
            end_of_speech: at,
            end_of_turn: None,
            transcript: None,
            first_token: None,
            first_audio: None,
            typed: true,
            queued: false,
        }
    }

    pub(crate) fn metrics(&self) -> TurnMetrics {
        let since = |t: Option<Instant>| t.map(|t| t.saturating_duration_since(self.end_of_speech));
        TurnMetrics {
            typed: self.typed,
            queued: self.queued,
            endpointing: since(self.end_of_turn),
            transcript: since(self.transcript),
            first_token: since(self.first_token),
            voice_to_voice: since(self.first_audio),
        }
    }
}

/// Percentiles of one delay over an interview's turns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LatencySummary {
    /// How many turns had this measurement.
    pub count: usize,
    /// Median.
    pub p50: Option<Duration>,
    /// 95th percentile (nearest rank).
    pub p95: Option<Duration>,
    /// Largest.
    pub max: Option<Duration>,
}

impl LatencySummary {
    /// Summarises `values`.
    pub fn of(mut values: Vec<Duration>) -> Self {
        values.sort_unstable();
        let rank = |p: usize| -> Option<Duration> {
            if values.is_empty() {
                return None;
            }
            let index = (values.len() * p).div_ceil(100).saturating_sub(1);
            values.get(index.min(values.len() - 1)).copied()
        };
        Self {
            count: values.len(),
            p50: rank(50),
            p95: rank(95),
            max: values.last().copied(),
        }
    }
}

/// An interview's turn latencies, over the spoken turns that were not queued
/// behind the interviewer's speech.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MetricsSummary {
    /// Candidate turns answered (all kinds).
    pub turns: usize,
    /// End of speech -> end of turn.
    pub endpointing: LatencySummary,
    /// End of speech -> final transcript.
    pub transcript: LatencySummary,
    /// End of speech -> first token.
    pub first_token: LatencySummary,
    /// End of speech -> first audio.
    pub voice_to_voice: LatencySummary,
}

impl MetricsSummary {
    /// Summarises `turns`.
    pub fn of(turns: &[TurnMetrics]) -> Self {
        let spoken: Vec<&TurnMetrics> = turns.iter().filter(|t| !t.typed && !t.queued).collect();
        let pick = |f: fn(&TurnMetrics) -> Option<Duration>| {
            LatencySummary::of(spoken.iter().filter_map(|t| f(t)).collect())
        };
        Self {
            turns: turns.len(),
            endpointing: pick(|t| t.endpointing),
            transcript: pick(|t| t.transcript),
            first_token: pick(|t| t.first_token),
            voice_to_voice: pick(|t| t.voice_to_voice),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let ms = |v: u64| Duration::from_millis(v);
        let summary = LatencySummary::of((1..=100).rev().map(ms).collect());
        assert_eq!(summary.count, 100);
        assert_eq!(summary.p50, Some(ms(50)));
        assert_eq!(summary.p95, Some(ms(95)));
        assert_eq!(summary.max, Some(ms(100)));
        assert_eq!(LatencySummary::of(vec![]).p50, None);
        assert_eq!(LatencySummary::of(vec![ms(7)]).p95, Some(ms(7)));
    }
}
