//! What was logged, for tests that check a secret never is (or a span always is).

use std::cell::RefCell;
use std::io::Write;
use std::sync::{Arc, Mutex, Once};

use super::lock;

/// Everything logged (at every level, with spans) on this thread while it lives.
///
/// In a `current_thread` tokio runtime (or a plain test) every task's logs are
/// captured. One global subscriber (installed by the first capture) writes each
/// event to the capture of the thread that logged it, if any. A thread-local
/// default subscriber would race: a callsite first reached by another test's
/// thread, while no subscriber listened there, can be cached as never
/// interesting, and this thread's events at it would be lost.
pub struct Logs {
    buffer: Arc<Mutex<Vec<u8>>>,
    /// A thread-local subscriber, when another global one was installed first.
    _guard: Option<tracing::subscriber::DefaultGuard>,
}

impl std::fmt::Debug for Logs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Logs").finish_non_exhaustive()
    }
}

thread_local! {
    /// The capture of this thread, if one is running.
    static CAPTURE: RefCell<Option<Arc<Mutex<Vec<u8>>>>> = const { RefCell::new(None) };
}

/// Whether our global subscriber is the global one.
static INSTALLED: Mutex<Option<bool>> = Mutex::new(None);
static INSTALL: Once = Once::new();

fn subscriber<W>(writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(writer)
        .with_ansi(false)
        .finish()
}

impl Logs {
    /// Starts capturing.
    pub fn capture() -> Self {
        INSTALL.call_once(|| {
            let installed =
                tracing::subscriber::set_global_default(subscriber(|| ThreadWriter)).is_ok();
            *lock(&INSTALLED) = Some(installed);
        });
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let guard = if *lock(&INSTALLED) == Some(true) {
            CAPTURE.with(|capture| *capture.borrow_mut() = Some(buffer.clone()));
            None
        } else {
            let writer = SharedWriter(buffer.clone());
            Some(tracing::subscriber::set_default(subscriber(move || {
                writer.clone()
            })))
        };
        Self {
            buffer,
            _guard: guard,
        }
    }

    /// What was logged so far, one event per line with its spans.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&lock(&self.buffer)).into_owned()
    }
}

impl Drop for Logs {
    fn drop(&mut self) {
        CAPTURE.with(|capture| {
            let mut capture = capture.borrow_mut();
            if capture
                .as_ref()
                .is_some_and(|current| Arc::ptr_eq(current, &self.buffer))
            {
                *capture = None;
            }
        });
    }
}

/// Writes to the capture of the thread that logs, or nowhere.
struct ThreadWriter;

impl Write for ThreadWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        CAPTURE.with(|capture| {
            if let Some(buffer) = capture.borrow().as_ref() {
                lock(buffer).extend_from_slice(buf);
            }
        });
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[derive(Clone)]
struct SharedWriter(Arc<Mutex<Vec<u8>>>);

impl Write for SharedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        lock(&self.0).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
