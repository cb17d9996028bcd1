//! The vendor engines against mock servers that answer as each vendor documents.
// The shared HTTP layer (and so these tests) exists when any vendor feature is on.
#![cfg(any(
    feature = "openai",
    feature = "deepgram",
    feature = "elevenlabs",
    feature = "tavus"
))]
#![allow(clippy::unwrap_used)]

mod support;

#[cfg(feature = "openai")]
mod openai;
#[cfg(feature = "openai")]
mod openai_structured;

#[cfg(feature = "elevenlabs")]
mod elevenlabs;

#[cfg(feature = "deepgram")]
mod deepgram;

#[cfg(feature = "tavus")]
mod tavus;

mod fallback;
