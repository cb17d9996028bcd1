//! Voice activity detection with [earshot](https://crates.io/crates/earshot): a small
//! neural network in pure Rust, its model compiled in (no download, no ONNX).

use std::time::Duration;

use earshot::Detector;

/// Samples per VAD frame: earshot's fixed 16 ms at 16 kHz.
pub const VAD_FRAME_SAMPLES: usize = 256;
/// The duration of one VAD frame.
pub const VAD_FRAME: Duration = Duration::from_millis(16);

/// How speech is told from silence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VadConfig {
    /// A frame whose speech probability (0..1) reaches this is speech. 0.5 is
    /// earshot's suggested default; raise it in noisy rooms.
    pub threshold: f32,
}

impl Default for VadConfig {
    fn default() -> Self {
        Self { threshold: 0.5 }
    }
}

/// One VAD frame's verdict.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct VadFrame {
    /// The frame's 256 samples (16 kHz mono).
    pub(crate) samples: Vec<i16>,
    /// Whether it is speech.
    pub(crate) speech: bool,
}

/// A streaming detector over 16 kHz mono audio of any chunk size.
pub(crate) struct Vad {
    detector: Box<Detector>,
    config: VadConfig,
    carry: Vec<i16>,
}

impl std::fmt::Debug for Vad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vad")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Vad {
    pub(crate) fn new(config: VadConfig) -> Self {
        Self {
            detector: Detector::default_boxed(),
            config,
            carry: Vec::with_capacity(VAD_FRAME_SAMPLES),
        }
    }

    /// Feeds samples; returns a verdict per complete 16 ms frame.
    pub(crate) fn push(&mut self, samples: &[i16]) -> Vec<VadFrame> {
        let mut frames = Vec::new();
        let mut rest = samples;
        while !rest.is_empty() {
            let take = (VAD_FRAME_SAMPLES - self.carry.len()).min(rest.len());
            self.carry.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.carry.len() == VAD_FRAME_SAMPLES {
                let probability = self.detector.predict_i16(&self.carry);
                let samples =
                    std::mem::replace(&mut self.carry, Vec::with_capacity(VAD_FRAME_SAMPLES));
                frames.push(VadFrame {
                    samples,
                    speech: probability >= self.config.threshold,
                });
            }
        }
        frames
    }
}
