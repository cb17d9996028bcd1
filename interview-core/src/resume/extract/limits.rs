//! How much work one extraction may do.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::ExtractError;

/// The resource limits of a [`DocumentExtractor`](super::DocumentExtractor).
///
/// The defaults suit resumes: a resume is a few pages, so anything far beyond that is
/// refused rather than parsed. Change what you need and keep the rest:
///
/// ```
/// use std::time::Duration;
/// use interview_core::resume::ExtractLimits;
///
/// let limits = ExtractLimits {
///     max_pages: 10,
///     timeout: Duration::from_secs(5),
///     ..ExtractLimits::default()
/// };
/// assert_eq!(limits.max_input_bytes, 5 * 1024 * 1024);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractLimits {
    /// The largest file accepted, in bytes (default 5 MiB). Larger files are
    /// refused with [`ExtractError::TooLarge`] before any parsing.
    pub max_input_bytes: u64,
    /// The most a DOCX archive may inflate to, all parts together, in bytes
    /// (default 64 MiB): the zip-bomb guard. Checked against the sizes the archive
    /// declares and again while inflating, since declared sizes can lie.
    pub max_decompressed_bytes: u64,
    /// The most pages a PDF may have (default 50).
    pub max_pages: usize,
    /// The most characters of text a document may yield after clean-up
    /// (default 200,000: about 40 pages of dense text, ten times a long resume).
    pub max_text_chars: usize,
    /// How long one extraction may take, waiting for a free worker included
    /// (default 15 s). Past it the caller gets [`ExtractError::TimedOut`].
    pub timeout: Duration,
    /// How many extractions may run at once (default: the number of CPUs). An
    /// extraction that timed out keeps its slot until its worker thread has really
    /// stopped, so hostile files cannot pile up busy threads.
    pub max_concurrent: usize,
}

impl Default for ExtractLimits {
    fn default() -> Self {
        Self {
            max_input_bytes: 5 * 1024 * 1024,
            max_decompressed_bytes: 64 * 1024 * 1024,
            max_pages: 50,
            max_text_chars: 200_000,
            timeout: Duration::from_secs(15),
            max_concurrent: std::thread::available_parallelism().map_or(2, usize::from),
        }
    }
}

impl ExtractLimits {
    /// The most bytes of raw text a parser may produce before clean-up: clean-up
    /// only removes characters, and a UTF-8 character is at most four bytes, so
    /// this bounds memory without refusing text that would fit once cleaned.
    pub(super) fn max_raw_text_bytes(&self) -> usize {
        self.max_text_chars.saturating_mul(8)
    }
}

/// One extraction's share of the limits: the deadline, and a flag the async caller
/// raises when it has stopped waiting, so parsers stop at their next checkpoint
/// instead of running on in the background.
#[derive(Debug)]
pub(super) struct Budget<'a> {
    pub(super) limits: &'a ExtractLimits,
    deadline: Instant,
    abandoned: &'a AtomicBool,
}

impl<'a> Budget<'a> {
    pub(super) fn new(
        limits: &'a ExtractLimits,
        deadline: Instant,
        abandoned: &'a AtomicBool,
    ) -> Self {
        Self {
            limits,
            deadline,
            abandoned,
        }
    }

    /// When this extraction must be over.
    pub(super) fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Fails with [`ExtractError::TimedOut`] once the deadline has passed or the
    /// caller has gone; parsers call it between units of work (pages, parts).
    pub(super) fn checkpoint(&self) -> Result<(), ExtractError> {
        if self.abandoned.load(Ordering::Relaxed) || Instant::now() >= self.deadline {
            Err(ExtractError::TimedOut(self.limits.timeout))
        } else {
            Ok(())
        }
    }
}
