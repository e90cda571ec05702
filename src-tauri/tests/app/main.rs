//! The shell's own tests: the generated TypeScript, capability and app manifest match
//! the command table, the IPC surface answers with typed errors on a mock runtime, and
//! only the app's own pages may load.

// Test code: a panic here is a failed check, not a crash in front of a user.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bindings;
mod board_import;
mod capabilities;
mod ipc;
#[path = "../support/mock_ipc.rs"]
mod mock_ipc;
