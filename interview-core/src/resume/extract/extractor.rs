//! [`DocumentExtractor`]: the formats behind one [`ResumeExtractor`], with the limits,
//! the blocking pool, the panic guard and the deadline around them.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use async_trait::async_trait;
use bytes::Bytes;
use tokio::sync::Semaphore;

use super::limits::Budget;
use super::{ExtractError, ExtractLimits, ResumeExtractor, clean_text};
use crate::resume::DocumentKind;

/// Extracts clean text from PDF, DOCX and DOC resumes, whichever of the features
/// `pdf`, `docx` and `doc` are on.
///
/// Every extraction:
/// - checks the kind against the file's bytes ([`DocumentKind::sniff`]): the bytes
///   win over what the caller says, so a PNG named `.pdf` is refused as a PNG;
/// - refuses files over [`ExtractLimits::max_input_bytes`] before parsing;
/// - runs on tokio's blocking pool, at most [`ExtractLimits::max_concurrent`] at a
///   time, so parsing never stalls the async runtime;
/// - turns a panic inside a parser into [`ExtractError::Failed`];
/// - returns [`ExtractError::TimedOut`] at the deadline even if the parser is stuck;
///   the parser stops at its next checkpoint (page, part) and keeps its concurrency
///   slot until then;
/// - cleans the text with [`clean_text`] and reports [`ExtractError::NoText`] when
///   nothing is left (a scanned image).
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use interview_core::resume::{DocumentExtractor, ExtractLimits};
///
/// let extractor = DocumentExtractor::new(ExtractLimits::default());
/// let bytes = std::fs::read("resume.pdf")?;
/// let (kind, text) = extractor.extract_file(bytes.into()).await?;
/// println!("{kind}: {text}");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct DocumentExtractor {
    limits: Arc<ExtractLimits>,
    workers: Arc<Semaphore>,
}

impl Default for DocumentExtractor {
    fn default() -> Self {
        Self::new(ExtractLimits::default())
    }
}

impl DocumentExtractor {
    /// An extractor with these limits.
    pub fn new(limits: ExtractLimits) -> Self {
        let workers = Arc::new(Semaphore::new(limits.max_concurrent.max(1)));
        Self {
            limits: Arc::new(limits),
            workers,
        }
    }

    /// The limits this extractor enforces.
    pub fn limits(&self) -> &ExtractLimits {
        &self.limits
    }

    /// Whether this build can read `kind` (its cargo feature is on).
    pub fn supports(kind: DocumentKind) -> bool {
        match kind {
            DocumentKind::Pdf => cfg!(feature = "pdf"),
            DocumentKind::Docx => cfg!(feature = "docx"),
            DocumentKind::Doc => cfg!(feature = "doc"),
        }
    }

    /// Detects the kind of `bytes` and extracts its text.
    pub async fn extract_file(&self, bytes: Bytes) -> Result<(DocumentKind, String), ExtractError> {
        let started = Instant::now();
        let kind = self
            .admit(&bytes)
            .inspect_err(|error| record(None, started, Err(error)))?;
        let result = self.extract_admitted(bytes, kind).await;
        record(Some(kind), started, result.as_ref().map(|_| ()));
        Ok((kind, result?))
    }

    /// Extracts the text of `bytes` on the current thread: the same checks, limits
    /// and panic guard as [`ResumeExtractor::extract`], but no blocking pool, and the
    /// deadline is only checked between pages and parts, so a parser stuck inside one
    /// page is not cut off. For command-line tools, benchmarks and fuzzing; a server
    /// should use the async methods.
    pub fn extract_blocking(&self, bytes: &[u8]) -> Result<(DocumentKind, String), ExtractError> {
        let started = Instant::now();
        let kind = self
            .admit(bytes)
            .inspect_err(|error| record(None, started, Err(error)))?;
        let deadline = started + self.limits.timeout;
        let abandoned = AtomicBool::new(false);
        let budget = Budget::new(&self.limits, deadline, &abandoned);
        let result = run_guarded(bytes, kind, &budget);
        record(Some(kind), started, result.as_ref().map(|_| ()));
        Ok((kind, result?))
    }

    /// The checks done before any parsing: size, kind from the bytes, support.
    fn admit(&self, bytes: &[u8]) -> Result<DocumentKind, ExtractError> {
        let size = bytes.len() as u64;
        if size > self.limits.max_input_bytes {
            return Err(ExtractError::TooLarge {
                size,
                limit: self.limits.max_input_bytes,
            });
        }
        let kind = DocumentKind::sniff(bytes)?;
        if !Self::supports(kind) {
            return Err(ExtractError::KindNotSupported(kind));
        }
        Ok(kind)
    }

