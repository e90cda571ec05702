//! The grammar of the command table (`src/commands.rs`). One `commands!` invocation
//! declares every command once; this macro turns it into the `#[tauri::command]`
//! functions, Tauri's handler, and `COMMANDS`, the signatures that `bindings.rs` writes
//! into `ui/src/lib/commands.ts` and the capability file. build.rs includes the same
//! table with a macro of its own that keeps only the names, for the app manifest.
//!
//! An entry reads like a function:
//!
//! ```text
//! /// Doc comment (copied into commands.ts).
//! name[app, state](arg: Type, …) -> Returned { body }
//! ```
//!
//! `[state]` or `[app, state]` name the parameters Tauri injects (the app's state, the
//! `AppHandle` for dialogs, the opener and events): they are not IPC arguments. The
//! body returns `AppResult<Returned>`. Tauri names each IPC argument in camelCase.

/// A type's name in TypeScript, as ts-rs gives it (`<T as TS>::name`).
pub type TsName = fn() -> String;

/// One command as the UI sees it: its name, its IPC arguments and what it answers,
/// each type as ts-rs names it in bindings.ts.
#[derive(Debug, Clone, Copy)]
pub struct Signature {
    pub name: &'static str,
    /// The doc comment's lines, as written after `///`.
    pub doc: &'static [&'static str],
    /// Each IPC argument's Rust name (snake_case) and TypeScript type.
    pub args: &'static [(&'static str, TsName)],
    pub returns: TsName,
}

impl Signature {
    /// The arguments as the webview sends them: Tauri's camelCase keys.
    pub fn ipc_args(&self) -> impl Iterator<Item = (String, String)> + '_ {
        self.args.iter().map(|(name, ts)| (camel_case(name), ts()))
    }
}

/// `include_closed` → `includeClosed`, as Tauri's `#[command]` renames arguments.
pub fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = !out.is_empty();
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// An event the shell sends to the webview, with its payload's TypeScript type.
#[derive(Debug, Clone, Copy)]
pub struct EventSignature {
    pub name: &'static str,
    pub doc: &'static str,
    pub payload: TsName,
}

/// Commands of Tauri's own plugins the webview may call, with the permission that
/// grants each (listening for the shell's events).
pub const PLUGIN_COMMANDS: &[(&str, &str)] = &[
    ("core:event:allow-listen", "plugin:event|listen"),
    ("core:event:allow-unlisten", "plugin:event|unlisten"),
];

macro_rules! commands {
    // One command, by what Tauri injects into it.
    (@fn [$($doc:literal)*] [] $name:ident ($($arg:ident : $ty:ty),*) -> $ret:ty { $($body:tt)* }) => {
        $(#[doc = $doc])*
        #[tauri::command]
        async fn $name($($arg: $ty),*) -> $crate::error::AppResult<$ret> {
            $($body)*
        }
    };
    (@fn [$($doc:literal)*] [$state:ident] $name:ident ($($arg:ident : $ty:ty),*) -> $ret:ty { $($body:tt)* }) => {
        $(#[doc = $doc])*
        #[tauri::command]
        async fn $name(
            $state: tauri::State<'_, $crate::state::AppState>,
            $($arg: $ty),*
        ) -> $crate::error::AppResult<$ret> {
            $($body)*
        }
    };
    (@fn [$($doc:literal)*] [$app:ident, $state:ident] $name:ident ($($arg:ident : $ty:ty),*) -> $ret:ty { $($body:tt)* }) => {
        $(#[doc = $doc])*
        #[tauri::command]
        async fn $name<R: tauri::Runtime>(
            $app: tauri::AppHandle<R>,
            $state: tauri::State<'_, $crate::state::AppState>,
            $($arg: $ty),*
        ) -> $crate::error::AppResult<$ret> {
            $($body)*
        }
    };
    (
        use { $($imports:tt)* }
        $(
            $(#[doc = $doc:literal])*
            $name:ident $([$($inject:ident),+])? ($($arg:ident : $ty:ty),* $(,)?) -> $ret:ty { $($body:tt)* }
        )*
    ) => {
        use { $($imports)* };

        $(commands!(@fn [$($doc)*] [$($($inject),+)?] $name ($($arg: $ty),*) -> $ret { $($body)* });)*

        /// Tauri's dispatch to every command in the table.
        pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name),*]
        }

        /// Every command's signature, in the table's order.
        pub const COMMANDS: &[$crate::ipc::Signature] = &[$(
            $crate::ipc::Signature {
                name: stringify!($name),
                doc: &[$($doc),*],
                args: &[$((stringify!($arg), <$ty as ts_rs::TS>::name)),*],
                returns: <$ret as ts_rs::TS>::name,
            }
        ),*];
    };
}
