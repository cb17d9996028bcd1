//! # interview-voice
//!
//! The voice side of an interview: vendor engines implementing the engine traits of
//! [`interview_core::engine`], fallbacks between them, and the LiveKit agent worker
//! that receives interview jobs.
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `openai` | no | OpenAI (and compatible) speech-to-text, chat and text-to-speech |
//! | `deepgram` | no | Deepgram speech-to-text |
//! | `elevenlabs` | no | ElevenLabs streaming text-to-speech |
//! | `tavus` | no | Tavus video avatar |
//! | `livekit` | no | the LiveKit agent worker protocol |
//! | `livekit-rtc` | no | the LiveKit room media transport (needs libwebrtc) |

#[cfg(feature = "livekit")]
pub mod livekit;
pub mod offline;
pub mod providers;

#[cfg(feature = "http-client")]
pub mod http;
