//! The services: what the API routes of the original do, over the traits.

mod changes;
mod delivery;
mod scheduling;
mod uploads;

pub use changes::{Cancelled, CandidateChange, ChangeError, Erased};
pub use delivery::{EmailStatus, SchedulingJobs};
pub use scheduling::{
    Admission, DEFAULT_INVITATION_WAIT, DEFAULT_INVITATIONS_PER_ADDRESS, DEFAULT_MAX_RESUME_BYTES,
    EventSubscriber, ScheduleError, ScheduledInterview, SchedulingService, SchedulingSettings,
    UploadError, UploadedResume,
};
pub use uploads::{
    DEFAULT_UNCLAIMED_UPLOAD_TTL, FOREIGN_RESUME_MESSAGE, SWEEP_BATCH, SweepReport, sweep_interval,
};
