//! Escalate's use cases: what a lead or a Board administrator can do, each one function
//! with typed arguments, called by both front ends (the `escalate` command line and the
//! desktop app's shell). The front ends parse, call and show; the decisions are here.
//! Time is passed in (`now`), so every use case is reproducible in tests.

pub mod board;
pub mod cases;
pub mod drafts;
pub mod engine;
pub mod error;
pub mod export;
pub mod files;
pub mod keys;
pub mod next;
pub mod present;
pub mod reports;
pub mod session;
pub mod settings;

pub use error::{ApiError, ApiResult};
