//! The services: what the API routes of the original do, over the traits.

mod scheduling;

pub use scheduling::{
    Admission, DEFAULT_INVITATIONS_PER_ADDRESS, DEFAULT_MAX_RESUME_BYTES, ScheduleError,
    ScheduledInterview, SchedulingService, SchedulingSettings, UploadError, UploadedResume,
};
