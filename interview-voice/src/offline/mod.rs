//! Engines that need no account and no network, for the zero-configuration default.

mod espeak;

pub use espeak::EspeakTts;
