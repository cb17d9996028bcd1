//! Text-to-speech with espeak-ng, run as a process and streamed as PCM while it speaks.

use std::path::PathBuf;
use std::process::Stdio;

use async_trait::async_trait;
use futures_util::stream;
use interview_core::audio::{AudioFormat, AudioFrame};
use interview_core::engine::{AudioStream, TtsEngine, TtsError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, ChildStdout};

/// The format espeak-ng writes: 22,050 Hz mono 16-bit.
const ESPEAK_FORMAT: AudioFormat = AudioFormat {
    sample_rate: 22_050,
    channels: 1,
};
/// The longest text spoken in one call, in characters.
const MAX_TEXT_CHARS: usize = 2_000;
/// Bytes read from the process at a time (about 93 ms of audio).
const CHUNK_BYTES: usize = 4_096;

/// A local, offline voice: espeak-ng (Debian package `espeak-ng`). Robotic, but it
/// needs nothing but the package, and audio starts before the whole text is spoken.
#[derive(Debug, Clone)]
pub struct EspeakTts {
    program: PathBuf,
    voice: String,
    words_per_minute: u32,
}

impl Default for EspeakTts {
    fn default() -> Self {
        Self {
            program: PathBuf::from("espeak-ng"),
            voice: "en-us".to_owned(),
            words_per_minute: 165,
        }
    }
}

impl EspeakTts {
    /// espeak-ng from the `PATH`, American English, 165 words a minute.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs another binary (a full path, or a name looked up in the `PATH`).
    pub fn with_program(mut self, program: impl Into<PathBuf>) -> Self {
        self.program = program.into();
        self
    }

    /// Uses another espeak-ng voice (`en-gb`, `en-us+f3`, ...).
    pub fn with_voice(mut self, voice: impl Into<String>) -> Self {
        self.voice = voice.into();
        self
    }

    /// Speaks faster or slower (80 to 450 words a minute).
    pub fn with_words_per_minute(mut self, words_per_minute: u32) -> Self {
        self.words_per_minute = words_per_minute.clamp(80, 450);
        self
    }

    /// Whether the program can be run here.
    pub async fn is_available(&self) -> bool {
        tokio::process::Command::new(&self.program)
            .arg("--version")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await
            .is_ok_and(|status| status.success())
    }
}

#[async_trait]
impl TtsEngine for EspeakTts {
    fn name(&self) -> &str {
        "espeak-ng"
    }

    fn output_format(&self) -> AudioFormat {
        ESPEAK_FORMAT
    }

    async fn synthesize(&self, text: &str) -> Result<AudioStream, TtsError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(TtsError::InvalidText("nothing to say".to_owned()));
        }
        // Text goes in on stdin, so nothing in it can be read as an option.
        let text: String = text
            .chars()
            .filter(|c| !c.is_control() || *c == '\n')
            .take(MAX_TEXT_CHARS)
            .collect();
        let mut child = tokio::process::Command::new(&self.program)
            .args(["--stdout", "-v", &self.voice, "-s"])
            .arg(self.words_per_minute.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                TtsError::Synthesizer(format!(
                    "cannot run {} ({e}); install the Debian package espeak-ng",
                    self.program.display()
                ))
            })?;
        let mut stdin = child
            .stdin
            .take()
            .ok_or_else(|| TtsError::Synthesizer("espeak-ng has no stdin".to_owned()))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| TtsError::Synthesizer("espeak-ng has no stdout".to_owned()))?;
        stdin
            .write_all(text.as_bytes())
            .await
            .map_err(|e| TtsError::Synthesizer(format!("writing to espeak-ng failed: {e}")))?;
        drop(stdin);

        let state = Reader {
            child: Some(child),
            stdout,
            header: Vec::new(),
            format: None,
            odd_byte: None,
        };
        Ok(Box::pin(stream::unfold(state, |mut state| async move {
            state.next_frame().await.map(|item| (item, state))
        })))
    }
}

struct Reader {
    child: Option<Child>,
    stdout: ChildStdout,
    header: Vec<u8>,
    format: Option<AudioFormat>,
    odd_byte: Option<u8>,
}

