//! In-memory [`BookingStore`] and [`ResumeStore`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use async_trait::async_trait;
use bytes::Bytes;

use super::{InjectedFailure, lock};
use chrono::{DateTime, Utc};

use crate::access::{ApiKey, ApiKeyId};
use crate::interview::{Evaluation, TranscriptEntry};
use crate::position::{Position, PositionId, Slug};
use crate::resume::{DocumentKind, ResumeStore, ResumeStoreError, StoredResume};
use crate::store::listing::MAX_PAGE_SIZE;
use crate::store::{
    ApiKeyStore, BookingStore, Erasure, InterviewPage, InterviewQuery, InterviewState,
    PositionStore, Recording, RecordingStore, Rescheduled, StoreError, StoredInterview, Tombstone,
    UploadRecord, WEBHOOK_EVENT_MEMORY,
};
use crate::{Booking, BookingStatus, BookingToken, EmailAddress, EvaluationStatus, ScheduledTime};

#[derive(Debug)]
struct Record {
    booking: Booking,
    state: InterviewState,
    transcript: Vec<TranscriptEntry>,
    evaluation: Option<Evaluation>,
    recordings: Vec<Recording>,
}

/// A [`BookingStore`] in a `HashMap`. [`InMemoryBookingStore::set_unavailable`]
/// makes every call fail as a database that is down would.
#[derive(Debug, Default)]
pub struct InMemoryBookingStore {
    records: Mutex<HashMap<BookingToken, Record>>,
    erased: Mutex<HashMap<BookingToken, Tombstone>>,
    api_keys: Mutex<HashMap<ApiKeyId, ApiKey>>,
    webhook_events: Mutex<HashMap<String, DateTime<Utc>>>,
    uploads: Mutex<HashMap<String, StoredUpload>>,
    positions: Mutex<HashMap<PositionId, Position>>,
    unavailable: AtomicBool,
    conflicts: AtomicUsize,
}

/// An upload's record, and whether the sweeper retired it.
#[derive(Debug)]
struct StoredUpload {
    record: UploadRecord,
    retired: bool,
}

impl InMemoryBookingStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The store with `position` in it.
    pub fn with_position(self, position: Position) -> Self {
        lock(&self.positions).insert(position.id.clone(), position);
        self
    }

    /// Makes every call fail with [`StoreError::Unavailable`] (or work again).
    pub fn set_unavailable(&self, unavailable: bool) {
        self.unavailable.store(unavailable, Ordering::SeqCst);
    }

    /// Makes the next `count` creates fail with [`StoreError::Conflict`], as a
    /// token collision would.
    pub fn conflict_on_next_creates(&self, count: usize) {
        self.conflicts.store(count, Ordering::SeqCst);
    }

    /// Every recorded upload, in no particular order.
    pub fn uploads(&self) -> Vec<UploadRecord> {
        lock(&self.uploads)
            .values()
            .map(|u| u.record.clone())
            .collect()
    }

    /// Every stored booking, in no particular order.
    pub fn bookings(&self) -> Vec<Booking> {
        lock(&self.records)
            .values()
            .map(|r| r.booking.clone())
            .collect()
    }

    fn check(&self) -> Result<(), StoreError> {
        if self.unavailable.load(Ordering::SeqCst) {
            Err(StoreError::Unavailable(Box::new(InjectedFailure(
                "booking store is down",
            ))))
        } else {
            Ok(())
        }
    }

    fn with_record<T>(
        &self,
        token: &BookingToken,
        f: impl FnOnce(&mut Record) -> T,
    ) -> Result<T, StoreError> {
        self.check()?;
        lock(&self.records)
            .get_mut(token)
            .map(f)
            .ok_or(StoreError::NotFound)
    }
}

#[async_trait]
impl PositionStore for InMemoryBookingStore {
    async fn save_position(&self, position: &Position) -> Result<(), StoreError> {
        self.check()?;
        let mut positions = lock(&self.positions);
        if positions
            .values()
            .any(|p| p.slug == position.slug && p.id != position.id)
        {
            return Err(StoreError::Conflict);
        }
        positions.insert(position.id.clone(), position.clone());
        Ok(())
    }

    async fn position(&self, id: &PositionId) -> Result<Option<Position>, StoreError> {
        self.check()?;
        Ok(lock(&self.positions).get(id).cloned())
    }

    async fn position_by_slug(&self, slug: &Slug) -> Result<Option<Position>, StoreError> {
        self.check()?;
        Ok(lock(&self.positions)
            .values()
            .find(|p| &p.slug == slug)
            .cloned())
    }

