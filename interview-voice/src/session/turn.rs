//! End of turn: when the candidate has finished speaking.
//!
//! Silence of [`TurnConfig::min_silence`] after speech *pauses* the utterance: its
//! audio is transcribed right away. If the transcript looks finished (terminal
//! punctuation, no trailing conjunction), the turn ends there. If it looks
//! unfinished ("... and", "because", no punctuation), the turn waits for
//! [`TurnConfig::unfinished_extension`] more silence; speech in that time resumes
//! the same utterance. All durations are counted in audio, not wall-clock time, so
//! the decision is the same however fast the frames arrive.

use std::time::Duration;

use super::vad::{VAD_FRAME, VAD_FRAME_SAMPLES, VadFrame};

/// When a turn starts and ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TurnConfig {
    /// Speech must last this long to count (shorter blips are noise).
    pub min_speech: Duration,
    /// Silence that ends a turn whose transcript looks finished.
    pub min_silence: Duration,
    /// Extra silence awaited when the transcript looks unfinished.
    pub unfinished_extension: Duration,
    /// Audio kept from before speech was detected, so the first syllable is not cut.
    pub pre_roll: Duration,
    /// An utterance is cut (and transcribed) when it gets this long.
    pub max_utterance: Duration,
    /// In barge-in mode, speech must last this long to stop the interviewer.
    pub barge_in_min_speech: Duration,
}

impl Default for TurnConfig {
    fn default() -> Self {
        Self {
            min_speech: Duration::from_millis(96),
            min_silence: Duration::from_millis(640),
            unfinished_extension: Duration::from_millis(960),
            pre_roll: Duration::from_millis(240),
            max_utterance: Duration::from_secs(60),
            barge_in_min_speech: Duration::from_millis(256),
        }
    }
}

/// What the detector noticed in a frame.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TurnEvent {
    /// Speech started (after `min_speech` of it).
    SpeechStarted,
    /// Speech has lasted `barge_in_min_speech` in this utterance.
    SustainedSpeech,
    /// `min_silence` after speech: the utterance so far (16 kHz mono), to transcribe.
    Paused(Vec<i16>),
    /// Speech again after a pause: the utterance goes on.
    Resumed,
    /// `min_silence + unfinished_extension` of silence, or the utterance is too long.
    Ended,
}

#[derive(Debug)]
enum State {
    Idle {
        pre_roll: std::collections::VecDeque<Vec<i16>>,
        voiced_run: usize,
    },
    InSpeech {
        audio: Vec<i16>,
        silence_run: usize,
        voiced_run: usize,
        voiced_total: usize,
        paused: bool,
        sustained: bool,
    },
}

/// Turns VAD frames into utterances.
#[derive(Debug)]
pub(crate) struct TurnDetector {
    config: TurnConfig,
    state: State,
}

fn frames(duration: Duration) -> usize {
    (duration.as_millis() / VAD_FRAME.as_millis()).max(1) as usize
}

impl TurnDetector {
    pub(crate) fn new(config: TurnConfig) -> Self {
        Self {
            config,
            state: Self::idle(),
        }
    }

    fn idle() -> State {
        State::Idle {
            pre_roll: std::collections::VecDeque::new(),
            voiced_run: 0,
        }
    }

    /// Whether an utterance is under way (speech or a pause within one).
    pub(crate) fn in_utterance(&self) -> bool {
        matches!(self.state, State::InSpeech { .. })
    }

    /// Closes the current utterance: the next speech starts a new one.
    pub(crate) fn reset(&mut self) {
        self.state = Self::idle();
    }

    /// Feeds one VAD frame.
    pub(crate) fn push(&mut self, frame: VadFrame) -> Vec<TurnEvent> {
        let min_speech = frames(self.config.min_speech);
        let min_silence = frames(self.config.min_silence);
        let end_silence = min_silence + frames(self.config.unfinished_extension);
        let max_len = frames(self.config.max_utterance) * VAD_FRAME_SAMPLES;
        let barge_in = frames(self.config.barge_in_min_speech);
        let mut events = Vec::new();
        match &mut self.state {
            State::Idle {
                pre_roll,
                voiced_run,
            } => {
                *voiced_run = if frame.speech { *voiced_run + 1 } else { 0 };
                pre_roll.push_back(frame.samples);
                let keep = frames(self.config.pre_roll).max(min_speech);
                while pre_roll.len() > keep {
                    pre_roll.pop_front();
                }
                if *voiced_run >= min_speech {
                    let audio: Vec<i16> = pre_roll.drain(..).flatten().collect();
                    let voiced = *voiced_run;
                    self.state = State::InSpeech {
                        audio,
                        silence_run: 0,
                        voiced_run: voiced,
                        voiced_total: voiced,
                        paused: false,
                        sustained: false,
                    };
                    events.push(TurnEvent::SpeechStarted);
                    if voiced >= barge_in {
                        events.push(TurnEvent::SustainedSpeech);
                        if let State::InSpeech { sustained, .. } = &mut self.state {
                            *sustained = true;
                        }
                    }
                }
            }
            State::InSpeech {
                audio,
                silence_run,
                voiced_run,
                voiced_total,
                paused,
                sustained,
            } => {
                audio.extend_from_slice(&frame.samples);
                if frame.speech {
                    *silence_run = 0;
                    *voiced_run += 1;
                    *voiced_total += 1;
                    if *paused && *voiced_run >= min_speech {
                        *paused = false;
                        events.push(TurnEvent::Resumed);
                    }
                    if !*sustained && *voiced_total >= barge_in {
                        *sustained = true;
                        events.push(TurnEvent::SustainedSpeech);
                    }
                } else {
                    *voiced_run = 0;
                    *silence_run += 1;
                    if !*paused && *silence_run == min_silence {
                        *paused = true;
                        events.push(TurnEvent::Paused(audio.clone()));
                    }
                    if *silence_run >= end_silence {
                        events.push(TurnEvent::Ended);
                        self.state = Self::idle();
                        return events;
                    }
                }
                if audio.len() >= max_len {
                    if !*paused {
                        events.push(TurnEvent::Paused(audio.clone()));
                    }
                    events.push(TurnEvent::Ended);
                    self.state = Self::idle();
                }
            }
        }
        events
    }
}

