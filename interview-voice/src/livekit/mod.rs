//! The LiveKit agent worker: registration, dispatch and job status.
