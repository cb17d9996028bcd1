//! Engines that hand over to the next one when one fails: [`FallbackStt`],
//! [`FallbackLlm`] and [`FallbackTts`] implement the same traits as the engines
//! they wrap, so a session holds one `Arc<dyn Trait>` either way.
//!
//! The next engine takes over when one fails, or gives no output within the
//! attempt timeout, **before any output reached the caller**. Once a chat answer
//! or synthesized speech has started, a failure ends the stream with its error: the
//! listener has already heard part of one answer, and a second, different answer
//! would be worse than an error the session can handle. Every switch is logged
//! with `tracing` at `warn`. Errors about the input (empty audio, empty text, an
//! invalid chat request) are returned at once: another engine would refuse them too.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures_util::{StreamExt, stream};
use interview_core::audio::{AudioFormat, AudioFrame};
use interview_core::engine::{
    AudioStream, ChatRequest, LlmEngine, LlmError, LlmStream, SttEngine, SttError, SttOptions,
    SttStream, Transcription, TtsEngine, TtsError, VendorError, VendorErrorKind,
};

const NAME: &str = "fallback";

/// How long an engine may take to give its first output (a transcript, the first
/// piece of an answer, the first audio frame) before the next one is tried.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

fn no_engines() -> VendorError {
    VendorError::new(
        NAME,
        VendorErrorKind::Protocol,
        "no engines to fall back on",
    )
}

fn timed_out(engine: &str, timeout: Duration) -> VendorError {
    VendorError::new(
        NAME,
        VendorErrorKind::Timeout,
        format!("{engine} gave no output within {timeout:?}"),
    )
}

fn log_switch(role: &str, from: &str, to: Option<&str>, error: &dyn std::fmt::Display) {
    crate::telemetry::fell_back(role, from, to);
    match to {
        Some(to) => {
            tracing::warn!(role, from, to, error = %error, "engine failed before its first output; falling back")
        }
        None => {
            tracing::warn!(role, from, error = %error, "engine failed before its first output; no engine left")
        }
    }
}

/// Runs `attempt` on each engine in turn until one succeeds or fails for a reason
/// no other engine would avoid.
async fn first_success<E, T, Err, F, Fut>(
    role: &str,
    engines: &[Arc<E>],
    timeout: Duration,
    name: impl Fn(&E) -> &str,
    attempt: F,
    moves_on: impl Fn(&Err) -> bool,
    failed: impl Fn(usize, &Err),
) -> Result<T, Err>
where
    E: ?Sized,
    Err: From<VendorError> + std::fmt::Display,
    F: Fn(Arc<E>) -> Fut,
    Fut: Future<Output = Result<T, Err>>,
{
    let mut last: Option<Err> = None;
    for (index, engine) in engines.iter().enumerate() {
        let error = match tokio::time::timeout(timeout, attempt(engine.clone())).await {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(error)) if !moves_on(&error) => return Err(error),
            Ok(Err(error)) => error,
            Err(_) => timed_out(name(engine), timeout).into(),
        };
        failed(index, &error);
        let next = engines.get(index + 1).map(|next| name(next));
        log_switch(role, name(engine), next, &error);
        last = Some(error);
    }
    Err(last.unwrap_or_else(|| no_engines().into()))
}

/// Speech-to-text over several engines, in order.
///
/// [`transcribe`](SttEngine::transcribe) falls back on failure or timeout;
/// [`stream`](SttEngine::stream) falls back only while opening the session (an
/// engine without live recognition is skipped), since audio already sent to a
/// live session cannot be replayed to another.
#[derive(Clone)]
pub struct FallbackStt {
    engines: Vec<Arc<dyn SttEngine>>,
    timeout: Duration,
}

impl FallbackStt {
    /// Tries `engines` in order.
    pub fn new(engines: Vec<Arc<dyn SttEngine>>) -> Self {
        Self {
            engines,
            timeout: DEFAULT_ATTEMPT_TIMEOUT,
        }
    }

