//! escalate-api's tests: the use cases on real stores.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cases;
mod present;
