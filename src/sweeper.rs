//! The background task that deletes what is due: uploaded resumes no booking
//! claimed ([`SchedulingService::sweep_unclaimed_uploads`]) and, with
//! `RETENTION_DAYS`, interviews past their retention
//! ([`SchedulingService::erase_expired`]), and the records of webhook deliveries
//! older than 30 days ([`SchedulingService::prune_deliveries`]). It runs at the clock's "now" every
//! [`sweep_interval`] of the upload time-to-live, at once again while full
//! batches keep coming, and stops when told to (or when its handle is dropped).

use std::sync::Arc;
use std::time::Duration;

use interview_core::service::{SWEEP_BATCH, SchedulingService, sweep_interval};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A running sweeper. [`Sweeper::stop`] ends it between two rounds.
#[derive(Debug)]
pub struct Sweeper {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Sweeper {
    /// Sweeps now, then every [`sweep_interval`] of the service's
    /// `unclaimed_upload_ttl`.
    pub fn start(scheduling: Arc<SchedulingService>) -> Self {
        let interval = sweep_interval(scheduling.settings().unclaimed_upload_ttl);
        Self::start_every(scheduling, interval)
    }

    /// Sweeps now, then every `interval` (tests, or an integrator's own pace).
    pub fn start_every(scheduling: Arc<SchedulingService>, interval: Duration) -> Self {
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            loop {
                let now = scheduling.clock().now();
                let uploads = match scheduling.sweep_unclaimed_uploads(now).await {
                    Ok(report) => report.more_may_wait(),
                    Err(error) => {
                        tracing::warn!(%error, "sweeping unclaimed uploads failed; trying again later");
                        false
                    }
                };
                let expired = match scheduling.erase_expired(now, SWEEP_BATCH).await {
                    Ok(erased) => erased >= SWEEP_BATCH,
                    Err(error) => {
                        tracing::warn!(%error, "erasing expired interviews failed; trying again later");
                        false
                    }
                };
                if let Err(error) = scheduling.prune_deliveries(now).await {
                    tracing::warn!(%error, "pruning old webhook delivery records failed; trying again later");
                }
                let wait = if uploads || expired {
                    Duration::ZERO
                } else {
                    interval
                };
                tokio::select! {
                    // Told to stop, or the handle was dropped.
                    _ = stopped.changed() => break,
                    () = tokio::time::sleep(wait) => {}
                }
            }
        });
        Self { stop, task }
    }

    /// Stops the sweeper, letting a round in progress finish.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(error) = self.task.await {
            tracing::error!(%error, "the sweeper ended abnormally");
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::time::Instant;

    use chrono::{TimeDelta, TimeZone, Utc};
    use interview_core::clock::ManualClock;
    use interview_core::service::SchedulingSettings;
    use interview_core::testing::{
        InMemoryBookingStore, InMemoryResumeStore, RecordingNotifier, ScriptedExtractor,
    };

    use super::*;

    #[tokio::test]
    async fn the_sweeper_deletes_at_the_clocks_now_and_stops_when_told() {
        let resumes = Arc::new(InMemoryResumeStore::new());
        let bookings = Arc::new(InMemoryBookingStore::new());
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2030, 3, 1, 12, 0, 0).unwrap(),
        ));
        let scheduling = Arc::new(SchedulingService::new(
            bookings.clone(),
            resumes.clone(),
            Arc::new(ScriptedExtractor::text("Rust engineer")),
            Arc::new(RecordingNotifier::new()),
            clock.clone(),
            SchedulingSettings::new(&url::Url::parse("https://jobs.example.com").unwrap()),
        ));
        scheduling
            .upload_resume(bytes::Bytes::from_static(b"%PDF-1.7 unclaimed"))
            .await
            .unwrap();
        // A day and a second later by the injected clock: due at the first round.
        clock.advance(TimeDelta::hours(24) + TimeDelta::seconds(1));
        let sweeper = Sweeper::start_every(scheduling, Duration::from_secs(3600));
        let deadline = Instant::now() + Duration::from_secs(10);
        while !resumes.is_empty() {
            assert!(
                Instant::now() < deadline,
                "the sweeper never deleted the file"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(bookings.uploads().is_empty());
        // Waiting an hour for its next round, it still stops at once.
        tokio::time::timeout(Duration::from_secs(5), sweeper.stop())
            .await
            .expect("the sweeper stops without waiting for its next round");
    }
}
