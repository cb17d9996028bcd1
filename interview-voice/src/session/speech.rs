//! The speech pipeline: one response, from text to audio in the room. The model's
//! text streams in, is cut into sentences, and each sentence is synthesized and
//! played while the next is still being written (and the next sentence's synthesis
//! starts while the current one plays). It knows nothing of the interview: it
//! reports its progress, and the `answer` stage decides what it means.

use std::sync::Arc;

use futures_util::StreamExt;
use interview_core::engine::{AudioStream, ChatRequest, LlmEngine, LlmEvent, TtsEngine};
use interview_core::interview::read_hidden_markers;
use interview_core::transport::RoomOutput;
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
    FirstAudio,
    /// A sentence began to play.
    SentenceStarted(String),
    Finished(Result<Spoken, Failure>),
}

/// The engines and the room a response needs.
#[derive(Clone)]
pub(crate) struct Voice {
    pub(crate) llm: Arc<dyn LlmEngine>,
    pub(crate) tts: Arc<dyn TtsEngine>,
    pub(crate) output: Arc<dyn RoomOutput>,
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
        match source {
            Source::Fixed(text) => {
                for sentence in splitter.push(&text).into_iter().chain(splitter.finish()) {
                    let _ = sentence_tx.send(sentence);
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
                            let _ = sentence_tx.send(sentence);
                        }
                    }
                }
                if let Some(rest) = splitter.finish() {
                    let _ = sentence_tx.send(rest);
                }
            }
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

    let play = async move {
        let target = voice.output.output_format();
        let mut resampler: Option<Resampler> = None;
        let mut first = true;
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
                if !started {
                    started = true;
                    report(Progress::SentenceStarted(sentence.clone()));
                }
                voice.output.play(frame).await.map_err(|e| Failure {
                    part: FailedPart::Room,
                    message: e.to_string(),
                })?;
                if first {
                    first = false;
                    report(Progress::FirstAudio);
                }
            }
        }
        Ok::<(), Failure>(())
    };

    let (spoken, (), ()) = tokio::try_join!(write, synthesize, play)?;
    Ok(spoken)
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
