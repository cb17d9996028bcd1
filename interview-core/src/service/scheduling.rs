//! Upload a resume, book an interview, let a candidate in at the right time.

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, TimeDelta, Utc};
use url::Url;

use super::uploads::{DEFAULT_UNCLAIMED_UPLOAD_TTL, foreign_resume, key_prefix};
use crate::clock::Clock;
use crate::jobs::JobStore;
use crate::notify::{Invitation, Notifier, NotifyError};
use crate::position::{Position, Slug, default_position_id};
use crate::rate::Rate;
use crate::resume::{
    DocumentKind, ExtractError, ResumeExtractor, ResumeStore, ResumeStoreError, UnsupportedDocument,
};
use crate::store::{BookingStore, StoreError, UploadRecord};

use super::delivery::{EmailStatus, Waiters};
use crate::{
    Booking, BookingStatus, BookingToken, EmailAddress, Field, FieldError, InterviewWindow,
    NewBooking, RandomnessError, ScheduleRequest, SchedulingRules, ValidationErrors, WindowStatus,
};

/// The largest resume accepted by default: 5 MiB, as in the original form.
pub const DEFAULT_MAX_RESUME_BYTES: usize = 5 * 1024 * 1024;

/// The default limit on bookings (and so invitation e-mails) per e-mail address:
/// 3 per 24 hours. A candidate books once, or twice after a mistake; a script
/// flooding someone's inbox from our mail server gets three messages through.
pub const DEFAULT_INVITATIONS_PER_ADDRESS: Rate =
    Rate::per(3, std::time::Duration::from_secs(24 * 3600));

/// How long a booking request waits for its invitation, by default.
pub const DEFAULT_INVITATION_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// How the scheduling service behaves.
#[derive(Debug, Clone)]
pub struct SchedulingSettings {
    base_url: Url,
    /// When interview links let candidates in.
    pub window: InterviewWindow,
    /// The rules booking requests are checked against.
    pub rules: SchedulingRules,
    /// The largest resume file accepted, in bytes.
    pub max_resume_bytes: usize,
    /// At most this many bookings per e-mail address (compared without regard to
    /// case) per period, counted in the booking store; `None`: no limit.
    pub invitations_per_address: Option<Rate>,
    /// How long an upload waits for a booking to claim it before the sweeper
    /// deletes it ([`DEFAULT_UNCLAIMED_UPLOAD_TTL`]).
    pub unclaimed_upload_ttl: TimeDelta,
    /// With a job queue, how long a booking request waits for its invitation to
    /// be delivered before it answers `queued` ([`DEFAULT_INVITATION_WAIT`]).
    pub invitation_wait: std::time::Duration,
    /// How long before the start reminders go out, latest first (none: no
    /// reminders); `REMINDER_OFFSETS`.
    pub reminder_offsets: Vec<std::time::Duration>,
    /// How long after its scheduled time an interview is erased
    /// ([`SchedulingService::erase_expired`]); `None`: kept until erased by hand.
    /// `RETENTION_DAYS`.
    pub retention: Option<TimeDelta>,
}

impl SchedulingSettings {
    /// Settings with the original's defaults and links under `public_base_url`
    /// (`https://jobs.example.com` or `https://example.com/careers`).
    pub fn new(public_base_url: &Url) -> Self {
        let mut base_url = public_base_url.clone();
        // `Url::join` replaces the last path segment unless the path ends in '/'.
        if !base_url.path().ends_with('/') {
            let path = format!("{}/", base_url.path());
            base_url.set_path(&path);
        }
        base_url.set_query(None);
        base_url.set_fragment(None);
        Self {
            base_url,
            window: InterviewWindow::DEFAULT,
            rules: SchedulingRules::default(),
            max_resume_bytes: DEFAULT_MAX_RESUME_BYTES,
            invitations_per_address: Some(DEFAULT_INVITATIONS_PER_ADDRESS),
            unclaimed_upload_ttl: DEFAULT_UNCLAIMED_UPLOAD_TTL,
            invitation_wait: DEFAULT_INVITATION_WAIT,
            reminder_offsets: crate::config::DEFAULT_REMINDER_OFFSETS.to_vec(),
            retention: None,
        }
    }

