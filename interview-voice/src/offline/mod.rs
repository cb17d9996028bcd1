//! Engines that need no account and no network, for the zero-configuration default:
//! a local voice (espeak-ng) and a deterministic interviewer.

mod answer;
mod espeak;
mod interviewer;
mod questions;

pub use espeak::EspeakTts;
pub use interviewer::OfflineInterviewer;
