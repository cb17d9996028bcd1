//! The voice engines an interview runs on: speech-to-text, a language model,
//! text-to-speech and an optional video avatar.

mod avatar;
mod llm;
mod stt;
mod tts;
mod vendor;

pub use avatar::{AvatarError, AvatarProvider, AvatarRoom, AvatarSession};
pub use llm::{
    ChatMessage, ChatRequest, JsonSchemaFormat, LlmEngine, LlmError, LlmEvent, LlmStream, Role,
    TokenUsage, ToolCall, ToolSpec,
};
pub use stt::{SttEngine, SttError, SttEvent, SttOptions, SttStream, Transcription};
pub use tts::{AudioStream, TtsEngine, TtsError};
pub use vendor::{VendorError, VendorErrorKind};
