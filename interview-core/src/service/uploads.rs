//! The resume belongs to the upload: every stored file is recorded with the
//! server's own text, a booking claims the upload its `resumeUrl` names (one
//! booking per upload), and the sweeper deletes the uploads nobody claims.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::scheduling::{ScheduleError, SchedulingService, UploadError};
use crate::resume::{DocumentKind, ExtractError, ResumeStoreError, StoredResume};
use crate::store::{StoreError, UploadRecord};
use crate::{Field, FieldError};

/// How long an upload waits for a booking to claim it before the sweeper deletes
/// it, by default: a day.
pub const DEFAULT_UNCLAIMED_UPLOAD_TTL: TimeDelta = TimeDelta::hours(24);

/// The most uploads one sweep retires and deletes.
pub const SWEEP_BATCH: usize = 100;

/// What the candidate reads when the booking names a resume this server did not
/// store for them: a foreign URL, a file never uploaded, or one another booking
/// already claimed (the same sentence for each, so it tells an outsider nothing).
pub const FOREIGN_RESUME_MESSAGE: &str = "We could not find this resume here, or it belongs to \
     another booking. Please upload your resume again.";

/// The longest resume key looked up.
const MAX_KEY_CHARS: usize = 255;

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Unclaimed uploads retired this round (nothing can claim them any more).
    pub retired: usize,
    /// Of those, the ones whose file is deleted and whose record is forgotten.
    pub deleted: usize,
    /// Of those, the ones whose file or record could not be removed this time;
    /// they are retried next round.
    pub failed: usize,
}

impl SweepReport {
    /// Whether the round was full and clean, so more may be waiting right now.
    pub fn more_may_wait(&self) -> bool {
        self.retired == SWEEP_BATCH && self.failed == 0
    }
}

/// How often to sweep for a given time-to-live: a quarter of it, between one
/// minute and one hour (a day's TTL sweeps hourly).
pub fn sweep_interval(ttl: TimeDelta) -> Duration {
    let quarter = ttl.to_std().unwrap_or(Duration::ZERO) / 4;
    quarter.clamp(Duration::from_secs(60), Duration::from_secs(3600))
}

/// The start of a key, enough to tell uploads apart in logs: the key itself
/// opens the file to whoever holds its URL, so it is never logged whole.
pub(crate) fn key_prefix(key: &str) -> &str {
    let end = key
        .find('_')
        .map_or(0, |underscore| underscore + 1)
        .saturating_add(6)
        .min(key.len());
    key.get(..end).unwrap_or("")
}

/// The key a resume URL names: its last path segment, when the URL has no query,
/// fragment or backslash and the segment looks like a store key.
fn key_in(url: &str) -> Option<&str> {
    if url.contains(['?', '#', '\\']) {
        return None;
    }
    let key = url.rsplit('/').next()?;
    let looks_like_a_key = !key.is_empty()
        && key.len() <= MAX_KEY_CHARS
        && key.chars().any(|c| c.is_ascii_alphanumeric())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        && !key.starts_with('.');
    looks_like_a_key.then_some(key)
}

/// The refusal of a resume URL that names no upload this booking may claim.
pub(super) fn foreign_resume() -> ScheduleError {
    ScheduleError::Invalid(FieldError::new(Field::ResumeUrl, FOREIGN_RESUME_MESSAGE).into())
}

impl SchedulingService {
    /// Records a stored file with the server's extraction; if it cannot be
    /// recorded, the file is deleted again (no booking could ever claim it).
    pub(super) async fn record_stored_upload(
        &self,
        stored: &StoredResume,
        kind: DocumentKind,
        resume_text: Option<&str>,
        extraction_error: Option<&ExtractError>,
    ) -> Result<(), UploadError> {
        let record = UploadRecord {
            key: stored.key.clone(),
            url: stored.url.clone(),
            kind,
            resume_text: resume_text.map(str::to_owned),
            extraction_error: extraction_error.map(|error| error.reason().to_owned()),
            uploaded_at: self.clock().now(),
            claimed_by: None,
        };
        if let Err(error) = self.bookings().record_upload(&record).await {
            let key = key_prefix(&stored.key);
            if let Err(delete) = self.resumes().delete(&stored.key).await {
                tracing::error!(key, error = %delete, "an unrecorded resume could not be deleted");
            }
            return Err(UploadError::Record(error));
        }
        Ok(())
    }