    /// How long one engine may take before the next is tried.
    pub fn with_attempt_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

impl std::fmt::Debug for FallbackStt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.engines.iter().map(|e| e.name()).collect();
        f.debug_struct("FallbackStt")
            .field("engines", &names)
            .field("timeout", &self.timeout)
            .finish()
    }
}

fn stt_moves_on(error: &SttError) -> bool {
    !matches!(error, SttError::InvalidAudio(_))
}

#[async_trait]
impl SttEngine for FallbackStt {
    fn name(&self) -> &str {
        NAME
    }

    async fn transcribe(
        &self,
        audio: &AudioFrame,
        options: &SttOptions,
    ) -> Result<Transcription, SttError> {
        first_success(
            "speech-to-text",
            &self.engines,
            self.timeout,
            |e| e.name(),
            |engine| async move { engine.transcribe(audio, options).await },
            stt_moves_on,
            |_, _| {},
        )
        .await
    }

    async fn stream(
        &self,
        format: AudioFormat,
        options: &SttOptions,
    ) -> Result<SttStream, SttError> {
        first_success(
            "live speech-to-text",
            &self.engines,
            self.timeout,
            |e| e.name(),
            |engine| async move { engine.stream(format, options).await },
            stt_moves_on,
            |_, _| {},
        )
        .await
    }
}

/// Chat over several engines, in order; the next takes over only until the first
/// event of an answer has been received.
#[derive(Clone)]
pub struct FallbackLlm {
    engines: Vec<Arc<dyn LlmEngine>>,
    timeout: Duration,
}

impl FallbackLlm {
    /// Tries `engines` in order.
    pub fn new(engines: Vec<Arc<dyn LlmEngine>>) -> Self {
        Self {
            engines,
            timeout: DEFAULT_ATTEMPT_TIMEOUT,
        }
    }

    /// How long one engine may take to its first event before the next is tried.
    pub fn with_attempt_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

impl std::fmt::Debug for FallbackLlm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.engines.iter().map(|e| e.name()).collect();
        f.debug_struct("FallbackLlm")
            .field("engines", &names)
            .field("timeout", &self.timeout)
            .finish()
    }
}

#[async_trait]
impl LlmEngine for FallbackLlm {
    fn name(&self) -> &str {
        NAME
    }

    async fn chat(&self, request: ChatRequest) -> Result<LlmStream, LlmError> {
        let request = &request;
        first_success(
            "chat",
            &self.engines,
            self.timeout,
            |e| e.name(),
            |engine| async move { first_item(engine.chat(request.clone()).await?).await },
            |error| !matches!(error, LlmError::InvalidRequest(_)),
            |_, _| {},
        )
        .await
    }
}

/// Speech synthesis over several engines, in order; the next takes over only
/// until the first audio frame has been received.
///
/// [`output_format`](TtsEngine::output_format) is the first engine's; frames from
/// a fallback engine carry their own format in [`AudioFrame::format`], which the
/// audio output must honour (resample) when the engines differ.
#[derive(Clone)]
pub struct FallbackTts {
    engines: Vec<Arc<dyn TtsEngine>>,
    timeout: Duration,
    /// When each engine was taken out of the chain, if it was.
    benched: Arc<Mutex<Vec<Option<Instant>>>>,
    bench_time: Duration,
}

/// How long a voice engine that failed for good stays out of the chain: a 4xx
/// other than 408 and 429 (a server with no speech endpoint, a refused key) would
/// fail every sentence the same way.
pub const DEFAULT_BENCH_TIME: Duration = Duration::from_secs(600);

/// Whether `error` says the engine cannot serve this configuration at all, not
/// that this one request failed.
fn fails_for_good(error: &VendorError) -> bool {
    match error.kind {
        VendorErrorKind::Unauthorized => true,
        VendorErrorKind::BadRequest { status } => status != 408,
        _ => false,
    }
}

