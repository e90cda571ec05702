//! The files generated from the Rust side of IPC are committed, so the UI builds
//! without Rust; each must equal what the generator writes now. `make bindings`
//! (UPDATE_BINDINGS=1) rewrites them.

use std::path::PathBuf;

use escalate_app::bindings;
use escalate_app::commands::COMMANDS;

fn file(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// The committed file equals `fresh`, or (under `make bindings`) is made to.
fn current(relative: &str, fresh: &str) {
    let path = file(relative);
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{} is stale: run `make bindings` and commit the result",
        path.display()
    );
}

/// The UI compiles against ui/src/lib/bindings.ts; if a Rust type changed and the
/// file was not regenerated, the UI would send or expect the wrong shape.
#[test]
fn generated_typescript_is_current() {
    current("../ui/src/lib/bindings.ts", &bindings::typescript());
}

/// The UI calls the shell through ui/src/lib/commands.ts only; a command added,
/// removed, renamed or retyped in the table and not regenerated fails here.
#[test]
fn generated_commands_are_current() {
    current(
        "../ui/src/lib/commands.ts",
        &bindings::commands_typescript(),
    );
}

/// Tauri grants the webview what capabilities/main.json lists: the table's commands.
#[test]
fn generated_capability_is_current() {
    current("capabilities/main.json", &bindings::capability());
}

#[test]
fn bindings_declare_the_ipc_error_and_the_case_status() {
    let ts = bindings::typescript();
    // `{code, field?, message}`, the code from a closed list: the UI can only branch on
    // codes that exist.
    assert!(ts.contains("export type AppError = { code: ErrorCode, "));
    assert!(ts.contains("field?: string, message: string, }"));
    assert!(ts.contains("export type ErrorCode = \"field.invalid\" | "));
    assert!(ts.contains(" | \"case.closed\" | "));
    assert!(!ts.contains("code: string"));
    // The engine's answer is typed, not `any`.
    assert!(ts.contains("export type CaseStatus = {"));
    assert!(!ts.contains("JsonValue"));
    // JSON numbers arrive as `number`; a `bigint` in the bindings would be a lie.
    assert!(!ts.contains("bigint"));
}

/// Every type a command's signature names is declared in bindings.ts, and the
/// signatures are what the table says.
#[test]
fn commands_ts_has_one_typed_function_per_command() {
    assert_eq!(bindings::undeclared_types(), Vec::<String>::new());
    let ts = bindings::commands_typescript();
    assert!(!ts.contains("bigint") && !ts.contains(": any") && !ts.contains("<any>"));
    assert!(ts.contains(
        "  listCases: (includeClosed: boolean, search: string | null): Promise<Array<CaseListItem>> =>\n    call(\"list_cases\", { includeClosed, search }),\n"
    ));
    // `case` cannot name a parameter in TypeScript; the IPC key stays `case`.
    assert!(ts.contains(
        "  createCase: (case_: NewCase): Promise<string> =>\n    call(\"create_case\", { case: case_ }),\n"
    ));
    assert!(ts.contains(
        "  recordStage: (reference: string, record: StageRecordInput): Promise<RecordId> =>"
    ));
    assert!(ts.contains("  appStatus: (): Promise<AppStatus> =>\n    call(\"app_status\"),\n"));
    assert!(ts.contains("  resolveCase: (reference: string, outcome: string): Promise<null> =>"));
    assert!(ts.contains(
        "  boardImportProgress: (handler: (payload: ImportProgress) => void): Promise<UnlistenFn> =>\n    listen<ImportProgress>(\"board-import-progress\", (e) => handler(e.payload)),\n"
    ));
    // The list of names is the table's, in its order.
    let names: Vec<String> = COMMANDS.iter().map(|c| format!("\"{}\"", c.name)).collect();
    assert!(ts.contains(&format!(
        "export const COMMAND_NAMES = [{}] as const;",
        names.join(", ")
    )));
    assert_eq!(ts.matches("call(\"").count(), COMMANDS.len());
    // One way in: the wrapper that turns every rejection into an AppError.
    assert_eq!(ts.matches("invoke<T>(").count(), 1);
    assert!(ts.contains("throw asAppError(e);"));
}
