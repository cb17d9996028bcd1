//! # interview-voice
//!
//! The voice side of an interview: vendor engines (OpenAI, Deepgram, ElevenLabs,
//! Tavus) implementing the engine traits of
//! [`interview_core::engine`], voice activity detection and turn detection, the
//! agent session pipeline, and its transports (LiveKit, WebSocket, in-memory).
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | — | — | nothing is implemented yet: engines, the pipeline and transports are planned |