    async fn extract_admitted(
        &self,
        bytes: Bytes,
        kind: DocumentKind,
    ) -> Result<String, ExtractError> {
        let timeout = self.limits.timeout;
        let deadline = Instant::now() + timeout;
        let abandoned = Arc::new(AtomicBool::new(false));
        let run = {
            let limits = Arc::clone(&self.limits);
            let workers = Arc::clone(&self.workers);
            let abandoned = Arc::clone(&abandoned);
            async move {
                let slot = workers
                    .acquire_owned()
                    .await
                    .map_err(|closed| ExtractError::Failed(Box::new(closed)))?;
                tokio::task::spawn_blocking(move || {
                    // Held until the parser returns, even if nobody waits any more.
                    let _slot = slot;
                    let budget = Budget::new(&limits, deadline, &abandoned);
                    run_guarded(&bytes, kind, &budget)
                })
                .await
                .map_err(|join| ExtractError::Failed(Box::new(join)))?
            }
        };
        match tokio::time::timeout(timeout, run).await {
            Ok(result) => result,
            Err(_elapsed) => {
                abandoned.store(true, Ordering::Relaxed);
                tracing::warn!(%kind, ?timeout, "resume extraction timed out");
                Err(ExtractError::TimedOut(timeout))
            }
        }
    }
}

#[async_trait]
impl ResumeExtractor for DocumentExtractor {
    async fn extract(&self, bytes: Bytes, kind: DocumentKind) -> Result<String, ExtractError> {
        let started = Instant::now();
        let detected = self
            .admit(&bytes)
            .inspect_err(|error| record(None, started, Err(error)))?;
        if detected != kind {
            tracing::debug!(claimed = %kind, %detected, "the bytes say another kind; reading them as that");
        }
        let result = self.extract_admitted(bytes, detected).await;
        record(Some(detected), started, result.as_ref().map(|_| ()));
        result
    }
}

/// Records one extraction in the metrics (see docs/operations.md):
/// `interview_extraction_duration_seconds{kind, outcome}` for every extraction, and
/// `interview_extraction_refusals_total{reason}` for every failure. Labels are
/// closed sets: `kind` is `pdf`, `docx`, `doc` or `unknown` (refused before its kind
/// was known), `outcome` is `ok` or the [`ExtractError::reason`].
fn record(kind: Option<DocumentKind>, started: Instant, result: Result<(), &ExtractError>) {
    let kind = kind.map_or("unknown", DocumentKind::extension);
    let outcome = match result {
        Ok(()) => "ok",
        Err(error) => {
            let reason = error.reason();
            metrics::counter!("interview_extraction_refusals_total", "reason" => reason)
                .increment(1);
            tracing::info!(
                kind,
                reason,
                detail = error.detail().as_deref().unwrap_or(""),
                "resume extraction refused"
            );
            reason
        }
    };
    metrics::histogram!(
        "interview_extraction_duration_seconds",
        "kind" => kind,
        "outcome" => outcome
    )
    .record(started.elapsed().as_secs_f64());
}

/// Runs the parser for `kind` with panics caught, then cleans and checks its text.
fn run_guarded(
    bytes: &[u8],
    kind: DocumentKind,
    budget: &Budget<'_>,
) -> Result<String, ExtractError> {
    budget.checkpoint()?;
    let raw =
        catch_unwind(AssertUnwindSafe(|| parse(bytes, kind, budget))).map_err(|panic| {
            let message = panic_message(panic.as_ref());
            tracing::warn!(%kind, %message, "a document parser panicked");
            ExtractError::Failed(Box::new(ParserPanicked(message)))
        })??;
    budget.checkpoint()?;
    let text = clean_text(&raw);
    let chars = text.chars().count();
    if chars > budget.limits.max_text_chars {
        return Err(ExtractError::LimitExceeded(format!(
            "the text is {chars} characters long; the limit is {}",
            budget.limits.max_text_chars
        )));
    }
    if text.is_empty() {
        return Err(ExtractError::NoText);
    }
    Ok(text)
}

fn parse(bytes: &[u8], kind: DocumentKind, budget: &Budget<'_>) -> Result<String, ExtractError> {
    // Each arm exists only when its feature is on; `admit` refuses the others first.
    let _ = (bytes, budget);
    match kind {
        #[cfg(feature = "pdf")]
        DocumentKind::Pdf => super::pdf::extract(bytes, budget),
        #[cfg(feature = "docx")]
        DocumentKind::Docx => super::docx::extract(bytes, budget),
        #[cfg(feature = "doc")]
        DocumentKind::Doc => super::doc::extract(bytes, budget),
        #[allow(unreachable_patterns)]
        other => Err(ExtractError::KindNotSupported(other)),
    }
}

/// A panic inside a parser, as an error.
#[derive(Debug, thiserror::Error)]
#[error("the parser panicked: {0}")]
struct ParserPanicked(String);

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "a panic without a message".to_owned()
    }
}
