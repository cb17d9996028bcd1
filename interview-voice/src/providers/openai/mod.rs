//! OpenAI, and any server that speaks its API (Ollama, vLLM, llama.cpp server):
//! speech-to-text (`/audio/transcriptions`), streamed chat (`/chat/completions`)
//! and streamed text-to-speech (`/audio/speech`, 24 kHz PCM).
//!
//! ```no_run
//! # fn demo(config: &interview_voice::config::OpenAiConfig) {
//! use interview_voice::providers::openai::OpenAi;
//!
//! let openai = OpenAi::from_config(config);
//! let llm = openai.llm().with_model("gpt-4o-mini");
//! let stt = openai.stt();
//! let tts = openai.tts().with_voice("coral");
//! # }
//! ```

mod client;
mod llm;
pub mod sse;
mod stt;
mod tts;

pub use client::OpenAi;
pub use llm::{DEFAULT_CHAT_MODEL, OpenAiLlm};
pub use stt::{DEFAULT_STT_MODEL, OpenAiStt};
pub use tts::{DEFAULT_TTS_MODEL, DEFAULT_VOICE, OpenAiTts};
