//! # interview-voice
//!
//! The voice side of an interview: vendor engines implementing the engine traits of
//! [`interview_core::engine`], fallbacks between them, the handler that holds the
//! interview jobs LiveKit dispatches; and [`session`], the interviewer itself: audio in,
//! VAD (earshot) and end of turn, STT, the streamed LLM answer cut into sentences,
//! TTS, audio out, the transcript and the evaluation (always built, no feature).
//!
//! | module | what it holds |
//! |---|---|
//! | [`session`] | the interviewer: [`session::InterviewSession`] runs one interview in a room for a [`session::SessionBooking`] its caller resolved |
//! | [`runner`] | [`runner::SessionRunner`] (the web layer's local interviews) and `InterviewJobHandler` (LiveKit jobs) |
//! | [`config`] | [`config::VoiceConfig`]: the vendors' keys and settings from the environment |
//! | [`engines`] | [`engines::EnginePlan`]: which engine fills each role; builds them and reports the choice |
//! | [`providers`] | the vendor engines, each behind its feature |
//! | [`fallback`] | the next engine takes over when one fails before its first output |
//! | [`offline`] | engines that need nothing: espeak-ng and the scripted interviewer |
//! | `http` | what the vendor engines share: timeouts, retries, error mapping |
//! | [`telemetry`] | the metrics the voice side records: interviews running, turn latencies, engine failures and fallbacks |
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `openai` | no | `providers::openai`: OpenAI (and compatible: Ollama, vLLM, llama.cpp) transcription, streamed chat, streamed 24 kHz PCM speech |
//! | `deepgram` | no | `providers::deepgram`: Deepgram speech-to-text, pre-recorded and live over WebSocket |
//! | `elevenlabs` | no | `providers::elevenlabs`: ElevenLabs streaming text-to-speech (16 or 24 kHz PCM) |
//! | `tavus` | no | `providers::tavus`: Tavus video avatar joining the LiveKit room |
//! | `livekit` | no | `runner::InterviewJobHandler`: the interview for each job of an `interview_livekit::Worker` |
//! | `livekit-rtc` | no | the job handler joins its room's media (`interview_livekit::rtc`, whose build downloads libwebrtc; type-checked with `DOCS_RS=1`) |

pub mod config;
pub mod engines;
pub mod offline;
pub mod providers;
pub mod runner;
pub mod session;

pub mod fallback;
#[cfg(feature = "http-client")]
pub mod http;
pub mod telemetry;
