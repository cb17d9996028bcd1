//! Sample-rate and channel conversion between the room, the VAD/STT (16 kHz mono)
//! and the speech synthesizer.
//!
//! Linear interpolation, streaming (the fractional position carries over from frame
//! to frame, so frame boundaries add no clicks). It is cheap and good enough for
//! speech recognition and playback of speech; it is not an audiophile resampler
//! (no anti-aliasing filter beyond averaging the channels).

use interview_core::audio::{AudioFormat, AudioFrame};

/// Converts a stream of frames from one format to another.
#[derive(Debug, Clone)]
pub(crate) struct Resampler {
    from: AudioFormat,
    to: AudioFormat,
    /// Input samples not yet fully consumed (mono).
    pending: Vec<f32>,
    /// Where the next output sample lies, in input samples from `pending[0]`.
    position: f64,
    step: f64,
}

impl Resampler {
    pub(crate) fn new(from: AudioFormat, to: AudioFormat) -> Self {
        Self {
            from,
            to,
            pending: Vec::new(),
            position: 0.0,
            step: f64::from(from.sample_rate.max(1)) / f64::from(to.sample_rate.max(1)),
        }
    }

    /// The input format.
    pub(crate) fn from(&self) -> AudioFormat {
        self.from
    }

    /// Converts one frame; the result may be a sample shorter or longer than an
    /// exact ratio (the remainder comes with the next frame).
    pub(crate) fn process(&mut self, frame: &AudioFrame) -> Vec<i16> {
        if self.from == self.to {
            return frame.samples().to_vec();
        }
        let in_channels = usize::from(self.from.channels.max(1));
        let out_channels = usize::from(self.to.channels.max(1));
        let mono = frame
            .samples()
            .chunks_exact(in_channels)
            .map(|c| c.iter().map(|&s| f32::from(s)).sum::<f32>() / in_channels as f32);
        let mut out = Vec::new();
        if self.from.sample_rate == self.to.sample_rate {
            for sample in mono {
                out.extend(std::iter::repeat_n(to_i16(sample), out_channels));
            }
            return out;
        }
        self.pending.extend(mono);
        let capacity = (self.pending.len() as f64 / self.step) as usize + 1;
        out.reserve(capacity * out_channels);
        while self.position + 1.0 < self.pending.len() as f64 {
            let index = self.position as usize;
            let frac = (self.position - index as f64) as f32;
            let value = self.pending[index] * (1.0 - frac) + self.pending[index + 1] * frac;
            out.extend(std::iter::repeat_n(to_i16(value), out_channels));
            self.position += self.step;
        }
        let consumed = (self.position as usize).min(self.pending.len());
        self.pending.drain(..consumed);
        self.position -= consumed as f64;
        out
    }

    /// Converts one frame into a frame of the output format.
    pub(crate) fn convert(&mut self, frame: &AudioFrame) -> Option<AudioFrame> {
        let samples = self.process(frame);
        AudioFrame::new(samples, self.to).ok()
    }
}

fn to_i16(value: f32) -> i16 {
    value
        .round()
        .clamp(f32::from(i16::MIN), f32::from(i16::MAX)) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(format: AudioFormat, ms: u32) -> AudioFrame {
        let n = format.sample_rate as usize * ms as usize / 1000;
        let mut samples = Vec::new();
        for i in 0..n {
            let t = i as f32 / format.sample_rate as f32;
            let v = ((t * 440.0 * std::f32::consts::TAU).sin() * 8000.0) as i16;
            samples.extend(std::iter::repeat_n(v, usize::from(format.channels)));
        }
        AudioFrame::new(samples, format).unwrap()
    }

    #[test]
    fn stereo_48k_to_16k_mono_keeps_duration_across_frames() {
        let stereo = AudioFormat {
            sample_rate: 48_000,
            channels: 2,
        };
        let mut resampler = Resampler::new(stereo, AudioFormat::SPEECH);
        let mut total = 0;
        for _ in 0..100 {
            total += resampler.process(&tone(stereo, 10)).len();
        }
        // One second in, one second out (give or take the sample carried over).
        assert!((15_998..=16_000).contains(&total), "{total}");
    }

    #[test]
    fn upsampling_to_stereo_duplicates_channels_and_keeps_level() {
        let out = AudioFormat {
            sample_rate: 48_000,
            channels: 2,
        };
        let mut resampler = Resampler::new(AudioFormat::PCM_24K, out);
        let samples = resampler.process(&tone(AudioFormat::PCM_24K, 100));
        assert!(
            samples.len() >= 9_590 && samples.len() <= 9_600,
            "{}",
            samples.len()
        );
        assert!(samples.chunks_exact(2).all(|c| c[0] == c[1]));
        let peak = samples.iter().map(|s| s.unsigned_abs()).max().unwrap();
        assert!((7_900..=8_000).contains(&peak), "{peak}");
    }

    #[test]
    fn same_format_passes_through() {
        let mut resampler = Resampler::new(AudioFormat::SPEECH, AudioFormat::SPEECH);
        let frame = tone(AudioFormat::SPEECH, 20);
        assert_eq!(resampler.process(&frame), frame.samples());
    }
}