impl Reader {
    /// The next frame of speech, `None` at the end, or an error once.
    async fn next_frame(&mut self) -> Option<Result<AudioFrame, TtsError>> {
        let mut buffer = vec![0_u8; CHUNK_BYTES];
        loop {
            let child = self.child.as_mut()?;
            let read = match self.stdout.read(&mut buffer).await {
                Ok(read) => read,
                Err(e) => return self.fail(format!("reading espeak-ng's output failed: {e}")),
            };
            if read == 0 {
                let status = child.wait().await;
                self.child = None;
                return match status {
                    Ok(status) if status.success() && self.format.is_some() => None,
                    Ok(status) if status.success() => Some(Err(TtsError::Synthesizer(
                        "espeak-ng produced no audio".to_owned(),
                    ))),
                    Ok(status) => Some(Err(TtsError::Synthesizer(format!(
                        "espeak-ng failed ({status})"
                    )))),
                    Err(e) => Some(Err(TtsError::Synthesizer(format!("espeak-ng failed: {e}")))),
                };
            }
            let mut bytes = &buffer[..read];
            let format = match self.format {
                Some(format) => format,
                None => {
                    self.header.extend_from_slice(bytes);
                    match parse_wav_header(&self.header) {
                        Ok(Some((format, data_start))) => {
                            self.format = Some(format);
                            let rest = self.header.split_off(data_start);
                            self.header.clear();
                            buffer[..rest.len()].copy_from_slice(&rest);
                            bytes = &buffer[..rest.len()];
                            format
                        }
                        Ok(None) if self.header.len() < 4096 => continue,
                        Ok(None) => {
                            return self.fail("espeak-ng's WAV header is too long".to_owned());
                        }
                        Err(why) => return self.fail(why),
                    }
                }
            };
            let mut pcm = Vec::with_capacity(bytes.len() + 1);
            pcm.extend(self.odd_byte.take());
            pcm.extend_from_slice(bytes);
            if pcm.len() % 2 == 1 {
                self.odd_byte = pcm.pop();
            }
            if pcm.is_empty() {
                continue;
            }
            return Some(
                AudioFrame::from_le_bytes(&pcm, format)
                    .map_err(|e| TtsError::Synthesizer(e.to_string())),
            );
        }
    }

    fn fail(&mut self, why: String) -> Option<Result<AudioFrame, TtsError>> {
        self.child = None; // dropping the child kills the process
        Some(Err(TtsError::Synthesizer(why)))
    }
}

/// The format and the offset of the PCM data in a RIFF/WAVE header, once enough bytes
/// have arrived (`Ok(None)` until then). espeak-ng streams, so the sizes it writes
/// are placeholders and are ignored.
fn parse_wav_header(bytes: &[u8]) -> Result<Option<(AudioFormat, usize)>, String> {
    if bytes.len() < 12 {
        return Ok(None);
    }
    if &bytes[..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err("espeak-ng did not write a WAV stream".to_owned());
    }
    let mut offset = 12;
    let mut format = None;
    while bytes.len() >= offset + 8 {
        let id = &bytes[offset..offset + 4];
        let size = u32::from_le_bytes([
            bytes[offset + 4],
            bytes[offset + 5],
            bytes[offset + 6],
            bytes[offset + 7],
        ]) as usize;
        let body = offset + 8;
        if id == b"data" {
            return match format {
                Some(format) => Ok(Some((format, body))),
                None => Err("espeak-ng's WAV stream has no format chunk".to_owned()),
            };
        }
        if bytes.len() < body + size {
            return Ok(None);
        }
        if id == b"fmt " {
            if size < 16 {
                return Err("espeak-ng's WAV format chunk is too short".to_owned());
            }
            let field = |at: usize| u16::from_le_bytes([bytes[body + at], bytes[body + at + 1]]);
            let encoding = field(0);
            let channels = field(2);
            let sample_rate = u32::from_le_bytes([
                bytes[body + 4],
                bytes[body + 5],
                bytes[body + 6],
                bytes[body + 7],
            ]);
            let bits = field(14);
            if encoding != 1 || bits != 16 || channels == 0 || sample_rate == 0 {
                return Err(format!(
                    "espeak-ng wrote unsupported audio (encoding {encoding}, {bits} bits)"
                ));
            }
            format = Some(AudioFormat {
                sample_rate,
                channels,
            });
        }
        offset = body + size + (size % 2);
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(sample_rate: u32) -> Vec<u8> {
        let mut h = b"RIFF\x24\xf0\xff\x7fWAVEfmt \x10\0\0\0\x01\0\x01\0".to_vec();
        h.extend_from_slice(&sample_rate.to_le_bytes());
        h.extend_from_slice(&(sample_rate * 2).to_le_bytes());
        h.extend_from_slice(b"\x02\0\x10\0data\x00\xf0\xff\x7f");
        h
    }

    #[test]
    fn parses_a_streaming_header_and_waits_for_more_bytes() {
        let h = header(22_050);
        assert_eq!(h.len(), 44);
        assert_eq!(parse_wav_header(&h).unwrap(), Some((ESPEAK_FORMAT, 44)));
        for cut in 0..44 {
            assert_eq!(parse_wav_header(&h[..cut]).unwrap(), None, "cut at {cut}");
        }
    }

    #[test]
    fn refuses_what_is_not_16_bit_pcm_wav() {
        assert!(parse_wav_header(b"ID3\x03\0\0\0\0\0\0\0\0\0\0").is_err());
        let mut float = header(22_050);
        float[20] = 3; // IEEE float
        assert!(parse_wav_header(&float).is_err());
    }
}
