//! Raw audio as it crosses every engine and transport: 16-bit PCM with its format.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Sample rate and channel count of 16-bit signed PCM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AudioFormat {
    /// Samples per second per channel.
    pub sample_rate: u32,
    /// Interleaved channels.
    pub channels: u16,
}

impl AudioFormat {
    /// 16 kHz mono: what speech recognizers and VADs want.
    pub const SPEECH: Self = Self {
        sample_rate: 16_000,
        channels: 1,
    };
    /// 24 kHz mono: what OpenAI's and ElevenLabs' speech comes as.
    pub const PCM_24K: Self = Self {
        sample_rate: 24_000,
        channels: 1,
    };
    /// 48 kHz mono: WebRTC's native rate.
    pub const PCM_48K: Self = Self {
        sample_rate: 48_000,
        channels: 1,
    };

    /// How many interleaved samples `duration` of audio holds (rounded down).
    pub fn samples_for(self, duration: Duration) -> usize {
        let per_second = u128::from(self.sample_rate) * u128::from(self.channels);
        usize::try_from(per_second * duration.as_nanos() / 1_000_000_000).unwrap_or(usize::MAX)
    }
}

impl fmt::Display for AudioFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} Hz, {} channel(s)", self.sample_rate, self.channels)
    }
}

/// Audio whose samples do not fit its format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AudioError {
    /// A zero sample rate or channel count.
    #[error("invalid audio format: {0}")]
    InvalidFormat(AudioFormat),
    /// The samples do not divide evenly among the channels.
    #[error("{samples} samples cannot be split among {channels} channels")]
    PartialFrame {
        /// The number of samples.
        samples: usize,
        /// The number of channels.
        channels: u16,
    },
    /// A byte buffer with an odd length cannot hold 16-bit samples.
    #[error("{0} bytes is not a whole number of 16-bit samples")]
    OddByteCount(usize),
}

/// A run of interleaved 16-bit PCM samples with their format: a 10 ms frame from a
/// microphone, a chunk of synthesized speech, or a whole utterance.
#[derive(Clone, PartialEq, Eq)]
pub struct AudioFrame {
    samples: Vec<i16>,
    format: AudioFormat,
}

impl AudioFrame {
    /// A frame of `samples` in `format`.
    pub fn new(samples: Vec<i16>, format: AudioFormat) -> Result<Self, AudioError> {
        if format.sample_rate == 0 || format.channels == 0 {
            return Err(AudioError::InvalidFormat(format));
        }
        if !samples.len().is_multiple_of(usize::from(format.channels)) {
            return Err(AudioError::PartialFrame {
                samples: samples.len(),
                channels: format.channels,
            });
        }
        Ok(Self { samples, format })
    }

    /// A frame from little-endian 16-bit PCM bytes (the wire format of most vendors).
    pub fn from_le_bytes(bytes: &[u8], format: AudioFormat) -> Result<Self, AudioError> {
        if !bytes.len().is_multiple_of(2) {
            return Err(AudioError::OddByteCount(bytes.len()));
        }
        let samples = bytes
            .chunks_exact(2)
            .map(|pair| i16::from_le_bytes([pair[0], pair[1]]))
            .collect();
        Self::new(samples, format)
    }

    /// `duration` of silence.
    pub fn silence(duration: Duration, format: AudioFormat) -> Result<Self, AudioError> {
        let channels = usize::from(format.channels.max(1));
        let samples = format.samples_for(duration) / channels * channels;
        Self::new(vec![0; samples], format)
    }

    /// The interleaved samples.
    pub fn samples(&self) -> &[i16] {
        &self.samples
    }

    /// Takes the samples out.
    pub fn into_samples(self) -> Vec<i16> {
        self.samples
    }

    /// The format.
    pub fn format(&self) -> AudioFormat {
        self.format
    }

    /// Samples per channel.
    pub fn samples_per_channel(&self) -> usize {
        self.samples.len() / usize::from(self.format.channels)
    }

    /// How long the frame plays.
    pub fn duration(&self) -> Duration {
        let per_channel = self.samples_per_channel() as u128;
        let nanos = per_channel * 1_000_000_000 / u128::from(self.format.sample_rate);
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// The samples as little-endian bytes.
    pub fn to_le_bytes(&self) -> Vec<u8> {
        self.samples.iter().flat_map(|s| s.to_le_bytes()).collect()
    }

    /// Whether the frame holds no samples.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }
}

impl fmt::Debug for AudioFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AudioFrame")
            .field("format", &self.format)
            .field("samples", &self.samples.len())
            .field("duration", &self.duration())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_and_sample_counts() {
        let ten_ms = AudioFrame::new(vec![0; 160], AudioFormat::SPEECH).unwrap();
        assert_eq!(ten_ms.duration(), Duration::from_millis(10));
        let stereo = AudioFormat {
            sample_rate: 48_000,
            channels: 2,
        };
        let frame = AudioFrame::new(vec![0; 960], stereo).unwrap();
        assert_eq!(frame.samples_per_channel(), 480);
        assert_eq!(frame.duration(), Duration::from_millis(10));
        assert_eq!(stereo.samples_for(Duration::from_millis(10)), 960);
        let silence =
            AudioFrame::silence(Duration::from_millis(250), AudioFormat::PCM_24K).unwrap();
        assert_eq!(silence.samples().len(), 6000);
        assert!(silence.samples().iter().all(|&s| s == 0));
    }

    #[test]
    fn rejects_inconsistent_audio() {
        let stereo = AudioFormat {
            sample_rate: 48_000,
            channels: 2,
        };
        assert_eq!(
            AudioFrame::new(vec![0; 3], stereo).unwrap_err(),
            AudioError::PartialFrame {
                samples: 3,
                channels: 2
            }
        );
        let zero = AudioFormat {
            sample_rate: 0,
            channels: 1,
        };
        assert!(matches!(
            AudioFrame::new(vec![], zero),
            Err(AudioError::InvalidFormat(_))
        ));
        assert_eq!(
            AudioFrame::from_le_bytes(&[1, 2, 3], AudioFormat::SPEECH).unwrap_err(),
            AudioError::OddByteCount(3)
        );
    }

    #[test]
    fn little_endian_round_trip() {
        let frame = AudioFrame::new(vec![1, -1, i16::MAX, i16::MIN], AudioFormat::SPEECH).unwrap();
        let bytes = frame.to_le_bytes();
        assert_eq!(bytes, [1, 0, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x80]);
        assert_eq!(
            AudioFrame::from_le_bytes(&bytes, AudioFormat::SPEECH).unwrap(),
            frame
        );
        assert!(format!("{frame:?}").contains("samples: 4"));
    }
}
