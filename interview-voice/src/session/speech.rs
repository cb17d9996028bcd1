//! The speech pipeline: one response, from text to audio in the room. The model's
//! text streams in, is cut into sentences, and each sentence is synthesized and
//! played while the next is still being written (and the next sentence's synthesis
//! starts while the current one plays). It knows nothing of the interview: it
//! reports its progress, and the `answer` stage decides what it means.
//!
//! A response is over when the candidate has *heard* it, not when its audio is
//! queued: the room reports playout ([`RoomOutput::playout`]), and each sentence
//! is reported as it starts to play (for captions). A room that never confirms
//! playout cannot hold the interview: every wait ends at the audio's expected end
//! (on the session's clock) plus [`PLAYOUT_SLACK`].

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use futures_util::StreamExt;
use interview_core::clock::Clock;
use interview_core::engine::{AudioStream, ChatRequest, LlmEngine, LlmEvent, TtsEngine};
use interview_core::interview::{echoes_progress_note, read_hidden_markers};
use interview_core::transport::{Playout, RoomOutput};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracing::Instrument;

use super::resample::Resampler;
use super::sentences::SentenceSplitter;

/// What to say.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// The model's answer to this request.
    Llm(ChatRequest),
    /// Fixed text (the greeting, an apology, a closing line).
    Fixed(String),
}

impl Source {
    /// `"model"` or `"fixed"`, for spans.
    fn kind(&self) -> &'static str {
        match self {
            Self::Llm(_) => "model",
            Self::Fixed(_) => "fixed",
        }
    }
}

/// Which part of the pipeline failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FailedPart {
    Llm,
    Tts,
    Room,
}

/// A response that could not be completed.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub(crate) part: FailedPart,
    pub(crate) message: String,
}

/// A response spoken to the end.
#[derive(Debug, Clone, Default)]
pub(crate) struct Spoken {
    /// The whole text, without the end marker.
    pub(crate) text: String,
    /// The model asked to end the interview.
    pub(crate) end_requested: bool,
    /// The competencies its evidence marker names (unchecked).
    pub(crate) evidence: Vec<String>,
}

/// Progress of a response, tagged with the response's id by [`spawn`].
#[derive(Debug)]
pub(crate) enum Progress {
    FirstToken,
    /// The first audio was queued in the room.
    FirstAudio,
    /// A sentence began to play (the audio queued before it was heard).
    SentenceStarted(String),
    /// Spoken to the end and heard (or the room's playout report was overdue),
    /// or failed.
    Finished(Result<Spoken, Failure>),
}

/// How long past the expected end of its audio a response waits for the room to
/// confirm that it was heard, before it goes on regardless (a page that never
/// acknowledges, a suspended audio player).
pub(crate) const PLAYOUT_SLACK: Duration = Duration::from_secs(2);

/// The engines and the room a response needs.
#[derive(Clone)]
pub(crate) struct Voice {
    pub(crate) llm: Arc<dyn LlmEngine>,
    pub(crate) tts: Arc<dyn TtsEngine>,
    pub(crate) output: Arc<dyn RoomOutput>,
    /// The session's clock: the bound on playout waits is measured on it.
    pub(crate) clock: Arc<dyn Clock>,
}

/// Speaks `source` in a task of its own; abort the handle to stop it (barge-in).
pub(crate) fn spawn(
    id: u64,
    source: Source,
    voice: Voice,
    progress: mpsc::UnboundedSender<(u64, Progress)>,
) -> JoinHandle<()> {
    let span = tracing::info_span!("response", id, source = source.kind());
    tokio::spawn(
        async move {
            let report = |p: Progress| {
                // The session stopped listening: nothing left to tell.
                let _ = progress.send((id, p));
            };
            let result = speak(source, &voice, &report).await;
            report(Progress::Finished(result));
        }
        .instrument(span),
    )
}