/// Words after which a sentence cannot be over.
const CONTINUATIONS: [&str; 24] = [
    "and", "but", "or", "so", "because", "since", "although", "though", "then", "that", "which",
    "who", "if", "when", "while", "with", "to", "of", "for", "the", "a", "an", "um", "uh",
];

/// Whether a transcript looks like the speaker has more to say: it ends with a
/// conjunction, article or filler, a comma, or no terminal punctuation at all.
pub fn looks_unfinished(transcript: &str) -> bool {
    let text = transcript.trim_end();
    let Some(last) = text.chars().last() else {
        return false;
    };
    if matches!(last, ',' | ';' | ':' | '-' | '–' | '—') || text.ends_with("...") {
        return true;
    }
    if matches!(last, '?' | '!') {
        return false;
    }
    let last_word = text
        .rsplit(char::is_whitespace)
        .next()
        .unwrap_or("")
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    if CONTINUATIONS.contains(&last_word.as_str()) {
        return true;
    }
    !matches!(last, '.' | '!' | '?' | '…' | '"' | '”' | ')')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(speech: bool) -> VadFrame {
        VadFrame {
            samples: vec![if speech { 1000 } else { 0 }; VAD_FRAME_SAMPLES],
            speech,
        }
    }

    fn feed(detector: &mut TurnDetector, speech: bool, count: usize) -> Vec<TurnEvent> {
        (0..count)
            .flat_map(|_| detector.push(frame(speech)))
            .collect()
    }

    #[test]
    fn speech_then_silence_pauses_then_ends() {
        let config = TurnConfig::default();
        let mut detector = TurnDetector::new(config);
        assert!(feed(&mut detector, false, 20).is_empty());
        // A two-frame blip is not speech.
        assert!(feed(&mut detector, true, 2).is_empty());
        assert!(feed(&mut detector, false, 3).is_empty());
        let events = feed(&mut detector, true, 30);
        assert_eq!(
            events,
            [TurnEvent::SpeechStarted, TurnEvent::SustainedSpeech]
        );
        let events = feed(&mut detector, false, frames(config.min_silence));
        let [TurnEvent::Paused(audio)] = events.as_slice() else {
            panic!("{events:?}")
        };
        // Pre-roll + speech + silence.
        assert!(audio.len() >= (30 + 40) * VAD_FRAME_SAMPLES);
        let events = feed(&mut detector, false, frames(config.unfinished_extension));
        assert_eq!(events, [TurnEvent::Ended]);
        assert!(!detector.in_utterance());
    }

    #[test]
    fn speech_after_a_pause_resumes_the_utterance() {
        let config = TurnConfig::default();
        let mut detector = TurnDetector::new(config);
        feed(&mut detector, true, 20);
        assert!(matches!(
            feed(&mut detector, false, frames(config.min_silence)).as_slice(),
            [TurnEvent::Paused(_)]
        ));
        assert_eq!(feed(&mut detector, true, 10), [TurnEvent::Resumed]);
        let events = feed(&mut detector, false, frames(config.min_silence));
        let [TurnEvent::Paused(audio)] = events.as_slice() else {
            panic!("{events:?}")
        };
        assert!(audio.len() >= (30 + 2 * 40) * VAD_FRAME_SAMPLES);
    }

    #[test]
    fn unfinished_transcripts() {
        assert!(looks_unfinished("I worked on the payments team and"));
        assert!(looks_unfinished("We chose Kafka because"));
        assert!(looks_unfinished("Well, the thing is,"));
        assert!(looks_unfinished("I led the migration"));
        assert!(looks_unfinished("So um..."));
        assert!(!looks_unfinished("I led the migration."));
        assert!(looks_unfinished("We used Postgres and."));
        assert!(!looks_unfinished("Could you repeat that?"));
        assert!(!looks_unfinished("   "));
    }
}