    async fn positions(&self) -> Result<Vec<Position>, StoreError> {
        self.check()?;
        let mut all: Vec<Position> = lock(&self.positions).values().cloned().collect();
        all.sort_by(|a, b| a.title.cmp(&b.title).then_with(|| a.id.cmp(&b.id)));
        Ok(all)
    }
}

#[async_trait]
impl RecordingStore for InMemoryBookingStore {
    async fn add_recording(
        &self,
        token: &BookingToken,
        recording: &Recording,
    ) -> Result<(), StoreError> {
        self.check()?;
        let mut records = lock(&self.records);
        let record = records.get_mut(token).ok_or(StoreError::NotFound)?;
        if !record.recordings.iter().any(|r| r.id == recording.id) {
            record.recordings.push(recording.clone());
            record
                .recordings
                .sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
        }
        Ok(())
    }

    async fn recordings(&self, token: &BookingToken) -> Result<Vec<Recording>, StoreError> {
        self.check()?;
        Ok(lock(&self.records)
            .get(token)
            .map(|record| record.recordings.clone())
            .unwrap_or_default())
    }
}

#[async_trait]
impl ApiKeyStore for InMemoryBookingStore {
    async fn create_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        self.check()?;
        let mut keys = lock(&self.api_keys);
        if keys.contains_key(&key.id) {
            return Err(StoreError::Conflict);
        }
        keys.insert(key.id.clone(), key.clone());
        Ok(())
    }

    async fn api_key(&self, id: &ApiKeyId) -> Result<Option<ApiKey>, StoreError> {
        self.check()?;
        Ok(lock(&self.api_keys).get(id).cloned())
    }

    async fn api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        self.check()?;
        let mut all: Vec<ApiKey> = lock(&self.api_keys).values().cloned().collect();
        all.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(all)
    }

    async fn revoke_api_key(&self, id: &ApiKeyId, at: DateTime<Utc>) -> Result<bool, StoreError> {
        self.check()?;
        let mut keys = lock(&self.api_keys);
        match keys.get_mut(id) {
            Some(key) if key.revoked_at.is_none() => {
                key.revoked_at = Some(at);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn touch_api_key(&self, id: &ApiKeyId, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.check()?;
        if let Some(key) = lock(&self.api_keys).get_mut(id) {
            key.last_used_at = Some(key.last_used_at.map_or(at, |last| last.max(at)));
        }
        Ok(())
    }
}

#[async_trait]
impl BookingStore for InMemoryBookingStore {
    async fn create(&self, booking: &Booking) -> Result<(), StoreError> {
        self.check()?;
        if self
            .conflicts
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(StoreError::Conflict);
        }
        let mut records = lock(&self.records);
        if records.contains_key(&booking.token) || lock(&self.erased).contains_key(&booking.token) {
            return Err(StoreError::Conflict);
        }
        records.insert(
            booking.token.clone(),
            Record {
                booking: booking.clone(),
                state: InterviewState::new(booking.status),
                transcript: Vec::new(),
                evaluation: None,
                recordings: Vec::new(),
            },
        );
        Ok(())
    }

    async fn get(&self, token: &BookingToken) -> Result<Option<Booking>, StoreError> {
        self.check()?;
        Ok(lock(&self.records).get(token).map(|r| r.booking.clone()))
    }

    async fn interview_state(
        &self,
        token: &BookingToken,
    ) -> Result<Option<InterviewState>, StoreError> {
        self.check()?;
        Ok(lock(&self.records).get(token).map(|r| r.state.clone()))
    }

    async fn replace_interview_state(
        &self,
        token: &BookingToken,
        expected_version: u64,
        next: &InterviewState,
    ) -> Result<bool, StoreError> {
        self.check()?;
        let mut records = lock(&self.records);
        let Some(record) = records.get_mut(token) else {
            return Ok(false);
        };
        if record.state.version != expected_version {
            return Ok(false);
        }
        record.state = InterviewState {
            version: expected_version + 1,
            ..next.clone()
        };
        record.booking.status = next.status;
        Ok(true)
    }

    async fn append_transcript(
        &self,
        token: &BookingToken,
        entries: &[TranscriptEntry],
    ) -> Result<(), StoreError> {
        self.with_record(token, |r| r.transcript.extend_from_slice(entries))
    }

    async fn transcript(&self, token: &BookingToken) -> Result<Vec<TranscriptEntry>, StoreError> {
        self.check()?;
        Ok(lock(&self.records)
            .get(token)
            .map(|r| r.transcript.clone())
            .unwrap_or_default())
    }

    async fn save_evaluation(
        &self,
        token: &BookingToken,
        evaluation: &Evaluation,
    ) -> Result<(), StoreError> {
        self.with_record(token, |r| {
            r.evaluation = Some(evaluation.clone());
            r.booking.evaluation_status = EvaluationStatus::Ready;
        })
    }

    async fn set_evaluation_status(
        &self,
        token: &BookingToken,
        status: &EvaluationStatus,
    ) -> Result<(), StoreError> {
        self.with_record(token, |r| r.booking.evaluation_status = status.clone())
    }

    async fn record_webhook_event(
        &self,
        id: &str,
        received_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.check()?;
        let mut events = lock(&self.webhook_events);
        let oldest = received_at - WEBHOOK_EVENT_MEMORY;
        events.retain(|_, at| *at >= oldest);
        Ok(events.insert(id.to_owned(), received_at).is_none())
    }

    async fn count_bookings_for_email(
        &self,
        email: &EmailAddress,
        since: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        self.check()?;
        let count = lock(&self.records)
            .values()
            .filter(|r| {
                r.booking.created_at >= since
                    && r.booking
                        .email
                        .as_str()
                        .eq_ignore_ascii_case(email.as_str())
            })
            .count();
        Ok(count as u64)
    }

    async fn evaluation(&self, token: &BookingToken) -> Result<Option<Evaluation>, StoreError> {
        self.check()?;
        Ok(lock(&self.records)
            .get(token)
            .and_then(|r| r.evaluation.clone()))
    }

    async fn list_interviews(&self, query: &InterviewQuery) -> Result<InterviewPage, StoreError> {
        self.check()?;
        let live = lock(&self.records)
            .values()
            .map(|record| {
                StoredInterview::Live(Booking {
                    resume_text: None,
                    ..record.booking.clone()
                })
            })
            .collect::<Vec<_>>();
        let erased = lock(&self.erased)
            .values()
            .cloned()
            .map(StoredInterview::Erased)
            .collect::<Vec<_>>();
        let mut found: Vec<StoredInterview> = live
            .into_iter()
            .chain(erased)
            .filter(|interview| query.matches(interview) && query.is_after_cursor(interview))
            .collect();
        found.sort_by(|a, b| (b.scheduled_at(), b.token()).cmp(&(a.scheduled_at(), a.token())));
        let limit = query.limit.clamp(1, MAX_PAGE_SIZE);
        found.truncate(limit + 1);
        Ok(InterviewPage::from_fetched(found, limit))
    }

    async fn tombstone(&self, token: &BookingToken) -> Result<Option<Tombstone>, StoreError> {
        self.check()?;
        Ok(lock(&self.erased).get(token).cloned())
    }

    async fn erase(&self, token: &BookingToken, at: DateTime<Utc>) -> Result<Erasure, StoreError> {
        self.check()?;
        let mut records = lock(&self.records);
        let mut erased = lock(&self.erased);
        if let Some(tombstone) = erased.get(token) {
            return Ok(Erasure::AlreadyErased(tombstone.clone()));
        }
        let Some(record) = records.get(token) else {
            return Ok(Erasure::NotFound);
        };
        if record.state.status == BookingStatus::InProgress {
            return Ok(Erasure::InProgress);
        }
        let booking = records
            .remove(token)
            .map(|r| r.booking)
            .ok_or(StoreError::NotFound)?;
        let tombstone = Tombstone {
            token: booking.token,
            position_id: booking.position_id,
            scheduled_at: booking.scheduled_at,
            created_at: booking.created_at,
            erased_at: at,
        };
        erased.insert(token.clone(), tombstone.clone());
        let mut upload_keys = Vec::new();
        for upload in lock(&self.uploads).values_mut() {
            if upload.record.claimed_by.as_ref() == Some(token) {
                upload.record.claimed_by = None;
                upload.record.resume_text = None;
                upload.retired = true;
                upload_keys.push(upload.record.key.clone());
            }
        }
        upload_keys.sort();
        Ok(Erasure::Erased {
            tombstone,
            upload_keys,
        })
    }

    async fn reschedule(
        &self,
        token: &BookingToken,
        scheduled: &ScheduledTime,
    ) -> Result<Rescheduled, StoreError> {
        self.check()?;
        let mut records = lock(&self.records);
        let Some(record) = records.get_mut(token) else {
            return Ok(Rescheduled::NotFound);
        };
        if record.state.status != BookingStatus::Scheduled {
            return Ok(Rescheduled::NotScheduled(record.state.status));
        }
        record.booking.scheduled_at = scheduled.at();
        record.booking.time_zone = scheduled.zone();
        record.booking.reschedules = record.booking.reschedules.saturating_add(1);
        Ok(Rescheduled::Moved(Box::new(record.booking.clone())))
    }

    async fn record_upload(&self, upload: &UploadRecord) -> Result<(), StoreError> {
        self.check()?;
        let mut uploads = lock(&self.uploads);
        if uploads.contains_key(&upload.key) {
            return Err(StoreError::Conflict);
        }
        uploads.insert(
            upload.key.clone(),
            StoredUpload {
                record: upload.clone(),
                retired: false,
            },
        );
        Ok(())
    }

    async fn upload(&self, key: &str) -> Result<Option<UploadRecord>, StoreError> {
        self.check()?;
        Ok(lock(&self.uploads).get(key).map(|u| u.record.clone()))
    }

    async fn claim_upload(
        &self,
        key: &str,
        token: &BookingToken,
    ) -> Result<Option<UploadRecord>, StoreError> {
        self.check()?;
        let mut uploads = lock(&self.uploads);
        let Some(upload) = uploads.get_mut(key) else {
            return Ok(None);
        };
        if upload.retired || upload.record.claimed_by.is_some() {
            return Ok(None);
        }
        upload.record.claimed_by = Some(token.clone());
        Ok(Some(upload.record.clone()))
    }

    async fn release_upload(&self, key: &str, token: &BookingToken) -> Result<bool, StoreError> {
        self.check()?;
        let mut uploads = lock(&self.uploads);
        match uploads.get_mut(key) {
            Some(upload) if upload.record.claimed_by.as_ref() == Some(token) => {
                upload.record.claimed_by = None;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn retire_unclaimed_uploads(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        self.check()?;
        let mut uploads = lock(&self.uploads);
        let mut due: Vec<&mut StoredUpload> = uploads
            .values_mut()
            .filter(|u| u.record.claimed_by.is_none() && u.record.uploaded_at < before)
            .collect();
        due.sort_by(|a, b| {
            (a.record.uploaded_at, &a.record.key).cmp(&(b.record.uploaded_at, &b.record.key))
        });
        Ok(due
            .into_iter()
            .take(limit)
            .map(|upload| {
                upload.retired = true;
                upload.record.key.clone()
            })
            .collect())
    }

    async fn forget_upload(&self, key: &str) -> Result<bool, StoreError> {
        self.check()?;
        let mut uploads = lock(&self.uploads);
        let retired = uploads
            .get(key)
            .is_some_and(|u| u.retired && u.record.claimed_by.is_none());
        if retired {
            uploads.remove(key);
        }
        Ok(retired)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.check()
    }
}

/// A [`ResumeStore`] in a `HashMap`, with keys shaped like the real stores'
/// (`{counter}_{random}.{ext}`) and URLs under `/resumes/`.
#[derive(Debug, Default)]
pub struct InMemoryResumeStore {
    files: Mutex<HashMap<String, Bytes>>,
    counter: AtomicU64,
    unavailable: AtomicBool,
}

impl InMemoryResumeStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes every call fail with [`ResumeStoreError::Unavailable`] (or work again).
    pub fn set_unavailable(&self, unavailable: bool) {
        self.unavailable.store(unavailable, Ordering::SeqCst);
    }

    /// How many files are stored.
    pub fn len(&self) -> usize {
        lock(&self.files).len()
    }

    /// Whether no file is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn check(&self) -> Result<(), ResumeStoreError> {
        if self.unavailable.load(Ordering::SeqCst) {
            Err(ResumeStoreError::Unavailable(Box::new(InjectedFailure(
                "resume store is down",
            ))))
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl ResumeStore for InMemoryResumeStore {
    async fn put(
        &self,
        bytes: Bytes,
        kind: DocumentKind,
    ) -> Result<StoredResume, ResumeStoreError> {
        self.check()?;
        let n = self.counter.fetch_add(1, Ordering::SeqCst);
        let random =
            BookingToken::generate().map_err(|e| ResumeStoreError::Backend(Box::new(e)))?;
        let key = format!("{n}_{}.{}", &random.as_str()[..8], kind.extension());
        lock(&self.files).insert(key.clone(), bytes);
        Ok(StoredResume {
            url: format!("/resumes/{key}"),
            key,
        })
    }

    async fn get(&self, key: &str) -> Result<Option<Bytes>, ResumeStoreError> {
        self.check()?;
        Ok(lock(&self.files).get(key).cloned())
    }

    async fn delete(&self, key: &str) -> Result<(), ResumeStoreError> {
        self.check()?;
        lock(&self.files).remove(key);
        Ok(())
    }
}
