use std::path::PathBuf;

fn bindings_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings.ts")
}

/// The UI compiles against ui/src/lib/bindings.ts; if a Rust type changed and the
/// file was not regenerated, the UI would send or expect the wrong shape.
#[test]
fn generated_typescript_is_current() {
    let fresh = escalate_app::bindings::typescript();
    let path = bindings_file();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{} is stale: run `make bindings` and commit the result",
        path.display()
    );
}

#[test]
fn bindings_declare_the_ipc_error_and_the_case_status() {
    let ts = escalate_app::bindings::typescript();
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
