//! Raw 16-bit PCM on the wire: streamed bytes into frames, frames into WAV files.

use interview_core::audio::{AudioError, AudioFormat, AudioFrame};

/// Turns a byte stream of little-endian 16-bit PCM into [`AudioFrame`]s as the bytes
/// arrive, whatever the network cut: a sample (or a multi-channel frame) split
/// between two chunks is carried over to the next.
#[derive(Debug, Clone)]
pub struct PcmChunker {
    format: AudioFormat,
    /// Bytes of an incomplete frame, carried to the next chunk (fewer than one
    /// frame's worth).
    carry: Vec<u8>,
}

impl PcmChunker {
    /// A chunker for audio in `format`.
    pub fn new(format: AudioFormat) -> Self {
        let frame_bytes = usize::from(format.channels.max(1)) * 2;
        Self {
            format,
            carry: Vec::with_capacity(frame_bytes),
        }
    }

    /// The audio format of the frames.
    pub fn format(&self) -> AudioFormat {
        self.format
    }

    /// The whole samples `bytes` completes, as one frame; `None` when `bytes` (with
    /// what was carried) does not complete a sample. Allocates only the frame.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Option<AudioFrame>, AudioError> {
        let frame_bytes = usize::from(self.format.channels.max(1)) * 2;
        let total = self.carry.len() + bytes.len();
        let usable = total - total % frame_bytes;
        if usable == 0 {
            self.carry.extend_from_slice(bytes);
            return Ok(None);
        }
        let mut samples = Vec::with_capacity(usable / 2);
        let mut rest = bytes;
        if !self.carry.is_empty() {
            // The carry is shorter than a frame, so `bytes` completes it.
            let needed = frame_bytes - self.carry.len();
            self.carry.extend_from_slice(&rest[..needed]);
            rest = &rest[needed..];
            samples.extend(
                self.carry
                    .chunks_exact(2)
                    .map(|pair| i16::from_le_bytes([pair[0], pair[1]])),
            );
            self.carry.clear();
        }
        let whole = rest.len() - rest.len() % frame_bytes;
        samples.extend(
            rest[..whole]
                .chunks_exact(2)
                .map(|pair| i16::from_le_bytes([pair[0], pair[1]])),
        );
        self.carry.extend_from_slice(&rest[whole..]);
        AudioFrame::new(samples, self.format).map(Some)
    }

    /// How many bytes of an incomplete frame are waiting for the next chunk; at the
    /// end of a stream they are a cut-off sample and are dropped.
    pub fn pending_bytes(&self) -> usize {
        self.carry.len()
    }
}

/// Frames of a streamed PCM body, each yielded as soon as its bytes arrived. A
/// failure ends the stream after its error.
#[cfg(any(feature = "openai", feature = "elevenlabs"))]
pub(crate) fn audio_stream(
    body: crate::http::BodyStream,
    vendor: &'static str,
    format: AudioFormat,
) -> interview_core::engine::AudioStream {
    use interview_core::engine::{TtsError, VendorError, VendorErrorKind};

    let state = Some((body, PcmChunker::new(format)));
    Box::pin(futures_util::stream::unfold(
        state,
        move |state| async move {
            let (mut body, mut chunker) = state?;
            loop {
                match body.next_chunk().await {
                    Ok(Some(bytes)) => match chunker.push(&bytes) {
                        Ok(Some(frame)) => return Some((Ok(frame), Some((body, chunker)))),
                        Ok(None) => {}
                        Err(error) => {
                            let error = VendorError::new(
                                vendor,
                                VendorErrorKind::Protocol,
                                error.to_string(),
                            );
                            return Some((Err(TtsError::Vendor(error)), None));
                        }
                    },
                    Ok(None) => {
                        if chunker.pending_bytes() > 0 {
                            tracing::debug!(
                                vendor,
                                bytes = chunker.pending_bytes(),
                                "audio ended inside a sample; dropped"
                            );
                        }
                        return None;
                    }
                    Err(error) => return Some((Err(TtsError::Vendor(error)), None)),
                }
            }
        },
    ))
}

/// A WAV file (RIFF, PCM 16-bit) holding `frame`, for vendors that want a container.
pub fn wav_bytes(frame: &AudioFrame) -> Vec<u8> {
    let format = frame.format();
    let data_len = u32::try_from(frame.samples().len() * 2).unwrap_or(u32::MAX);
    let channels = format.channels;
    let block_align = channels * 2;
    let byte_rate = format.sample_rate * u32::from(block_align);
    let mut wav = Vec::with_capacity(44 + frame.samples().len() * 2);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36u32.saturating_add(data_len)).to_le_bytes());
    wav.extend_from_slice(b"WAVE");
    wav.extend_from_slice(b"fmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&channels.to_le_bytes());
    wav.extend_from_slice(&format.sample_rate.to_le_bytes());
    wav.extend_from_slice(&byte_rate.to_le_bytes());
    wav.extend_from_slice(&block_align.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data_len.to_le_bytes());
    for sample in frame.samples() {
        wav.extend_from_slice(&sample.to_le_bytes());
    }
    wav
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_splits_make_the_same_samples() {
        let samples: Vec<i16> = (0..50i32).map(|i| (i * 1000 - 25_000) as i16).collect();
        let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
        for cut in [1, 3, 7, 99] {
            let mut chunker = PcmChunker::new(AudioFormat::PCM_24K);
            let mut out = Vec::new();
            for piece in bytes.chunks(cut) {
                if let Some(frame) = chunker.push(piece).unwrap() {
                    out.extend_from_slice(frame.samples());
                }
            }
            assert_eq!(out, samples, "cut every {cut} bytes");
            assert_eq!(chunker.pending_bytes(), 0);
        }
    }

    #[test]
    fn stereo_frames_stay_whole() {
        let stereo = AudioFormat {
            sample_rate: 48_000,
            channels: 2,
        };
        let mut chunker = PcmChunker::new(stereo);
        assert!(chunker.push(&[1, 0, 2]).unwrap().is_none());
        let frame = chunker.push(&[0, 3, 0, 4, 0, 5]).unwrap().unwrap();
        assert_eq!(frame.samples(), &[1, 2, 3, 4]);
        assert_eq!(chunker.pending_bytes(), 1);
    }

    #[test]
    fn wav_header() {
        let frame = AudioFrame::new(vec![1, -1], AudioFormat::SPEECH).unwrap();
        let wav = wav_bytes(&frame);
        assert_eq!(wav.len(), 48);
        assert_eq!(&wav[0..4], b"RIFF");
        assert_eq!(&wav[8..16], b"WAVEfmt ");
        assert_eq!(
            u32::from_le_bytes([wav[24], wav[25], wav[26], wav[27]]),
            16_000
        );
        assert_eq!(&wav[36..40], b"data");
        assert_eq!(&wav[44..], &[1, 0, 0xff, 0xff]);
    }
}