async fn speak(
    source: Source,
    voice: &Voice,
    report: &(dyn Fn(Progress) + Send + Sync),
) -> Result<Spoken, Failure> {
    let (sentence_tx, mut sentence_rx) = mpsc::unbounded_channel::<String>();
    // One synthesized sentence may wait while the previous one plays.
    let (audio_tx, mut audio_rx) = mpsc::channel::<(String, AudioStream)>(1);

    let write = async move {
        let mut full = String::new();
        let mut splitter = SentenceSplitter::new();
        // Sentences that read the progress note back: never spoken nor recorded.
        let mut echoed: Vec<String> = Vec::new();
        let mut send = |sentence: String| {
            if echoes_progress_note(&sentence) {
                tracing::warn!(target: super::state::LOG, "the model repeated its progress note; it is not spoken");
                echoed.push(sentence);
            } else {
                let _ = sentence_tx.send(sentence);
            }
        };
        match source {
            Source::Fixed(text) => {
                for sentence in splitter.push(&text).into_iter().chain(splitter.finish()) {
                    send(sentence);
                }
                full = text;
            }
            Source::Llm(request) => {
                let mut stream = voice.llm.chat(request).await.map_err(|e| Failure {
                    part: FailedPart::Llm,
                    message: e.to_string(),
                })?;
                let mut first = true;
                while let Some(event) = stream.next().await {
                    let event = event.map_err(|e| Failure {
                        part: FailedPart::Llm,
                        message: e.to_string(),
                    })?;
                    if let LlmEvent::Text(piece) = event {
                        if first && !piece.is_empty() {
                            first = false;
                            report(Progress::FirstToken);
                        }
                        full.push_str(&piece);
                        for sentence in splitter.push(&piece) {
                            send(sentence);
                        }
                    }
                }
                if let Some(rest) = splitter.finish() {
                    send(rest);
                }
            }
        }
        for sentence in &echoed {
            full = full.replacen(sentence.trim(), "", 1);
        }
        let hidden = read_hidden_markers(&full);
        if hidden.text.trim().is_empty() && !hidden.end_requested {
            return Err(Failure {
                part: FailedPart::Llm,
                message: "the model answered with no text".to_owned(),
            });
        }
        Ok(Spoken {
            text: hidden.text.trim().to_owned(),
            end_requested: hidden.end_requested,
            evidence: hidden.evidence,
        })
    };

    let synthesize = async move {
        while let Some(sentence) = sentence_rx.recv().await {
            let (clean, _) = strip_marker(&sentence);
            let clean = clean.replace(['*', '#', '`'], "");
            let clean = clean.trim();
            if clean.is_empty() {
                continue;
            }
            let audio = voice.tts.synthesize(clean).await.map_err(|e| Failure {
                part: FailedPart::Tts,
                message: e.to_string(),
            })?;
            if audio_tx.send((clean.to_owned(), audio)).await.is_err() {
                break;
            }
        }
        Ok::<(), Failure>(())
    };

    // Sentences in the order they are queued, each with the wait for the audio
    // before it: reported as they start to be heard.
    let (heard_tx, mut heard_rx) = mpsc::unbounded_channel::<(String, Heard)>();
    let captions = async move {
        while let Some((sentence, before)) = heard_rx.recv().await {
            before.wait(&*voice.clock).await;
            report(Progress::SentenceStarted(sentence));
        }
        Ok::<(), Failure>(())
    };

    let play = async move {
        let target = voice.output.output_format();
        let mut resampler: Option<Resampler> = None;
        let mut first = true;
        // When the audio queued so far should have been heard, at real-time pace.
        let mut expected_end: Option<DateTime<Utc>> = None;
        while let Some((sentence, mut audio)) = audio_rx.recv().await {
            let mut started = false;
            while let Some(frame) = audio.next().await {
                let frame = frame.map_err(|e| Failure {
                    part: FailedPart::Tts,
                    message: e.to_string(),
                })?;
                if frame.is_empty() {
                    continue;
                }
                let frame = if frame.format() == target {
                    frame
                } else {
                    let converter = match &mut resampler {
                        Some(r) if r.from() == frame.format() => r,
                        _ => resampler.insert(Resampler::new(frame.format(), target)),
                    };
                    match converter.convert(&frame) {
                        Some(converted) if !converted.is_empty() => converted,
                        _ => continue,
                    }
                };
                // The sentence starts once the audio before it is heard, and only
                // if its own first frame made it into the room.
                let starts = (!started).then(|| {
                    started = true;
                    (
                        sentence.clone(),
                        Heard::new(&*voice.output, expected_end, &*voice.clock),
                    )
                });
                let duration = frame.duration();
                voice.output.play(frame).await.map_err(|e| Failure {
                    part: FailedPart::Room,
                    message: e.to_string(),
                })?;
                if let Some(starts) = starts {
                    // The receiver lives until this future ends.
                    let _ = heard_tx.send(starts);
                }
                let now = voice.clock.now();
                let start = expected_end.filter(|end| *end > now).unwrap_or(now);
                expected_end = Some(start + TimeDelta::from_std(duration).unwrap_or_default());
                if first {
                    first = false;
                    report(Progress::FirstAudio);
                }
            }
        }
        drop(heard_tx);
        // Spoken means heard.
        Heard::new(&*voice.output, expected_end, &*voice.clock)
            .wait(&*voice.clock)
            .await;
        Ok::<(), Failure>(())
    };

    let (spoken, (), (), ()) = tokio::try_join!(write, synthesize, play, captions)?;
    Ok(spoken)
}

