//! Vendor engines, each behind the feature named after the vendor.
//!
//! | module | feature | engines |
//! |---|---|---|
//! | `openai` | `openai` | speech-to-text, streamed chat, streamed speech (and OpenAI-compatible servers) |
//! | `deepgram` | `deepgram` | speech-to-text, pre-recorded and live over WebSocket |
//! | `elevenlabs` | `elevenlabs` | streamed speech |
//! | `tavus` | `tavus` | a video avatar in the LiveKit room |

#[cfg(feature = "openai")]
pub mod openai;

#[cfg(feature = "deepgram")]
pub mod deepgram;

#[cfg(feature = "elevenlabs")]
pub mod elevenlabs;

#[cfg(feature = "tavus")]
pub mod tavus;

#[cfg(feature = "http-client")]
pub mod pcm;
