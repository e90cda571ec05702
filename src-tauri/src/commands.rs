//! The IPC surface: every command the webview may call, declared once (see ipc.rs for
//! the grammar). From this table come the command functions, Tauri's handler, the
//! signatures in `ui/src/lib/commands.ts`, the capability file and build.rs's app
//! manifest. A body takes the open store from the session, calls a crate, and says
//! when deadlines may have changed; anything more is in a module of its own.
//!
//! The table is `commands/table.rs`, which holds the one invocation and nothing else:
//! build.rs includes it too, with a macro of its own that keeps only the names.

/// The events the shell sends to the webview.
pub const EVENTS: &[crate::ipc::EventSignature] = &[crate::board_import::IMPORT_PROGRESS];

include!("commands/table.rs");