impl FallbackTts {
    /// Tries `engines` in order.
    pub fn new(engines: Vec<Arc<dyn TtsEngine>>) -> Self {
        let count = engines.len();
        Self {
            engines,
            timeout: DEFAULT_ATTEMPT_TIMEOUT,
            benched: Arc::new(Mutex::new(vec![None; count])),
            bench_time: DEFAULT_BENCH_TIME,
        }
    }

    /// How long an engine that failed for good is left out (default
    /// [`DEFAULT_BENCH_TIME`]).
    pub fn with_bench_time(mut self, bench_time: Duration) -> Self {
        self.bench_time = bench_time;
        self
    }

    /// The engines to try now: those not left out, or all of them when every one
    /// is (the chain never ends empty-handed for that).
    fn available(&self) -> Vec<usize> {
        let benched = self.benched.lock().unwrap_or_else(PoisonError::into_inner);
        let available: Vec<usize> = (0..self.engines.len())
            .filter(|&index| {
                benched
                    .get(index)
                    .copied()
                    .flatten()
                    .is_none_or(|since| since.elapsed() >= self.bench_time)
            })
            .collect();
        if available.is_empty() {
            (0..self.engines.len()).collect()
        } else {
            available
        }
    }

    /// Leaves engine `index` out after `error`, warning once.
    fn bench(&self, index: usize, error: &TtsError) {
        let TtsError::Vendor(vendor) = error else {
            return;
        };
        if !fails_for_good(vendor) {
            return;
        }
        let mut benched = self.benched.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(slot) = benched.get_mut(index) {
            if slot.is_some_and(|since| since.elapsed() < self.bench_time) {
                return;
            }
            *slot = Some(Instant::now());
            tracing::warn!(
                engine = self.engines[index].name(),
                error = %vendor,
                minutes = self.bench_time.as_secs() / 60,
                "a voice engine failed for good; it is left out of the chain for a while"
            );
        }
    }

    /// How long one engine may take to its first frame before the next is tried.
    pub fn with_attempt_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

impl std::fmt::Debug for FallbackTts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.engines.iter().map(|e| e.name()).collect();
        f.debug_struct("FallbackTts")
            .field("engines", &names)
            .field("timeout", &self.timeout)
            .finish()
    }
}

#[async_trait]
impl TtsEngine for FallbackTts {
    fn name(&self) -> &str {
        NAME
    }

    fn output_format(&self) -> AudioFormat {
        self.engines
            .first()
            .map_or(AudioFormat::PCM_24K, |engine| engine.output_format())
    }

    async fn synthesize(&self, text: &str) -> Result<AudioStream, TtsError> {
        let available = self.available();
        let engines: Vec<Arc<dyn TtsEngine>> = available
            .iter()
            .map(|&index| self.engines[index].clone())
            .collect();
        first_success(
            "text-to-speech",
            &engines,
            self.timeout,
            |e| e.name(),
            |engine| async move { first_item(engine.synthesize(text).await?).await },
            |error| !matches!(error, TtsError::InvalidText(_)),
            |index, error| self.bench(available[index], error),
        )
        .await
    }
}

/// Waits for a stream's first item: until then the next engine may still take
/// over (its error is returned); after it, the stream belongs to this engine and is
/// handed on whole, the first item included.
async fn first_item<T: Send + 'static, E: Send + 'static>(
    mut stream: futures_core::stream::BoxStream<'static, Result<T, E>>,
) -> Result<futures_core::stream::BoxStream<'static, Result<T, E>>, E> {
    match stream.next().await {
        Some(Ok(first)) => Ok(Box::pin(
            stream::once(async move { Ok(first) }).chain(stream),
        )),
        Some(Err(error)) => Err(error),
        None => Ok(Box::pin(stream::empty())),
    }
}
