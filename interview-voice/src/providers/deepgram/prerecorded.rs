//! Pre-recorded recognition: the whole utterance as a WAV file to `POST /v1/listen`.

use bytes::Bytes;
use interview_core::audio::AudioFrame;
use interview_core::engine::{SttError, SttOptions, Transcription};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use serde::Deserialize;

use super::{DeepgramStt, VENDOR};
use crate::http::{join_url, read_json, secret_header};
use crate::providers::pcm::wav_bytes;

#[derive(Deserialize)]
struct Response {
    results: Results,
}

#[derive(Deserialize)]
struct Results {
    #[serde(default)]
    channels: Vec<Channel>,
}

#[derive(Deserialize)]
struct Channel {
    #[serde(default)]
    detected_language: Option<String>,
    #[serde(default)]
    alternatives: Vec<Alternative>,
}

#[derive(Deserialize)]
struct Alternative {
    #[serde(default)]
    transcript: String,
    #[serde(default)]
    confidence: Option<f32>,
}

pub(super) async fn transcribe(
    engine: &DeepgramStt,
    audio: &AudioFrame,
    options: &SttOptions,
) -> Result<Transcription, SttError> {
    if audio.is_empty() {
        return Err(SttError::InvalidAudio("no audio".to_owned()));
    }
    let mut url = join_url(&engine.base_url, "v1/listen");
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("model", &engine.model);
        let smart = if engine.smart_format { "true" } else { "false" };
        query.append_pair("smart_format", smart);
        query.append_pair("punctuate", smart);
        if let Some(language) = engine.language_for(options) {
            query.append_pair("language", language);
        }
    }
    // A container needs no encoding parameters: Deepgram reads them from the header.
    let wav = Bytes::from(wav_bytes(audio));
    let auth = secret_header(VENDOR, "Token ", engine.http.api_key())?;
    let body = engine
        .http
        .send("pre-recorded transcription", |http| {
            http.post(url.clone())
                .header(AUTHORIZATION, auth.clone())
                .header(CONTENT_TYPE, HeaderValue::from_static("audio/wav"))
                .body(wav.clone())
        })
        .await?;
    let response: Response = read_json(body, 4 << 20).await?;
    let channel = response.results.channels.into_iter().next();
    let language = channel
        .as_ref()
        .and_then(|c| c.detected_language.clone())
        .or_else(|| engine.language_for(options).map(str::to_owned));
    let best = channel.and_then(|c| c.alternatives.into_iter().next());
    Ok(Transcription {
        text: best
            .as_ref()
            .map(|a| a.transcript.trim().to_owned())
            .unwrap_or_default(),
        language,
        confidence: best.and_then(|a| a.confidence),
    })
}
