//! Resume files: what kind a file is, where it is kept, and its text.

mod extract;
mod kind;
mod store;

pub use extract::{ExtractError, ResumeExtractor};
pub use kind::{DocumentKind, UnsupportedDocument};
pub use store::{ResumeStore, ResumeStoreError, StoredResume};
