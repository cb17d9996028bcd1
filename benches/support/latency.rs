//! Latency statistics shared by the load benchmarks.

use std::time::Duration;

/// Throughput and latency percentiles of one run.
pub(crate) struct Stats {
    /// Operations per second over the run's wall time.
    pub(crate) ops_per_sec: f64,
    /// Median latency.
    pub(crate) p50: Duration,
    /// 99th percentile latency.
    pub(crate) p99: Duration,
}

/// The stats of `latencies` measured over `elapsed`.
pub(crate) fn stats(mut latencies: Vec<Duration>, elapsed: Duration) -> Stats {
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q).round() as usize];
    Stats {
        ops_per_sec: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: at(0.50),
        p99: at(0.99),
    }
}

/// "0.42 ms".
pub(crate) fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}