    /// `path_or_url` made absolute against the public base URL when it is a path
    /// (`/resumes/a.pdf` -> `https://jobs.example.com/resumes/a.pdf`); absolute URLs
    /// are returned unchanged.
    pub fn absolute_url(&self, path_or_url: &str) -> String {
        if !path_or_url.starts_with('/') || path_or_url.starts_with("//") {
            return path_or_url.to_owned();
        }
        let mut url = self.base_url.clone();
        let path = format!("{}{}", self.base_url.path(), &path_or_url[1..]);
        url.set_path(&path);
        url.to_string()
    }

    /// The link for a booking: `{PUBLIC_BASE_URL}/interview/{token}`.
    pub fn interview_url(&self, token: &BookingToken) -> Url {
        let mut url = self.base_url.clone();
        let path = format!("{}interview/{token}", self.base_url.path());
        url.set_path(&path);
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_base_path_with_or_without_a_trailing_slash() {
        let token = BookingToken::parse("0123456789abcdef0123456789abcdef").unwrap();
        for (base, expected) in [
            ("https://jobs.example.com", "https://jobs.example.com/"),
            ("https://jobs.example.com/", "https://jobs.example.com/"),
            (
                "https://example.com/careers",
                "https://example.com/careers/",
            ),
            (
                "https://example.com/careers/",
                "https://example.com/careers/",
            ),
            (
                "https://example.com/careers/?x=1#y",
                "https://example.com/careers/",
            ),
            ("https://example.com/a/b", "https://example.com/a/b/"),
        ] {
            let settings = SchedulingSettings::new(&Url::parse(base).unwrap());
            assert_eq!(
                settings.interview_url(&token).as_str(),
                format!("{expected}interview/{token}"),
                "{base}"
            );
            assert_eq!(
                settings.absolute_url("/resumes/a.pdf"),
                format!("{expected}resumes/a.pdf"),
                "{base}"
            );
            assert_eq!(
                settings.absolute_url("https://cdn.example.com/a.pdf"),
                "https://cdn.example.com/a.pdf"
            );
        }
    }
}

/// The result of `upload-resume`: the file is stored even when its text could not be
/// read, and the reason is reported instead of failing the upload.
#[derive(Debug)]
pub struct UploadedResume {
    /// Where the file can be fetched.
    pub resume_url: String,
    /// The store's key for it.
    pub resume_key: String,
    /// The detected format.
    pub kind: DocumentKind,
    /// The extracted text, when extraction worked.
    pub resume_text: Option<String>,
    /// Why extraction failed, when it did.
    pub extraction_error: Option<ExtractError>,
}

/// Why an upload was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UploadError {
    /// The file is larger than allowed.
    #[error("the file is {size} bytes; the limit is {limit} bytes")]
    TooLarge {
        /// The file's size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The file is not a PDF, DOC or DOCX.
    #[error(transparent)]
    Unsupported(#[from] UnsupportedDocument),
    /// The file could not be stored.
    #[error("the resume could not be stored")]
    Store(#[from] ResumeStoreError),
    /// The file was stored but could not be recorded in the booking store (so it
    /// was deleted again: no booking could have claimed it).
    #[error("the upload could not be recorded")]
    Record(#[source] StoreError),
}

/// The result of `schedule-interview`: the booking exists whether or not the
/// invitation went out.
#[derive(Debug)]
pub struct ScheduledInterview {
    /// The stored booking.
    pub booking: Booking,
    /// The candidate's link.
    pub interview_url: Url,
    /// Whether the invitation was delivered.
    pub email_sent: bool,
    /// Where the invitation stands: sent, queued (the job queue keeps trying), or
    /// failed (without a queue).
    pub email_status: EmailStatus,
    /// Why it was not, when it was not.
    pub email_error: Option<NotifyError>,
}

/// Why a booking was not made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScheduleError {
    /// The request has invalid fields.
    #[error("invalid booking request: {0}")]
    Invalid(#[from] ValidationErrors),
    /// The booking could not be stored.
    #[error("the booking could not be stored")]
    Store(#[from] StoreError),
    /// No token could be generated.
    #[error(transparent)]
    Randomness(#[from] RandomnessError),
    /// The address already has as many bookings as the limit on invitations per
    /// address allows in its period: nothing was booked or sent.
    #[error("the address already has {} bookings within {}", .limit.count(), .limit)]
    TooManyInvitations {
        /// The limit reached.
        limit: Rate,
        /// When to try again at the latest: the limit's period (the oldest counted
        /// booking may leave the window sooner).
        retry_after: std::time::Duration,
    },
}

/// Whether a token lets its holder into an interview at some instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// No booking has this token (or the token is malformed).
    NotFound,
    /// The booking was cancelled.
    Cancelled,
    /// The interview has already taken place: it cannot be joined again.
    Completed {
        /// The booking.
        booking: Box<Booking>,
    },
    /// The window has not opened yet.
    TooEarly {
        /// The booking.
        booking: Box<Booking>,
        /// When the window opens.
        opens_at: DateTime<Utc>,
    },
    /// The interview can be joined.
    Open {
        /// The booking.
        booking: Box<Booking>,
        /// When the window closes.
        closes_at: DateTime<Utc>,
    },
    /// The window has closed.
    Expired {
        /// The booking.
        booking: Box<Booking>,
        /// When the window closed.
        closed_at: DateTime<Utc>,
    },
}

/// How many fresh tokens to try when a new one collides with a stored booking.
/// With 128 random bits a single collision is already beyond belief; retrying keeps
/// the booking correct even against a store that reports spurious conflicts.
const TOKEN_ATTEMPTS: usize = 3;

/// Uploads resumes, books interviews and admits candidates: the original's API
/// routes as a library.
pub struct SchedulingService {
    bookings: Arc<dyn BookingStore>,
    resumes: Arc<dyn ResumeStore>,
    extractor: Arc<dyn ResumeExtractor>,
    notifier: Arc<dyn Notifier>,
    clock: Arc<dyn Clock>,
    settings: SchedulingSettings,
    /// The durable queue bookings write their mail jobs to; `None`: mail is sent
    /// during the request, once.
    jobs: Option<Arc<dyn JobStore>>,
    /// Booking requests waiting for their invitation job.
    pub(super) waiters: Arc<Waiters>,
    /// The HR platform's webhook endpoints events are queued for.
    pub(super) subscribers: Vec<EventSubscriber>,
}

/// A webhook endpoint of the HR platform, as the scheduling service queues
/// events for it: the job names the endpoint by `id`, whoever runs the job knows
/// its URL and secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSubscriber {
    /// The endpoint's id (`env` for `WEBHOOK_URL`).
    pub id: String,
    /// The event types it wants; `None`: all.
    pub events: Option<Vec<crate::events::EventType>>,
}

impl std::fmt::Debug for SchedulingService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchedulingService")
            .field("settings", &self.settings)
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

impl SchedulingService {
    /// A service over the given stores, extractor, notifier and clock.
    pub fn new(
        bookings: Arc<dyn BookingStore>,
        resumes: Arc<dyn ResumeStore>,
        extractor: Arc<dyn ResumeExtractor>,
        notifier: Arc<dyn Notifier>,
        clock: Arc<dyn Clock>,
        settings: SchedulingSettings,
    ) -> Self {
        Self {
            bookings,
            resumes,
            extractor,
            notifier,
            clock,
            settings,
            jobs: None,
            waiters: Arc::default(),
            subscribers: Vec::new(),
        }
    }

    /// Queues each booking's events (`booking.created`, `booking.rescheduled`,
    /// `booking.cancelled`) for `subscribers`, when there is a job queue
    /// ([`SchedulingService::with_jobs`]).
    pub fn with_event_subscribers(mut self, subscribers: Vec<EventSubscriber>) -> Self {
        self.subscribers = subscribers;
        self
    }

    /// Writes each booking together with its invitation and reminder jobs in
    /// `jobs`, a durable queue that a worker runs with
    /// [`SchedulingJobs`](super::SchedulingJobs): a mail server that is down
    /// delays the invitation, and loses nothing.
    pub fn with_jobs(mut self, jobs: Arc<dyn JobStore>) -> Self {
        self.jobs = Some(jobs);
        self
    }

    /// The job queue, when there is one.
    pub fn jobs(&self) -> Option<&Arc<dyn JobStore>> {
        self.jobs.as_ref()
    }

    /// The settings.
    pub fn settings(&self) -> &SchedulingSettings {
        &self.settings
    }

    /// The booking store (for routes that read bookings directly).
    pub fn bookings(&self) -> &Arc<dyn BookingStore> {
        &self.bookings
    }

    /// The resume store (for serving stored files).
    pub fn resumes(&self) -> &Arc<dyn ResumeStore> {
        &self.resumes
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Stores a resume and extracts its text. The type comes from the file's bytes.
    /// A file whose text cannot be read is still stored; the reason is returned in
    /// [`UploadedResume::extraction_error`].
    pub async fn upload_resume(&self, bytes: Bytes) -> Result<UploadedResume, UploadError> {
        let limit = self.settings.max_resume_bytes;
        if bytes.len() > limit {
            return Err(UploadError::TooLarge {
                size: bytes.len(),
                limit,
            });
        }
        let kind = DocumentKind::sniff(&bytes)?;
        let stored = self.resumes.put(bytes.clone(), kind).await?;
        let (resume_text, extraction_error) = match self.extractor.extract(bytes, kind).await {
            Ok(text) => (Some(text), None),
            Err(error) => {
                tracing::warn!(
                    key = key_prefix(&stored.key),
                    %kind,
                    reason = error.reason(),
                    detail = error.detail().unwrap_or_default(),
                    %error,
                    "resume stored but its text could not be extracted"
                );
                (None, Some(error))
            }
        };
        self.record_stored_upload(
            &stored,
            kind,
            resume_text.as_deref(),
            extraction_error.as_ref(),
        )
        .await?;
        Ok(UploadedResume {
            resume_url: stored.url,
            resume_key: stored.key,
            kind,
            resume_text,
            extraction_error,
        })
    }

    /// Validates a request, stores the booking and sends the invitation. A failed
    /// invitation does not undo the booking: it is logged and reported as
    /// `email_sent: false`.
    ///
    /// The resume is the upload the request's `resumeUrl` names, which must be one
    /// this server stored and no other booking claimed; the booking takes the
    /// server's URL and extracted text for it. A `resumeText` from the client is
    /// ignored: without a readable upload, the booking has no resume text.
    pub async fn schedule(
        &self,
        request: &ScheduleRequest,
    ) -> Result<ScheduledInterview, ScheduleError> {
        let now = self.clock.now();
        let position = self
            .position_for_request(request.position.as_deref())
            .await?;
        let mut rules = self.settings.rules.clone();
        rules.phone_region = position.phone_region;
        let mut new_booking = NewBooking::parse(request, now, &rules)?;
        new_booking.position_id = position.id.clone();
        self.check_invitations_per_address(&new_booking.email, now)
            .await?;
        let upload = self
            .resume_for_booking(new_booking.resume_url.as_deref())
            .await?;
        new_booking.resume_url = upload
            .as_ref()
            .map(|upload| self.settings.absolute_url(&upload.url));
        new_booking.resume_text = upload
            .as_ref()
            .and_then(|upload| upload.resume_text.clone());
        let booking = self
            .create_with_fresh_token(new_booking, upload.as_ref(), now)
            .await?;
        metrics::counter!("interview_bookings_created_total").increment(1);
        let interview_url = self.settings.interview_url(&booking.token);
        let (email_status, email_error) = if self.jobs.is_some() {
            (self.queued_mail_status(&booking.token).await, None)
        } else {
            match self.invite(&booking, &position, 0, now).await {
                None => (EmailStatus::Sent, None),
                Some(error) => (EmailStatus::Failed, Some(error)),
            }
        };
        tracing::info!(token = ?booking.token, scheduled_at = %booking.scheduled_at, email = ?email_status, "interview booked");
        Ok(ScheduledInterview {
            booking,
            interview_url,
            email_sent: email_status == EmailStatus::Sent,
            email_status,
            email_error,
        })
    }

    /// Sends `booking`'s invitation (`sequence` 0) or its update (higher, when it
    /// moved), and says why it was not delivered, when it was not: a failed
    /// invitation never undoes the change it announces.
    pub(super) async fn invite(
        &self,
        booking: &Booking,
        position: &Position,
        sequence: u32,
        now: DateTime<Utc>,
    ) -> Option<NotifyError> {
        let invitation = self.invitation(booking, position, sequence, now);
        match self.notifier.send_invitation(&invitation).await {
            Ok(()) => {
                metrics::counter!("interview_invitations_total", "outcome" => "sent").increment(1);
                None
            }
            Err(error) => {
                metrics::counter!("interview_invitations_total", "outcome" => "failed")
                    .increment(1);
                tracing::warn!(token = ?booking.token, %error, "the invitation was not sent");
                Some(error)
            }
        }
    }

    /// Reminds the candidate of `booking`, `before` its start, and says why it
    /// was not delivered, when it was not.
    pub(super) async fn remind(
        &self,
        booking: &Booking,
        position: &Position,
        before: std::time::Duration,
        now: DateTime<Utc>,
    ) -> Option<NotifyError> {
        let invitation = self.invitation(booking, position, booking.reschedules, now);
        match self.notifier.send_reminder(&invitation, before).await {
            Ok(()) => {
                metrics::counter!("interview_reminders_total", "outcome" => "sent").increment(1);
                None
            }
            Err(error) => {
                metrics::counter!("interview_reminders_total", "outcome" => "failed").increment(1);
                tracing::warn!(token = ?booking.token, %error, "the reminder was not sent");
                Some(error)
            }
        }
    }

    /// Tells the candidate that `booking` was cancelled (the calendar's
    /// `METHOD:CANCEL` for the invitation last sent), and says why it was not
    /// delivered, when it was not.
    pub(super) async fn announce_cancellation(
        &self,
        booking: &Booking,
        position: &Position,
        now: DateTime<Utc>,
    ) -> Option<NotifyError> {
        let last_sent = self.invitation(booking, position, booking.reschedules, now);
        match self.notifier.send_cancellation(&last_sent).await {
            Ok(()) => {
                metrics::counter!("interview_cancellations_total", "outcome" => "sent")
                    .increment(1);
                None
            }
            Err(error) => {
                metrics::counter!("interview_cancellations_total", "outcome" => "failed")
                    .increment(1);
                tracing::warn!(token = ?booking.token, %error, "the cancellation was not sent");
                Some(error)
            }
        }
    }

    /// What the candidate is (or was last) told about `booking`: revision
    /// `sequence` of its calendar event.
    fn invitation(
        &self,
        booking: &Booking,
        position: &Position,
        sequence: u32,
        now: DateTime<Utc>,
    ) -> Invitation {
        Invitation {
            token: booking.token.clone(),
            to: booking.email.clone(),
            candidate_name: booking.name.clone(),
            scheduled: booking.scheduled(),
            duration: TimeDelta::from_std(position.duration()).unwrap_or(TimeDelta::MAX),
            opens_before: self.settings.window.opens_before(),
            interview_url: self.settings.interview_url(&booking.token),
            position_title: position.title.clone(),
            company: position.company.clone(),
            language: position.language.clone(),
            sent_at: now,
            sequence,
        }
    }

    /// The position of bookings in a store nobody defined positions in (an
    /// integrator's own set-up): [`Position::default`], reading phone numbers in
    /// the settings' region.
    pub fn built_in_position(&self) -> Position {
        Position {
            phone_region: self.settings.rules.phone_region,
            ..Position::default()
        }
    }

    /// The positions open for applications, ordered by title.
    pub async fn open_positions(&self) -> Result<Vec<Position>, StoreError> {
        let mut positions = self.bookings.positions().await?;
        positions.retain(|p| !p.archived);
        Ok(positions)
    }

    /// The position a booking request applies for: the one whose slug (or id)
    /// `requested` names, which must be open; without one, the only open
    /// position (the [built-in one](Self::built_in_position) when the store has
    /// none at all), or else the default position
    /// ([`DEFAULT_POSITION_ID`](crate::position::DEFAULT_POSITION_ID)).
    pub async fn position_for_request(
        &self,
        requested: Option<&str>,
    ) -> Result<Position, ScheduleError> {
        let not_open = || {
            ScheduleError::Invalid(
                FieldError::new(
                    Field::Position,
                    "This position is not open for applications. Choose one from the list of \
                     open positions.",
                )
                .into(),
            )
        };
        let requested = requested.map(str::trim).filter(|r| !r.is_empty());
        let found = match requested {
            Some(text) => {
                let Some(slug) = Slug::parse(text) else {
                    return Err(not_open());
                };
                match self.bookings.position_by_slug(&slug).await? {
                    Some(position) => Some(position),
                    None => self.bookings.position(&slug).await?,
                }
            }
            None => {
                let all = self.bookings.positions().await?;
                let open: Vec<&Position> = all.iter().filter(|p| !p.archived).collect();
                match open.as_slice() {
                    // A store nobody defined positions in (an integrator's own
                    // set-up): the built-in default position.
                    [] if all.is_empty() => Some(self.built_in_position()),
                    [only] => Some((*only).clone()),
                    _ => self.bookings.position(&default_position_id()).await?,
                }
            }
        };
        match found {
            Some(position) if !position.archived => Ok(position),
            _ if requested.is_none() => Err(ScheduleError::Invalid(
                FieldError::new(Field::Position, "Choose the position you are applying for.")
                    .into(),
            )),
            _ => Err(not_open()),
        }
    }

    /// Refuses a booking for an address that already has as many bookings as
    /// [`SchedulingSettings::invitations_per_address`] allows. Counted in the store,
    /// so the limit holds across restarts and instances; two requests racing for
    /// the last place may both pass.
    async fn check_invitations_per_address(
        &self,
        email: &EmailAddress,
        now: DateTime<Utc>,
    ) -> Result<(), ScheduleError> {
        let Some(limit) = self.settings.invitations_per_address else {
            return Ok(());
        };
        let period = TimeDelta::from_std(limit.period()).unwrap_or(TimeDelta::MAX);
        let since = now
            .checked_sub_signed(period)
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let booked = self.bookings.count_bookings_for_email(email, since).await?;
        if booked < u64::from(limit.count()) {
            return Ok(());
        }
        metrics::counter!("interview_invitations_refused_total").increment(1);
        tracing::warn!(
            booked,
            %limit,
            "booking refused: the address reached the limit on invitations"
        );
        Err(ScheduleError::TooManyInvitations {
            limit,
            retry_after: limit.period(),
        })
    }

    /// Stores the booking under a fresh token, claiming `upload` for it first. If
    /// the booking cannot be stored, the claim is released, so the upload never
    /// stays claimed by a booking that does not exist.
    async fn create_with_fresh_token(
        &self,
        new_booking: NewBooking,
        upload: Option<&UploadRecord>,
        now: DateTime<Utc>,
    ) -> Result<Booking, ScheduleError> {
        let mut attempt = 1;
        loop {
            let booking = Booking::new(BookingToken::generate()?, new_booking.clone(), now);
            if let Some(upload) = upload
                && self
                    .bookings
                    .claim_upload(&upload.key, &booking.token)
                    .await?
                    .is_none()
            {
                // Another booking claimed it (or the sweeper retired it) since it
                // was checked.
                return Err(foreign_resume());
            }
            let created = match &self.jobs {
                Some(jobs) => {
                    let queued = self.booking_jobs(&booking, now).await;
                    jobs.create_with_jobs(&booking, &queued).await
                }
                None => self.bookings.create(&booking).await,
            };
            if let (Err(_), Some(upload)) = (&created, upload) {
                self.release_claim(upload, &booking.token).await;
            }
            match created {
                Ok(()) => return Ok(booking),
                Err(StoreError::Conflict) if attempt < TOKEN_ATTEMPTS => {
                    tracing::warn!(attempt, "generated token already taken; trying another");
                    attempt += 1;
                }
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// Releases a claim whose booking was not stored. If even that fails, the file
    /// is kept (claimed, so never swept) and the candidate can upload again.
    async fn release_claim(&self, upload: &UploadRecord, token: &BookingToken) {
        if let Err(error) = self.bookings.release_upload(&upload.key, token).await {
            tracing::error!(
                key = key_prefix(&upload.key),
                token = token.short(),
                %error,
                "an upload stays claimed by a booking that was not stored"
            );
        }
    }

    /// Whether `token` lets its holder in at `at`. A malformed token is
    /// [`Admission::NotFound`] without a lookup.
    pub async fn admit(&self, token: &str, at: DateTime<Utc>) -> Result<Admission, StoreError> {
        let Ok(token) = BookingToken::parse(token) else {
            return Ok(Admission::NotFound);
        };
        let Some(booking) = self.bookings.get(&token).await? else {
            return Ok(Admission::NotFound);
        };
        match booking.status {
            BookingStatus::Cancelled => return Ok(Admission::Cancelled),
            BookingStatus::Completed => {
                return Ok(Admission::Completed {
                    booking: Box::new(booking),
                });
            }
            _ => {}
        }
        let booking = Box::new(booking);
        Ok(match self.settings.window.admit(booking.scheduled_at, at) {
            WindowStatus::TooEarly { opens_at } => Admission::TooEarly { booking, opens_at },
            WindowStatus::Open { closes_at } => Admission::Open { booking, closes_at },
            WindowStatus::Expired { closed_at } => Admission::Expired { booking, closed_at },
        })
    }

    /// [`SchedulingService::admit`] at the clock's current time.
    pub async fn admit_now(&self, token: &str) -> Result<Admission, StoreError> {
        self.admit(token, self.clock.now()).await
    }
}
