#![allow(clippy::unwrap_used)]
//! The vendor engines against mock servers that answer as each vendor documents.

mod support;

#[cfg(feature = "openai")]
mod openai;

#[cfg(feature = "elevenlabs")]
mod elevenlabs;

#[cfg(feature = "deepgram")]
mod deepgram;

#[cfg(feature = "tavus")]
mod tavus;

mod fallback;
