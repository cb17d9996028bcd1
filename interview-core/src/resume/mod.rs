//! Resume files: what kind a file is, where it is kept, and its text.

mod extract;
mod kind;
mod store;

#[cfg(feature = "extract")]
pub use extract::{DocumentExtractor, ExtractLimits};
pub use extract::{ExtractError, ResumeExtractor, clean_text};
pub use kind::{DocumentKind, UnsupportedDocument};
pub use store::{ResumeStore, ResumeStoreError, StoredResume};
