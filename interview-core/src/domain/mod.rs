//! The booking domain: parsed values that cannot hold invalid data, the booking
//! record and the interview window.

mod booking;
mod email;
mod name;
mod phone;
mod schedule;
mod token;
mod validation;
mod window;

pub use booking::{
    Booking, BookingStatus, EvaluationStatus, MAX_RESUME_URL_CHARS, NewBooking, ScheduleRequest,
    UnknownStatus,
};
pub use email::{EmailAddress, MAX_EMAIL_CHARS};
pub use name::{MAX_NAME_CHARS, PersonName};
pub use phone::{MAX_PHONE_INPUT_CHARS, PhoneNumber, PhoneRegion};
pub use schedule::{ScheduledTime, SchedulingRules, parse_zone};
pub use token::{BookingToken, TOKEN_LEN};

pub use validation::{Field, FieldError, ValidationErrors};
pub use window::{InterviewWindow, InvalidWindow, WindowStatus};