/// A wait for the audio queued so far to be heard, bounded by its expected end
/// plus [`PLAYOUT_SLACK`].
struct Heard {
    playout: Playout,
    deadline: DateTime<Utc>,
}

impl Heard {
    /// Fixes the wait now: the audio queued before this call.
    fn new(
        output: &dyn RoomOutput,
        expected_end: Option<DateTime<Utc>>,
        clock: &dyn Clock,
    ) -> Self {
        let slack = TimeDelta::from_std(PLAYOUT_SLACK).unwrap_or_default();
        Self {
            playout: output.playout(),
            deadline: expected_end.unwrap_or_else(|| clock.now()) + slack,
        }
    }

    async fn wait(self, clock: &dyn Clock) {
        let overdue = clock.sleep_until(self.deadline);
        if let futures_util::future::Either::Right(_) =
            futures_util::future::select(self.playout, overdue).await
        {
            tracing::warn!(
                "the room did not confirm that the interviewer's speech was heard in time; going on"
            );
        }
    }
}

/// The text without the end marker and evidence markers (never spoken, wherever
/// they are), and whether the model asked to end: only an end marker that *ends*
/// its message counts, as the rules tell it to write it. Untrusted text never
/// carries a marker to the model (it is cleaned), so a model quoting the resume or
/// the candidate cannot end the interview by echoing it, and a marker in
/// mid-message is not a request either.
pub(crate) fn strip_marker(text: &str) -> (String, bool) {
    let hidden = read_hidden_markers(text);
    (hidden.text, hidden.end_requested)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_marker_that_ends_the_message_ends_the_interview() {
        assert_eq!(
            strip_marker("Goodbye! [[END_INTERVIEW]]\n"),
            ("Goodbye! \n".to_owned(), true)
        );
        assert_eq!(
            strip_marker("Your resume says [[END_INTERVIEW]]; tell me more?"),
            ("Your resume says ; tell me more?".to_owned(), false)
        );
        assert_eq!(strip_marker("No marker."), ("No marker.".to_owned(), false));
        assert_eq!(
            strip_marker("Bye. [[END_INTERVIEW]] [[EVIDENCE: communication]]"),
            ("Bye.  ".to_owned(), true)
        );
    }
}
