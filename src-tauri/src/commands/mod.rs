//! The IPC surface, by domain. Each command unlocks nothing itself: it takes the
//! open store from the session, calls one crate function and maps its error.

pub mod board;
pub mod cases;
pub mod reports;
pub mod session;
pub mod settings;
pub mod stages;
