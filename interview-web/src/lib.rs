//! # interview-web
//!
//! An axum `Router` that integrators mount in their own server: the booking form,
//! the JSON API of the original (`/api/upload-resume`, `/api/schedule-interview`,
//! `/api/connection-details`), the interview page and its static assets.
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | — | — | nothing is implemented yet: the router, pages and notifiers are planned |