    /// The upload `resume_url` names, checked: this server stored it (the URL is
    /// one the upload returned, or `/resumes/{key}` on this server) and no booking
    /// claimed it yet. Anything else is [`FOREIGN_RESUME_MESSAGE`] on `resumeUrl`.
    pub(super) async fn resume_for_booking(
        &self,
        resume_url: Option<&str>,
    ) -> Result<Option<UploadRecord>, ScheduleError> {
        let Some(url) = resume_url else {
            return Ok(None);
        };
        let Some(key) = key_in(url) else {
            return Err(foreign_resume());
        };
        let Some(upload) = self.bookings().upload(key).await? else {
            return Err(foreign_resume());
        };
        let on_this_server = format!("/resumes/{}", upload.key);
        let settings = self.settings();
        let issued = [
            upload.url.clone(),
            settings.absolute_url(&upload.url),
            settings.absolute_url(&on_this_server),
            on_this_server,
        ];
        if upload.claimed_by.is_some() || !issued.iter().any(|issued| issued == url) {
            return Err(foreign_resume());
        }
        Ok(Some(upload))
    }

    /// Deletes one bounded batch of uploads that no booking claimed within
    /// [`SchedulingSettings::unclaimed_upload_ttl`](super::SchedulingSettings) of
    /// `now`: each is retired first (then no booking can claim it), its file
    /// deleted, then its record. A failure is logged and retried next round; a
    /// claimed upload is never touched.
    pub async fn sweep_unclaimed_uploads(
        &self,
        now: DateTime<Utc>,
    ) -> Result<SweepReport, StoreError> {
        let before = now - self.settings().unclaimed_upload_ttl;
        let keys = self
            .bookings()
            .retire_unclaimed_uploads(before, SWEEP_BATCH)
            .await?;
        let mut report = SweepReport {
            retired: keys.len(),
            ..SweepReport::default()
        };
        for key in &keys {
            if self.delete_retired_upload(key).await {
                report.deleted += 1;
            } else {
                report.failed += 1;
            }
        }
        if report.deleted > 0 {
            metrics::counter!("interview_uploads_swept_total").increment(report.deleted as u64);
        }
        if report.failed > 0 {
            metrics::counter!("interview_upload_sweep_failures_total")
                .increment(report.failed as u64);
        }
        if report.retired > 0 {
            tracing::info!(
                deleted = report.deleted,
                failed = report.failed,
                "uploads no booking claimed were deleted"
            );
        }
        Ok(report)
    }

    /// Deletes a retired upload's file, then its record; `false` when either
    /// failed (the record stays retired, and the sweeper's next round tries
    /// again). Serves the sweeper and erasure alike.
    pub(super) async fn delete_retired_upload(&self, key: &str) -> bool {
        let prefix = key_prefix(key);
        match self.resumes().delete(key).await {
            // A key the resume store cannot have made has no file to delete.
            Ok(()) | Err(ResumeStoreError::InvalidKey) => {}
            Err(error) => {
                tracing::warn!(key = prefix, %error, "a retired upload's file could not be deleted; retrying next round");
                return false;
            }
        }
        match self.bookings().forget_upload(key).await {
            Ok(_) => true,
            Err(error) => {
                tracing::warn!(key = prefix, %error, "a retired upload's record could not be removed; retrying next round");
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_the_last_segment_of_a_plain_url() {
        let key = "1894698000_0123456789abcdef0123456789abcdef.pdf";
        for url in [
            format!("/resumes/{key}"),
            format!("https://jobs.example.com/careers/resumes/{key}"),
            format!("https://abc.supabase.co/storage/v1/object/public/resumes/{key}"),
        ] {
            assert_eq!(key_in(&url), Some(key), "{url}");
        }
        for url in [
            "http://169.254.169.254/latest/meta-data/",
            "http://127.0.0.1:5432/",
            "/\\evil.example.com",
            "//evil",
            "/resumes/..",
            "/resumes/a.pdf?x=1",
            "/resumes/a.pdf#x",
            "/resumes/a%2F.pdf",
            "",
        ] {
            if let Some(key) = key_in(url) {
                // What passes is only a name to look up, never trusted by itself.
                assert!(!key.contains(['/', '\\', '%']), "{url}");
            }
        }
        assert_eq!(key_in("/\\evil.example.com"), None);
        assert_eq!(key_in("http://127.0.0.1:5432/"), None);
        assert_eq!(key_in("/resumes/.."), None);
        assert_eq!(key_in(&format!("/resumes/{}", "a".repeat(256))), None);
    }

    #[test]
    fn the_sweep_interval_follows_the_ttl_within_bounds() {
        assert_eq!(
            sweep_interval(TimeDelta::hours(24)),
            Duration::from_secs(3600)
        );
        assert_eq!(
            sweep_interval(TimeDelta::minutes(20)),
            Duration::from_secs(300)
        );
        assert_eq!(
            sweep_interval(TimeDelta::minutes(1)),
            Duration::from_secs(60)
        );
        assert_eq!(sweep_interval(TimeDelta::zero()), Duration::from_secs(60));
    }

    #[test]
    fn logged_keys_are_prefixes() {
        assert_eq!(
            key_prefix("1894698000_0123456789abcdef0123456789abcdef.pdf"),
            "1894698000_012345"
        );
        assert_eq!(key_prefix("0_ab.pdf"), "0_ab.pdf");
        assert_eq!(key_prefix("abc"), "abc");
    }
}
