// Each command needs a capability grant (capabilities/main.json): without an app
// manifest every command would be open to every window. The names come from the
// command table itself, read here with a macro that keeps only the names (the crate's
// own `commands!` in src/ipc.rs makes the functions from the same entries).
macro_rules! commands {
    (
        use { $($imports:tt)* }
        $(
            $(#[doc = $doc:literal])*
            $name:ident $([$($inject:ident),+])? ($($arg:ident : $ty:ty),* $(,)?) -> $ret:ty { $($body:tt)* }
        )*
    ) => {
        const COMMANDS: &[&str] = &[$(stringify!($name)),*];
    };
}

include!("src/commands/table.rs");

fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        // A build script's only way to report: cargo shows this and stops.
        #[allow(clippy::panic, reason = "build scripts fail by panicking")]
        {
            panic!("tauri-build: {e:#}");
        }
    }
}
